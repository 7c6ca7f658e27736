"""The data pump between a real pty (the serial line) and real sockets (the network)."""
import errno
import fcntl
import hashlib
import os
import select
import socket
import struct
import subprocess
import sys
import termios
import threading
import time
import tty
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from modem import pump as P  # noqa: E402
from modem.compat import Stream  # noqa: E402
from modem.compat import FdPort  # noqa: E402

MPY = os.path.join(os.path.dirname(sys.executable), "micropython")
MiB = 1 << 20


def test_the_poll_flags_the_pump_has_as_constants_are_the_pollers():
    from modem import compat

    assert (P._IN, P._OUT, P._ERR, P._HUP) == (compat.POLLIN, compat.POLLOUT,
                                               compat.POLLERR, compat.POLLHUP)
    assert (compat.POLLIN, compat.POLLOUT, compat.POLLERR, compat.POLLHUP) == (1, 4, 8, 16)


def enc(data):
    """Reference DLE encoding, independent of lib/modem/dle.py."""
    return data.replace(b"\x10", b"\x10\x10").replace(b"\x03", b"\x10\x03")


def payload(n):
    """n bytes holding every byte value, then pseudo-random ones."""
    head = bytes(range(256)) + b"\x10\x03\x10\x10\x03\x03\x10"
    return (head + os.urandom(n))[:n]


@pytest.fixture
def line():
    """(port on the pty master for the pump, slave fd for the host side)."""
    master, slave = os.openpty()
    tty.setraw(slave)
    tty.setraw(master)
    yield FdPort(master, master), slave
    os.close(slave)
    os.close(master)


@pytest.fixture
def net():
    a, b = socket.socketpair()
    yield Stream(a), b
    a.close()
    b.close()


def tcp_pair():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    c = socket.create_connection(srv.getsockname())
    s, _ = srv.accept()
    srv.close()
    return c, s


class Bg(threading.Thread):
    """Run f(*args) in a thread, keep its result or exception."""

    def __init__(self, f, *args):
        super().__init__(daemon=True)
        self.f, self.args, self.result, self.exc = f, args, None, None
        self.start()

    def run(self):
        try:
            self.result = self.f(*self.args)
        except BaseException as e:  # noqa: BLE001
            self.exc = e

    def get(self, timeout=60):
        self.join(timeout)
        assert not self.is_alive(), "thread still running"
        if self.exc:
            raise self.exc
        return self.result


def write_all_fd(fd, data, chunk=4096):
    mv = memoryview(data)
    off = 0
    while off < len(mv):
        off += os.write(fd, mv[off : off + chunk])


def read_fd(fd, n, timeout=50):
    """Read exactly n bytes from a blocking fd (hashing as it goes): (sha256, bytes if small).

    Asks FIONREAD as well as select, so a missed wake-up costs 50 ms, not the test."""
    h = hashlib.sha256()
    got = 0
    keep = bytearray() if n <= MiB else None
    end = time.monotonic() + timeout
    avail = bytearray(4)
    while got < n:
        if time.monotonic() > end:
            raise TimeoutError("got %d of %d bytes" % (got, n))
        select.select([fd], [], [], 0.05)
        fcntl.ioctl(fd, termios.FIONREAD, avail)
        if not struct.unpack("i", avail)[0]:
            continue
        b = os.read(fd, min(65536, n - got))
        h.update(b)
        got += len(b)
        if keep is not None:
            keep += b
    return h.hexdigest(), keep


def recv_n(sock, n, timeout=60):
    h = hashlib.sha256()
    got = 0
    keep = bytearray() if n <= MiB else None
    sock.settimeout(timeout)
    while got < n:
        b = sock.recv(min(65536, n - got))
        if not b:
            break
        h.update(b)
        got += len(b)
        if keep is not None:
            keep += b
    return h.hexdigest(), keep, got


