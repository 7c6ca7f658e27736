"""The pump's cost per pass: figures, not pass/fail. Run: .venv/bin/python tools/bench_pass.py

The modem (MicroPython unix port, tools/sim.py on a pty) in a TCP session (DLEMODE 1) to a
peer on 127.0.0.1 that reads everything. The host writes COUNT chunks, each on its own, a
while apart, so that each is one pass of the pump; the modem process's CPU (user + sys) per
chunk:

1. TCPTXDELAY 0 (a chunk goes at once): chunks of 8 bytes and of 512 bytes. The 8-byte
   figure is the pump's fixed cost per pass (its Python around the codec and the system
   calls); the difference over 504 bytes its cost per byte.
2. TCPTXDELAY 100 (the default), the host typing as a 115200-baud line does: 8 bytes every
   0.7 ms. CPU per KiB moved, and per chunk: a pump that wakes for every chunk pays a pass
   each; one that gathers while it holds a segment pays one pass for many.
3. TCPTXDELAY 0, the host writing a byte at a time at a 115200-baud line's pace: the pump
   gathers them (a character's time at a wait, up to 16 bytes), against the same with the
   line's speed set to 2400 baud, where it does not: CPU and the peer's reads per KiB, and
   what the wait of a character takes on this machine.

First, lines of the pump's own Python per 8-byte chunk, traced under CPython (the bytecode
a board runs): by the fast lane, by a pass of the loop with the lane off, and by the pump as
it was before the work on this cost (commit BEFORE, from the clone's history).

Where perf is installed, one more 8-byte run is sampled: the share of its time outside the
kernel is the interpreter's. On this machine most of a pass is the kernel's (a poll that
sleeps, the wake-up, the reads and the write); a board has no such OS cost, so the
interpreter's share is the figure that carries over.

The host and the peer are this CPython process; pacing uses time.sleep, so the intervals are
at least what is asked (a busy machine makes them longer, which only makes chunks rarer).
"""
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench_tcp as B  # noqa: E402

COUNT = int(os.environ.get("PASS_COUNT", "2000"))
PERF_DATA = os.path.join(tempfile.gettempdir(), "bench_pass.perf.data")
ROUNDS = 3


