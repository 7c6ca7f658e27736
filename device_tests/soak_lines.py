"""The command loop under a seeded random soak: `soak_lines.py LINES SEED [HEAP [rom]]` prints
one JSON line of figures (lines sent, answers, errors, failures, heap at start and end...).

The modem runs under the MicroPython unix port with `-X heapsize=HEAP` (64K by default), as
modem.main puts it together, its UART replaced by a pipe (DRIVER: a small loop in the
modem's process, in place of modem.main's). The inputs are made and the answers judged
here, under CPython, so that the soak takes none of the modem's heap (done inside, it took
9.5 KB of the 64). Random
commands with random arguments, printable lines, random bytes, overlong and broken lines;
the link is kept down (the host backend's "down" fault), so nothing leaves the computer.

Every complete line must get exactly one final result, nothing may fail inside the modem,
and after a last reset the heap must be back where it was after the warm-up (every command
once, so that each feature module has been loaded and its names interned).
With `rom`, the modem's code runs from the ROMFS image (tools/romboot.py's way, as frozen
firmware on a board), pinned in a heap larger by its size; the heap figures leave it out.
host_tests/test_fuzz.py judges the same way (Check) a modem in its own process (Local).
"""
import gc
import importlib.machinery
import json
import os
import random
import re
import select
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for _p in ("lib", "device_tests", ""):
    if os.path.join(ROOT, _p) not in sys.path:
        sys.path.insert(0, os.path.join(ROOT, _p))

from modem import commands, schema  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "tools"))
import sim  # noqa: E402  the ROM image and its heap (sim.py --rom)

MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")
ANSWER_S = 30  # no answer within this: the modem is stuck

# The modem's side: modem.main's start-up (boot), with a port on stdin/stdout. Each request is a
# line with a byte count, then the bytes: the answer is "count echo internal short raised" and
# the bytes the modem wrote. -1 asks for the heap after a collection ("in-use free").
# With rom, ROM_PRELUDE comes first: the image (its path argv[2]) pinned and mounted.
ROM_PRELUDE = r"""
import os
import sys
import vfs

_rom = bytearray(os.stat(sys.argv[2])[6])
with open(sys.argv[2], "rb") as _f:
    _f.readinto(_rom)
vfs.mount(vfs.VfsRom(_rom), "/rom")
sys.path[:] = ["/rom"]
"""
DRIVER = r"""
import gc
import sys

from modem import commands, main


class Port:
    pollable = wpollable = None
    internal = short = 0

    def write(self, mv, off=0, n=-1):
        mv = mv[off:] if n < 0 else mv[off:off + n]
        k = len(mv)
        if self.n + k > len(self.tx):  # more than one answer holds: grown (never so far)
            self.tx.extend(bytes(self.n + k - len(self.tx)))
        self.tx[self.n:self.n + k] = mv  # into the buffer made at start: the soak's own
        self.n += k  # output takes no new heap from the modem's in the middle of a run
        return k

    def set_baud(self, baud):
        pass


def log(text):
    if text.startswith("internal error"):
        if "MemoryError" in text:
            port.short += 1  # no heap for it: answered 49155, counted apart
        else:
            port.internal += 1
        sys.stderr.write(text + "\n")


port = Port()
port.tx = bytearray(16384)
port.n = 0
m = main.boot("host", sys.argv[1], port, log)
m.link.backend.fault = "down"
port.n = 0
inp = sys.stdin.buffer
out = sys.stdout.buffer
while True:
    n = inp.readline()
    if not n:
        break
    n = int(n)
    if n < 0:
        gc.collect()
        out.write(b"%d %d\n" % (gc.mem_alloc(), gc.mem_free()))
        continue
    piece = inp.read(n)
    echo = m.echo
    internal = port.internal
    short = port.short
    raised = 0
    try:
        m.feed(memoryview(piece))
    except Exception as e:  # modem.main's loop: logged, the host told, the loop goes on
        raised = 1
        sys.print_exception(e, sys.stderr)
        try:
            m.failed(e)
        except Exception as e2:  # here modem.main would stop
            raised = 2
            sys.print_exception(e2, sys.stderr)
    out.write(b"%d %d %d %d %d\n" % (port.n, echo, port.internal - internal,
                                      port.short - short, raised))
    out.write(memoryview(port.tx)[:port.n])
    port.n = 0
"""