def drain_fd(fd, wait=0.2):
    """What is readable on fd within wait seconds."""
    out = bytearray()
    while select.select([fd], [], [], wait)[0]:
        b = os.read(fd, 65536)
        if not b:
            break
        out += b
    return bytes(out)


def sha(b):
    return hashlib.sha256(b).hexdigest()


def test_4mib_each_way_every_byte_value_arrives_sha256_equal_then_peer_close_sends_lone_etx(
    line, net
):
    # 4 MiB under CPython (the codec's pure-Python twin); 16 MiB each way under the unix port
    # below (test_pump_under_micropython_moves_16mib_each_way_sha256_equal)
    port, slave = line
    stream, peer = net
    host_data = payload(4 * MiB)
    peer_data = payload(4 * MiB)
    expect_host_rx = enc(peer_data) + b"\x03"
    pump = P.Pump(port)
    run = Bg(pump.run, stream, 1, P.BOTH)
    host_tx = Bg(write_all_fd, slave, enc(host_data))
    host_rx = Bg(read_fd, slave, len(expect_host_rx))
    peer_tx = Bg(peer.sendall, peer_data)
    peer_rx = recv_n(peer, len(host_data))
    peer_tx.get()
    host_tx.get()
    assert peer_rx[2] == len(host_data)
    assert peer_rx[0] == sha(host_data)
    peer.shutdown(socket.SHUT_WR)  # the peer closes once it has everything
    assert host_rx.get()[0] == sha(expect_host_rx)
    assert run.get() == P.PEER_CLOSED
    assert drain_fd(slave) == b""  # nothing after the lone ETX


class Sizes:
    """A port's or a stream's reads, counted by size (wraps its readinto)."""

    def __init__(self, obj):
        self.obj = obj
        self.asked = []
        self.got = []

    def __getattr__(self, name):
        return getattr(self.obj, name)

    def readinto(self, mv, n=-1):
        got = self.obj.readinto(mv, n)
        if got:
            self.asked.append(len(mv) if n < 0 else n)
            self.got.append(got)
        return got


def test_a_one_way_flow_takes_most_of_the_buffer_and_the_other_way_still_flows(line, net):
    """A TCP session moves the edge between its regions: a flow one way, the other side
    quiet, reads more than half the buffer a call; a few bytes the other way meanwhile (the
    host typing during a download, the peer answering during an upload) arrive whole and in
    order, both ways, and every byte of the flow too."""
    port, slave = line
    stream, peer = net
    for down in (True, False):
        big = payload(2 * MiB)
        small = [b"chunk %03d \x10\x03|" % i for i in range(12)]
        sport, sstream = Sizes(port), Sizes(stream)
        pump = P.Pump(sport)
        run = Bg(pump.run, sstream, 1, P.BOTH, None, None, 100)

        def trickle(send):  # (a while apart: the other side is quiet in between)
            for c in small:
                time.sleep(0.08)
                send(c)

        if down:  # the peer's flow, the host typing
            rx = Bg(read_fd, slave, len(enc(big)))
            tx = Bg(peer.sendall, big)
            tr = Bg(trickle, lambda c: os.write(slave, enc(c)))
            got = recv_n(peer, len(b"".join(small)), 30)
            assert rx.get()[0] == sha(enc(big))
        else:  # the host's flow, the peer answering
            rx = Bg(recv_n, peer, len(big))
            tx = Bg(write_all_fd, slave, enc(big))
            tr = Bg(trickle, peer.sendall)
            got = (None, read_fd(slave, len(enc(b"".join(small))))[1])
            assert rx.get()[0] == sha(big)
        tx.get()
        tr.get()
        assert bytes(got[1]) == (b"".join(small) if down else enc(b"".join(small)))
        os.write(slave, b"\x03")
        assert run.get() == P.HOST_ETX
        flow = sstream if down else sport
        assert max(flow.asked) > P.BUF_SIZE // 2, max(flow.asked)
        assert max(flow.got) > P.BUF_SIZE // 2, max(flow.got)