def perf_start(pid):
    """perf sampling the modem's process (where the machine has perf): its share of time
    outside the kernel is the interpreter's, what a board without an OS pays."""
    if not shutil.which("perf"):
        return None
    try:
        return subprocess.Popen(["perf", "record", "-q", "-o", PERF_DATA, "-p", str(pid)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        return None


def perf_user_share(proc):
    """The share of the samples outside the kernel, or None."""
    if proc is None:
        return None
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(20)
        out = subprocess.run(["perf", "report", "-i", PERF_DATA, "--no-children", "--sort",
                              "dso", "-g", "none", "--stdio"], capture_output=True,
                             text=True, timeout=60).stdout
    except (subprocess.SubprocessError, OSError):
        return None
    kernel = total = 0.0
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].endswith("%"):
            pct = float(parts[0][:-1])
            total += pct
            if "kernel" in parts[1]:
                kernel += pct
    return (total - kernel) / total if total else None


def paced(modem, txdelay, size, gap, profile=False, count=COUNT, peer_reads=None):
    """CPU seconds of the modem per chunk: count chunks of size bytes, gap seconds apart;
    with profile, (that, the share outside the kernel or None). peer_reads: a list the
    peer's reads that brought bytes are appended to."""
    B.at(modem.line, "AT#TCPTXDELAY=1,%d" % txdelay)
    chunk = bytes((i * 7 + 1) % 256 for i in range(size)).replace(b"\x10", b"A").replace(
        b"\x03", b"B")  # nothing to escape: the same bytes on the line and at the peer
    peer = B.Peer(b"", count * size)
    try:
        B.at(modem.line, 'AT#TCPSERV=1,"127.0.0.1"')
        B.at(modem.line, "AT#TCPPORT=1,%d" % peer.tcp.port)
        B.at(modem.line, "AT#OTCP=1", until=B.WAITING)
        if not peer.connected.wait(10):
            raise B.Broken("the modem did not connect")
        peer.go.set()
        pid = modem.sim.proc.pid
        prof = perf_start(pid) if profile else None
        c0 = B.cpu(pid)
        t_next = time.perf_counter()
        for _ in range(count):
            off = 0
            while off < size:
                try:
                    off += os.write(modem.fd, chunk[off:])
                except BlockingIOError:
                    time.sleep(0.001)
            t_next += gap
            left = t_next - time.perf_counter()
            if left > 0:
                time.sleep(left)
        os.write(modem.fd, B.ETX)
        peer.done()
        c1 = B.cpu(pid)
        share = perf_user_share(prof)
        tail = B.read_more(modem.fd, b"", B.CLOSED)
        if not tail.endswith(B.CLOSED):
            raise B.Broken("after the data: %r" % tail[-100:])
        if peer.got[1] != count * size:
            raise B.Broken("the peer got %d of %d bytes" % (peer.got[1], count * size))
        if peer_reads is not None:
            peer_reads.append(peer.reads)
        return ((c1 - c0) / count, share) if profile else (c1 - c0) / count
    finally:
        peer.stop()


def lines_per_chunk(root=None, count=200, lane=True, txdelay=0):
    """Lines of the pump's own Python run per chunk (CPython, sys.settrace over pump.py), a
    slow host's and a slow peer's 8-byte chunks in a TCP session (DLEMODE 1, TCPTXDELAY 0):
    (host -> peer, peer -> host). The same bytecode is what a board runs for every chunk
    of a slow line or peer. root: the project whose lib/ is measured (this one if None);
    lane False: the pump's fast lane off, every chunk a pass of its loop."""
    import importlib
    import socket
    import threading
    import tty

    lib = os.path.join(root or os.path.dirname(HERE), "lib")
    sys.path.insert(0, lib)
    for name in [n for n in sys.modules if n == "modem" or n.startswith("modem.")]:
        del sys.modules[name]
    pump = importlib.import_module("modem.pump")
    compat = importlib.import_module("modem.compat")
    sys.path.remove(lib)
    here = pump.__file__
    counts = []
    for up in (True, False):
        master, slave = os.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        a, b = socket.socketpair()
        p = pump.Pump(compat.FdPort(master, master))
        if not lane:
            p.lane = False
        n = [0]

        def tracer(frame, event, arg):
            if frame.f_code.co_filename != here:
                return None
            if event == "line":
                n[0] += 1
            return tracer

        def feed(fd=slave, sock=b, up=up):
            time.sleep(0.2)
            for _ in range(count):
                if up:
                    os.write(fd, b"abcdefgh")
                else:
                    sock.send(b"abcdefgh")
                time.sleep(0.003)
            time.sleep(0.05)
            if up:
                os.write(fd, b"\x03")
            else:
                sock.close()

        got = []

        def drain(fd=slave, sock=b, up=up):
            while True:
                try:
                    d = sock.recv(65536) if up else os.read(fd, 65536)
                except OSError:
                    return
                if not d or (not up and d.endswith(b"\x03")):
                    return
                got.append(len(d))

        threads = [threading.Thread(target=feed), threading.Thread(target=drain)]
        for t in threads:
            t.start()
        sys.settrace(tracer)
        try:
            p.run(compat.Stream(a), 1, pump.BOTH, None, None, txdelay)
        finally:
            sys.settrace(None)
        if up:
            b.shutdown(socket.SHUT_WR)
        for t in threads:
            t.join(10)
        counts.append(n[0] / count)
        for x in (a, b):
            x.close()
        os.close(master)
        os.close(slave)
    return counts


# The firmware before the work on the pump's cost per pass (the pass the goal is a third of)
BEFORE = "2ece4f517be992127c363f6602463c4c173cc7f4"


def lines_before():
    """lines_per_chunk() of the pump at BEFORE, taken from this clone's history (git
    archive into a temporary folder), or None where there is no such history."""
    root = os.path.dirname(HERE)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            arc = subprocess.run(["git", "-C", root, "archive", BEFORE, "lib"],
                                 capture_output=True, timeout=60)
            if arc.returncode:
                return None
            subprocess.run(["tar", "-x", "-C", tmp], input=arc.stdout, check=True, timeout=60)
            return lines_per_chunk(root=tmp)  # (it imports the modules from root afresh)
        except (OSError, subprocess.SubprocessError):
            return None


TRICKLE = 16384  # bytes a run, written one at a time


def nap_us():
    """What sleep_us(86), the pump's wait of a character at 115200 baud, takes on this
    machine under the unix port (us, the mean of 1,000), or None."""
    code = ("import time\nt = time.ticks_us()\nfor i in range(1000):\n    time.sleep_us(86)\n"
            "print(time.ticks_diff(time.ticks_us(), t) / 1000)")
    try:
        return float(subprocess.run([B.MICROPYTHON, "-c", code], capture_output=True,
                                    text=True, timeout=30).stdout)
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def trickle(modem):
    """3. TCPTXDELAY 0, the host writing a byte at a time at a 115200-baud line's pace: the
    pump gathers (a character's time at a wait, up to 16 bytes); against the same with the
    line's speed set to 2400 baud (AT+IPR), where it does not gather and a pass takes each
    byte as it comes. CPU per KiB, and the peer's reads per KiB (a segment that came alone
    is one read; segments that came close together may share one)."""
    res = {}
    try:
        for ipr in (115200, 2400):
            B.at(modem.line, "AT+IPR=%d" % ipr)
            cpu, reads = [], []
            for _ in range(ROUNDS):
                try:
                    cpu.append(paced(modem, 0, 1, 10 / 115200.0, count=TRICKLE,
                                     peer_reads=reads))
                except B.Broken as e:
                    print("  a byte at a time, IPR %d: no figure (%s)" % (ipr, e))
            if cpu:
                res[ipr] = (statistics.median(cpu) * 1024 * 1e6,
                            statistics.median(reads) * 1024.0 / TRICKLE)
    finally:
        B.at(modem.line, "AT+IPR=115200")
    nap = nap_us()
    if nap:
        print("  the pump's wait of a character at 115200 baud (sleep_us(86)) takes %.0f us on"
              " this machine: the kernel's sleep and wake-up (a board's sleep_us waits what it"
              " is asked): what the last byte of a trickle waits more" % nap)
    if len(res) == 2:
        on, off = res[115200], res[2400]
        print("  a byte at a time at 115200 baud's pace, TCPTXDELAY 0 (%d B, median of %d):"
              " %.0f us of CPU and %.0f peer reads per KiB, gathered; %.0f us and %.0f with"
              " the line at 2400 baud, where the pump does not gather (%.2f and %.2f of it;"
              " goal: a pass and a segment for a few bytes, not for each)"
              % (TRICKLE, ROUNDS, on[0], on[1], off[0], off[1], on[0] / off[0],
                 on[1] / off[1]))


def main():
    up, down = lines_per_chunk()
    up0, down0 = lines_per_chunk(lane=False)
    print("Lines of the pump's Python per 8-byte chunk (CPython, traced: the bytecode a"
          " board's interpreter runs for each), by the fast lane / by a pass of the loop (the"
          " lane off): host->peer %.1f / %.1f = %.2f, peer->host %.1f / %.1f = %.2f (goal: a"
          " third of a pass, 0.33)" % (up, up0, up / up0, down, down0, down / down0))
    before = lines_before()
    if before:
        print("  against the pump's pass before this work (%s, traced the same way):"
              " host->peer %.1f / %.1f = %.2f, peer->host %.1f / %.1f = %.2f (goal: 0.33)"
              % (BEFORE[:7], up, before[0], up / before[0], down, before[1],
                 down / before[1]))
    else:
        print("  (the pump before this work, %s, is not in this clone's history)" % BEFORE[:7])
    with tempfile.TemporaryDirectory() as tmp:
        modem = B.Modem(tmp + "/flash")
        try:
            res = {}
            for name, txdelay, size, gap in (("8 B, TXDELAY 0", 0, 8, 0.002),
                                             ("512 B, TXDELAY 0", 0, 512, 0.002),
                                             ("8 B at 115200 baud, TXDELAY 100", 100, 8,
                                              8 * 10 / 115200.0)):
                runs = []
                for _ in range(ROUNDS):
                    try:
                        runs.append(paced(modem, txdelay, size, gap))
                    except B.Broken as e:
                        print("  %s: no figure (%s)" % (name, e))
                res[name] = statistics.median(runs) if runs else None
            print("The pump per pass, %d chunks a run, median of %d runs (CPU of the modem's"
                  " process, us):" % (COUNT, ROUNDS))
            p8 = res["8 B, TXDELAY 0"]
            p512 = res["512 B, TXDELAY 0"]
            if p8 and p512:
                print("  a chunk of 8 B, sent at once: %.1f us (the fixed cost of a pass)"
                      % (p8 * 1e6))
                try:
                    cpu8, share = paced(modem, 0, 8, 0.002, profile=True)
                except B.Broken:
                    share = None
                if share is not None:  # (of the unsampled runs' figure: perf costs CPU)
                    print("    of which outside the kernel (perf's samples: the interpreter,"
                          " what a board pays): %.0f %%, %.1f us" % (share * 100,
                                                                     p8 * share * 1e6))
                print("  a chunk of 512 B, sent at once: %.1f us; per byte beyond 8: %.3f us"
                      % (p512 * 1e6, (p512 - p8) * 1e6 / 504))
            slow = res["8 B at 115200 baud, TXDELAY 100"]
            if slow:
                print("  8 B chunks at 115200 baud, TCPTXDELAY 100: %.1f us a chunk, %.0f us"
                      " per KiB" % (slow * 1e6, slow * 1e6 * 128))
            trickle(modem)
            errors = modem.errors()
            if errors:
                print("  the modem logged: %r" % errors[:3])
        finally:
            modem.stop()


if __name__ == "__main__":
    main()