class Died(Exception):
    """The modem's process ended or stopped answering."""


class Pipe:
    """The modem under the MicroPython unix port, fed through DRIVER."""

    def __init__(self, heap="64K", flash=None, rom=False):
        self.dir = tempfile.TemporaryDirectory(prefix="gpx-soak-")
        self.err = open(os.path.join(self.dir.name, "stderr"), "w+b")
        # run in build/x64, the modules found from there, the image named from there: the
        # heap's layout (and so what goes short) then does not depend on where the checkout
        # is (a module's path is interned; sim.py does the same)
        env = dict(os.environ, MICROPYPATH=".")
        size, script, image = "heapsize=" + heap, DRIVER, []
        self.pinned = 0
        if rom:
            self.pinned = sim.rom_pinned()
            size, script = "heapsize=%d" % sim.rom_heap(heap), ROM_PRELUDE + DRIVER
            image = [os.path.relpath(sim.ROM_IMAGE, sim.BUILD)]
        self.p = subprocess.Popen(
            [MICROPYTHON, "-X", size, "-c", script,
             flash or os.path.join(self.dir.name, "flash")] + image,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err, env=env,
            cwd=sim.BUILD)
        self.buf = b""
        self.last = None

    def _read(self, n=None):
        """n bytes, or up to a newline (None)."""
        fd = self.p.stdout.fileno()
        while True:
            i = self.buf.find(b"\n") + 1 if n is None else n if len(self.buf) >= n else -1
            if i > 0 or i == n:
                got, self.buf = self.buf[:i], self.buf[i:]
                return got
            if not select.select([fd], [], [], ANSWER_S)[0]:
                raise Died("no answer within %d s to %r" % (ANSWER_S, self.last))
            chunk = os.read(fd, 65536)
            if not chunk:
                raise Died("the modem's process ended: " + self.stderr())
            self.buf += chunk

    def _send(self, data):
        try:
            self.p.stdin.write(data)
            self.p.stdin.flush()
        except OSError:
            raise Died("the modem's process ended: " + self.stderr())

    def feed(self, piece):
        """(what the modem wrote, echo on before, internal errors, internal errors that were
        a MemoryError, raised)."""
        self.last = piece
        self._send(b"%d\n" % len(piece) + piece)
        n, echo, internal, short, raised = self._head(5, piece)
        return self._read(n), echo, internal, short, raised

    def _head(self, n, piece=None):
        head = self._read()
        try:
            got = [int(x) for x in head.split()]
        except ValueError:
            got = []
        if len(got) != n:  # the unix port prints an uncaught exception on stdout
            try:
                rest = self.p.communicate(timeout=5)[0]
            except (OSError, ValueError, subprocess.TimeoutExpired):
                rest = b""
            raise Died("after %r, the modem's process ended: %s" % (
                piece, (head + self.buf + rest).decode(errors="replace")[-1500:]))
        return got

    def heap(self):
        """(in use, free) after a collection."""
        self._send(b"-1\n")
        return self._head(2)

    def stderr(self, size=2000):
        self.err.flush()
        self.err.seek(0)
        return self.err.read().decode(errors="replace")[-size:]

    def close(self):
        if self.p.poll() is None:
            try:
                self.p.stdin.close()
                self.p.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.p.kill()
                self.p.wait()
        self.err.close()
        self.dir.cleanup()


_CODE = {}
_SOURCE_TO_CODE = importlib.machinery.SourceFileLoader.source_to_code


def _compiled(loader, data, path, *, _optimize=-1):
    """SourceLoader.source_to_code, remembered."""
    key = (path, bytes(data))
    if key not in _CODE:
        _CODE[key] = _SOURCE_TO_CODE(loader, data, path, _optimize=_optimize)
    return _CODE[key]


def _no_collection(generation=2):
    return 0


