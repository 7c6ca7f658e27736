"""TCP sockets (spec section 4): AT#OTCP (client), AT#LTCPSTART/LTCPSTOP (server), and the
data session both run through the pump. Loaded on first use.
"""
import socket

from . import pump as P
from .atparse import SET
from .codes import (BAD_PARAMETER, ERROR, OK_CLOSED, OK_WAITING, OPEN_FAILED,
                    SESSION_LOST, ATError)
from .commands import NOFINAL, socket_id
from .sockets import connect, idle, nodelay, peer_ip, resolve

ANY_PEER = ("", "0", "255.255.255.255")  # TCPSERV values that let any peer in


def _sid(op, args):
    if op != SET:
        raise ATError(ERROR)
    return socket_id(args)


def otcp(m, name, op, args):
    """AT#OTCP=id: connect to TCPSERV:TCPPORT, Ok_Info_WaitingForData, data mode."""
    sid = _sid(op, args)
    m.link.need()
    idle(m)
    p = m.params
    host = p.get("TCPSERV", sid)
    port = p.get("TCPPORT", sid)
    if host in ANY_PEER or not port:
        raise ATError(BAD_PARAMETER)  # no server configured for this socket
    s = connect(resolve(host, port), m.connect_ms)
    if not p.get("TCPTXDELAY", sid):
        nodelay(s)
    m.result(OK_WAITING)
    m.enter = lambda leftover: session(m, s, sid, leftover)
    return NOFINAL


def session(m, s, sid, leftover):
    """One data session on socket s; returns the host bytes after its end (commands)."""
    p = m.params
    pump = m.data_pump()
    link = m.link
    stream = P.Stream(s)
    try:
        why = pump.run(stream, p.get("DLEMODE", sid), P.BOTH, leftover, m.session_tick,
                       p.get("TCPTXDELAY", sid))
    finally:
        stream.close()
    if why == P.ABORT:
        pump.send_etx()
        m.result(m.error_text(SESSION_LOST if not link.up else OPEN_FAILED))
        return None
    if why == P.ERROR:
        m.result(m.error_text(OPEN_FAILED))
        return None
    m.result(OK_CLOSED)
    m.result("OK")
    return pump.rest() if why == P.HOST_ETX else None  # ESCAPE: +++, nothing after it


class Listener:
    def __init__(self, sid, port, allowed):
        self.sid = sid
        self.allowed = allowed  # None: any peer; else the one address allowed in
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(socket.getaddrinfo("0.0.0.0", port)[0][-1])
            s.listen(2)
            s.setblocking(False)
        except OSError:
            s.close()
            raise ATError(OPEN_FAILED)
        self.sock = s

    def accept(self):
        """An allowed peer's socket, or None (nobody, or a refused peer, closed at once)."""
        try:
            c, addr = self.sock.accept()
        except OSError:
            return None
        if self.allowed is not None and peer_ip(addr) != self.allowed:
            c.close()
            return None
        return c

    def close(self):
        self.sock.close()


def ltcpstart(m, name, op, args):
    """AT#LTCPSTART=id: OK at once, then listen on TCPPORT for the peer TCPSERV allows."""
    sid = _sid(op, args)
    m.link.need()
    idle(m)
    p = m.params
    port = p.get("TCPPORT", sid)
    if not port:
        raise ATError(BAD_PARAMETER)
    host = p.get("TCPSERV", sid)
    allowed = None
    if host not in ANY_PEER:
        allowed = peer_ip(resolve(host, port))
    m.listener = Listener(sid, port, allowed)


def ltcpstop(m, name, op, args):
    """AT#LTCPSTOP=id (alias LTCPPORT): stop listening; OK whether or not it was."""
    sid = _sid(op, args)
    if m.listener is not None and m.listener.sid == sid:
        m.close_listener()


def run(m, name, op, args):
    if name == "#OTCP":
        return otcp(m, name, op, args)
    if name == "#LTCPSTART":
        return ltcpstart(m, name, op, args)
    return ltcpstop(m, name, op, args)


def accepted(m, c):
    """An allowed peer connected: Ok_Info_WaitingForData and the session."""
    sid = m.listener.sid
    m.close_listener()
    if not m.params.get("TCPTXDELAY", sid):
        nodelay(c)
    m.result(OK_WAITING)
    return session(m, c, sid, None)