class Held:
    """A stream that holds its bytes where poll cannot see them, as TLS does (a record read
    whole, given out a read at a time): its pollable is one end of a socket pair, readable
    only once the bytes are all out (the other end is shut then: the stream's end shows)."""

    def __init__(self, data, pollable, other):
        self.data = memoryview(data)
        self.pollable = pollable
        self.other = other

    def readinto(self, mv, n=-1):
        n = len(mv) if n < 0 else n
        k = min(n, len(self.data))
        mv[:k] = self.data[:k]
        self.data = self.data[k:]
        if not self.data:
            self.other.shutdown(socket.SHUT_WR)
        return k  # 0 at the end

    def write(self, mv, off=0, n=-1):
        return len(mv) - off if n < 0 else n


def test_bytes_a_stream_holds_out_of_polls_sight_are_read_on_at_once(line, net):
    """A read that filled what was asked is followed by another, not by a wait on the
    poller (a TLS stream holds the rest of a record where poll does not see it): 2 MiB that
    the stream holds all along go to the host in a few ticks (under CPython's codec twin,
    some 0.2 s), not a tick for every wait (some 130 ticks, when the fast lane waited)."""
    port, slave = line
    data = payload(2 * MiB)
    ticks = [0]

    def tick():
        ticks[0] += 1
        return 0

    pump = P.Pump(port)
    for directions in (P.DOWN, P.BOTH):
        ticks[0] = 0
        a, b = socket.socketpair()
        try:
            rx = Bg(read_fd, slave, len(enc(data)) + 1)
            held = Held(data, Stream(a).pollable, b)
            assert pump.run(held, 1, directions, None, tick) == P.PEER_CLOSED
            assert rx.get()[0] == sha(enc(data) + b"\x03")
        finally:
            a.close()
            b.close()
        assert ticks[0] < 60, ticks[0]  # (a tick is 100 ms: 6 s, 30 times the work's time)


def test_host_etx_ends_session_and_bytes_after_it_are_handed_back(line, net):
    port, slave = line
    stream, peer = net
    data = bytes(range(256)) * 8
    after = b"AT#VSTATE\rAT\r"
    os.write(slave, enc(data) + b"\x03" + after)
    time.sleep(0.05)  # let it all reach the pty, so the ETX and what follows come in one read
    pump = P.Pump(port)
    assert pump.run(stream, 1, P.BOTH) == P.HOST_ETX
    rest = bytes(pump.rest()) + drain_fd(port._r, 0.05)
    assert rest == after
    assert recv_n(peer, len(data), 5)[1] == data
    peer.setblocking(False)
    with pytest.raises(BlockingIOError):
        peer.recv(1)  # nothing after the data


def test_host_etx_in_leftover_hands_back_the_rest_of_leftover(line, net):
    port, slave = line
    stream, peer = net
    leftover = bytearray(b"ab\x10\x03c\x03AT\r")
    pump = P.Pump(port)
    assert pump.run(stream, 1, P.UP, memoryview(leftover)) == P.HOST_ETX
    assert bytes(pump.rest()) == b"AT\r"
    assert recv_n(peer, 4, 10)[1] == b"ab\x03c"


def test_leftover_is_data_of_the_session_before_what_comes_on_the_line(line, net):
    port, slave = line
    stream, peer = net
    leftover = memoryview(bytearray(b"\x10\x10first-" * 300))  # larger than the buffer
    pump = P.Pump(port)
    run = Bg(pump.run, stream, 1, P.UP, leftover)
    time.sleep(0.05)
    os.write(slave, b"second\x10")
    os.write(slave, b"\x03\x03")
    assert run.get(10) == P.HOST_ETX
    want = b"\x10first-" * 300 + b"second\x03"
    assert recv_n(peer, len(want), 5)[1] == want


def test_peer_close_sends_all_its_data_then_one_lone_etx(line, net):
    port, slave = line
    stream, peer = net
    data = b"0123456\x10654321\x03123456"
    peer.sendall(data)
    peer.shutdown(socket.SHUT_WR)
    pump = P.Pump(port)
    assert pump.run(stream, 1, P.BOTH) == P.PEER_CLOSED
    assert drain_fd(slave) == b"0123456\x10\x10654321\x10\x03123456\x03"


