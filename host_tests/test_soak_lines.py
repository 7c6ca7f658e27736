"""The command loop under the MicroPython unix port, code in the heap at HEAP (160K) and in
ROM (as frozen firmware runs it) at ROM_HEAP (80K), fed seeded random lines by
device_tests/soak_lines.py: 2,000 in make test, 100,000 in make soak. Every line answered
once, nothing failing inside (no line short of heap either), AT answering OK after, the
heap back within 1 KB."""
import json
import os
import subprocess
import sys


import soak_lines as S
from soakrec import record, soak

HEAP = os.environ.get("SOAK_HEAP", "160K")
SCRIPT = os.path.join(S.ROOT, "device_tests", "soak_lines.py")
# bytes of heap the soak may leave behind: more than what moves with the heap's layout, less
# than a leak of a few bytes per line would
DRIFT = 1024
# The soak sends every command, so every module is loaded: past 630 interned names the unix
# port takes its next pool of them, 7 KB in one piece, which a heap of 64K (and the room
# sim.rom_heap adds for the names) does not always have by then (soak_lines.py mounts the
# image itself, without romboot's interning at boot). Frozen firmware keeps the names in
# flash; an installer's session (test_heap.py) passes at 72K. Every command includes the
# mail's, whose displays are long (AT#VALL is some 1.6 KB of answer).
ROM_HEAP = "96K"


def soak_lines(lines, seed, heap=HEAP, rom=False):
    """soak_lines.py's figures (its one line of JSON)."""
    p = subprocess.run([sys.executable, SCRIPT, str(lines), str(seed), heap]
                       + (["rom"] if rom else []),
                       capture_output=True, text=True, timeout=max(120, lines / 100))
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.splitlines()[-1])


def verdict(f):
    """What is wrong with a soak's figures; empty when nothing is."""
    wrong = []
    if "died" in f:
        wrong.append("the modem's process died after %d of %d inputs (%d FTP commands): %s"
                     % (f["tried"], f["inputs"], f["ftp_commands"], f["died"][-600:]))
    if f["failures"]:
        wrong.append("%d wrong answers, the first: %s" % (f["failures"], f["first_failure"]))
    if "died" not in f:
        if f["answers"] != f["lines"]:
            wrong.append("%d lines, %d answers" % (f["lines"], f["answers"]))
        if not f["at_ok"]:
            wrong.append("AT did not answer OK at the end")
        if f["heap_drift"] > DRIFT:
            wrong.append("the heap grew by %d bytes (%d allowed)" % (f["heap_drift"], DRIFT))
        if f["heap_short"]:
            wrong.append("%d lines answered 49155 for want of heap, the first: %s"
                         % (f["heap_short"], f["first_short"]))
    return wrong


def test_soak_2000_random_lines_each_answered_once_and_the_heap_back():
    f = soak_lines(2000, 1)
    assert not verdict(f), verdict(f)
    assert f["lines"] > 1500 and f["faults"] > 300 and f["errors"] > 1000


@soak
def test_soak_100000_random_lines_each_answered_once_and_the_heap_back():
    f = soak_lines(100000, 9)
    record("command lines, unix port %s (%d short of heap)" % (HEAP, f["heap_short"]),
           inputs=f["tried"], faults=f["faults"], sessions=0,
           bytes_moved=f["bytes_in"] + f["bytes_out"], heap_drift=f.get("heap_drift"),
           seconds=f["seconds"])
    assert not verdict(f), verdict(f)


def test_soak_2000_random_lines_with_the_code_in_rom():
    f = soak_lines(2000, 1, ROM_HEAP, rom=True)
    assert not verdict(f), verdict(f)
    assert f["lines"] > 1500 and f["faults"] > 300 and f["errors"] > 1000


@soak
def test_soak_100000_random_lines_with_the_code_in_rom():
    f = soak_lines(100000, 9, ROM_HEAP, rom=True)
    record("command lines, code in ROM, %s (%d short of heap)" % (ROM_HEAP, f["heap_short"]),
           inputs=f["tried"], faults=f["faults"], sessions=0,
           bytes_moved=f["bytes_in"] + f["bytes_out"], heap_drift=f.get("heap_drift"),
           seconds=f["seconds"])
    assert not verdict(f), verdict(f)


# ---- the firmware bugs the soak found (soak_lines' known table); strict: a fix fails here,
# ---- and the entry of soak_lines.py is then to be removed with the marker

def _answers(heap, *lines):
    p = S.Pipe(heap)
    try:
        out = [p.feed(line)[0] for line in (b"ATE0\r",) + lines]
        return out[1:], p.heap()[0]
    finally:
        p.close()


def test_a_line_of_254_unknown_basic_commands_answers_error():
    assert _answers(HEAP, b"AT" + b"X" * 254 + b"\r")[0] == [b"\r\nERROR\r\n"]


def test_ftp_commands_give_the_heap_back():
    p = S.Pipe(HEAP)
    try:
        p.feed(b"ATE0\r")
        p.feed(b"AT#FTPGET\r")
        before = p.heap()[0]
        for _ in range(100):
            assert p.feed(b"AT#FTPGET\r")[0] == b"\r\n#CME ERROR: 35867\r\n"
        assert p.heap()[0] - before <= DRIFT
    finally:
        p.close()
