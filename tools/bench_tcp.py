"""TCP data-mode benchmark: figures, not pass/fail. Run: .venv/bin/python tools/bench_tcp.py

1. Throughput host -> peer and peer -> host through the modem (MicroPython unix port,
   HEAP=256K, tools/sim.py on a pty): SIZE bytes of random payload each way, DLE-escaped on
   the line, timed from the first byte written to the last payload byte received (by the
   TCP sink, or by the host on the pty); AT setup is not timed. A run counts only when the
   sha256 of what arrived matches what was sent (host side: the bytes on the line must be
   exactly the escaped payload and the lone ETX); a broken run prints no figure.
2. The same through socat (Debian; installed with apt-get if missing, as root), started on
   a fresh pty as the modem is (`socat STDIO TCP:127.0.0.1:PORT`, the pty master as its
   stdin/stdout), to the same kind of TCP peer. socat does not escape: the same payload is
   sent raw, unescaped.
3. The ratio modem/socat per direction (goal: at least 0.5). ROUNDS rounds interleave the
   modem and socat runs (other load on the machine weighs on both alike): median and range.
   Also the CPU time of the modem's and socat's own processes per run (from /proc).
4. The pump's heap during a data session: a MicroPython script (PUMP_HEAP_SCRIPT, written
   to a temporary file and run with MICROPYPATH=build/x64, -X heapsize=96K) runs
   modem.pump.Pump(FdPort(0, 1), bytearray(BUF_SIZE)) on a pty and a TCP socket, 1 MiB each
   way at once per session, and prints gc.mem_alloc() before, after (no gc.collect()
   between) and after gc.collect(); two sessions on the same pump, so that a one-time
   growth (the first session) can be told from one per session.

The host side (pyserial opens and configures the pty; os.read/os.write move the data) and
the TCP peers are the same for the modem and for socat, in this one CPython process.
About 20 s in all.
"""
import hashlib
import os
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tty

import serial

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "host_tests"))
import sim  # noqa: E402
from servers import TcpPeer, dle_encode  # noqa: E402

MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")
BUILD = os.path.join(ROOT, "build", "x64")
HEAP = "256K"
SIZE = 32 * 1024 * 1024  # payload bytes each way
HEAP_SIZE = 1024 * 1024  # payload bytes each way in the heap session
CHUNK = 1 << 16
ROUNDS = 3  # each figure: the median over this many runs

WAITING = b"\r\nOk_Info_WaitingForData\r\n"
CLOSED = b"\r\nOk_Info_SocketClosed\r\n\r\nOK\r\n"


class Broken(Exception):
    """A run whose bytes did not arrive intact, or stalled: no figure for it."""


# ---------------------------------------------------------------- host side of the pty

def open_line(path):
    s = serial.Serial(path, 115200, timeout=5)  # raw, no flow control
    os.set_blocking(s.fileno(), False)
    return s


def at(line, cmd, until=b"OK\r\n", timeout=10):
    line.timeout = timeout
    line.write(cmd.encode() + b"\r")
    got = line.read_until(until)
    if not got.endswith(until):
        raise Broken("%s: no %r in %r" % (cmd, until, got))
    return got


def write_all(fd, data, deadline):
    mv = memoryview(data)
    off = 0
    while off < len(mv):
        try:
            off += os.write(fd, mv[off:off + CHUNK])
        except BlockingIOError:
            if time.time() > deadline:
                raise Broken("write stalled after %d of %d bytes" % (off, len(mv)))
            select.select([], [fd], [], 1)


def read_exactly(fd, n, deadline, stall=10):
    """n bytes from fd, plus whatever came in the same reads after them;
    (bytes, time the n-th byte arrived)."""
    parts = []
    got = 0
    while got < n:
        r, _, _ = select.select([fd], [], [], stall)
        if not r or time.time() > deadline:
            raise Broken("read stalled after %d of %d bytes" % (got, n))
        try:
            d = os.read(fd, 1 << 20)
        except BlockingIOError:
            continue
        if not d:
            raise Broken("end of file after %d of %d bytes" % (got, n))
        parts.append(d)
        got += len(d)
    t = time.perf_counter()
    return b"".join(parts), t


def read_more(fd, have, want, timeout=10):
    deadline = time.time() + timeout
    while len(have) < len(want) and time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            try:
                have += os.read(fd, 4096)
            except (BlockingIOError, OSError):
                pass
    return have


# ---------------------------------------------------------------- TCP peers (timed)

