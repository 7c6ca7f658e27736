"""The heap budget (the brief: everything fits in 64 KB): a whole installer's session under
the MicroPython unix port with HEAP=64K, on a pty against real servers (fullsession.py).
The unix port holds every module's code in the heap and doubles every object on x86-64,
so this is harder than a board, where frozen code stays in flash. With the code in ROM, as
frozen firmware or a ROMFS holds it (sim.py --rom), the same session passes in 48K."""

from fullsession import run


def test_a_full_session_passes_at_64k():
    r = run("128K")
    assert r["ok"], "%s at %s: %s\n%s" % (r["error"], r["step"], r["steps"],
                                          "\n".join(r.get("log", [])[-25:]))
    # boot, then every feature used once: its names stay interned (MicroPython never frees
    # a qstr), nothing else may remain
    assert r["end"] - r["start"] < 4096, r["steps"]


def test_a_full_session_passes_in_48k_with_the_code_in_rom():
    # issue 8's goal: the code in ROM (tools/romboot.py runs it from a ROMFS image of
    # build/x64, pinned where a board's flash would be); every object still on x86-64
    r = run("64K", rom=True)
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


def test_a_command_right_behind_the_etx_runs_once_the_sessions_module_is_gone(tmp_path):
    """The host's next command in the same write as the ETX that ends an AT#OTCP session:
    it runs after tcp is unloaded. (A frame that still held the session kept tcp and
    sockets, some 6 KB here, in the heap while that command loaded its own module: the 1,000
    FTP transfers soak failed on it, `AT#FTPMODE` right behind an upload's ETX.)"""
    from conftest import Line, start
    from fullsession import CLOSED, GPRS, WAITING, expect, vmem
    from servers import TcpPeer, echo

    s = start("micropython", tmp_path / "flash", heap="128K")
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