class Local:
    """The modem in this process (CPython), on kit's in-memory line. While it runs, the
    feature modules that every command loads afresh are compiled once, not each time
    (PYTHONDONTWRITEBYTECODE leaves no .pyc), and gc.collect() is a no-op (CPython frees
    as it goes; the firmware collects for MicroPython's heap): some 30 times faster."""

    def __init__(self):
        from kit import Rig

        self.rig = Rig(echo=True)
        self.m = self.rig.modem
        self.m.link.backend.fault = "down"
        self.m.log = self.log
        self.internal = 0
        self.logged = []

    def log(self, text):
        if text.startswith("internal error"):
            self.internal += 1
            self.logged.append(text)

    def feed(self, piece):
        echo = self.m.echo
        internal = self.internal
        raised = 0
        loader = importlib.machinery.SourceFileLoader
        collect = gc.collect
        loader.source_to_code = _compiled
        gc.collect = _no_collection
        try:
            out = self.rig.feed(piece)
        except Exception as e:  # modem.main's loop: logged, the host told, the loop goes on
            raised = 1
            self.logged.append("raised %r" % e)
            self.m.failed(e)
            out = self.rig.port.take()
        finally:
            del loader.source_to_code  # the base class's again
            gc.collect = collect
        return out, echo, self.internal - internal, 0, raised

    def heap(self):
        return 0, 0

    def stderr(self):
        return "\n".join(self.logged[-5:])

    def close(self):
        self.rig.close()


# What a complete line must be answered with: nothing, ERROR, OK, any one final result.
NONE, ERR, OK, ANY = range(4)

# Firmware bugs this soak found were fixed (issue 9): figures["known"] stays for the next.
_FTP = re.compile(rb"(?i)[#+] *FT[PT](GET|PUT)(?![A-Z0-9_])")


def finals(answer):
    """The final results in an answer: OK, ERROR, NO CARRIER (ATO), #CME ERROR: ..."""
    return [x for x in answer.split(b"\r\n")
            if x in (b"OK", b"ERROR", b"NO CARRIER") or x.startswith(b"#CME ERROR: ")]


class Check:
    """Feeds a modem (Pipe or Local) and judges every answer against a model of the line
    assembly as README states it: CR or LF ends a line, every other control byte but BS is
    left out, BS and DEL delete; what comes before AT is noise, and a line with no AT
    gets no answer; a line over 256 characters or with a byte that is not ASCII gets ERROR;
    "A/" as its first two characters runs the last command again at once. The input goes
    in pieces that each end where an answer is due, so that each answer is judged alone."""

    def __init__(self, modem):
        self.modem = modem
        self.line = bytearray()  # the model's line
        self.bad = False  # an overflow: the line gets ERROR (so does a control byte in it)
        self.last = b""  # the last command line run (what A/ repeats)
        self.lines = self.answers = self.errors = self.failures = self.ftp = 0
        self.internal = self.raised = self.bytes_in = self.bytes_out = self.short = 0
        self.known = {}
        self.first = None  # the first failure, described
        self.first_short = None  # the first command answered 49155 for want of heap

    def split(self, data):
        """[(piece, what its end must be answered with, the command line it ran)], the
        model's line moved on."""
        out = []
        start = 0
        line = self.line
        for i, c in enumerate(data):
            want = None
            text = None
            if c == 13 or c == 10:
                at = bytes(line).upper().find(b"AT")
                text = bytes(line[at:]).strip() if at >= 0 else b""
                self.bad |= any(b > 126 for b in line[at:])  # not ASCII: the line is bad
                want = NONE if at < 0 else ERR if self.bad else OK if text.upper() == b"AT" \
                    else ANY
                if want in (OK, ANY):
                    self.last = text
                del line[:]
                self.bad = False
            elif c in (8, 127):
                del line[-1:]
            elif c < 32:
                continue  # noise (LF, an ETX, ...): never part of a line
            elif len(line) >= 256:
                self.bad = True  # the rest of the line is dropped; it gets ERROR
            else:
                line.append(c)
                if len(line) == 2 and c == 47 and line[0] in b"Aa":
                    want = ANY  # A/: the last command again, then a fresh line
                    text = self.last
                    del line[:]
                    self.bad = False
            if want is not None:
                out.append((data[start:i + 1], want, text))
                start = i + 1
        if start < len(data):
            out.append((data[start:], NONE, None))
        return out

    def push(self, data):
        """Feed data (bytes); False when an answer was wrong."""
        ok = True
        for piece in self.split(data):
            ok = self.piece(data, *piece) and ok
        return ok

    def piece(self, data, piece, want, text):
        out, echo, internal, short, raised = self.modem.feed(piece)
        self.bytes_in += len(piece)
        self.bytes_out += len(out)
        self.internal += internal
        self.short += short
        if short and self.first_short is None:
            self.first_short = {"piece": repr(piece), "log": self.modem.stderr()}
        self.raised += raised
        if want in (OK, ANY) and _FTP.search(text):
            self.ftp += 1  # a load of modem.ftp, at most
        answer = out
        why = None
        if echo:
            if out.startswith(piece):
                answer = out[len(piece):]
            else:
                why = "no echo"
        if why:
            pass
        elif raised:
            why = "the loop raised" if raised == 1 else "the loop raised, and failed() too"
        elif internal:
            why = "an internal error"
        elif want == NONE:
            why = answer and "an answer where no line ended"
        else:
            self.lines += 1
            f = finals(answer)
            if len(f) != 1 or answer[:2] != b"\r\n" or answer[-2:] != b"\r\n":
                why = "%d final results" % len(f)
            else:
                self.answers += 1
                self.errors += f[0] != b"OK"
                if (want == ERR and f[0] != b"ERROR") or (want == OK and f[0] != b"OK"):
                    why = "not " + ("ERROR" if want == ERR else "OK")
        if not why:
            return True
        self.failures += 1
        if self.first is None:
            self.first = {"input": repr(data), "piece": repr(piece), "why": why,
                          "answer": repr(out), "log": self.modem.stderr()}
        return False