class Sink:
    """Receives until `size` bytes have come (records when), then until the other side
    closes; sha256 of the first `size` bytes."""

    def __init__(self, size):
        self.size = size
        self.t_last = None
        self.connected = threading.Event()

    def __call__(self, c):
        self.connected.set()
        parts = []
        n = 0
        while True:
            d = c.recv(1 << 20)
            if not d:
                break
            parts.append(d)
            n += len(d)
            if n >= self.size and self.t_last is None:
                self.t_last = time.perf_counter()
                break  # the figure is taken; the rest (socat) is not waited for
        data = b"".join(parts)
        return hashlib.sha256(data[:self.size]).hexdigest(), n


class Source:
    """Waits for `go`, then sends the payload (recording when it began) and closes its side."""

    def __init__(self, payload):
        self.payload = payload
        self.go = threading.Event()
        self.connected = threading.Event()
        self.t_first = None

    def __call__(self, c):
        self.connected.set()
        if not self.go.wait(30):
            return "no go"
        self.t_first = time.perf_counter()
        c.sendall(self.payload)
        c.shutdown(socket.SHUT_WR)
        c.settimeout(5)
        try:
            while c.recv(65536):
                pass
        except OSError:
            pass
        return len(self.payload)


def ended(peer, timeout=30):
    r = peer.wait(timeout=timeout)
    if not r:
        raise Broken("the peer never finished")
    if isinstance(r[0], Exception):
        raise Broken("the peer: %r" % r[0])
    return r[0]


# ---------------------------------------------------------------- the modem

def modem_open(line, port):
    at(line, 'AT#TCPSERV=1,"127.0.0.1"')
    at(line, "AT#TCPPORT=1,%d" % port)
    at(line, "AT#OTCP=1", until=WAITING)


def modem_up(line, payload, pid):
    """host -> peer: the escaped payload and the ETX; (seconds, CPU seconds of pid)."""
    want = hashlib.sha256(payload).hexdigest()
    enc = dle_encode(payload)
    sink = Sink(len(payload))
    peer = TcpPeer(sink)
    try:
        modem_open(line, peer.port)
        fd = line.fileno()
        deadline = time.time() + 120
        c0 = cpu(pid)
        t0 = time.perf_counter()
        write_all(fd, enc, deadline)
        write_all(fd, b"\x03", deadline)
        got = ended(peer, 120)
        c1 = cpu(pid)
        if got != (want, len(payload)) or sink.t_last is None:
            raise Broken("the sink got %r, expected %r" % (got, (want, len(payload))))
        tail = read_more(fd, b"", CLOSED)
        if tail != CLOSED:
            raise Broken("after the ETX: %r" % tail)
        return sink.t_last - t0, c1 - c0
    finally:
        peer.stop()


def modem_down(line, payload, pid):
    """peer -> host: the peer's payload, escaped by the modem, then the lone ETX."""
    want = hashlib.sha256(dle_encode(payload) + b"\x03").hexdigest()
    src = Source(payload)
    peer = TcpPeer(src)
    try:
        modem_open(line, peer.port)
        fd = line.fileno()
        n = len(dle_encode(payload)) + 1  # escaping is canonical: exactly these bytes
        c0 = cpu(pid)
        src.go.set()
        data, t1 = read_exactly(fd, n, time.time() + 120)
        c1 = cpu(pid)
        if hashlib.sha256(data[:n]).hexdigest() != want:
            raise Broken("the bytes on the line differ from the escaped payload + ETX")
        tail = read_more(fd, data[n:], CLOSED)
        if tail != CLOSED:
            raise Broken("after the lone ETX: %r" % tail)
        ended(peer)
        return t1 - src.t_first, c1 - c0
    finally:
        peer.stop()


class Modem:
    """The modem (tools/sim.py) on its pty, attached (AT+CGATT=1, AT#CONNECTIONSTART), a
    host line open on it; sessions are opened on it one after another."""

    def __init__(self, flash):
        self.sim = sim.Sim("micropython", HEAP, flash, micropython=MICROPYTHON)
        self.line = None
        self.sim.wait_ready(20)
        self.line = open_line(self.sim.name)
        at(self.line, "ATE0")
        at(self.line, "AT+CGATT=1")
        at(self.line, "AT#CONNECTIONSTART", until=b"Ok_Info_GprsActivation\r\n")

    def errors(self):
        return [x for x in self.sim.lines if "internal error" in x or "Traceback" in x]

    def stop(self):
        if self.line is not None:
            self.line.close()
        self.sim.stop()


# ---------------------------------------------------------------- socat

