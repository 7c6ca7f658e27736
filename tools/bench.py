"""make bench: figures, not pass/fail. The modem under the MicroPython unix port on a pty.

- AT -> OK round trip over the pty: median and 99th percentile over 1,000 commands.
- Heap in use after boot (tools/boot_heap.py), the code in ROM and in the heap, and how much
  of it is interned names (which frozen firmware keeps in flash).
- A full session (host_tests/fullsession.py), twice in one modem: code in ROM (sim.py --rom,
  as frozen firmware runs it) at HEAP=72K, code in the heap (as make deploy) at 160K, and
  the smallest heap each passes in.
- The DLE codec (tools/bench_dle.py) under both runtimes.
- Commands fed straight to the modem's line handler (tools/bench_cmd.py): microseconds per
  command and the ratio to AT, the saves.
- The pump's CPU per pass (tools/bench_pass.py): 8-byte and 512-byte chunks sent at once,
  a slow host's 8-byte chunks while a segment is held, and with TCPTXDELAY 0 a host writing
  a byte at a time, gathered by the pump or not.
- The data path (tools/bench_tcp.py): TCP through the modem against socat on the same pty
  path, each way and both at once, DLEMODE 1 and 0, throughput and CPU per MiB; FTPPUT and
  FTPGET against the modem's own TCP; the pump's heap.
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
    s = start("128K", flash)
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


def boot_heap(rom):
    """(in use, free, interned names) in bytes right after boot (tools/boot_heap.py)."""
    build = os.path.join(ROOT, "build", "rom" if rom else "x64")
    cmd = [MICROPYTHON, "-X", "heapsize=%d" % (sim.rom_heap("64K") if rom else 128 * 1024),
           os.path.join(HERE, "boot_heap.py")] + ([sim.ROM_IMAGE] if rom else [])
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(cmd, cwd=build, capture_output=True, text=True, timeout=60,
                             env=dict(os.environ, MICROPYPATH=".", MODEM_FLASH=tmp)).stdout
    used = free = names = None
    for line in out.splitlines():
        if line.startswith("heap "):
            used, free = (int(x) for x in line.split()[1:3])
        if "n_total_bytes=" in line:
            names = int(line.split("n_total_bytes=")[1].split()[0])
    return used, free, names


def main():
    with tempfile.TemporaryDirectory() as tmp:
        med, p99, heap = round_trip(tmp + "/a")
        print("AT -> OK over the pty (MicroPython, HEAP=128K), 1000 commands:")
        print("  median %.3f ms, 99th percentile %.3f ms  (goal: median under 1 ms)" % (med, p99))
    print("\nHeap after boot (x86-64: every object twice a board's size):")
    for rom, heap, goal in ((True, "64K", "  (goal: at least half of 64 KB free)"),
                            (False, "128K", "")):
        used, free, names = boot_heap(rom)
        print("  code %s, HEAP=%s: %s bytes in use, %s free; of those in use %s are interned"
              " names%s" % ("in ROM" if rom else "in the heap", heap, used, free, names,
                           goal))
        if rom and used and names:
            print("    without them (frozen firmware keeps them in flash): %d bytes in use"
                  % (used - names))
    sys.path.insert(0, os.path.join(ROOT, "host_tests"))
    import logging

    import fullsession

    logging.basicConfig(level=logging.WARNING)  # configured: pyftpdlib then logs no INFO
    for rom, heap, top in ((True, "72K", 88), (False, "160K", 176)):
        r = fullsession.run(heap, rom=rom, rounds=2)
        print("\nFull session twice (boot, parameters, link, TCP client and server, FTP both"
              " ways in both modes, SNTP), code %s, at HEAP=%s: %s; bytes in use after boot"
              " %s, after each round %s" % ("in ROM" if rom else "in the heap", heap,
                                            "passes" if r["ok"] else "FAILS at " + r["step"],
                                            r.get("boot"), r.get("ends")))
        kb = fullsession.smallest(lo=24, hi=top, rom=rom)
        print("Smallest HEAP from which every full session tried passes (2 KiB steps down"
              " from %d KiB): %s" % (top, "%d KiB" % kb if kb else "more"))
    dle = os.path.join(HERE, "bench_dle.py")
    if os.path.exists(dle):
        env = dict(os.environ, MICROPYPATH=os.path.join(ROOT, "build", "x64"))
        print("\nDLE codec, MicroPython unix port:", flush=True)
        subprocess.run([MICROPYTHON, "-X", "heapsize=1M", dle], env=env, check=False)
        print("\nDLE codec, CPython:", flush=True)
        env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "lib"))
        subprocess.run([sys.executable, dle], env=env, check=False)
    print("\nCommands fed straight to the line handler, MicroPython unix port"
          " (tools/bench_cmd.py):", flush=True)
    env = dict(os.environ, MICROPYPATH=os.path.join(ROOT, "build", "x64") + ":"
               + os.path.join(ROOT, "device_tests"))
    subprocess.run([MICROPYTHON, "-X", "heapsize=256K", os.path.join(HERE, "bench_cmd.py")],
                   env=env, check=False)
    print(flush=True)
    subprocess.run([sys.executable, os.path.join(HERE, "bench_tls.py")], check=False)
    print("\nThe data path: the modem against socat, FTP against the modem's TCP, the pump's"
          " heap:", flush=True)
    subprocess.run([sys.executable, os.path.join(HERE, "bench_tcp.py")], check=False)
    print("\nThe pump's cost per pass (tools/bench_pass.py):", flush=True)
    subprocess.run([sys.executable, os.path.join(HERE, "bench_pass.py")], check=False)


if __name__ == "__main__":
    main()
