"""AT#PING (the Wavecom stack's, docs/decisions.md section 11): PINGNUM ICMP echo requests to
PINGREMOTE, one every PINGDELAY seconds, each answered by a line as it is known:
`"<remote>" is alive : time = <ms> ms` or `NO answer from "<remote>"`, then OK.

ICMP needs a raw socket (lwIP's on a board; root's on a computer) or, where the system lets
an unprivileged user have one, an ICMP datagram socket; with neither, 38016 (the modem's log
says why)."""
import socket

from . import sockets
from .atparse import ACT
from .codes import BAD_PARAMETER, ERROR, OPEN_FAILED, ATError
from .compat import POLLIN, const, ticks_diff, ticks_ms

_ICMP = const(1)  # IPPROTO_ICMP
_ECHO = const(8)
_REPLY = const(0)
_DATA = const(32)  # payload bytes of a request


def _socket():
    """A non-blocking ICMP socket: raw, else a datagram one; None when neither opens."""
    for kind in (getattr(socket, "SOCK_RAW", 3), socket.SOCK_DGRAM):
        try:
            s = socket.socket(socket.AF_INET, kind, _ICMP)
        except OSError:
            continue
        s.setblocking(False)
        return s
    return None


def _checksum(b, n):
    s = 0
    for i in range(0, n - 1, 2):
        s += b[i] << 8 | b[i + 1]
    if n & 1:
        s += b[n - 1] << 8
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def request(pkt, ident, seq):
    """pkt (8 + _DATA bytes) made an echo request."""
    pkt[0] = _ECHO
    pkt[1] = pkt[2] = pkt[3] = 0
    pkt[4] = ident >> 8
    pkt[5] = ident & 0xFF
    pkt[6] = seq >> 8
    pkt[7] = seq & 0xFF
    for i in range(_DATA):
        pkt[8 + i] = 0x61 + i % 23  # "abc...", as ping's own
    c = _checksum(pkt, len(pkt))
    pkt[2] = c >> 8
    pkt[3] = c & 0xFF


def answers(data, ident, seq):
    """True when data (a raw socket's IP packet, or a datagram socket's ICMP message, whose
    identifier the system sets) is the echo reply to request seq."""
    i = 0
    if len(data) >= 20 and data[0] >> 4 == 4:
        i = (data[0] & 15) * 4  # past the IP header
        if data[i + 4] << 8 | data[i + 5] != ident:
            return False
    return (len(data) >= i + 8 and data[i] == _REPLY
            and data[i + 6] << 8 | data[i + 7] == seq)


def at_ping(m, name, op, args):
    """AT#PING: the requests, a line each, then OK (the caller's)."""
    if op != ACT:
        raise ATError(ERROR)
    m.link.need()
    p = m.params
    remote = p.get("PINGREMOTE")
    if not remote:
        raise ATError(BAD_PARAMETER)
    addr = sockets.resolve(m, remote, 0, socket.SOCK_DGRAM)
    s = _socket()
    if s is None:
        if m.log:
            m.log("AT#PING: no ICMP socket here (a raw one needs root; an unprivileged one"
                  " needs net.ipv4.ping_group_range)")
        raise ATError(OPEN_FAILED)
    delay = p.get("PINGDELAY") * 1000
    ident = ticks_ms() & 0xFFFF
    pkt = bytearray(8 + _DATA)
    try:
        for seq in range(1, p.get("PINGNUM") + 1):
            request(pkt, ident, seq)
            t0 = ticks_ms()
            rtt = -1
            try:
                s.sendto(pkt, addr)
            except OSError:
                pass  # no route: no answer
            while rtt < 0:
                left = delay - ticks_diff(ticks_ms(), t0)
                if left <= 0 or not m.wait(s, POLLIN, left) & POLLIN:
                    break
                try:
                    data = s.recv(256)
                except OSError:
                    continue
                if answers(data, ident, seq):
                    rtt = ticks_diff(ticks_ms(), t0)
            if rtt < 0:
                m.info('NO answer from "%s"' % remote)
            else:
                m.info('"%s" is alive : time = %d ms' % (remote, rtt))
                left = delay - ticks_diff(ticks_ms(), t0)
                while seq < p.get("PINGNUM") and left > 0:  # the rest of the gap
                    if m.wait(s, POLLIN, left) & POLLIN:
                        try:
                            s.recv(256)  # a late or stray answer
                        except OSError:
                            pass
                    left = delay - ticks_diff(ticks_ms(), t0)
    finally:
        s.close()
