"""FTP client (spec section 3): AT#FTPGET and AT#FTPPUT (alias FTTPUT). The control connection
is a non-blocking socket, each reply waited for whole within reply_ms (Modem.wait); the file
goes through the pump.
"""
import os

from . import dle, sockets
from .atparse import ACT
from .codes import CWD_FAILED, ERROR, OK_DATA, OPEN_FAILED, ATError
from .compat import POLLIN, Stream, const, ticks_diff, ticks_ms
from .pump import DOWN, HOST_ETX, UP

_SHUT_WR = const(1)  # socket.SHUT_WR, on lwIP as on POSIX
# The first digit of a reply, as a byte: 1xx preliminary, 2xx done, 3xx more wanted.
_PRELIM = const(49)
_DONE = const(50)
_MORE = const(51)


def get(m, name, op, args):
    """AT#FTPGET: FTPGETFILENAME from FTPGETPATH, to the host DLE-escaped."""
    return _start(m, op, True)


def put(m, name, op, args):
    """AT#FTPPUT (alias FTTPUT): the host's DLE-escaped file to FTPPUTPATH/FTPPUTFILENAME."""
    return _start(m, op, False)


def _start(m, op, get):
    """Log in, CWD, open the data connection, RETR/STOR, then data mode."""
    if op != ACT:
        raise ATError(ERROR)
    p = m.params
    host = p.get("FTPSERV")
    c, addr = sockets.service(m, host, p.get("FTPPORT"))
    secure = p.get("FTPTLS")
    try:
        if sockets.reply(m, c)[0] != _DONE:  # 220
            raise ATError(OPEN_FAILED)
        if secure:  # explicit FTPS: the control connection in TLS before the login
            from .tls import wrap

            sockets.command(m, c, "AUTH TLS", _DONE)  # 234
            c = wrap(m, c, host)
        _login(m, c, get)
        if secure:
            sockets.command(m, c, "PBSZ 0", _DONE)
            sockets.command(m, c, "PROT P", _DONE)  # the data connections in TLS too
        d = _open(m, c, sockets.peer_ip(addr), get)
        if secure:
            d = wrap(m, d, host, c)  # the server has answered 150: its side of TLS waits;
            # the control connection's session taken up where the runtime can
    except Exception as e:
        sockets.bye(m, c)
        if isinstance(e, OSError):
            raise ATError(OPEN_FAILED)  # the control connection failed or timed out
        raise
    m.result(OK_DATA)
    m.enter = lambda leftover: session(m, c, d, get, leftover)
    return True


def _login(m, c, get):
    """Greeting, USER/PASS, TYPE, CWD on the control connection c. No FTPUN: anonymous, with
    FTPPW or, when that is empty too, the customary e-mail-like password."""
    p = m.params
    user = p.get("FTPUN")
    pw = p.get("FTPPW")
    if not user:
        user = "anonymous"
        pw = pw or "anonymous@"
    r = sockets.command(m, c, "USER " + user)
    if r[0] == _MORE:  # 331: password wanted
        r = sockets.command(m, c, "PASS " + pw)
    if r[0] != _DONE:  # 230
        raise ATError(OPEN_FAILED)
    sockets.command(m, c, "TYPE " + p.get("FTPTYPE"), _DONE)
    path = p.get("FTPGETPATH" if get else "FTPPUTPATH")
    if path not in ("", "."):
        sockets.command(m, c, "CWD " + path, _DONE, CWD_FAILED)


def _open(m, c, ip, get):
    """The data connection, RETR or STOR accepted (1xx): passive, the modem connects to the
    server (ip, the control connection's peer); active, the server connects to the modem."""
    p = m.params
    d = lis = None
    try:
        if p.get("FTPMODE"):
            r = sockets.command(m, c, "PASV")
            n = _numbers(r)
            if r[0] == _DONE and len(n) >= 6:
                if n[-2] > 255 or n[-1] > 255:
                    raise ATError(OPEN_FAILED)
                port = n[-2] << 8 | n[-1]
            else:  # PASV refused: the extended form
                n = _numbers(sockets.command(m, c, "EPSV", _DONE))
                if not n:
                    raise ATError(OPEN_FAILED)
                port = n[-1]
            if not 0 < port < 65536:
                raise ATError(OPEN_FAILED)  # not a port: a bad reply like any other
            # the server's own address, not the one in the reply (it may be private or 0)
            d = sockets.connect(m, sockets.resolve(m, ip, port))
        else:
            lis, port, mine = _listen(m, c)
            sockets.command(m, c, "PORT %s,%d,%d" % (mine.replace(".", ","), port >> 8,
                                                     port & 255), _DONE)
        sockets.command(m, c, ("RETR " if get else "STOR ") + p.get(
            "FTPGETFILENAME" if get else "FTPPUTFILENAME"), _PRELIM)  # 150, 125
        if lis is not None:
            d = _accept(m, lis, ip)
    except Exception:
        _close(d)
        raise
    finally:
        if lis is not None:
            lis.close()
    return d


