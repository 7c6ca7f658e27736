"""SNTP (RFC 4330) over UDP: AT+EGNTP sets the modem's clock (spec section 5); AT+CCLK.

A reply counts only if it comes from the address and port asked (RFC 5905) and answers
our request: mode 4 (server), our transmit timestamp (random) echoed as its originate
timestamp, stratum 1..15 (0 is a kiss-of-death: the next server is tried), leap indicator
not 3 (clock not synchronised).
"""
import os
import socket

from . import clock
from .atparse import GET, SET, TEST
from .codes import BAD_PARAMETER, DNS_FAILED, ERROR, ATError
from .compat import POLLIN, const, ticks_add, ticks_diff, ticks_ms
from .core import Halted
from .sockets import ip_port, lookup

_NTP_DELTA = const(2208988800)  # seconds from 1900 (NTP) to 1970
_STOP = (b"AT+EGNTP=0", b"AT+EGNTPT=0")  # what halts a request that is waiting


def request(m, host, port, ms, wait):
    """UTC seconds since 1970 from one server, or None (timeout, or a reply not to trust).

    wait(sock, ms) waits for the socket to be readable: true, false on timeout; it may
    raise core.Halted. Name resolution failure raises OSError (sockets.lookup: DNSSERV1/2,
    the board's watchdog held).
    """
    addr = lookup(m, host, port, socket.SOCK_DGRAM)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.setblocking(False)
        pkt = bytearray(48)
        pkt[0] = 0x23  # LI 0, version 4, mode 3 (client)
        stamp = os.urandom(8)  # our transmit timestamp: unpredictable, echoed back
        pkt[40:48] = stamp
        s.sendto(pkt, addr)
        deadline = ticks_add(ticks_ms(), ms)
        while True:
            left = ticks_diff(deadline, ticks_ms())
            if left <= 0 or not wait(s, left):
                return None
            try:
                r, src = s.recvfrom(64)
            except OSError:
                continue
            if ip_port(src) != ip_port(addr):
                continue  # not from the server asked: a stranger's
            if len(r) < 48 or r[24:32] != stamp:
                continue  # not an answer to this request: keep waiting
            if r[0] & 7 != 4 or r[0] >> 6 == 3 or not 1 <= r[1] <= 15:
                return None
            secs = int.from_bytes(r[40:44], "big")
            frac = int.from_bytes(r[44:48], "big")
            if not secs:
                return None
            return secs - _NTP_DELTA + (1 if frac >= 0x80000000 else 0)
    finally:
        s.close()


def egntp(m, name, op, args):
    """AT+EGNTP=0 | =1[,display] | =2,"server",timeout[,display] (alias AT+EGNTPT)."""
    if op != SET or not args:
        raise ATError(ERROR if op != SET else BAD_PARAMETER)
    mode = args[0][0]
    p = m.params
    if mode == "0" and len(args) == 1:
        return  # no request is in progress: nothing to stop
    if mode == "1" and len(args) <= 2:
        servers = m.board.SNTP_SERVERS
        total = p.get("EGNTPWAIT")
        display = args[1:]
    elif mode == "2" and 3 <= len(args) <= 4:
        servers = (args[1][0],)
        if not 1 <= len(servers[0]) <= 64:
            raise ATError(BAD_PARAMETER)
        try:
            total = int(args[2][0])
        except ValueError:
            raise ATError(BAD_PARAMETER)
        if not 10 <= total <= 300:
            raise ATError(BAD_PARAMETER)
        display = args[3:]
    else:
        raise ATError(BAD_PARAMETER)
    if display and display[0][0] not in ("0", "1"):
        raise ATError(BAD_PARAMETER)
    m.link.need()
    _sync(m, servers, total, display and display[0][0] == "1")


def _sync(m, servers, total, show):
    """The request to each server in turn within total seconds; the clock set (and shown)
    from the first good reply."""
    p = m.params
    port = p.get("EGNTPPORT")
    deadline = ticks_add(ticks_ms(), total * m.sntp_ms)
    resolved = 0
    utc = None
    try:
        for i, host in enumerate(servers):
            left = ticks_diff(deadline, ticks_ms())
            if left <= 0:
                break
            try:
                utc = request(m, host, port, left // (len(servers) - i),
                              lambda sock, ms: m.wait(sock, POLLIN, ms, _STOP))
                resolved += 1
            except OSError:
                continue  # this name does not resolve: the next server
            if utc is not None:
                break
    except Halted:
        # the request, halted: the clock was not set; the AT+EGNTP=0 that halted it runs
        # next, and answers OK
        raise ATError(ERROR)
    if utc is None:
        raise ATError(DNS_FAILED if not resolved else ERROR)
    h, mi = p.get("EGNTPUTC")
    minutes = h * 60 + (mi if h >= 0 else -mi)
    local = utc + minutes * 60
    _clock(m).set(local, int(minutes / 15))
    if show:
        m.info(clock.text(local))


def _clock(m):
    if m.clock is None:
        m.clock = clock.Clock(m.board)
    return m.clock


def cclk(m, name, op, args):
    """AT+CCLK? -> +CCLK: "yy/MM/dd,hh:mm:ss+zz" (zz in quarter hours); AT+CCLK="..." sets."""
    c = _clock(m)
    if op == GET:
        m.info('+CCLK: "%s%+03d"' % (clock.text(c.now()), c.zone))
    elif op == SET:
        t = clock.parse(args[0][0]) if len(args) == 1 else None
        if t is None:
            raise ATError(BAD_PARAMETER)
        c.set(t[0], t[1])
    elif op != TEST:  # TEST answers OK
        raise ATError(ERROR)
