"""Time per command, fed straight to the modem's line handler (no pty), on the unix port.

Run by `make bench` (tools/bench.py) as
    MICROPYPATH=build/x64:device_tests micropython tools/bench_cmd.py [reps]
Each command line runs `reps` times (10,000 unless given; the best of three rounds taken
across all the cases) in one modem, in its own process:
the modem's Modem.feed, the parser, the handler and the answer, written to a port that
takes it and keeps nothing. Printed per command: microseconds per run, and the ratio to a
bare `AT`, which is what carries over to a board (an RP2040 runs the same bytecode about
30 to 60 times slower than this machine). A set that changes the value saves it (a record
appended to the journal; the whole file every 32nd): that one runs fewer times, and the
whole file's write and one record's are timed apart (the flash's part is this machine's
filesystem's; device_tests/test_power_loss.py prints the block writes each takes on
littlefs).
"""
import gc
import sys
import time

from modem.main import boot

import kit

# (label, command line, the goal as a ratio to AT: None where the issue sets none)
CASES = (
    ("AT", b"AT", None),
    ("parameter get AT#TCPPORT?", b"AT#TCPPORT?", 3),
    ("parameter get AT#APNSERV?", b"AT#APNSERV?", 3),
    ("display AT#VGPRS", b"AT#VGPRS", 3),
    ("display AT#VSTATE", b"AT#VSTATE", 3),
    ("display AT#VTCP", b"AT#VTCP", None),
    ("set, same value AT#TCPPORT=1,5000", b"AT#TCPPORT=1,5000", 4),
    ("set, same value AT#APNSERV=\"apn\"", b'AT#APNSERV="apn"', 4),
    ("AT#VALL", b"AT#VALL", None),
)


class NullPort:
    """A line that gives nothing and takes everything (counted, not kept)."""

    def __init__(self):
        self.pollable = self.wpollable = None
        self.baud = 115200
        self.out = 0

    def readinto(self, mv, n=-1):
        return 0

    def write(self, mv, off=0, n=-1):
        n = len(mv) - off if n < 0 else n
        self.out += n
        return n

    def set_baud(self, baud):
        pass


def per_run(m, line, reps):
    """Microseconds per run of one command line, one round."""
    data = line + b"\r"
    gc.collect()
    t0 = time.ticks_us()
    for _ in range(reps):
        m.feed(data)
    return time.ticks_diff(time.ticks_us(), t0) / reps


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    folder = kit.tmpdir()
    port = NullPort()
    m = boot("host", folder, port, logger=lambda text: None)
    m.feed(b"ATE0\r")
    m.feed(b'AT#TCPPORT=1,5000\r')
    m.feed(b'AT#APNSERV="apn"\r')
    for label, line, goal in CASES:
        m.feed(line + b"\r")  # once first: what a first run loads is not counted
    best = [None] * len(CASES)
    for _ in range(3):  # rounds across all the cases: the best of each (what the machine
        for i in range(len(CASES)):  # did meanwhile, and where it did it, left out)
            us = per_run(m, CASES[i][1], reps)
            if best[i] is None or us < best[i]:
                best[i] = us
    base = best[0]
    print("%-40s %10s %8s %6s" % ("command (%d runs each)" % reps, "us/run", "x AT", "goal"))
    for i in range(len(CASES)):
        label, line, goal = CASES[i]
        print("%-40s %10.1f %8.2f %6s" % (label, best[i], best[i] / base,
                                          "<=%d" % goal if goal else "-"))
    # A set that changes the value: saved each time (two values in turn): a record appended
    # to the journal, and every 32nd the file written whole (its share is in the mean).
    n = max(64, reps // 100)
    t0 = time.ticks_us()
    for i in range(n):
        m.feed(b"AT#TCPPORT=1,%d\r" % (5001 + (i & 1)))
    us = time.ticks_diff(time.ticks_us(), t0) / n
    print("%-40s %10.1f %8.2f %6s" % ("set, new value (saved) AT#TCPPORT", us, us / base, "-"))
    t0 = time.ticks_us()
    for i in range(n):
        m.params.save()
    us = time.ticks_diff(time.ticks_us(), t0) / n
    print("%-40s %10.1f %8.2f %6s" % ("  the whole file written (Params.save)", us, us / base,
                                      "-"))
    t0 = time.ticks_us()
    for i in range(n):
        m.params.save_one("TCPPORT")
        m.params.journal = 0  # (a record each time: the file is not rewritten here)
    us = time.ticks_diff(time.ticks_us(), t0) / n
    print("%-40s %10.1f %8.2f %6s" % ("  one journal record (Params.save_one)", us, us / base,
                                      "-"))
    m.params.save()
    kit.rmtree(folder)


main()
