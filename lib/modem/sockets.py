"""What TCP, UDP, FTP and the mail share: the busy check, name resolution, connecting,
listening, peers' addresses, how a data session ends, and a server's control connection
read a line at a time (line, reply, command, bye)."""
import socket

from . import codes
from .pump import ABORT, ERROR, ESCAPE, PEER_CLOSED
from .compat import (BUSY_ERRNOS, POLLERR, POLLHUP, POLLIN, POLLOUT, Stream, const, so_error,
                     ticks_add, ticks_diff, ticks_ms, would_block)

_LINE_MAX = const(256)  # a reply line is cut here (the rest of it is read and dropped)
_QUIT_MS = const(2000)  # how long the server may take to answer QUIT


def idle(m):
    """A second data session or transfer while one runs (or a listener waits): 37122."""
    if m.listener is not None:
        raise codes.ATError(codes.BUSY)


def service(m, host, port, *wanted):
    """A command's connection to its server (FTP, SMTP, POP3), the checks in the order of
    docs/decisions.md section 7: the link (35867), no listener waiting (37122), the server
    and the settings wanted set (36929); then its name (38027) and the connection (38016).
    (the connected socket, its address)."""
    m.link.need()
    idle(m)
    if not host or not port or not all(wanted):
        raise codes.ATError(codes.BAD_PARAMETER)  # nowhere to go, or nothing to do there
    addr = resolve(m, host, port)
    return connect(m, addr), addr


def resolve(m, host, port, kind=socket.SOCK_STREAM):
    """The address of host (lookup), or ATError(DNS_FAILED)."""
    try:
        return lookup(m, host, port, kind)
    except (OSError, IndexError, ValueError):
        raise codes.ATError(codes.DNS_FAILED)


def lookup(m, host, port, kind):
    """The first address of host (OSError, IndexError when it does not resolve). A name is
    looked up through DNSSERV1/DNSSERV2 when they are set (not 0.0.0.0): the network stack
    is told to use them, or, where it cannot be (the computer), they are asked (dns.py);
    else through the network's own. socket.getaddrinfo blocks inside the network stack,
    the one wait that cannot be sliced: a board with a watchdog has it fed meanwhile
    (board.hold, firmware/boot.py)."""
    if not _dotted(host):
        servers = [s for s in (m.params.get("DNSSERV1"), m.params.get("DNSSERV2"))
                   if s != "0.0.0.0"]
        if servers and m.link.backend.use_dns(servers) is False:
            from .dns import resolve as ask

            host = ask(m, host, servers)
    hold = getattr(m.board, "hold", None)
    end = hold() if hold else None
    try:
        return socket.getaddrinfo(host, port, 0, kind)[0][-1]
    finally:
        if end:
            end()


def _dotted(host):
    return all(c == 46 or 48 <= c <= 57 for c in host.encode())


def connect(m, addr):
    """A connected non-blocking socket within m.connect_ms, or ATError(38016) when refused
    or timed out. What the host types meanwhile is kept (Modem.wait)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        try:
            s.connect(addr)
        except OSError as e:
            if e.args[0] not in BUSY_ERRNOS:
                raise
        ev = m.wait(s, POLLOUT, m.connect_ms)
        if not ev or ev & (POLLERR | POLLHUP) or so_error(s):
            raise OSError(111)
    except OSError:
        s.close()
        raise codes.ATError(codes.OPEN_FAILED)
    return s


def nodelay(s):
    try:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (AttributeError, OSError):
        pass  # a port without the option sends small segments at once anyway


def peer_ip(addr):
    """The dotted address of accept()'s peer: a tuple on CPython and lwIP ports, a raw
    sockaddr (family, port, address) on the unix port."""
    if isinstance(addr, tuple):
        return addr[0]
    return "%d.%d.%d.%d" % (addr[4], addr[5], addr[6], addr[7])


def ip_port(addr):
    """(dotted address, port) of a socket address, as peer_ip reads it."""
    if isinstance(addr, tuple):
        return addr[0], addr[1]
    return peer_ip(addr), addr[2] << 8 | addr[3]


def listen(port, backlog):
    """A non-blocking socket listening on port on every address; OSError if it cannot."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(socket.getaddrinfo("0.0.0.0", port)[0][-1])
        s.listen(backlog)
        s.setblocking(False)
    except OSError:
        s.close()
        raise
    return s