def test_the_session_ends_in_the_pass_that_writes_its_lone_etx(line, net):
    """Once the lone ETX is out there is nothing left to wait for: the pump returns at once,
    not after a poll that waits a tick (100 ms before every FTPGET's OK, once)."""
    from modem.wait import Wait

    class Recorded:  # the pump's poller, each wait it asks for kept
        def __init__(self, p):
            self.p = p
            self.waits = []

        def register(self, obj, mask):
            self.p.register(obj, mask)

        def unregister(self, obj):
            self.p.unregister(obj)

        def ipoll(self, ms):
            self.waits.append((ms, self.etx_out()))
            return self.p.ipoll(ms)

    port, slave = line
    stream, peer = net
    peer.sendall(b"data")
    peer.close()
    w = Wait()
    rec = w.poller = Recorded(w.poller)
    w._p = rec
    out = bytearray()

    def etx_out():
        while select.select([slave], [], [], 0)[0]:
            out.extend(os.read(slave, 100))
        return out.endswith(b"\x03")

    rec.etx_out = etx_out
    pump = P.Pump(port, w)
    assert pump.run(stream, 1, P.DOWN) == P.PEER_CLOSED
    assert etx_out() and out == b"data\x03"
    assert not [ms for ms, after_etx in rec.waits if after_etx], rec.waits


def test_a_download_keeps_what_the_host_types_for_after_it(line, net):
    port, slave = line
    stream, peer = net
    os.write(slave, b"AT\r")  # a command typed during an FTPGET: run after it
    peer.sendall(b"file\x03data")
    peer.close()
    pump = P.Pump(port)
    assert pump.run(stream, 1, P.DOWN, memoryview(b"ATI\r")) == P.PEER_CLOSED
    assert bytes(pump.rest()) == b"ATI\rAT\r"
    assert drain_fd(slave) == b"file\x10\x03data\x03"


def test_the_hosts_etx_stops_a_download_with_a_lone_etx(line, net):
    port, slave = line
    stream, peer = net
    pump = P.Pump(port)
    stop = threading.Event()
    feeder = Bg(lambda: [peer.sendall(b"\x10" * 4096) for _ in range(200) if not stop.is_set()])
    run = Bg(pump.run, stream, 1, P.DOWN)
    got = os.read(slave, 100)
    os.write(slave, b"\x03AT\r")
    t = time.time() + 10
    while run.is_alive() and time.time() < t:  # the host reads on, to the lone ETX
        got += drain_fd(slave, 0.05)
    assert run.get(10) == P.HOST_ETX
    stop.set()
    got += drain_fd(slave)
    assert got.endswith(b"\x03") and got[:-1] == b"\x10" * (len(got) - 1)  # pairs whole
    assert (len(got) - 1) % 2 == 0
    assert bytes(pump.rest()) == b"AT\r"
    stream.close()  # the feeder's sendall ends: nobody reads any more
    feeder.join(5)


def test_dlemode_0_passes_every_byte_untouched_both_ways_and_peer_close_sends_no_etx(line, net):
    port, slave = line
    stream, peer = net
    host_data = payload(2 * MiB) + b"\x03\x10\x03"
    peer_data = payload(2 * MiB) + b"\x10\x03"
    pump = P.Pump(port)
    run = Bg(pump.run, stream, 0, P.BOTH)
    host_tx = Bg(write_all_fd, slave, host_data)
    host_rx = Bg(read_fd, slave, len(peer_data))
    peer_tx = Bg(peer.sendall, peer_data)
    got = recv_n(peer, len(host_data))
    assert got[0] == sha(host_data)
    peer_tx.get()
    host_tx.get()
    peer.shutdown(socket.SHUT_WR)
    assert host_rx.get()[0] == sha(peer_data)
    assert run.get() == P.PEER_CLOSED
    assert drain_fd(slave) == b""