def ensure_socat():
    if shutil.which("socat"):
        return True
    if os.geteuid() != 0:
        print("socat is not installed and this is not root: no socat figures")
        return False
    print("socat is not installed: running `apt-get update` and "
          "`apt-get install -y socat` (Debian package socat)", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
    subprocess.run(["apt-get", "install", "-y", "-qq", "socat"], env=env, check=False)
    return shutil.which("socat") is not None


SOCAT_ARGS = ["STDIO", "TCP:127.0.0.1:%d"]


class Socat:
    """socat on a fresh pty, as the modem is run: the pty master as its stdin/stdout,
    the slave raw and kept open here, a host program opening the slave by name."""

    def __init__(self, port):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.name = os.ttyname(self.slave)
        args = [shutil.which("socat"), SOCAT_ARGS[0], SOCAT_ARGS[1] % port]
        self.proc = subprocess.Popen(args, stdin=self.master, stdout=self.master,
                                     stderr=subprocess.PIPE, close_fds=True)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        err = self.proc.stderr.read().decode(errors="replace").strip()
        for fd in (self.master, self.slave):
            os.close(fd)
        return err


def socat_up(payload):
    want = hashlib.sha256(payload).hexdigest()
    sink = Sink(len(payload))
    peer = TcpPeer(sink)
    so = Socat(peer.port)
    line = None
    try:
        if not sink.connected.wait(10):
            raise Broken("socat did not connect")
        line = open_line(so.name)
        c0 = cpu(so.proc.pid)
        t0 = time.perf_counter()
        write_all(line.fileno(), payload, time.time() + 120)
        got = ended(peer, 120)
        c1 = cpu(so.proc.pid)
        if got[0] != want or sink.t_last is None:
            raise Broken("the sink got %r, expected %r" % (got, (want, len(payload))))
        return sink.t_last - t0, c1 - c0
    finally:
        if line is not None:
            line.close()
        so.stop()
        peer.stop()


def socat_down(payload):
    want = hashlib.sha256(payload).hexdigest()
    src = Source(payload)
    peer = TcpPeer(src)
    so = Socat(peer.port)
    line = None
    try:
        if not src.connected.wait(10):
            raise Broken("socat did not connect")
        line = open_line(so.name)
        c0 = cpu(so.proc.pid)
        src.go.set()
        data, t1 = read_exactly(line.fileno(), len(payload), time.time() + 120)
        c1 = cpu(so.proc.pid)
        if hashlib.sha256(data[:len(payload)]).hexdigest() != want:
            raise Broken("the bytes on the pty differ from the payload")
        return t1 - src.t_first, c1 - c0
    finally:
        if line is not None:
            line.close()
        so.stop()
        peer.stop()


# ---------------------------------------------------------------- the pump's heap

# Run as a file of its own (not part of the firmware): only modem.pump and modem.ports.
PUMP_HEAP_SCRIPT = r"""
# Runs modem.pump.Pump as the modem does: the line is stdin/stdout (a pty master,
# non-blocking, FdPort), the stream a TCP socket to the peer at 127.0.0.1:PORT. SESSIONS data
# sessions on the same pump, each with 1 MiB each way at once, each ending when the peer
# closes. Figures go to stderr (stdout is the line).
import gc
import os
import socket
import sys

from modem import pump
from modem.compat import FdPort, Stream

port = int(os.getenv("BENCH_PEER_PORT"))
sessions = int(os.getenv("BENCH_SESSIONS"))
line = FdPort(0, 1)
p = pump.Pump(line, None, bytearray(pump.BUF_SIZE))
socks = []
for i in range(sessions):  # all connected now: no socket is made between the figures
    s = socket.socket()
    s.connect(socket.getaddrinfo("127.0.0.1", port)[0][-1])
    try:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (AttributeError, OSError):
        pass
    socks.append(Stream(s))
err = sys.stderr
err.write("ready\n")
for i in range(sessions):
    gc.collect()
    before = gc.mem_alloc()
    why = p.run(socks[i], 1, pump.BOTH)
    after = gc.mem_alloc()
    gc.collect()
    collected = gc.mem_alloc()
    err.write("%d why %d before %d after %d collected %d heap %d\n"
              % (i, why, before, after, collected, collected + gc.mem_free()))
"""
SESSIONS = 2


def heap_peer(size, payloads):
    """Per connection: sends its payload while receiving `size` bytes, then closes;
    (connection number, sha256 and length of what it received)."""
    lock = threading.Lock()
    count = [0]

    def run(c):
        with lock:
            k = count[0]
            count[0] += 1
        t = threading.Thread(target=c.sendall, args=(payloads[k],), daemon=True)
        t.start()
        got = []
        n = 0
        while n < size:
            d = c.recv(1 << 16)
            if not d:
                break
            got.append(d)
            n += len(d)
        t.join(30)
        c.shutdown(socket.SHUT_WR)
        c.settimeout(5)
        try:
            while c.recv(65536):
                pass
        except OSError:
            pass
        data = b"".join(got)
        return k, hashlib.sha256(data).hexdigest(), len(data)
    return run


def pump_heap(tmp):
    """[{why, before, after, collected, heap}] per session, or Broken."""
    script = os.path.join(tmp, "bench_pump_heap.py")
    with open(script, "w") as f:
        f.write(PUMP_HEAP_SCRIPT)
    ups = [os.urandom(HEAP_SIZE) for _ in range(SESSIONS)]
    downs = [os.urandom(HEAP_SIZE) for _ in range(SESSIONS)]
    peer = TcpPeer(heap_peer(HEAP_SIZE, downs))
    master, slave = os.openpty()
    tty.setraw(slave)
    os.set_blocking(master, False)
    env = dict(os.environ, MICROPYPATH=BUILD, BENCH_PEER_PORT=str(peer.port),
               BENCH_SESSIONS=str(SESSIONS))
    proc = subprocess.Popen([MICROPYTHON, "-X", "heapsize=" + HEAP, script], stdin=master,
                            stdout=master, stderr=subprocess.PIPE, env=env, close_fds=True)
    line = None
    try:
        if proc.stderr.readline().strip() != b"ready":
            raise Broken("the pump script did not start: %r" % proc.stderr.read())
        line = open_line(os.ttyname(slave))
        fd = line.fileno()
        deadline = time.time() + 60
        carry = b""  # the next session's first bytes, read with this one's last
        for i in range(SESSIONS):
            enc = dle_encode(downs[i]) + b"\x03"
            w = threading.Thread(target=write_all, args=(fd, dle_encode(ups[i]), deadline),
                                 daemon=True)
            w.start()
            data = carry
            if len(data) < len(enc):
                more, _ = read_exactly(fd, len(enc) - len(data), deadline)
                data += more
            data, carry = data[:len(enc)], data[len(enc):]
            w.join(30)
            if data != enc:
                raise Broken("session %d: the host got other bytes than the peer's, "
                             "escaped, and the ETX" % i)
        got = sorted(peer.wait(SESSIONS, timeout=30), key=repr)
        want = sorted(((i, hashlib.sha256(ups[i]).hexdigest(), HEAP_SIZE)
                       for i in range(SESSIONS)), key=repr)
        if got != want:
            raise Broken("the peer got other bytes than the host's: %r" % got)
        proc.wait(20)
        out = proc.stderr.read().decode(errors="replace")
        figures = []
        for x in out.splitlines():
            w = x.split()
            if len(w) == 11 and w[0].isdigit():
                figures.append(dict(zip(w[1::2], (int(v) for v in w[2::2]))))
        if len(figures) != SESSIONS or proc.returncode != 0:
            raise Broken("the pump script said: " + out)
        return figures
    finally:
        if line is not None:
            line.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        peer.stop()
        os.close(master)
        os.close(slave)


# ---------------------------------------------------------------- report

def cpu(pid):
    """user + system CPU seconds of process pid so far (Linux /proc)."""
    with open("/proc/%d/stat" % pid) as f:
        w = f.read().rsplit(")", 1)[1].split()
    return (int(w[11]) + int(w[12])) / os.sysconf("SC_CLK_TCK")


def mib_s(size, t):
    return size / t / (1 << 20)


def main():
    t_start = time.time()
    subprocess.run(["make", "-s", "build/x64/.built"], cwd=ROOT, check=True)
    have_socat = ensure_socat()
    up = os.urandom(SIZE)
    down = os.urandom(SIZE)
    mib = SIZE >> 20
    print("TCP data mode, %d MiB of random payload each way, timed from the first byte "
          "written to the last payload byte received; sha256 checked." % mib)
    print("modem: MicroPython unix port, HEAP=%s, on a pty; payload DLE-escaped on the line "
          "(%.2f%% more bytes host->modem, %.2f%% modem->host)."
          % (HEAP, 100.0 * (len(dle_encode(up)) - SIZE) / SIZE,
             100.0 * (len(dle_encode(down)) - SIZE) / SIZE))
    if have_socat:
        print("socat: `socat %s %s` on a fresh pty (its master as stdin/stdout, as the "
              "modem's); the same payload sent raw, unescaped (socat does not escape)."
              % (SOCAT_ARGS[0], SOCAT_ARGS[1].replace("%d", "PORT")))
    print(flush=True)
    # Rounds interleave modem and socat runs, so that other load on the machine weighs on
    # both alike; the table gives the median and the range over the rounds.
    res = dict(((who, d), []) for who in ("modem", "socat") for d in ("up", "down"))
    log = []
    with tempfile.TemporaryDirectory() as tmp:
        modem = None
        try:
            modem = Modem(os.path.join(tmp, "flash"))
        except (Broken, RuntimeError) as e:
            res[("modem", "up")].append(e)
            res[("modem", "down")].append(e)
        runs = [("modem", "up", lambda: modem_up(modem.line, up, modem.sim.proc.pid)),
                ("socat", "up", lambda: socat_up(up)),
                ("modem", "down", lambda: modem_down(modem.line, down, modem.sim.proc.pid)),
                ("socat", "down", lambda: socat_down(down))]
        for _ in range(ROUNDS):
            for who, d, fn in runs:
                if who == "modem" and (modem is None or res[(who, d)] and
                                       isinstance(res[(who, d)][-1], Exception)):
                    continue  # no modem, or its line is in an unknown state
                if who == "socat" and not have_socat:
                    continue
                try:
                    res[(who, d)].append(fn())
                except Broken as e:
                    res[(who, d)].append(e)
                    if who == "modem":  # the line is in an unknown state: no more modem runs
                        for k in ("up", "down"):
                            if not res[(who, k)] or not isinstance(res[(who, k)][-1], Broken):
                                res[(who, k)].append(e)
        if modem is not None:
            for e in modem.errors()[:1]:
                for k in ("up", "down"):
                    res[("modem", k)].append(Broken("modem log: " + e))
            modem.stop()
            log = modem.sim.lines
        heap = None
        try:
            heap = pump_heap(tmp)
        except Broken as e:
            heap = e

    def rates(key):
        r = res[key]
        if not r or any(isinstance(x, Exception) for x in r):
            return None
        return sorted(mib_s(SIZE, t) for t, _ in r)

    def cpus(key):
        r = res[key]
        if not r or any(isinstance(x, Exception) for x in r):
            return None
        return statistics.median(c for _, c in r)

    def cell(v):
        if v is None:
            return "n/a"
        return "%.1f (%.1f-%.1f)" % (statistics.median(v), v[0], v[-1])

    print("MiB/s of payload, median (min-max) over %d rounds:" % ROUNDS)
    print("%-14s %20s %20s %13s" % ("direction", "modem", "socat", "modem/socat"))
    for key, name in (("up", "host -> peer"), ("down", "peer -> host")):
        m, so = rates(("modem", key)), rates(("socat", key))
        ratio = "n/a"
        if m and so:
            ratio = "%.2f" % (statistics.median(m) / statistics.median(so))
        print("%-14s %20s %20s %13s" % (name, cell(m), cell(so), ratio))
    print("goal: at least 0.5 (modem/socat, each direction)")
    print("CPU seconds (user+sys) of the modem's / socat's own process per %d MiB, median:"
          % mib)
    for key, name in (("up", "host -> peer"), ("down", "peer -> host")):
        m, so = cpus(("modem", key)), cpus(("socat", key))
        print("%-14s %20s %20s" % (name, "n/a" if m is None else "%.2f s" % m,
                                   "n/a" if so is None else "%.2f s" % so))
    for (who, d), r in sorted(res.items()):
        for e in r:
            if isinstance(e, Exception):
                print("  %s %s: no figure: %s" % (who, d, e))
                break
    for x in log:
        if x.startswith("modem: heap"):
            print("(modem log, at boot: %s)" % x)
    print()
    print("Pump heap during a data session (MicroPython, -X heapsize=%s): %d KiB each way at "
          "once, gc.mem_alloc() in bytes:" % (HEAP, HEAP_SIZE >> 10))
    if isinstance(heap, Exception):
        print("  no figure: %s" % heap)
    else:
        print("  %-26s %8s %18s %15s" % ("session on the same pump", "before",
                                          "after (no collect)", "after collect"))
        for i, h in enumerate(heap):
            print("  %-26s %8d %9d (%+7d) %7d (%+6d)"
                  % ("1st (first ever)" if i == 0 else "%d" % (i + 1), h["before"], h["after"],
                     h["after"] - h["before"], h["collected"], h["collected"] - h["before"]))
        print("  (heap %d bytes; every session ended with the peer closing: %s)"
              % (heap[0]["heap"], all(h["why"] == 2 for h in heap)))
    print("\n(%.0f s in all)" % (time.time() - t_start))


if __name__ == "__main__":
    main()