def end(m, pump, stream, why, up):
    """The end of a data session (TCP, FTP): (error code or 0, the host bytes after it).
    ABORT (the link lost, the host hung up): the pump wrote nothing more, so the ETX goes
    now; ERROR (the stream failed): the pump has written it. A session the network side
    ended while the host was sending (up) has the host's bytes in flight drained first
    (pump.drain: to its own ETX or a silence, passed to a peer that still reads): host data
    never becomes commands, and the result the host waits for comes after."""
    code = 0
    if why == ABORT:
        pump.send_etx()
        code = codes.SESSION_LOST if not m.link.up else codes.OPEN_FAILED
    elif why == ERROR:  # reset; or nothing moved in time (ETIMEDOUT: a stall, the stack's)
        code = codes.NO_ACTIVITY if pump.errno == 110 else codes.OPEN_FAILED
    if up and not pump.host_done:
        return code, pump.drain(stream if why == PEER_CLOSED else None, m.quiet_ms,
                                m.session_tick)
    return code, pump.rest()


def session(m, s, dlemode, directions, leftover, txdelay):
    """A socket's data session (TCP, UDP) through the pump, after its
    Ok_Info_WaitingForData: its end (end()), the socket closed, Ok_Info_SocketClosed and OK
    or the error; returns the host bytes after it (none after +++)."""
    pump = m.pump
    stream = Stream(s)
    try:
        why = pump.run(stream, dlemode, directions, leftover, m.session_tick, txdelay)
        code, rest = end(m, pump, stream, why, True)
    finally:
        stream.close()
    if code:
        m.say(code)
    else:
        m.result(codes.OK_CLOSED)
        m.result("OK")
    return None if why == ESCAPE else rest  # +++: nothing after it


# ---- a server's control connection, a line at a time (FTP, SMTP, POP3) ----

def line(m, c, deadline):
    """One line of a server's reply, cut at _LINE_MAX: a byte at a time from the
    non-blocking control connection c, waited for until deadline (ticks_ms)."""
    b = bytearray()
    while True:
        try:
            ch = c.recv(1)
        except OSError as e:
            if not would_block(e):
                raise  # (a TLS connection that needs more from the network: waited for)
            ch = None
        if ch is None:  # nothing yet (a TLS socket of MicroPython's says so, no error)
            left = ticks_diff(deadline, ticks_ms())
            if left <= 0 or not m.wait(c, POLLIN, left):
                raise OSError(110)  # no reply in time
            continue
        if not ch:
            raise OSError(104)  # the server closed the control connection
        if ch == b"\n":
            return bytes(b)
        if len(b) < _LINE_MAX:
            b += ch


def reply(m, c, ms=0):
    """The last line of one reply; a multi-line reply (123-...) is read to its 123 line.
    ms: how long the whole reply may take (m.reply_ms unless given), however the server
    trickles it."""
    deadline = ticks_add(ticks_ms(), ms or m.reply_ms)
    r = line(m, c, deadline)
    if r[3:4] == b"-":
        end = r[:3]
        r = b""
        while r[:3] != end or r[3:4] not in (b" ", b"\r", b""):
            r = line(m, c, deadline)
    if len(r) < 3:
        raise OSError(71)  # not a reply (FTP's and SMTP's start with three digits)
    return r


def command(m, c, text, digit=0, code=codes.OPEN_FAILED, ms=0):
    """Sends a command, returns its reply; with digit, the reply's first digit (an int: 50
    for "2") must be that, else ATError(code)."""
    c.sendall((text + "\r\n").encode())
    r = reply(m, c, ms)
    if digit and r[0] != digit:
        raise codes.ATError(code)
    return r


def bye(m, c):
    """QUIT (its answer waited for a while), then the connection closed."""
    try:
        command(m, c, "QUIT", 0, 0, _QUIT_MS)
    except OSError:
        pass
    c.close()
