"""E-mail out (the Wavecom stack's SMTP, docs/decisions.md section 12): AT#PUTMAIL sends the
host's mail to REC1 (and CCREC1) through SMTPSERV:SMTPPORT, from SENDERNAME <SENDERADDR>,
with SUBJ1. The SMTP session is opened first (EHLO DOMAIN, AUTH when SMTPUN is set, MAIL,
RCPT, DATA); then Ok_Info_WaitingForData, and the host's text, not echoed, up to a line that
is a lone "." (its CR LF . CR LF), goes to the server as it comes: lines ended CR LF (a
host's bare LF too), a line that starts with "." doubled. OK once the server took the mail.
"""
from . import sockets
from .atparse import ACT, SET
from .codes import BAD_PARAMETER, ERROR, OK_WAITING, OPEN_FAILED, SESSION_LOST, ATError
from .compat import POLLIN, POLLOUT, const, ticks_add, ticks_diff, ticks_ms, would_block
from .params import at_param

SILENT = const(37964)  # the SMTP server did not answer (in MAIL_MS)
CLOSED = const(37966)  # the server closed the session
_CR = const(13)
_LF = const(10)
_DOT = const(46)
_TICK_MS = const(100)


def _b64(data):
    import binascii

    return binascii.b2a_base64(data).strip().decode()


def _ok(m, c, text=None, want=50):
    """Sends text (if any), reads the reply; its first digit must be want (2: 50, 3: 51),
    else ATError(38016). A server silent for m.mail_ms: OSError(110)."""
    if text is not None:
        _send(m, c, (text + "\r\n").encode())
    r = sockets.reply(m, c, m.mail_ms)
    if r[0] != want:
        raise ATError(OPEN_FAILED)
    return r


def _send(m, c, data):
    """All of data to the server, waiting while it is full (m.mail_ms at most)."""
    mv = memoryview(data)
    off = 0
    while off < len(data):
        try:
            n = c.send(mv[off:])
        except OSError as e:
            if not would_block(e):
                raise
            n = 0
        off += n or 0
        if off < len(data) and not m.wait(c, POLLOUT, m.mail_ms):
            raise OSError(110)


def _addresses(text):
    return [a.strip() for a in text.split(",") if a.strip()]


def _open(m, i):
    """The SMTP session of mail i (RECi, CCRECi, SUBJi) opened up to its DATA and the modem's
    headers: the socket. ATError on a refusal, a silence (37964) or a setting missing."""
    p = m.params
    host = p.get("SMTPSERV")
    sender = p.get("SENDERADDR")
    to = _addresses(p.get("REC%d" % i))
    cc = _addresses(p.get("CCREC%d" % i))
    c = sockets.service(m, host, p.get("SMTPPORT"), sender, to)[0]
    secure = p.get("SMTPTLS")
    if secure == 2:
        from .tls import wrap

        c = wrap(m, c, host)  # implicit TLS (465): before a word is said
    try:
        _ok(m, c)  # 220
        domain = p.get("DOMAIN") or "localhost"
        try:
            _ok(m, c, "EHLO " + domain)
        except ATError:
            _ok(m, c, "HELO " + domain)
        if secure == 1:  # STARTTLS (587): the rest of the session in TLS, or nothing
            from .tls import wrap

            _ok(m, c, "STARTTLS")
            c = wrap(m, c, host)
            _ok(m, c, "EHLO " + domain)
        user = p.get("SMTPUN")
        if user:
            pw = p.get("SMTPPW")
            _ok(m, c, "AUTH PLAIN " + _b64(b"\0" + user.encode() + b"\0" + pw.encode()))
        _ok(m, c, "MAIL FROM:<%s>" % sender)
        for a in to + cc:
            _ok(m, c, "RCPT TO:<%s>" % a)
        _ok(m, c, "DATA", 51)  # 354
        who = p.get("SENDERNAME")
        head = "From: %s<%s>\r\nTo: %s\r\n" % ('"%s" ' % who if who else "", sender,
                                               ", ".join(to))
        if cc:
            head += "Cc: %s\r\n" % ", ".join(cc)
        head += "Subject: %s\r\n" % p.get("SUBJ%d" % i)
        _send(m, c, head.encode())  # the host's own headers may follow, or its blank line
    except Exception as e:
        sockets.bye(m, c)
        if isinstance(e, OSError):
            raise ATError(SILENT if e.args and e.args[0] == 110 else OPEN_FAILED)
        raise
    return c


def putmail(m, name, op, args):
    """AT#PUTMAIL: mail 1's session opened, Ok_Info_WaitingForData, then the host's text."""
    if op != ACT:
        raise ATError(ERROR)
    c = _open(m, 1)
    m.result(OK_WAITING)
    m.enter = lambda leftover: body(m, c, leftover)
    return True


def sendmail(m, name, op, args):
    """AT#SENDMAILi, AT#SENDMAIL=i (AT#SENDMAIL: 1): predefined mail i, its BODYi as the
    text; OK once the server took it."""
    i = name[9:] or "1"
    if op == SET and not name[9:] and len(args) == 1:
        i = args[0][0]
    elif op != ACT:
        raise ATError(ERROR)
    if i not in ("1", "2", "3"):
        raise ATError(BAD_PARAMETER)
    c = _open(m, int(i))
    try:
        out = bytearray(b"\r\n")  # the end of the headers, then the body
        Text().feed(m.params.get("BODY" + i).encode() + b"\r\n.\r\n", out)
        _send(m, c, out)
        _ok(m, c)  # 250
    except OSError as e:
        raise ATError(SILENT if e.args and e.args[0] == 110 else CLOSED)
    finally:
        sockets.bye(m, c)