# ---- the random inputs ----

# Values on the edges of the parameters' ranges, and some plainly wrong.
VALUES = (b"", b"0", b"1", b"2", b"3", b"4", b"5", b"-1", b"+5", b"20", b"21", b"100", b"300",
          b"32760", b"32761", b"65535", b"65536", b"115200", b"921600", b"1234567", b"A",
          b"I", b"i", b"x", b"1.2.3.4", b"256.0.0.1", b"127.0.0.1", b"1.2.3", b"pool.ntp.org",
          b"-11", b"12", b"13", b"59", b"60", b"0x10", b"07/06/01,12:15:29+38",
          b"24/02/30,10:00:00", b"a b", b"\xc3\xa9", b"1,2", b'"', b";")
CONTROL = b"\x00\x01\x03\x08\x09\x10\x1b\x7f\x80\xff"


def names():
    """Every command and parameter name, each alias and prefix (bytes, without AT)."""
    out = [n.encode() for n in commands.names()]
    for n in list(schema.PARAMS) + list(schema.ALIASES):
        out.append((schema.row(schema.find(n))[schema.PREFIX] + n).encode())
    return out


NAMES = names()
# Commands that take text after them up to a Ctrl-Z (the mails' bodies and recipient lists):
# their bare form is left out, the line after it being text, not a command (test_smtp.py)
ENTRY = tuple(n.encode() for n in commands.TEXT)
# Every name once in each form, and a set clock: each feature module loaded once before
# the heap is measured (its names are interned for good the first time).
WARM_UP = [b"AT" + n + op + b"\r" for n in NAMES
           for op in (b"", b"?", b"=?", b"=1", b'="x"', b"=1,1", b"=0", b"=2")
           if op or n not in ENTRY]
WARM_UP.append(b'AT+CCLK="24/01/01,00:00:00+00"\r')
# The state every heap figure is taken in: values, echo, errors and link as after boot.
RESET = b"ATZ\rATE0\rAT&F\rAT+CMEE=1\rAT+CGATT=0\rAT+CGREG=0\rAT\r"


def mixed_case(r, b):
    return bytes(c ^ 32 if 97 <= c | 32 <= 122 and r.getrandbits(1) else c for c in b)


def value(r):
    k = r.randrange(8)
    if k < 4:
        v = r.choice(VALUES)
    elif k < 6:
        v = bytes(r.randrange(32, 127) for _ in range(r.randrange(13) if k == 4 else
                                                        r.randrange(60, 101)))
        v = v.replace(b'"', b"")
    elif k == 6:
        v = b"%d" % r.randrange(-100000, 10000000)
    else:
        v = b"%d" % (r.randrange(16) * 10)
    k = r.randrange(8)
    return b'"' + v + b'"' if k < 4 else b" " + v + b" " if k == 4 else v