class Throttle:
    """Wraps one side: takes at most `most` bytes a call, refuses every other call, and notes
    whether the pump still owes bytes to it (a short or refused write)."""

    def __init__(self, inner, most, none):
        self.inner, self.most, self.none = inner, most, none
        self.pollable = inner.pollable
        self.wpollable = getattr(inner, "wpollable", None)
        self.owed = False
        self.calls = 0

    def write(self, mv, off=0, n=-1):
        mv = mv[off:] if n < 0 else mv[off:off + n]
        self.calls += 1
        if self.calls % 2:
            self.owed = True
            return self.none
        n = self.inner.write(mv[: self.most])
        self.owed = (n or 0) < len(mv)
        return n


class Watch:
    """Wraps the other side: counts reads made while `other` is still owed bytes."""

    def __init__(self, inner, other):
        self.inner, self.other = inner, other
        self.pollable = inner.pollable
        self.wpollable = getattr(inner, "wpollable", None)
        self.bad_reads = 0

    def readinto(self, mv, n=-1):
        if self.other.owed:
            self.bad_reads += 1
        return self.inner.readinto(mv, n)

    def write(self, mv, off=0, n=-1):
        return self.inner.write(mv, off, n)


def test_back_pressure_line_is_not_read_while_the_stream_is_owed_bytes(line, net):
    port, slave = line
    stream, peer = net
    sink = Throttle(stream, 700, None)
    src = Watch(port, sink)
    sink.readinto = stream.readinto
    data = payload(MiB)
    pump = P.Pump(src)
    run = Bg(pump.run, sink, 1, P.UP)
    Bg(write_all_fd, slave, enc(data) + b"\x03")
    assert recv_n(peer, len(data))[0] == sha(data)
    assert run.get() == P.HOST_ETX
    assert sink.calls > 1000
    assert src.bad_reads == 0


def test_back_pressure_stream_is_not_read_while_the_line_is_owed_bytes(line, net):
    port, slave = line
    stream, peer = net
    uart = Throttle(port, 300, 0)
    uart.readinto = port.readinto
    src = Watch(stream, uart)
    data = payload(MiB)
    pump = P.Pump(uart)
    run = Bg(pump.run, src, 1, P.DOWN)
    rx = Bg(read_fd, slave, len(enc(data)) + 1)
    peer.sendall(data)
    peer.shutdown(socket.SHUT_WR)
    assert rx.get()[0] == sha(enc(data) + b"\x03")
    assert run.get() == P.PEER_CLOSED
    assert src.bad_reads == 0


def test_back_pressure_a_peer_that_does_not_read_stops_the_line_being_read(line, net):
    port, slave = line
    stream, peer = net
    pump = P.Pump(port)
    stop = threading.Event()
    run = Bg(pump.run, stream, 1, P.UP, None, stop.is_set)
    os.set_blocking(slave, False)
    sent = 0
    block = b"x" * 4096
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        try:
            sent += os.write(slave, block)
        except BlockingIOError:
            time.sleep(0.01)
    # the host is held back: what it got out is bounded by the socket's and the pty's buffers
    sock_buf = peer.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) + stream.sock.getsockopt(
        socket.SOL_SOCKET, socket.SO_SNDBUF
    )
    print("host got out", sent, "bytes; socket buffers", sock_buf)
    assert sent < 2 * sock_buf + 256 * 1024
    stop.set()
    assert run.get(5) == P.ABORT