def entry(m, name, op, args):
    """AT#BODYi and AT#RECiADD followed by text ended by Ctrl-Z (ESC: cancelled): the body
    of mail i (up to 120 characters), the recipients of mail i (an address a line, up to 10;
    more are ignored), saved. AT#BODYi="text" and AT#BODYi? are the parameter's."""
    add = name.endswith("ADD")
    if op != ACT:
        if add:
            raise ATError(ERROR)
        return at_param(m, name, op, args)
    target = name[1:-3] if add else name[1:]
    m.enter = lambda leftover: _entry(m, target, add, leftover)
    return True


def _entry(m, target, add, leftover):
    """The text of AT#BODYi / AT#RECiADD up to its Ctrl-Z (Modem.take_text); OK, or the
    error (the old value kept). Returns the bytes after the end."""
    text, rest = m.take_text(leftover)
    if text is None:
        return rest  # cancelled, or the host gave up: answered, nothing changed
    try:
        value = str(text, "utf-8")
        if add:
            lines = [a.strip() for a in value.replace("\r", "\n").split("\n")]
            lines = [a for a in lines if a][:10]  # the 11th and more are ignored
            if [a for a in lines if len(a) > 120 or "," in a]:
                raise ATError(BAD_PARAMETER)
            value = ", ".join(lines)
        m.params.set(target, 0, [(value, True)])
    except ATError as e:
        m.say(e.args[0] if e.args else ERROR)
        return rest
    except ValueError:  # not UTF-8
        m.say(BAD_PARAMETER)
        return rest
    m.result("OK")
    return rest


class Text:
    """The host's text made the DATA of SMTP, a piece at a time: feed(data, out) appends to
    out what goes to the server and returns the index in data after the host's end line
    (CR LF . CR LF, or its bare-LF form), or -1."""

    def __init__(self):
        self.bol = True  # at the start of a line
        self.dot = 0  # the line so far is "." (1), or "." CR (2)
        self.cr = False  # the last byte given out was a CR

    def feed(self, data, out):
        i = 0
        n = len(data)
        while i < n:
            if self.bol:
                c = data[i]
                if not self.dot and c == _DOT:
                    self.dot = 1
                    i += 1
                    continue
                if self.dot:
                    if c == _LF:
                        out += b".\r\n"
                        return i + 1  # the end of the text
                    if c == _CR and self.dot == 1:
                        self.dot = 2
                        i += 1
                        continue
                    out += b".." if self.dot == 1 else b"..\r"  # a line that starts with "."
                    self.dot = 0
                self.bol = False
            j = data.find(b"\n", i)
            if j < 0:
                out += data[i:]
                self.cr = data[n - 1] == _CR
                return -1
            if j == i:
                out += b"\n" if self.cr else b"\r\n"
            else:
                out += data[i:j - 1 if data[j - 1] == _CR else j]
                out += b"\r\n"
            self.cr = False
            self.bol = True
            i = j + 1
        return -1


def body(m, c, leftover):
    """The host's text to the server, up to its end line; then the server's word. Returns
    the host bytes after the end line (commands). A server that fails meanwhile (an error,
    a close, no room for m.mail_ms) or a link lost has the host's text read to its end line
    or a silence of m.quiet_ms, and dropped: none of it becomes a command."""
    text = Text()
    port = m.port
    w = m.w
    buf = m.pump._mv  # idle while no data session runs: the host's text is read into it
    code = 0
    rest = b""
    data = leftover or b""
    heard = ticks_ms()
    next_tick = ticks_add(heard, _TICK_MS)
    try:
        while True:
            if data:
                out = bytearray()
                end = text.feed(data, out)
                if not code:
                    try:
                        _send(m, c, out)
                    except OSError as e:
                        code = SILENT if e.args and e.args[0] == 110 else CLOSED
                if end >= 0:
                    rest = bytes(data[end:])
                    break
            now = ticks_ms()
            if code and ticks_diff(now, heard) >= m.quiet_ms:
                break  # the host has stopped: what it sent was text, now dropped
            if ticks_diff(now, next_tick) >= 0:
                next_tick = ticks_add(now, _TICK_MS)
                lost = m.session_tick()
                if lost:
                    code = code or SESSION_LOST
                    if lost is not True:
                        break  # the host hung up (DTR): nothing more of its text comes
                    # the link is gone: the host's text still in flight is read to its end
                    # line or a silence (above), never run as commands
            w.clear()
            w.want(port.pollable, POLLIN)
            if not code:
                w.want(c, POLLIN)  # the server speaks before the end: it refuses, or closes
            data = b""
            for obj, ev in w.poll(_TICK_MS):
                if obj is c:
                    code = _spoke(c)
                    continue
            n = port.readinto(buf, 256) or 0
            if n:
                heard = ticks_ms()
                data = bytes(buf[:n])
        if not code:
            try:
                _ok(m, c)  # 250: the mail is taken
            except ATError:
                code = OPEN_FAILED
            except OSError as e:
                code = SILENT if e.args and e.args[0] == 110 else CLOSED
    finally:
        w.clear()
        sockets.bye(m, c)
    m.done(code)
    return rest


def _spoke(c):
    """The server spoke before the end of the text: OPEN_FAILED when it said something (a
    refusal), CLOSED when it closed, 0 when it was only TLS's own (a session ticket)."""
    try:
        r = c.recv(256)
    except OSError as e:
        return 0 if would_block(e) else CLOSED
    if r is None:
        return 0
    return OPEN_FAILED if r else CLOSED
