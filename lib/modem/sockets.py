"""What TCP and FTP share: the busy check, name resolution, connecting, peers' addresses.
Loaded with either of them."""
import socket

from .codes import BUSY, DNS_FAILED, OPEN_FAILED, ATError
from .compat import BUSY_ERRNOS, MPY, POLLERR, POLLHUP, POLLOUT, Poller


def idle(m):
    """A second data session or transfer while one runs (or a listener waits): 37122."""
    if m.listener is not None:
        raise ATError(BUSY)


def resolve(host, port):
    try:
        return socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0][-1]
    except (OSError, IndexError):
        raise ATError(DNS_FAILED)


def connect(addr, ms):
    """A connected non-blocking socket, or ATError(38016) when refused or timed out."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        try:
            s.connect(addr)
        except OSError as e:
            if e.args[0] not in BUSY_ERRNOS:
                raise
        p = Poller()
        p.register(s, POLLOUT)
        ok = False
        for _, ev in p.ipoll(ms):
            ok = not ev & (POLLERR | POLLHUP)
        p.unregister(s)
        if ok and not MPY and s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
            ok = False
        if not ok:
            raise OSError(111)
    except OSError:
        s.close()
        raise ATError(OPEN_FAILED)
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