def test_txdelay_holds_a_partial_segment_and_sends_a_full_one_at_once(line, net):
    # A hold far longer than any wait below: "held" and "at once" cannot be mistaken for
    # each other, however busy the machine.
    port, slave = line
    stream, peer = net
    pump = P.Pump(port)
    stop = threading.Event()
    run = Bg(pump.run, stream, 1, P.UP, None, stop.is_set, 20000)
    peer.settimeout(1)
    os.write(slave, b"hello")
    with pytest.raises(socket.timeout):
        peer.recv(100)  # the line had no more: held (20 s)
    os.write(slave, b"z" * P.BUF_SIZE)  # more than a read takes: it goes at once
    got = bytes(recv_n(peer, 5 + P.BUF_SIZE, 10)[1])
    assert got == b"hello" + b"z" * P.BUF_SIZE
    peer.settimeout(1)
    with pytest.raises(socket.timeout):
        peer.recv(100)  # and nothing was made up meanwhile
    os.write(slave, b"bye")
    with pytest.raises(socket.timeout):
        peer.recv(100)  # a partial segment again: held
    stop.set()
    assert run.get(5) == P.ABORT


def test_peer_reset_is_error_with_errno_and_host_gets_pending_data_then_etx(line):
    port, slave = line
    c, s = tcp_pair()
    try:
        s.sendall(b"bye\x10")
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        time.sleep(0.05)
        pump = P.Pump(port)
        stream = Stream(c)
        # read what was sent, then the reset: send the host nothing for a moment
        s.close()  # RST
        reason = pump.run(stream, 1, P.BOTH)
        out = drain_fd(slave)
        if reason == P.PEER_CLOSED:  # pragma: no cover - the RST raced the data
            pytest.skip("kernel delivered EOF, not a reset")
        assert reason == P.ERROR
        assert pump.errno == errno.ECONNRESET
        assert out.endswith(b"\x03") and out in (b"\x03", b"bye\x10\x10\x03")
    finally:
        c.close()


def test_tick_is_called_every_100_ms_and_true_aborts_without_etx(line, net):
    port, slave = line
    stream, peer = net
    calls = []

    def tick():
        calls.append(time.monotonic())
        return len(calls) >= 4

    pump = P.Pump(port)
    assert pump.run(stream, 1, P.BOTH, None, tick) == P.ABORT
    gaps = [b - a for a, b in zip(calls, calls[1:])]
    # every 100 ms, not more often (less a tick: ms clocks); late only as a busy machine is
    assert all(0.09 <= g < 5 for g in gaps), gaps
    assert drain_fd(slave, 0.05) == b""
    assert pump.send_etx()
    assert drain_fd(slave, 0.05) == b"\x03"


def test_send_etx_after_abort_completes_a_cut_escape_pair():
    class Port:  # a line that takes two bytes, then nothing until the abort
        pollable = wpollable = None

        def __init__(self):
            self.out = bytearray()
            self.room = 2

        def readinto(self, mv, n=-1):
            return 0

        def write(self, mv, off=0, n=-1):
            mv = mv[off:] if n < 0 else mv[off:off + n]
            k = min(len(mv), self.room)
            self.room -= k
            self.out += mv[:k]
            return k

    class Peer:  # sends "a", DLE, "b" once
        pollable = None

        def __init__(self):
            self.data = b"a\x10b"

        def readinto(self, mv, n=-1):
            if not self.data:
                return None
            mv[0:len(self.data)] = self.data
            n, self.data = len(self.data), b""
            return n

    port = Port()
    pump = P.Pump(port)
    assert pump.run(Peer(), 1, P.DOWN, None, lambda: len(port.out) == 2) == P.ABORT
    assert bytes(port.out) == b"a\x10"  # "a" and the DLE of the pair "DLE DLE"
    port.room = 100
    assert pump.send_etx()
    assert bytes(port.out) == b"a\x10\x10\x03"


def paced(send, data, chunk):
    """data sent chunk bytes at a time, each on its own (a slow host's or peer's)."""
    for i in range(0, len(data), chunk):
        mv = memoryview(data)[i:i + chunk]
        while mv:
            try:
                mv = mv[send(mv):]
            except BlockingIOError:
                time.sleep(0.001)
        time.sleep(0.0003)


