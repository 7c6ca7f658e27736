"""make bench: figures, not pass/fail. The modem under the MicroPython unix port on a pty.

- AT -> OK round trip over the pty: median and 99th percentile over 1,000 commands.
- Heap in use after boot (gc.mem_alloc() after gc.collect(), as the modem logs it).
- The smallest HEAP with which the modem boots and answers every command of the core.
- A full session (host_tests/fullsession.py) at HEAP=64K, and the smallest heap it passes in;
  the same with the code in ROM (sim.py --rom), as frozen firmware or a ROMFS holds it.
- The DLE codec (tools/bench_dle.py) under both runtimes.
- TCP throughput through the modem against socat, and the pump's heap (tools/bench_tcp.py).
- FTPGET/FTPPUT of 16 MiB through the modem against ftplib direct (tools/bench_ftp.py).
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

import serial

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import sim  # noqa: E402

MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")

# Every command of the core (issue 2), each with the end of its expected answer.
CORE = ["AT", "ATI", "AT+CGMI", "AT+CGMM", "AT+CGMR", "AT+GMR", "AT+CMEE=1", "AT+CMEE?",
        "AT+IPR?", "AT+CPIN?", "AT#VGPRS", "AT#VFTP", "AT#VTCP", "AT#VTCP=2", "AT#VALL",
        "AT#VVERSION", "AT#VSTATE", 'AT#APNSERV="' + "a" * 96 + '"', 'AT#APNPW="pw"',
        'AT#FTPSERV="ftp.example.com"', "AT#TCPPORT=1,1025", 'AT#TCPSERV=2,"10.0.0.1"',
        "AT#TCPTXDELAY=1,40", "AT+EGNTPUTC=9,30", "AT+EGNTPWAIT=45", "AT#FTPTYPE=A",
        "ATZ", "ATE0", "AT&W", "AT&F", "AT#VALL"]


def start(heap, flash):
    s = sim.Sim("micropython", heap, flash, micropython=MICROPYTHON)
    s.wait_ready(20)
    return s


def answer(line, cmd):
    line.reset_input_buffer()
    line.write(cmd.encode() + b"\r")
    got = b""
    t = time.time() + 3
    while time.time() < t:
        got += line.read(line.in_waiting or 1)
        if got.endswith(b"OK\r\n") or got.endswith(b"ERROR\r\n") or (
                b"ERROR: " in got and got.endswith(b"\r\n")):
            break
    return got


def round_trip(flash):
    s = start("64K", flash)
    line = serial.Serial(s.name, 115200, timeout=2)
    try:
        answer(line, "ATE0")
        times = []
        for _ in range(1000):
            t0 = time.perf_counter()
            line.write(b"AT\r")
            got = b""
            while not got.endswith(b"OK\r\n"):
                got += line.read(line.in_waiting or 1)
            times.append((time.perf_counter() - t0) * 1000)
        heap = [x for x in s.lines if x.startswith("modem: heap")]
    finally:
        line.close()
        s.stop()
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1], heap


def works(heap, flash):
    try:
        s = start(heap, flash)
    except RuntimeError:
        return False
    line = serial.Serial(s.name, 115200, timeout=2)
    try:
        for c in CORE:
            if not answer(line, c).endswith(b"OK\r\n"):
                return False
        return s.proc.poll() is None
    finally:
        line.close()
        s.stop()


def smallest_heap(flash):
    lo, hi = 4, 64  # KiB
    if not works("%dK" % hi, flash):
        return None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if works("%dK" % mid, flash):
            hi = mid
        else:
            lo = mid
    return hi


def main():
    with tempfile.TemporaryDirectory() as tmp:
        med, p99, heap = round_trip(tmp + "/a")
        print("AT -> OK over the pty (MicroPython, HEAP=64K), 1000 commands:")
        print("  median %.3f ms, 99th percentile %.3f ms  (goal: median under 1 ms)" % (med, p99))
        print("Heap after boot (HEAP=64K): %s  (goal: under 16 KB in use)"
              % (heap[0].split(": ", 2)[2] if heap else "not reported"))
        kb = smallest_heap(tmp + "/b")
        print("Smallest HEAP that boots and answers every core command: %s"
              % ("%d KiB" % kb if kb else "more than 64 KiB"))
    sys.path.insert(0, os.path.join(ROOT, "host_tests"))
    import fullsession

    r = fullsession.run("64K")
    print("Full session (boot, parameters, link, TCP client and server, FTP both ways in both"
          " modes, SNTP) at HEAP=64K: %s; heap in use at boot %s, after the session %s"
          % ("passes" if r["ok"] else "FAILS at " + r["step"], r.get("boot"), r.get("end")))
    kb = fullsession.smallest(lo=40, hi=72)
    print("Smallest HEAP from which every full session tried passes (2 KiB steps down from"
          " 72 KiB): %s" % ("%d KiB" % kb if kb else "more than 72 KiB"))
    r = fullsession.run("48K", rom=True)
    print("The same with the code in ROM, as frozen firmware or a ROMFS holds it (make run"
          " ROM=1), at HEAP=48K: %s; heap in use at boot %s, after the session %s"
          % ("passes" if r["ok"] else "FAILS at " + r["step"], r.get("boot"), r.get("end")))
    kb = fullsession.smallest(lo=32, hi=56, rom=True)
    print("Smallest HEAP from which every full session tried passes, code in ROM (2 KiB steps"
          " down from 56 KiB): %s  (goal: 48 KiB)" % ("%d KiB" % kb if kb else "more"))
    dle = os.path.join(HERE, "bench_dle.py")
    if os.path.exists(dle):
        env = dict(os.environ, MICROPYPATH=os.path.join(ROOT, "build", "x64"))
        print("\nDLE codec, MicroPython unix port:", flush=True)
        subprocess.run([MICROPYTHON, "-X", "heapsize=1M", dle], env=env, check=False)
        print("\nDLE codec, CPython:", flush=True)
        env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "lib"))
        subprocess.run([sys.executable, dle], env=env, check=False)
    print("\nTCP through the modem against socat, and the pump's heap:", flush=True)
    subprocess.run([sys.executable, os.path.join(HERE, "bench_tcp.py")], check=False)
    print("\nFTP through the modem against ftplib:", flush=True)
    subprocess.run([sys.executable, os.path.join(HERE, "bench_ftp.py")], check=False)


if __name__ == "__main__":
    main()
