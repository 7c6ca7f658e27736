"""The heap budget (the brief: everything fits in 64 KB): a whole installer's session under
the MicroPython unix port with HEAP=64K, on a pty against real servers (fullsession.py).
The unix port holds every module's code in the heap and doubles every object on x86-64,
so this is harder than a board, where frozen code stays in flash. With the code in ROM, as
frozen firmware or a ROMFS holds it (sim.py --rom), the same session passes in 48K."""
import os
import shutil
import subprocess
import sys
import tempfile

from fullsession import run


def test_a_full_session_passes_at_64k():
    r = run("64K")
    assert r["ok"], "%s at %s: %s\n%s" % (r["error"], r["step"], r["steps"],
                                          "\n".join(r.get("log", [])[-25:]))
    # boot, then every feature used once: its names stay interned (MicroPython never frees
    # a qstr), nothing else may remain
    assert r["end"] - r["start"] < 4096, r["steps"]


def test_a_full_session_passes_in_48k_with_the_code_in_rom():
    # issue 8's goal: the code in ROM (tools/romboot.py runs it from a ROMFS image of
    # build/x64, pinned where a board's flash would be); every object still on x86-64
    r = run("48K", rom=True)
    assert r["ok"], "%s at %s: %s\n%s" % (r["error"], r["step"], r["steps"],
                                          "\n".join(r.get("log", [])[-25:]))
    assert r["end"] - r["start"] < 4096, r["steps"]


def test_code_in_rom_takes_no_heap(tmp_path):
    # the same boot from the image and from build/x64: the bytecode (about 16 KB on x86-64)
    # stays out of the heap only when it runs where it lies, in the image
    import sim
    from conftest import start

    used = {}
    for rom in (False, True):
        s = start("micropython", tmp_path / ("flash%d" % rom), "96K", rom=rom)
        s.stop()
        heap = [x for x in s.lines if x.startswith("modem: heap: ")]
        used[rom] = int(heap[0].split()[2]) - (sim.rom_pinned() if rom else 0)
    assert used[True] < used[False] - 12 * 1024, used


# ---- a feature module loads when the free heap is only small pieces (commands' spare) ----

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")

# The modem as modem.main boots it at HEAP=64K, each command run once; then the free heap
# is cut into pieces of about 320 bytes (two chains of tuples fill it in turns, one
# chain goes), and a command of each feature module runs. The script allocates nothing of
# its own meanwhile: its names exist, the answers go to a buffer made before. What a long
# run with values of every length set does to the heap (issue 9's soak), made at once.
CUT = r"""
import gc
import sys

from modem import main


class Port:
    pollable = wpollable = None
    n = 0

    def write(self, mv, off=0, n=-1):
        mv = mv[off:] if n < 0 else mv[off:off + n]
        k = len(mv)
        self.out[self.n:self.n + k] = mv
        self.n += k
        return k

    def set_baud(self, baud):
        pass


port = Port()
port.out = bytearray(2048)
# the commands made before the modem, as a board's line buffer is: made after, they would
# sit in the free heap that the modem keeps in one piece and split it
cmds = [memoryview(c.encode() + b"\r") for c in sys.argv[3:]]
m = main.boot("host", sys.argv[1], port, lambda text: None)
m.link.backend.fault = "down"
m.feed(memoryview(b"ATE0\r"))
for c in cmds:  # each once before: its names interned, as in a modem that has run a while
    m.feed(c)
ends = [0] * len(cmds)
pad = (0,) * int(sys.argv[2])
hold = c = None
i = k = 0
pump = True
port.n = 0


def cut():
    a = b = None
    gc.collect()
    try:
        while True:
            a = (a,) + pad
            b = (b,) + pad
    except MemoryError:
        pass
    b = None
    gc.collect()
    return a


hold = cut()
for c in cmds:
    m.feed(c)
    ends[i] = port.n
    i += 1
    pump = pump and m.pump is not None
hold = None
gc.collect()
for i in range(len(cmds)):
    sys.stdout.write("%r\n" % bytes(port.out[k:ends[i]]))
    k = ends[i]
sys.stdout.write("pump %s\n" % pump)
"""

# a command of each feature module, and what it must answer with the link down
FEATURES = [
    ("AT+CSQ", b"\r\n+CSQ: 99,99\r\n\r\nOK\r\n"),  # atlink
    ("AT#VGPRS", b"#GPRSCID: 1\r\n\r\nOK\r\n"),  # atinfo
    ('AT#APNSERV="abc"', b"\r\nOK\r\n"),  # setting
    ("AT+EGNTP=?", b"\r\nERROR\r\n"),  # sntp
    ("AT#FTPGET", b"\r\n#CME ERROR: 35867\r\n"),  # ftp: no link
    ("AT#OTCP=1", b"\r\n#CME ERROR: 35867\r\n"),  # tcp: no link
    ("AT", b"\r\nOK\r\n"),
]


def test_every_feature_module_loads_when_the_free_heap_is_in_small_pieces():
    """Pieces of about 320 bytes: without the spare piece of heap, most feature modules
    cannot load (#CME ERROR: 49155). The same heap wherever the checkout and the temporary
    folders are: run in build/x64 with the modules found from there (a module's path is
    interned), the flash folder's name always as long (sim.py does the same)."""
    pad = 37
    env = dict(os.environ, MICROPYPATH=".")
    work = tempfile.mkdtemp(prefix="gpx-cut-")
    try:
        p = subprocess.run(
            [MICROPYTHON, "-X", "heapsize=64K", "-c", CUT, os.path.join(work, "flash"),
             str(pad)] + [c for c, _ in FEATURES], capture_output=True, env=env, timeout=60,
            cwd=os.path.join(ROOT, "build", "x64"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    got = p.stdout.decode().splitlines()
    assert p.returncode == 0 and len(got) == len(FEATURES) + 1, p.stdout + p.stderr
    for (cmd, want), answer in zip(FEATURES, got):
        assert eval(answer).endswith(want), (cmd, answer)
    assert got[-1] == "pump True"


def test_a_command_right_behind_the_etx_runs_once_the_sessions_module_is_gone(tmp_path):
    """The host's next command in the same write as the ETX that ends an AT#OTCP session:
    it runs after tcp is unloaded. (A frame that still held the session kept tcp and
    sockets, some 6 KB here, in the heap while that command loaded its own module: the 1,000
    FTP transfers soak failed on it, `AT#FTPMODE` right behind an upload's ETX.)"""
    from conftest import Line, start
    from fullsession import CLOSED, GPRS, WAITING, expect, vmem
    from servers import TcpPeer, echo

    s = start("micropython", tmp_path / "flash", heap="64K")
    line = Line(s.name)
    peer = TcpPeer(echo)
    try:
        expect(line, "ATE0")
        expect(line, "AT+CGATT=1")
        assert line.cmd("AT#CONNECTIONSTART", until=GPRS).endswith(GPRS)
        expect(line, 'AT#TCPSERV=1,"127.0.0.1"')
        expect(line, "AT#TCPPORT=1,%d" % peer.port)
        rest = []
        for behind in (b"", b"AT#VMEM\r"):
            rest.append(vmem(line)[0])
            expect(line, "AT#OTCP=1", WAITING, until=WAITING)
            line.s.write(b"\x03" + behind)
            assert line.read_until(CLOSED, timeout=10).endswith(CLOSED)
        got = line.read_until(b"OK\r\n")
        assert got.startswith(b"\r\n#VMEM: "), got
        during = int(got[9:got.index(b",")])
        assert during - rest[1] < 1024, (rest, during)
    finally:
        peer.stop()
        line.close()
        s.stop()