def _accept(m, lis, ip):
    """Active mode: the server's data connection, from the control connection's peer (ip)
    only: a connection from any other address is closed at once and the wait goes on;
    38016 when none comes within reply_ms."""
    t0 = ticks_ms()
    while True:
        left = m.reply_ms - ticks_diff(ticks_ms(), t0)
        if left <= 0 or not m.wait(lis, POLLIN, left):
            raise ATError(OPEN_FAILED)
        try:
            d, addr = lis.accept()
        except OSError:
            continue
        if sockets.peer_ip(addr) == ip:
            return d
        d.close()  # a stranger: it neither feeds the host a file nor gets its upload


def session(m, c, d, get, leftover):
    """The file through the pump, then the server's verdict; returns the host bytes after the
    session (the next commands)."""
    pump = m.pump
    stream = Stream(d)
    if not get and m.params.get("FTPTYPE") == "A":
        stream = Ascii(stream)
    try:
        why = pump.run(stream, 1, DOWN if get else UP, leftover, m.session_tick, 0,
                       m.reply_ms)
        code, rest = sockets.end(m, pump, None, why, not get)
    finally:
        _close(d)  # the server sees the end of an upload
    if get and why == HOST_ETX:
        code = OPEN_FAILED  # the host stopped the download: the file is not whole
    if not code:
        try:
            if sockets.reply(m, c)[0] != _DONE:  # 226 (or 250): the server has it all
                code = OPEN_FAILED
        except OSError:
            code = OPEN_FAILED
    sockets.bye(m, c)
    m.done(code)
    return rest


class Ascii:
    """The upload stream of FTPTYPE A: every byte goes 7 bits wide (spec 3.1.3). The pump's
    buffer is masked in place (again on a retry: harmless), nothing is allocated."""

    def __init__(self, s):
        self.s = s
        self.pollable = getattr(s, "pollable", s)

    def write(self, mv, off=0, n=-1):
        dle.mask7(mv, len(mv) if n < 0 else off + n)  # what went before off: already out
        return self.s.write(mv, off, n)

    def readinto(self, mv, n=-1):
        return self.s.readinto(mv, n)





def _numbers(r):
    """The numbers in a reply's text: 227 (h1,h2,h3,h4,p1,p2), 229 (|||port|)."""
    out = []
    n = -1
    for ch in r[4:]:
        if 48 <= ch <= 57:
            n = (0 if n < 0 else n * 10) + ch - 48
        elif n >= 0:
            out.append(n)
            n = -1
    if n >= 0:
        out.append(n)
    return out


def _listen(m, c):
    """Active mode: (socket, port, address to give in PORT). No getsockname on MicroPython:
    the port is picked here, at random, the address is the link's own."""
    try:
        mine = c.getsockname()[0]
    except AttributeError:
        mine = m.link.my_ip
        if not mine or mine == "0.0.0.0":
            mine = "127.0.0.1"
    port = 49152 + int.from_bytes(os.urandom(2), "big") % 16000  # not to be guessed
    for _ in range(16):
        try:
            return sockets.listen(port, 1), port, mine
        except OSError:
            port += 1
    raise ATError(OPEN_FAILED)


def _close(s):
    if s is None:
        return
    unwrap = getattr(s, "unwrap", None)  # CPython's TLS: its close_notify, then the FIN
    if unwrap is not None:
        try:
            s.setblocking(True)
            s.settimeout(2)
            s = unwrap()
        except (OSError, ValueError):
            pass
    try:
        s.shutdown(_SHUT_WR)
    except (AttributeError, OSError):
        pass  # no shutdown on the unix port: close sends the FIN
    try:
        s.close()
    except OSError:
        pass