def command(r):
    """One command with random arguments: #NAME, #NAME?, #NAME=?, #NAME=v,v..."""
    n = r.choice(NAMES)
    entry = n in ENTRY
    if n[:1] not in (b"#", b"+"):  # basic: E, V, Q, Z, &F, &W, I, with a digit or not
        return mixed_case(r, n) + r.choice((b"", b"0", b"1", b"2", b"3", b" "))
    if not r.randrange(8):  # the other prefix (accepted for parameters)
        n = (b"+" if n[:1] == b"#" else b"#") + n[1:]
    n = mixed_case(r, n) if r.randrange(8) else n[:1] + b" " + n[1:]
    k = r.randrange(4)
    if k < 2:
        return n + (b"" if k == 0 and not entry else r.choice((b"?", b"=?")))
    return n + b"=" + b",".join(value(r) for _ in range(1 if k == 2 else r.randrange(5)))


def line(r):
    """A random input: (bytes, True when it is a fault: bytes no host should send)."""
    k = r.randrange(100)
    if k < 60:
        body = command(r)
        for _ in range(r.randint(1, 2) if k < 6 else 0):  # joined: ATE0V1, AT+A;+B
            c = command(r)
            body += (b";" if c[:1] in (b"#", b"+") else b"") + c
        return mixed_case(r, b"AT") + body + b"\r", False
    if k < 70:
        body = bytes(r.randrange(32, 127) for _ in range(r.randrange(81)))
        return (b"AT" + body if k < 65 else body) + b"\r", False
    if k < 78:
        return r.randbytes(r.randint(1, 300)) + (b"\r" if k < 74 else b""), True
    if k < 82:
        return b"AT" + b"X" * r.randint(250, 400) + b"\r", True
    if k < 88:  # a control byte, DEL or backspace inside a command
        body = b"AT" + command(r)
        i = r.randint(0, len(body))
        return body[:i] + bytes((r.choice(CONTROL),)) + body[i:] + b"\r", True
    if k < 92:
        return r.choice((b"A/", b"a/")), False
    return b"AT\r", False


def run(count, seed, heap="64K", modem=None, rom=False):
    """count random inputs from seed into a modem (a Pipe with heap by default; rom: its
    code in ROM): the figures, a dict. lines, answers, errors count the random inputs'
    lines; failures, internal, raised, known, ftp_commands and bytes everything, warm-up
    included."""
    t0 = time.monotonic()
    modem = modem or Pipe(heap, rom=rom)
    check = Check(modem)
    figures = {"inputs": count, "tried": 0, "seed": seed, "heap": heap, "faults": 0,
               "rom": rom}
    try:
        for data in WARM_UP:
            check.push(data)
        check.push(RESET)
        figures["heap_start"] = modem.heap()[0] - getattr(modem, "pinned", 0)
        base = check.lines, check.answers, check.errors
        r = random.Random(seed)
        for _ in range(count):
            data, fault = line(r)
            figures["faults"] += fault
            figures["tried"] += 1
            check.push(data)
        figures.update(lines=check.lines - base[0], answers=check.answers - base[1],
                       errors=check.errors - base[2])
        check.push(RESET)
        figures["heap_end"], figures["heap_free"] = modem.heap()
        figures["heap_end"] -= getattr(modem, "pinned", 0)
        figures["heap_drift"] = figures["heap_end"] - figures["heap_start"]
        figures["at_ok"] = check.push(b"AT\r")
    except Died as e:
        figures["died"] = str(e)
    finally:
        modem.close()
    figures.update(failures=check.failures, internal=check.internal, raised=check.raised,
                   heap_short=check.short, first_short=check.first_short,
                   known=check.known, ftp_commands=check.ftp, first_failure=check.first,
                   bytes_in=check.bytes_in, bytes_out=check.bytes_out,
                   seconds=round(time.monotonic() - t0, 2))
    return figures


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    print(json.dumps(run(n, seed, sys.argv[3] if len(sys.argv) > 3 else "64K",
                         rom=sys.argv[4:5] == ["rom"])))
