"""No byte lost under pressure: the modem (MicroPython) on a line paced as a 115200 baud UART,
a TCP session both ways at once: a fast peer sends while the host reads, the host sends while
a slow peer reads. sha256 equal both ways, the modem's heap flat. SOAK=1: 4 MiB each way."""
import hashlib
import os
import socket
import threading
import time

import pytest

import sim
from conftest import CODE_HEAP, MICROPYTHON, Line, attach
from servers import TcpPeer, dle_decode_at, dle_encode
from soakrec import soak

HEAP = CODE_HEAP  # the MicroPython heap with the code in it (make deploy)
BAUD = 115200
# each way, in `make test`: about 25 s with the slow peer. It must be well more than the
# buffers on the way hold (BUFFERED), or the host is never held back and there is nothing to
# check: under load the kernel gave the modem's socket room for all of 64 KiB once.
SHORT = 128 * 1024
LONG = 4 * 1024 * 1024  # each way, SOAK=1: about 9 min (6 on the line, the peer slower)
PEER_SHARE = 0.7  # the slow peer reads this share of what the line carries (8064 B/s)
# after it has not read at all for as long as the line takes to fill what the buffers on
# the way hold, and two seconds more: the modem's socket about 50 KB (measured with `ss`:
# it grows with the segment size, to MiBs with loopback's 64 KiB: hence PEER_MSS), the peer's
# socket 2.6 KB, the pump 512 bytes, the board's UART buffer (sim.MODEM_RXBUF)
BUFFERED = 60000
PEER_RCVBUF = 2048
PEER_MSS = 536
HOST_PAUSE_S = 1.0  # the host stops reading once for this long, halfway
WAITING = b"\r\nOk_Info_WaitingForData\r\n"
CLOSED = b"\r\nOk_Info_SocketClosed\r\n\r\nOK\r\n"
ETX = b"\x03"

# The modem as firmware/main.py runs it, plus a line of log after every data session: the
# heap in use after a collection (the firmware logs it only at start-up). Test rig, not lib/.
HEAP_PROBE = r"""
import gc
import os
import sys

from modem import core

_session = getattr(core.Modem, "_session", None)


def _logged(self, leftover):
    rest = _session(self, leftover)
    gc.collect()
    sys.stderr.write("modem: heap after session: %d bytes in use, %d free\n"
                     % (gc.mem_alloc(), gc.mem_free()))
    return rest


if _session is None:
    sys.stderr.write("modem: heap probe: no Modem._session to wrap\n")
else:
    core.Modem._session = _logged
from modem import main

main.run(os.getenv("MODEM_BOARD"), os.getenv("MODEM_FLASH"))
"""


def probed_modem(tmp_path, heap=HEAP, baud=BAUD):
    """(sim, line): the MicroPython modem with the heap probe, echo off, link up."""
    probe = tmp_path / "heap_probe.py"
    probe.write_text(HEAP_PROBE)
    s = sim.Sim("micropython", heap, str(tmp_path / "flash"), micropython=MICROPYTHON,
                baud=baud, main=str(probe))
    try:
        s.wait_ready()
        line = Line(s.name)
    except Exception:
        s.stop()
        raise
    attach(line)
    return s, line


def heaps(s, sessions=0, timeout=10):
    """Bytes in use after each data session so far, from the probe's log lines. The log
    comes by a pipe and a thread of the sim's: its line for a session can come after the
    answers on the line that followed it. So, given the number of sessions, wait (up to
    timeout) for that many; and a modem that has stopped has all its log read first."""
    if s.proc.poll() is not None:
        s.reader.join(timeout)
    t = time.time() + timeout
    while True:
        got = [int(x.split(": ")[2].split()[0]) for x in s.lines
               if x.startswith("modem: heap after session:")]
        if len(got) >= sessions or time.time() > t:
            return got
        time.sleep(0.01)


def faults(s):
    return [x for x in s.lines if "internal error" in x or "MemoryError" in x
            or "crashed" in x or "Traceback" in x]


def open_fds(s):
    return len(os.listdir("/proc/%d/fd" % s.proc.pid))


