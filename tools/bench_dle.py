"""Benchmark of the DLE codec: MB/s of escaping (spread, in place, as the pump does it) and
decoding, viper vs bytecode vs CPython.

Run: micropython -X heapsize=256K tools/bench_dle.py   (viper, its twin, a ptr8 copy loop)
     python3 tools/bench_dle.py                        (the CPython twin)
Figures only: nothing here passes or fails.
"""
import sys

_here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
sys.path.insert(0, _here + "/../lib")

from modem import dle, dlepy  # noqa: E402
from modem.compat import MPY  # noqa: E402

CHUNKS = (64, 256, 1024, 4096)

if MPY:
    import micropython
    from time import ticks_diff, ticks_us

    def now_us():
        return ticks_us()

    def elapsed_us(t0):
        return ticks_diff(ticks_us(), t0)

    @micropython.viper
    def copy_v(src, n: int, dst) -> int:
        s = ptr8(src)  # noqa: F821
        d = ptr8(dst)  # noqa: F821
        i = 0
        while i < n:
            d[i] = s[i]
            i += 1
        return i

else:
    import time

    def now_us():
        return int(time.perf_counter() * 1e6)

    def elapsed_us(t0):
        return now_us() - t0

    copy_v = None


def payload(kind, n):
    if kind == "dle":
        return bytearray(b"\x10" * n)
    # deterministic pseudo-random bytes (xorshift), the same on both runtimes
    b = bytearray(n)
    x = 2463534242
    for i in range(n):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        b[i] = x & 0xFF
    return b


def rate(fn, args, n, min_us):
    """MB/s of fn(*args) that handles n input bytes per call, timed over >= min_us."""
    reps = 1
    while True:
        t0 = now_us()
        for _ in range(reps):
            fn(*args)
        dt = elapsed_us(t0)
        if dt >= min_us:
            return reps * n / dt
        reps *= 2 if dt * 4 > min_us else 8


def row(name, kind, chunk, enc, dec, min_us):
    src = payload(kind, chunk)
    encoded = bytearray(2 * chunk)
    m = dlepy.encode(src, chunk, encoded)
    dst = bytearray(2 * chunk)
    st = dle.new_state()
    # the raw bytes read chunk bytes into the buffer, escaped forward to its start; called
    # again on what is left there (random data: all but its first escapes' worth of raw
    # bytes, all-DLE data: the same bytes), the same work each time
    buf = bytearray(chunk) + src
    e = rate(enc, (buf, chunk, chunk, 0), chunk, min_us)
    d = rate(dec, (encoded, m, dst, st), chunk, min_us)  # MB/s of payload decoded
    return e, d


def main():
    impls = [("py", dlepy.spread, dlepy.decode)]
    if MPY and dle.VIPER:
        impls.insert(0, ("viper", dle.spread, dle.decode))
    runtime = "micropython" if MPY else "cpython %d.%d" % sys.version_info[:2]
    print("DLE codec on %s; MB/s of payload (decode: of the decoded payload)" % runtime)
    print("%-6s %-7s %6s %9s %9s %9s %9s"
          % ("impl", "data", "chunk", "spread", "dec", "x twin", "% copy"))
    for kind in ("random", "dle"):
        for chunk in CHUNKS:
            res = {}
            for name, enc, dec in impls:
                res[name] = row(name, kind, chunk, enc, dec, 300000 if name == "viper" else 200000)
            cp = 0
            if copy_v is not None:
                src = payload(kind, chunk)
                cp = rate(copy_v, (src, chunk, bytearray(chunk)), chunk, 200000)
            for name, _, _ in impls:
                e, d = res[name]
                ratio = "-"
                pct = "-"
                if name == "viper":
                    pe, pd = res["py"]
                    ratio = "%.0f/%.0f" % (e / pe, d / pd)
                    pct = "%.0f/%.0f" % (100 * e / cp, 100 * d / cp)
                print("%-6s %-7s %6d %9.1f %9.1f %9s %9s" % (name, kind, chunk, e, d, ratio, pct))
            if cp:
                print("%-6s %-7s %6d %9.1f" % ("copy", kind, chunk, cp))


main()
