"""What TCP and FTP share: the busy check, name resolution, connecting, peers' addresses.
Loaded with either of them."""
import socket

from . import codes as K
from . import compat as T
from .compat import const

# (modules, not their names: every name at module level is a slot of this module's dict,
# which is allocated in one piece when it is loaded; fewer names, a smaller piece)

_SLICE_MS = const(100)  # a long wait is cut into slices this long, the watchdog fed between


def idle(m):
    """A second data session or transfer while one runs (or a listener waits): 37122."""
    if m.listener is not None:
        raise K.ATError(K.BUSY)


def wait(s, mask, ms, kick):
    """Wait up to ms for s to be ready (mask: POLLIN or POLLOUT): its events, 0 on timeout.
    kick() (the watchdog's feed, Modem.kick) is called at least every _SLICE_MS."""
    p = T.Poller()
    p.register(s, mask)
    t0 = T.ticks_ms()
    try:
        while True:
            kick()
            left = ms - T.ticks_diff(T.ticks_ms(), t0)
            if left <= 0:
                return 0
            for _, ev in p.ipoll(left if left < _SLICE_MS else _SLICE_MS):
                return ev
    finally:
        p.unregister(s)


def resolve(m, host, port):
    """The address of host (lookup), or ATError(DNS_FAILED)."""
    try:
        return lookup(m.board, host, port, socket.SOCK_STREAM)
    except (OSError, IndexError):
        raise K.ATError(K.DNS_FAILED)


def lookup(board, host, port, kind):
    """The first address socket.getaddrinfo gives (OSError, IndexError when the name does
    not resolve). It blocks inside the network stack, the one wait that cannot be sliced:
    a board with a watchdog has it fed meanwhile (board.hold, firmware/boot.py)."""
    hold = getattr(board, "hold", None)
    end = hold() if hold else None
    try:
        return socket.getaddrinfo(host, port, 0, kind)[0][-1]
    finally:
        if end:
            end()


def connect(addr, ms, kick):
    """A connected non-blocking socket, or ATError(38016) when refused or timed out."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        try:
            s.connect(addr)
        except OSError as e:
            if e.args[0] not in T.BUSY_ERRNOS:
                raise
        ev = wait(s, T.POLLOUT, ms, kick)
        ok = ev and not ev & (T.POLLERR | T.POLLHUP)
        if ok and not T.MPY and s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
            ok = False
        if not ok:
            raise OSError(111)
    except OSError:
        s.close()
        raise K.ATError(K.OPEN_FAILED)
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
    from . import pump as P

    code = 0
    if why == P.ABORT:
        pump.send_etx()
        code = K.SESSION_LOST if not m.link.up else K.OPEN_FAILED
    elif why == P.ERROR:
        code = K.OPEN_FAILED
    if up and not pump.host_done:
        return code, pump.drain(stream if why == P.PEER_CLOSED else None, m.quiet_ms,
                                m.session_tick)
    return code, pump.rest()