def duplex_peer(down, rate=None, stall_s=0):
    """Per connection: sends `down` (fast) while it reads what comes, first nothing for
    stall_s seconds, then at `rate` bytes a second at most (None: as fast as it can), until
    the modem closes; (sha256, length, seconds) of what it read."""
    def run(c):
        t = threading.Thread(target=c.sendall, args=(down,), daemon=True)
        t.start()
        h = hashlib.sha256()
        n = 0
        time.sleep(stall_s)
        t0 = time.time()
        while True:
            d = c.recv(512 if rate else 65536)
            if not d:
                break
            h.update(d)
            n += len(d)
            if rate:
                ahead = n / rate - (time.time() - t0)
                if ahead > 0:
                    time.sleep(ahead)
        t.join(10)
        return h.hexdigest(), n, time.time() - t0
    return run


def read_decoded(line, n, deadline, pause_at=None):
    """Read the DLE-escaped stream from the line until n payload bytes have come (no lone
    ETX may come before): (sha256 hex, seconds). At pause_at bytes, stop reading a while."""
    h = hashlib.sha256()
    got = 0
    tail = b""
    t0 = time.time()
    line.s.timeout = 1
    while got < n:
        assert time.time() < deadline, "stalled after %d of %d bytes" % (got, n)
        chunk = tail + line.s.read(max(1, line.s.in_waiting))
        body, done, used = dle_decode_at(chunk)
        assert not done, "a lone ETX after %d bytes" % (got + len(body))
        h.update(body)
        got += len(body)
        tail = chunk[used:]
        if pause_at is not None and got >= pause_at:
            pause_at = None
            time.sleep(HOST_PAUSE_S)
    assert got == n and not tail, (got, tail)
    return h.hexdigest(), time.time() - t0


def session(s, line, peer_port, down_size, up, timeout, pause=True):
    """One data session both ways at once: the host writes `up` while it reads down_size
    bytes, then its ETX. {down: (sha, s), up_written_s, closed_s}."""
    line.cmd('AT#TCPSERV=1,"127.0.0.1"')
    line.cmd("AT#TCPPORT=1,%d" % peer_port)
    assert line.cmd("AT#OTCP=1", until=WAITING) == WAITING
    deadline = time.time() + timeout
    t0 = time.time()
    written = []

    def writer():
        enc = dle_encode(up)
        for i in range(0, len(enc), 4096):
            line.s.write(enc[i:i + 4096])
        line.s.flush()
        written.append(time.time() - t0)

    w = threading.Thread(target=writer, daemon=True)
    w.start()
    down = read_decoded(line, down_size, deadline, down_size // 2 if pause else None)
    w.join(max(1, deadline - time.time()))
    assert written, "the host could not write its %d bytes in time" % len(up)
    line.s.write(ETX)
    assert line.read_until(CLOSED, timeout=max(5, deadline - time.time())) == CLOSED
    return {"down": down, "up_written_s": written[0], "closed_s": time.time() - t0}


def stall_s(baud):
    return 2 + BUFFERED / (baud / 10)


def sample(relay, seconds, out):
    # Started before the peer's connection, whose stall of `seconds` starts later: a count
    # read before this clock reached `seconds` was read while the peer still stalled.
    t0 = time.time()
    while True:
        n = relay.moved
        t = time.time() - t0
        if t >= seconds:
            return
        out.append((t, n))
        time.sleep(0.05)


def pressure(tmp_path, size, heap=HEAP, baud=BAUD):
    """A warm-up session, then `size` bytes each way under pressure, then a small session:
    every byte checked, the heap after each session, the figures."""
    s, line = probed_modem(tmp_path, heap, baud)
    small = min(1024, baud // 40)  # a quarter of a second's worth at most
    small_down, small_up = os.urandom(small), os.urandom(small)
    down, up = os.urandom(size), os.urandom(size)
    slow = int(baud / 10 * PEER_SHARE)
    peers = []
    try:
        fds0 = open_fds(s)
        figures = {"peer_rate": slow}
        for name, d, u, rate in (("warm-up", small_down, small_up, None),
                                 ("pressure", down, up, slow),
                                 ("after", small_down, small_up, None)):
            stall = stall_s(baud) if rate and size >= SHORT else 0
            peer = TcpPeer(duplex_peer(d, rate, stall))
            peers.append(peer)
            if rate:  # set on the listener: its connections have them from their SYN
                peer.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, PEER_RCVBUF)
                peer.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, PEER_MSS)
            line_time = len(dle_encode(d)) * 10 / baud
            up_time = stall + (len(u) / rate if rate else 0)
            t0 = time.time()
            fed = []  # (seconds, bytes the relay gave the modem) while the peer stalls
            if stall:
                threading.Thread(target=sample, args=(s.relays[0], stall, fed),
                                 daemon=True).start()
            f = session(s, line, peer.port, len(d), u, 60 + 3 * max(line_time, up_time),
                        pause=bool(rate))
            f["fed"] = fed
            f["up_enc"] = len(dle_encode(u))
            # the modem's socket buffer may still hold much of it (loopback TCP autotunes it
            # up to MiBs): the slow peer takes its time to read the rest
            got = peer.wait(timeout=30 + max(0, up_time - (time.time() - t0)))
            assert len(got) == 1 and got[0][:2] == (hashlib.sha256(u).hexdigest(), len(u)), \
                (name, got)
            assert f["down"][0] == hashlib.sha256(d).hexdigest(), name
            f["peer_s"] = got[0][2]
            f["line_s"] = line_time
            figures[name] = f
        assert line.cmd("AT") == b"\r\nOK\r\n"
        figures["fds"] = (fds0, open_fds(s))
        figures["heaps"] = heaps(s, 3)
        figures["boot"] = [x for x in s.lines if x.startswith("modem: heap:")]
        figures["faults"] = faults(s)
        return figures
    finally:
        line.close()
        s.stop()
        for p in peers:
            p.stop()


