"""A name asked of the DNS servers DNSSERV1 and DNSSERV2 (RFC 1035, an A record over UDP),
where the network stack cannot be told to use them (the computer: its resolver is not the
modem's to change). The second server is asked when the first does not answer; a reply
counts only from the server asked, with the query's random id."""
import os
import socket

from .compat import POLLIN, ticks_add, ticks_diff, ticks_ms

PORT = 53


def query(name, ident):
    """The query for name's A record (recursion desired)."""
    q = bytearray(ident + b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00")
    for label in name.encode().split(b"."):
        if not 0 < len(label) < 64:
            raise ValueError
        q.append(len(label))
        q += label
    q += b"\x00\x00\x01\x00\x01"  # the root, type A, class IN
    return q


def answer(r, ident):
    """The first IPv4 address of a reply to the query ident; None when the name does not
    resolve (an error or no A record); ValueError when r is not an answer to it."""
    if len(r) < 12 or r[0:2] != ident or not r[2] & 0x80:
        raise ValueError
    if r[3] & 0x0F:
        return None  # NXDOMAIN, SERVFAIL, ...
    i = 12
    for _ in range((r[4] << 8) | r[5]):  # the question(s): skipped
        i = _skip(r, i) + 4
    for _ in range((r[6] << 8) | r[7]):
        i = _skip(r, i)
        rtype = (r[i] << 8) | r[i + 1]
        size = (r[i + 8] << 8) | r[i + 9]
        i += 10
        if rtype == 1 and size == 4:
            return "%d.%d.%d.%d" % (r[i], r[i + 1], r[i + 2], r[i + 3])
        i += size
    return None


def _skip(r, i):
    """Past the name at r[i] (labels, or a pointer to them)."""
    while True:
        n = r[i]
        if n == 0:
            return i + 1
        if n & 0xC0 == 0xC0:
            return i + 2
        i += n + 1


def resolve(m, name, servers):
    """name's address from the first of servers that answers: a dotted quad; OSError when
    none answers or the name does not resolve. Each server has m.dns_ms."""
    from .sockets import ip_port

    for server in servers:
        addr = socket.getaddrinfo(server, m.dns_port, 0, socket.SOCK_DGRAM)[0][-1]
        ident = os.urandom(2)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.setblocking(False)
            s.sendto(query(name, ident), addr)
            deadline = ticks_add(ticks_ms(), m.dns_ms)
            while True:
                left = ticks_diff(deadline, ticks_ms())
                if left <= 0 or not m.wait(s, POLLIN, left):
                    break  # silent: the next server
                try:
                    r, src = s.recvfrom(512)
                    if ip_port(src) != ip_port(addr):
                        continue  # not the server asked
                    ip = answer(r, ident)
                except (OSError, ValueError, IndexError):
                    continue  # not an answer to this query: keep waiting
                if ip is None:
                    raise OSError(2)  # the server says the name does not resolve
                return ip
        finally:
            s.close()
    raise OSError(110)
