"""The data path against socat: figures, not pass/fail. Run: .venv/bin/python tools/bench_tcp.py

1. TCP through the modem (MicroPython unix port, tools/sim.py on a pty) and through
   `socat STDIO TCP:127.0.0.1:PORT` on a pty of its own (its master as stdin/stdout, as the
   modem's), to the same kind of TCP peer: SIZE bytes of random payload host -> peer (up),
   peer -> host (down), and both at once; the modem in DLEMODE 1 (the payload DLE-escaped on
   the line) and in DLEMODE 0 (raw, as socat), with the default TCPTXDELAY (100 ms). Timed
   from the first byte written to the last payload byte received, each direction; a run
   counts only when what arrived is exactly what was sent (sha256; on the line, the escaped
   payload), else it prints no figure. The CPU of the modem's and socat's own process
   (user + sys, /proc) over the run, per MiB moved.
2. FTPPUT and FTPGET of SIZE bytes through the same modem (pyftpdlib on 127.0.0.1, passive),
   against the modem's own TCP figure in the same direction (they share the pump).
3. The pump's heap during data sessions (gc.mem_alloc before, after, after a collection).

ROUNDS rounds interleave the modem's and socat's runs (other load on the machine weighs on
both alike): medians. The host side and the peers are this one CPython process; it moves its
bytes in large reads and writes, and checks them whole (sha256, no per-byte Python), so that
it is not what is measured: socat's figures show its ceiling.
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
SIZE = 16 * 1024 * 1024  # payload bytes each way
HEAP_SIZE = 1024 * 1024  # payload bytes each way in the heap session
ROUNDS = 3  # each figure: the median over this many runs
READ = 1 << 20  # the host's and the peer's reads: large, so that they are not the limit
WRITE = 1 << 16
GOAL_RATE = 0.8  # modem/socat throughput, at least
GOAL_CPU = 2.5  # modem/socat CPU per MiB, at most
GOAL_FTP = 0.8  # FTP/the modem's TCP in the same direction, at least

WAITING = b"\r\nOk_Info_WaitingForData\r\n"
CLOSED = b"\r\nOk_Info_SocketClosed\r\n\r\nOK\r\n"
BEGIN = b"\r\nOk_Info_DataBegin\r\n"
OK = b"\r\nOK\r\n"
ETX = b"\x03"


class Broken(Exception):
    """A run whose bytes did not arrive intact, or stalled: no figure for it."""


def cpu(pid):
    """Seconds the process pid has run on a CPU so far, user and system (Linux schedstat:
    nanoseconds, where /proc/pid/stat counts 10 ms ticks)."""
    with open("/proc/%d/schedstat" % pid) as f:
        return int(f.read().split()[0]) / 1e9


# ---------------------------------------------------------------- host side of the pty

def open_line(path):
    s = serial.Serial(path, 115200, timeout=5)  # raw, no flow control
    os.set_blocking(s.fileno(), False)
    return s


def at(line, cmd, until=b"OK\r\n", timeout=20):
    line.timeout = timeout
    line.write(cmd.encode() + b"\r")
    got = line.read_until(until)
    if not got.endswith(until):
        raise Broken("%s: no %r in %r" % (cmd, until, got[-200:]))
    return got


def host(fd, tx, rx_n, stall=20):
    """Write tx to fd while reading from it until rx_n bytes have come: (what was read,
    perf_counter when the rx_n-th byte came). Large writes and reads, one select a round."""
    mv = memoryview(tx)
    off = 0
    parts = []
    got = 0
    t_rx = None
    while off < len(mv) or got < rx_n:
        r, w, _ = select.select([fd] if got < rx_n else [], [fd] if off < len(mv) else [],
                                [], stall)
        if not r and not w:
            raise Broken("stalled: wrote %d of %d, read %d of %d" % (off, len(mv), got, rx_n))
        if w:
            try:
                off += os.write(fd, mv[off:off + WRITE])
            except BlockingIOError:
                pass
        if r:
            try:
                d = os.read(fd, READ)
            except BlockingIOError:
                continue
            if not d:
                raise Broken("end of file after %d of %d bytes" % (got, rx_n))
            parts.append(d)
            got += len(d)
            if got >= rx_n:
                t_rx = time.perf_counter()
    return b"".join(parts), t_rx


def read_more(fd, have, want, timeout=20):
    deadline = time.time() + timeout
    while len(have) < len(want) and time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            try:
                have += os.read(fd, 4096)
            except (BlockingIOError, OSError):
                pass
    return have


def digest(data):
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- the TCP peer

class Peer:
    """The far end of one connection: once told to go, it sends `down` (in a thread of its
    own) while it reads `up_n` bytes; then it closes. Records when the last byte came, and
    what came (sha256, length)."""

    def __init__(self, down, up_n):
        self.down = down
        self.up_n = up_n
        self.go = threading.Event()
        self.connected = threading.Event()
        self.t_up = None
        self.got = None
        self.reads = 0  # reads that brought bytes: at least one a segment that came alone
        self.tcp = TcpPeer(self._run)

    def _run(self, c):
        self.connected.set()
        if not self.go.wait(60):
            return "no go"
        sender = None
        if self.down:
            sender = threading.Thread(target=c.sendall, args=(self.down,), daemon=True)
            sender.start()
        h = hashlib.sha256()
        n = 0
        buf = bytearray(READ)
        mv = memoryview(buf)
        while n < self.up_n:
            k = c.recv_into(buf)
            if not k:
                break
            h.update(mv[:k])
            n += k
            self.reads += 1
        self.t_up = time.perf_counter()
        self.got = (h.hexdigest(), n)
        if sender is not None:
            sender.join(120)
        return n

    def done(self, timeout=120):
        r = self.tcp.wait(timeout=timeout)
        if not r:
            raise Broken("the peer never finished")
        if isinstance(r[0], Exception) or r[0] == "no go":
            raise Broken("the peer: %r" % r[0])

    def stop(self):
        self.tcp.stop()


def transfer(fd, pid, peer, line_tx, line_rx, up, down):
    """One timed transfer, the peer connected: {"up": s, "down": s, "cpu": s}."""
    c0 = cpu(pid)
    t0 = time.perf_counter()
    peer.go.set()
    data, t_rx = host(fd, line_tx, len(line_rx))
    peer.done()
    c1 = cpu(pid)
    if digest(data[:len(line_rx)]) != digest(line_rx):
        raise Broken("the bytes on the line differ from what the peer sent")
    if peer.got != (digest(up), len(up)):
        raise Broken("the peer got other bytes than the host sent")
    out = {"cpu": c1 - c0, "tail": data[len(line_rx):]}
    if up:
        out["up"] = peer.t_up - t0
    if down:
        out["down"] = t_rx - t0
    return out


# ---------------------------------------------------------------- the modem

class Modem:
    """The modem (tools/sim.py) on its pty, attached, a host line open on it; sessions are
    opened on it one after another."""

    def __init__(self, flash):
        self.sim = sim.Sim("micropython", HEAP, flash, micropython=MICROPYTHON)
        self.line = None
        self.sim.wait_ready(20)
        self.line = open_line(self.sim.name)
        self.fd = self.line.fileno()
        at(self.line, "ATE0")
        at(self.line, "AT+CGATT=1")
        at(self.line, "AT#CONNECTIONSTART", until=b"Ok_Info_GprsActivation\r\n")
        self.dlemode = None

    def tcp(self, dlemode, up, down):
        if dlemode != self.dlemode:
            at(self.line, "AT#DLEMODE=1,%d" % dlemode)
            self.dlemode = dlemode
        peer = Peer(down, len(up))
        try:
            at(self.line, 'AT#TCPSERV=1,"127.0.0.1"')
            at(self.line, "AT#TCPPORT=1,%d" % peer.tcp.port)
            at(self.line, "AT#OTCP=1", until=WAITING)
            if not peer.connected.wait(10):
                raise Broken("the modem did not connect")
            enc = dle_encode if dlemode else bytes
            r = transfer(self.fd, self.sim.proc.pid, peer, enc(up), enc(down), up, down)
            end = (ETX if dlemode else b"") + CLOSED  # the peer closed: the session ends
            tail = read_more(self.fd, r.pop("tail"), end)
            if tail != end:
                raise Broken("after the data: %r" % tail[-100:])
            return r
        finally:
            peer.stop()

    def ftp(self, srv_port, payload, put):
        """FTPPUT (put) or FTPGET of payload: {"up" or "down": s, "cpu": s}, timed from the
        command to its OK (the control connection's login included)."""
        if not getattr(self, "ftp_set", False):
            from ftpserver import PASSWORD, USER

            for c in ('AT#FTPSERV="127.0.0.1"', "AT#FTPPORT=%d" % srv_port,
                      'AT#FTPUN="%s"' % USER, 'AT#FTPPW="%s"' % PASSWORD, "AT#FTPMODE=1",
                      'AT#FTPPUTFILENAME="m.bin"', 'AT#FTPGETFILENAME="m.bin"'):
                at(self.line, c)
            self.ftp_set = True
        pid = self.sim.proc.pid
        enc = dle_encode(payload)
        c0 = cpu(pid)
        t0 = time.perf_counter()
        if put:
            at(self.line, "AT#FTPPUT", until=BEGIN)
            data, _ = host(self.fd, enc + ETX, 0)
            tail = read_more(self.fd, b"", OK, timeout=60)
            t1 = time.perf_counter()
            if tail != OK:
                raise Broken("FTPPUT ended with %r" % tail[-100:])
        else:
            want = BEGIN + enc + ETX + OK
            data, _ = host(self.fd, b"AT#FTPGET\r", len(want))
            t1 = time.perf_counter()
            if digest(data) != digest(want):
                raise Broken("FTPGET: other bytes than the file's, escaped")
        c1 = cpu(pid)
        return {"up" if put else "down": t1 - t0, "cpu": c1 - c0}

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


def socat(up, down):
    """The same transfer through socat on a fresh pty."""
    peer = Peer(down, len(up))
    master, slave = os.openpty()
    tty.setraw(slave)
    proc = subprocess.Popen([shutil.which("socat"), SOCAT_ARGS[0], SOCAT_ARGS[1] % peer.tcp.port],
                            stdin=master, stdout=master, stderr=subprocess.PIPE,
                            close_fds=True)
    line = None
    try:
        if not peer.connected.wait(10):
            raise Broken("socat did not connect")
        line = open_line(os.ttyname(slave))
        r = transfer(line.fileno(), proc.pid, peer, up, down, up, down)
        r.pop("tail")
        return r
    finally:
        if line is not None:
            line.close()
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        os.close(master)
        os.close(slave)
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


def heap_peer(size, payloads, accepted):
    """Per connection: sends its payload while receiving `size` bytes, then closes;
    (connection number, sha256 and length of what it received). The connection number is
    its place in accepted (the peer's connections in the order it took them, which is the
    order the pump script made them): not the order its thread happens to start in."""

    def run(c):
        k = accepted.index(c)
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
    peer = TcpPeer(None)
    peer.behaviour = heap_peer(HEAP_SIZE, downs, peer.conns)  # (nothing connects before)
    master, slave = os.openpty()
    tty.setraw(slave)
    os.set_blocking(master, False)
    env = dict(os.environ, MICROPYPATH=BUILD, BENCH_PEER_PORT=str(peer.port),
               BENCH_SESSIONS=str(SESSIONS))
    # The host's line open before the pump can write to it: pyserial empties what waits on
    # a line it opens, and the pump starts on the peer's bytes as soon as it says ready.
    line = open_line(os.ttyname(slave))
    proc = None
    try:
        proc = subprocess.Popen([MICROPYTHON, "-X", "heapsize=" + HEAP, script], stdin=master,
                                stdout=master, stderr=subprocess.PIPE, env=env, close_fds=True)
        if proc.stderr.readline().strip() != b"ready":
            raise Broken("the pump script did not start: %r" % proc.stderr.read())
        fd = line.fileno()
        carry = b""  # the next session's first bytes, read with this one's last
        for i in range(SESSIONS):
            enc = dle_encode(downs[i]) + b"\x03"
            more, _ = host(fd, dle_encode(ups[i]), max(0, len(enc) - len(carry)))
            data = carry + more
            data, carry = data[:len(enc)], data[len(enc):]
            if data != enc:
                bad = next((k for k in range(min(len(data), len(enc)))
                            if data[k] != enc[k]), min(len(data), len(enc)))
                raise Broken("session %d: the host got other bytes than the peer's, "
                             "escaped, and the ETX (%d of %d bytes, the first differs at %d: "
                             "%r)" % (i, len(data), len(enc), bad, data[bad:bad + 20]))
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
        line.close()
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        peer.stop()
        os.close(master)
        os.close(slave)


# ---------------------------------------------------------------- report

def main():
    if os.getenv("BENCH_ONLY") == "heap":
        with tempfile.TemporaryDirectory() as tmp:
            print(pump_heap(tmp))
        return
    t_start = time.time()
    subprocess.run(["make", "-s", "build/x64/.built"], cwd=ROOT, check=True)
    have_socat = ensure_socat()
    up = os.urandom(SIZE)
    down = os.urandom(SIZE)
    mib = SIZE / (1 << 20)
    ways = {"up": (up, b""), "down": (b"", down), "both": (up, down)}
    runs = {}  # (who, session) -> [result dict or Broken]

    def run(key, fn):
        try:
            runs.setdefault(key, []).append(fn())
        except (Broken, OSError, RuntimeError) as e:
            runs.setdefault(key, []).append(Broken(str(e)))

    import logging

    from ftpserver import Pyftpd

    logging.basicConfig(level=logging.WARNING)  # configured: pyftpdlib then logs no INFO
    log = []
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "root")
        os.mkdir(root)
        srv = Pyftpd(root)
        modem = None
        try:
            modem = Modem(os.path.join(tmp, "flash"))
            for _ in range(ROUNDS):
                for way, (u, d) in ways.items():
                    for dlemode in (1, 0):
                        run(("modem", way, dlemode), lambda: modem.tcp(dlemode, u, d))
                    if have_socat:
                        run(("socat", way), lambda: socat(u, d))
                run(("modem", "FTPPUT"), lambda: modem.ftp(srv.port, up, True))
                run(("modem", "FTPGET"), lambda: modem.ftp(srv.port, up, False))
            for e in modem.errors()[:1]:
                runs[("modem", "log")] = [Broken("modem log: " + e)]
        except (Broken, RuntimeError) as e:
            runs[("modem", "start")] = [Broken(str(e))]
        finally:
            if modem is not None:
                modem.stop()
                log = modem.sim.lines
            srv.stop()
        try:
            heap = pump_heap(tmp)
        except Broken as e:
            heap = e

    def med(key, field):
        r = runs.get(key) or []
        if not r or any(isinstance(x, Exception) for x in r):
            return None
        return statistics.median(x[field] for x in r)

    def rate(key, way):
        t = med(key, way)
        return None if t is None else mib / t

    def per_mib(key, ways_moved):
        c = med(key, "cpu")
        return None if c is None else c * 1000 / (mib * ways_moved)

    def num(v, fmt="%.1f"):
        return "n/a" if v is None else fmt % v

    def ratio(a, b):
        return None if a is None or b is None else a / b

    print("Data path: %d MiB of random payload each way, the median of %d rounds; MiB/s of "
          "payload, timed from the first byte written to the last received; CPU: "
          "milliseconds of the modem's (socat's) process per MiB moved." % (mib, ROUNDS))
    print("modem: MicroPython unix port on a pty (tools/sim.py), TCPTXDELAY 100 ms; "
          "socat: `socat %s %s` on a pty, the payload raw."
          % (SOCAT_ARGS[0], SOCAT_ARGS[1].replace("%d", "PORT")))
    head = ("session", "modem", "socat", "ratio", "modem CPU", "socat CPU", "ratio")
    fmt = "%-22s %8s %8s %6s %10s %10s %6s"
    print(fmt % head)
    worst_rate = worst_cpu = None
    for way in ("up", "down", "both"):
        for dlemode in (1, 0):
            key = ("modem", way, dlemode)
            n = 2 if way == "both" else 1
            m_cpu, s_cpu = per_mib(key, n), per_mib(("socat", way), n)
            c_ratio = ratio(m_cpu, s_cpu)
            if c_ratio is not None:
                worst_cpu = c_ratio if worst_cpu is None else max(worst_cpu, c_ratio)
            for d in (("up", "down") if way == "both" else (way,)):
                m, s = rate(key, d), rate(("socat", way), d)
                r = ratio(m, s)
                if r is not None:
                    worst_rate = r if worst_rate is None else min(worst_rate, r)
                name = "TCP %s, DLEMODE %d" % (
                    {"up": "host->peer", "down": "peer->host"}[d] + (" (both)" if n == 2
                                                                     else ""), dlemode)
                first = d == ("up" if way == "both" else way)
                print(fmt % (name, num(m), num(s), num(r, "%.2f"),
                             num(m_cpu if first else None, "%.1f ms") if first else "",
                             num(s_cpu, "%.1f ms") if first else "",
                             num(c_ratio, "%.2f") if first else ""))
    print("goals: throughput at least %.1f of socat's (worst here: %s); CPU per MiB at most "
          "%.1f times socat's (worst here: %s)"
          % (GOAL_RATE, num(worst_rate, "%.2f"), GOAL_CPU, num(worst_cpu, "%.2f")))
    print()
    print(fmt % ("FTP (passive)", "modem", "its TCP", "ratio", "modem CPU", "", ""))
    for name, way in (("FTPPUT", "up"), ("FTPGET", "down")):
        f = rate(("modem", name), way)
        t = rate(("modem", way, 1), way)
        print(fmt % (name, num(f), num(t), num(ratio(f, t), "%.2f"),
                     num(per_mib(("modem", name), 1), "%.1f ms"), "", ""))
    print("goal: FTP at least %.1f of the modem's own TCP (DLEMODE 1) in the same direction"
          % GOAL_FTP)
    for key, r in sorted(runs.items(), key=repr):
        for e in r:
            if isinstance(e, Exception):
                print("  %s: no figure: %s" % (" ".join(str(k) for k in key), e))
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
