"""E-mail in (the Wavecom stack's POP3, docs/decisions.md section 13): AT#GETMAIL fetches the
first mail of POP3UN's box on POP3SERV:POP3PORT: Ok_Info_Mail, the mail as the server sends
it (its header too when POP3HEADERMODE is 1; lines that start with "." doubled), ended by
CR LF . CR LF, then OK; the mail is then deleted from the box, so that the next AT#GETMAIL
gets the next one. An empty box: Ok_Info_NoMail, OK."""
from . import sockets
from .atparse import ACT
from .codes import ERROR, OPEN_FAILED, ATError
from .compat import POLLIN, const, ticks_add, ticks_ms, would_block

MAIL = "Ok_Info_Mail"
NO_MAIL = "Ok_Info_NoMail"
_END = b"\r\n.\r\n"
_CHUNK = const(1024)


def _ok(m, c, text=None):
    """Sends text (if any); the server's one-line answer must be +OK, else ATError(38016).
    A server silent for m.reply_ms, or gone: OSError."""
    if text is not None:
        c.sendall((text + "\r\n").encode())
    r = sockets.line(m, c, ticks_add(ticks_ms(), m.reply_ms))
    if not r.startswith(b"+OK"):
        raise ATError(OPEN_FAILED)
    return r


def _recv(m, c):
    """Some bytes of the server's (within m.reply_ms); OSError when it is silent or gone."""
    while True:
        try:
            data = c.recv(_CHUNK)
        except OSError as e:
            if not would_block(e):
                raise
            data = None
        if data is None:  # nothing yet (MicroPython's TLS socket says so, no error)
            if not m.wait(c, POLLIN, m.reply_ms):
                raise OSError(110)
            continue
        if not data:
            raise OSError(104)
        return data


def getmail(m, name, op, args):
    """AT#GETMAIL: log in, STAT, RETR 1 to the host, DELE 1, QUIT."""
    if op != ACT:
        raise ATError(ERROR)
    p = m.params
    host = p.get("POP3SERV")
    user = p.get("POP3UN")
    c = sockets.service(m, host, p.get("POP3PORT"), user)[0]
    secure = p.get("POP3TLS")
    if secure:
        from .tls import wrap
    if secure == 2:
        c = wrap(m, c, host)  # TLS from the first byte (995)
    started = False
    try:
        try:
            _ok(m, c)  # the greeting
            if secure == 1:  # STLS (110): the rest in TLS, or nothing
                _ok(m, c, "STLS")
                c = wrap(m, c, host)
            _ok(m, c, "USER " + user)
            _ok(m, c, "PASS " + p.get("POP3PW"))
            count = int(_ok(m, c, "STAT").split()[1])
            if not count:
                m.result(NO_MAIL)
                _ok(m, c, "QUIT")
                return
            _ok(m, c, "RETR 1")
            m.result(MAIL)
            started = True
            _mail(m, c, p.get("POP3HEADERMODE"))
            started = False
            _ok(m, c, "DELE 1")
            _ok(m, c, "QUIT")  # the deletion is done at QUIT
        except (OSError, ValueError, IndexError):
            raise ATError(OPEN_FAILED)
    except ATError:
        if started:
            m.write(_END)  # the mail's end, then the error (the stack's order)
        raise
    finally:
        c.close()


def _mail(m, c, headers):
    """The RETR answer to the host up to and with its end line; its header left out but
    for headers. prev: the last bytes seen before (the +OK line ended in CR LF), so that an
    end or an empty line cut between two pieces is found."""
    prev = b"\r\n"
    skip = not headers  # dropping the header, up to its empty line
    while True:
        data = _recv(m, c)
        w = prev + data
        end = w.find(_END)
        stop = len(w) if end < 0 else end + len(_END)
        start = len(prev)
        if skip:
            h = w.find(b"\r\n\r\n")
            if 0 <= h and (end < 0 or h <= end):
                skip = False
                start = h + 4  # the body, after the empty line
            elif end >= 0:
                start = end + 2  # no body: the end line alone
            else:
                start = stop  # all header so far
        if stop > start:
            m.write(w[start:stop])
        if end >= 0:
            return
        prev = w[-4:]
