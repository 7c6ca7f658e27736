"""UDP, the Wavecom stack's one UDP session (docs/decisions.md, "UDP"): AT#OUDP sends to and
hears from UDPSERV:UDPPORT; AT#LUDPSTART waits on UDPPORT for a first datagram (from
UDPSERV only, unless it is 255.255.255.255) and answers its sender; AT#LUDPSTOP (alias
UDPSTOP) stops the wait. The data session is always DLE-escaped, whatever DLEMODE says:
the pump groups the host's bytes into datagrams by UDPTXDELAY and writes each datagram it
receives to the line as it comes; the host's ETX ends it."""
import socket

from . import codes, dle, sockets
from .atparse import ACT
from .pump import BOTH, DGRAM

ANY_PEER = ("", "0", "255.255.255.255")  # UDPSERV values that let any sender in
_PARAMS = ("UDPPORT", "UDPSERV", "UDPTXDELAY")
_FIRST = 1520  # the largest first datagram taken whole (the pump reads no larger ones)


def _act(op):
    if op != ACT:
        raise codes.ATError(codes.ERROR)


def _socket():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    return s


def oudp(m, name, op, args):
    """AT#OUDP: a session with UDPSERV:UDPPORT (nothing is sent before the host's data)."""
    _act(op)
    m.link.need()
    sockets.idle(m)
    p = m.params
    host = p.get("UDPSERV")
    port = p.get("UDPPORT")
    if host in ANY_PEER or not port:
        raise codes.ATError(codes.BAD_PARAMETER)  # no peer to send to
    addr = sockets.resolve(m, host, port, socket.SOCK_DGRAM)
    s = _socket()
    try:
        s.connect(addr)  # no packet: the address datagrams go to and come from
    except OSError:
        s.close()
        raise codes.ATError(codes.OPEN_FAILED)
    m.enter = lambda leftover: session(m, s, leftover)
    return True


class Listener:
    """A UDP socket on UDPPORT waiting for its first datagram (m.listener)."""

    sid = 0  # no TCP socket's parameters are held by it

    def __init__(self, port, allowed):
        self.allowed = allowed  # None: any sender; else the one address heard
        self.sock = _socket()
        try:
            self.sock.bind(socket.getaddrinfo("0.0.0.0", port)[0][-1])
        except OSError:
            self.sock.close()
            raise codes.ATError(codes.OPEN_FAILED)

    def busy(self, name, sock):
        """UDP's parameters cannot be set while it waits (37123)."""
        return name in _PARAMS

    def accept(self):
        """The first datagram from an allowed sender: (socket answering it, its bytes), the
        wait over; None for nothing, or a datagram from another sender (dropped)."""
        try:
            data, addr = self.sock.recvfrom(_FIRST)
        except OSError:
            return None
        if self.allowed is not None and sockets.peer_ip(addr) != self.allowed:
            return None
        s = self.sock
        try:
            s.connect(addr)  # its datagrams only, from now on; ours go back to it
        except OSError:
            return None
        self.sock = None  # the session's now: close() leaves it open
        return s, data

    def session(self, m, c):
        m.close_listener()
        return session(m, c[0], None, c[1])

    def close(self):
        if self.sock is not None:
            self.sock.close()


def ludpstart(m, name, op, args):
    """AT#LUDPSTART: OK at once, then wait on UDPPORT; the first datagram from UDPSERV
    (anyone's if it is 255.255.255.255) starts the session: Ok_Info_WaitingForData, that
    datagram, then data mode (as LTCPSTART's peer does)."""
    _act(op)
    m.link.need()
    sockets.idle(m)
    p = m.params
    port = p.get("UDPPORT")
    if not port:
        raise codes.ATError(codes.BAD_PARAMETER)
    host = p.get("UDPSERV")
    allowed = None
    if host not in ANY_PEER:
        allowed = sockets.peer_ip(sockets.resolve(m, host, port, socket.SOCK_DGRAM))
    m.listener = Listener(port, allowed)


def ludpstop(m, name, op, args):
    """AT#LUDPSTOP (UDPSTOP): stop waiting; OK whether or not a wait ran. A session, once
    its first datagram came, ends only by the host's ETX."""
    _act(op)
    if isinstance(m.listener, Listener):
        m.close_listener()


def session(m, s, leftover, first=None):
    """Ok_Info_WaitingForData, the first datagram (a listen's), then the session; returns
    the host bytes after its end."""
    m.result(codes.OK_WAITING)
    if first:
        n = len(first)
        buf = bytearray(2 * n)  # once a session: escaped in place, as the pump escapes
        dle.put(first, n, buf, n)
        m.write(memoryview(buf)[:dle.spread(buf, n, n, 0) & 0xFFFF])
    return sockets.session(m, s, 1, BOTH | DGRAM, leftover, m.params.get("UDPTXDELAY"))
