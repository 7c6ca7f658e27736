"""TCP sockets (spec section 4): AT#OTCP (client), AT#LTCPSTART/LTCPSTOP (server); the data
session both run through the pump."""
from . import codes
from .pump import BOTH
from . import sockets
from .atparse import ACT, SET
from .params import socket_id

ANY_PEER = ("", "0", "255.255.255.255")  # TCPSERV values that let any peer in


def _sid(op, args):
    """The socket a TCP command acts on: its id, or socket 1 without one (the one-socket
    dialect of the stack's first versions: AT#OTCP)."""
    if op == ACT:
        return 1
    if op != SET:
        raise codes.ATError(codes.ERROR)
    return socket_id(args)


def otcp(m, name, op, args):
    """AT#OTCP=id: connect to TCPSERV:TCPPORT, Ok_Info_WaitingForData, data mode."""
    sid = _sid(op, args)
    m.link.need()
    sockets.idle(m)
    p = m.params
    host = p.get("TCPSERV", sid)
    port = p.get("TCPPORT", sid)
    if host in ANY_PEER or not port:
        raise codes.ATError(codes.BAD_PARAMETER)  # no server configured for this socket
    s = sockets.connect(m, sockets.resolve(m, host, port))
    if p.get("TCPTLS", sid):
        from .tls import wrap

        s = wrap(m, s, host)
    m.enter = lambda leftover: session(m, s, sid, leftover)
    return True


def session(m, s, sid, leftover):
    """Ok_Info_WaitingForData and one data session on socket s (a client's or an accepted
    peer's); returns the host bytes after its end (commands)."""
    p = m.params
    txdelay = p.get("TCPTXDELAY", sid)
    if not txdelay:
        sockets.nodelay(s)
    m.result(codes.OK_WAITING)
    return sockets.session(m, s, p.get("DLEMODE", sid), BOTH, leftover, txdelay)


class Listener:
    def __init__(self, sid, port, allowed):
        self.sid = sid
        self.allowed = allowed  # None: any peer; else the one address allowed in
        try:
            self.sock = sockets.listen(port, 2)
        except OSError:
            raise codes.ATError(codes.OPEN_FAILED)

    def busy(self, name, sock):
        """Its socket's parameters cannot be set while it waits (37123)."""
        return sock == self.sid

    def session(self, m, c):
        return accepted(m, c)

    def accept(self):
        """An allowed peer's socket, or None (nobody, or a refused peer, closed at once)."""
        try:
            c, addr = self.sock.accept()
        except OSError:
            return None
        if self.allowed is not None and sockets.peer_ip(addr) != self.allowed:
            c.close()
            return None
        return c

    def close(self):
        self.sock.close()


def ltcpstart(m, name, op, args):
    """AT#LTCPSTART=id: OK at once, then listen on TCPPORT for the peer TCPSERV allows."""
    sid = _sid(op, args)
    m.link.need()
    sockets.idle(m)
    p = m.params
    port = p.get("TCPPORT", sid)
    if not port:
        raise codes.ATError(codes.BAD_PARAMETER)
    host = p.get("TCPSERV", sid)
    allowed = None
    if host not in ANY_PEER:
        allowed = sockets.peer_ip(sockets.resolve(m, host, port))
    m.listener = Listener(sid, port, allowed)


def ltcpstop(m, name, op, args):
    """AT#LTCPSTOP=id (alias LTCPPORT): stop listening; OK whether or not it was."""
    sid = _sid(op, args)
    if m.listener is not None and m.listener.sid == sid:
        m.close_listener()


def accepted(m, c):
    """An allowed peer connected: listening ends (spec 7.3.4), the session begins."""
    sid = m.listener.sid
    m.close_listener()
    return session(m, c, sid, None)