def check(figures, size, baud=BAUD):
    f = figures["pressure"]
    fed = f.pop("fed")
    print("\n%d bytes each way at %d baud: %r" % (size, baud, figures))
    # while the peer read nothing, the modem stopped reading the line (its RTS off) once
    # the buffers on the way were full: by the stall's end it had taken less than the host
    # offered. (Not "nothing more in the last second": the kernel may still grow the
    # socket's buffer then, as it sees fit.)
    if size >= SHORT:
        took = fed[-1][1] - fed[0][1]  # (the relay's count runs from the modem's start)
        print("the modem took %d of the host's %d bytes while the peer stalled"
              % (took, f["up_enc"]))
        assert took < f["up_enc"], fed
    # the line was the bottleneck down: no faster than the UART allows
    assert f["down"][1] >= 0.9 * f["line_s"], f
    # and the host's pause held the modem once the host's buffer was full (RTS off)
    if sim.HOST_RXBUF / (baud / 10) < HOST_PAUSE_S / 2:
        assert f["down"][1] >= f["line_s"] + HOST_PAUSE_S / 2, f
    # and, when what is sent is much more than the buffers on the way hold (the host's pty
    # up to 64 KiB, the modem's socket some 10s of KiB), the host could not write faster
    # than the slow peer read
    if size >= 8 * SHORT:
        rest = size - 4 * SHORT
        assert f["up_written_s"] >= stall_s(baud) + 0.9 * rest / figures["peer_rate"], f
    assert figures["faults"] == []
    assert figures["fds"][0] == figures["fds"][1], figures["fds"]
    warm, pressed, after = figures["heaps"]
    # flat: the pressure session left nothing behind that the small one after it did not
    # (a margin for what moves with the heap's layout; a buffer kept per session is more)
    assert pressed - warm <= 1024 and after - warm <= 1024, figures["heaps"]


def test_128_kib_each_way_at_115200_baud_with_a_slow_peer_loses_no_byte(tmp_path):
    check(pressure(tmp_path, SHORT), SHORT)


@pytest.mark.parametrize("baud,size", [(9600, 2048), (921600, 256 * 1024)])
def test_a_slow_and_a_fast_line_lose_no_byte_either(tmp_path, baud, size):
    check(pressure(tmp_path, size, baud=baud), size, baud)


@soak
def test_soak_4_mib_each_way_at_115200_baud_loses_no_byte(tmp_path):
    from soakrec import record

    t0 = time.time()
    figures = None
    passed = False
    try:
        figures = pressure(tmp_path, LONG)
        f = dict(figures["pressure"])
        check(figures, LONG)
        passed = True
    finally:
        h = figures["heaps"] if figures else []
        record("pressure_4mib_115200",
               inputs={"bytes_each_way": LONG, "baud": BAUD, "heap": HEAP,
                       "peer_share": PEER_SHARE},
               faults=len(figures["faults"]) + (not passed) if figures else 1,
               sessions=len(h),
               bytes_moved=2 * (LONG + 2048) if figures else 0,
               bytes_lost=0 if figures else None,  # pressure() checks every byte
               heap_drift=(h[-1] - h[0]) if len(h) >= 2 else None,
               seconds=round(time.time() - t0, 1),
               down_s=figures and round(f["down"][1], 1),
               line_s=figures and round(f["line_s"], 1),
               up_written_s=figures and round(f["up_written_s"], 1),
               peer_s=figures and round(f["peer_s"], 1), heaps=h)