def pump_under_micropython(size, *args, chunk=0):
    """device_tests/pump_e2e.py under the unix port (HEAP=64K) between the pty and a TCP
    peer: size bytes each way, sha256 equal, the session ended by the peer; its stderr.
    chunk: the host and the peer send that many bytes at a time, a while apart."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    master, slave = os.openpty()
    tty.setraw(slave)
    os.set_blocking(master, False)
    built = ROOT / "build" / "x64"  # compiled by conftest, as a board loads them
    env = dict(os.environ, MICROPYPATH=str(built if built.exists() else ROOT / "lib"))
    proc = subprocess.Popen(
        [MPY, "-X", "heapsize=64K", str(ROOT / "device_tests" / "pump_e2e.py"),
         str(srv.getsockname()[1])] + list(args),
        stdin=master, stdout=master, stderr=subprocess.PIPE, env=env,
    )
    err = b""
    try:
        srv.settimeout(10)
        peer, _ = srv.accept()
        host_data = payload(size)
        peer_data = payload(size)
        expect_host_rx = enc(peer_data) + b"\x03"
        if chunk:  # (the host's chunks cut escape pairs too: the decoder carries them)
            host_tx = Bg(paced, lambda b: os.write(slave, b), enc(host_data), chunk)
            peer_tx = Bg(paced, peer.send, peer_data, chunk)
        else:
            host_tx = Bg(write_all_fd, slave, enc(host_data))
            peer_tx = Bg(peer.sendall, peer_data)
        host_rx = Bg(read_fd, slave, len(expect_host_rx))
        got = recv_n(peer, len(host_data))
        assert got[2] == len(host_data) and got[0] == sha(host_data)
        peer_tx.get()
        host_tx.get()
        peer.shutdown(socket.SHUT_WR)
        try:
            assert host_rx.get()[0] == sha(expect_host_rx)
        finally:
            peer.close()
        code = proc.wait(10)
        err = proc.stderr.read()
        assert code == P.PEER_CLOSED, err
    finally:
        if proc.poll() is None:
            proc.kill()
        print("micropython exit", proc.wait(), (err or proc.stderr.read()).decode()[-2000:])
        os.close(slave)
        os.close(master)  # held to the end: the last bytes must not race the pty's hangup
        srv.close()
    return err.decode()


def test_pump_under_micropython_moves_16mib_each_way_sha256_equal():
    if not os.path.exists(MPY):
        pytest.skip("no micropython")
    pump_under_micropython(16 * MiB)


def test_pump_under_micropython_allocates_nothing_per_chunk():
    """With the collector off, a session of 4 MiB each way (some 16,000 chunks) allocates
    about what one of 64 KiB does: nothing per chunk (no memoryview of a buffer's part, no
    bytes), in the modem's TCP way (TCPTXDELAY holding partial segments, reads at an offset,
    a tick). What a session allocates at all is a few hundred bytes, made once: its two
    views of the buffer, the poller's entries (kept, with nothing asked, while a side
    waits: wait.Wait.mask), and one entry again at most when the stream hangs up."""
    if not os.path.exists(MPY):
        pytest.skip("no micropython")
    small = int(pump_under_micropython(64 * 1024, "alloc").split("alloc ")[1].split()[0])
    big = int(pump_under_micropython(4 * MiB, "alloc").split("alloc ")[1].split()[0])
    assert small <= 1024 and big <= small + 128, (small, big)


def test_pump_under_micropython_allocates_nothing_per_slow_chunk():
    """The same with a slow host and a slow peer (8 bytes at a time, each on its own; TCPTXDELAY
    0): each chunk comes and goes whole between two polls, by the pump's fast lane. 4,096
    chunks each way allocate what 512 do."""
    if not os.path.exists(MPY):
        pytest.skip("no micropython")
    small = int(pump_under_micropython(4096, "alloc", "0", chunk=8).split("alloc ")[1].split()[0])
    big = int(pump_under_micropython(32768, "alloc", "0", chunk=8).split("alloc ")[1].split()[0])
    assert small <= 1024 and big <= small + 128, (small, big)
