"""The heap budget in board terms (docs/heap.md): a whole installer's session under the
MicroPython unix port, on a pty against real servers (fullsession.py), every module
resident once used. With the code in ROM (sim.py --rom, as frozen firmware runs it) it
passes at HEAP=72K; with the code in the heap (as `make deploy` copies .mpy files) at 160K.
Each is 15 % or more above the smallest heap `make bench` finds the session passing in
(62K; 116K to 140K from one build to another): the unix port's heap fragments, and a heap
at the edge passes or fails by where the garbage of the moment lies, not by what the modem
keeps. With the code in the heap the names are interned as modules load: past 630 of them
the unix port takes its next pool of names, 7 KB in one piece, in the middle of the session
(frozen firmware keeps the names in flash; tools/romboot.py interns them at boot as it
stands in for that). Each runs the session twice in the same modem: the second round may
not keep more heap than the first (a leak of a buffer per session would)."""

from fullsession import run

# What a second round may keep over the first: objects whose place and size move with the
# heap's layout (a socket's, a poller's entry). A buffer kept per session exceeds it.
DRIFT = 2048


def check(r):
    assert r["ok"], "%s at %s: %s\n%s" % (r["error"], r["step"], r["steps"],
                                          "\n".join(r.get("log", [])[-25:]))
    first, second = r["ends"]
    assert second - first < DRIFT, r["ends"]


def test_a_full_session_twice_with_the_code_in_the_heap_at_160k():
    check(run("160K", rounds=2))


def test_a_full_session_twice_with_the_code_in_rom_at_72k():
    check(run("72K", rom=True, rounds=2))


def test_code_in_rom_takes_no_heap(tmp_path):
    # the same boot from the image and from build/x64: the bytecode (about 20 KB on x86-64)
    # stays out of the heap only when it runs where it lies, in the image
    import sim
    from conftest import start

    used = {}
    for rom in (False, True):
        s = start("micropython", tmp_path / ("flash%d" % rom), "256K", rom=rom)
        s.stop()
        heap = [x for x in s.lines if x.startswith("modem: heap: ")]
        used[rom] = int(heap[0].split()[2]) - (sim.rom_pinned() if rom else 0)
    assert used[True] < used[False] - 12 * 1024, used


def test_no_command_runs_the_collector():
    """The collector runs when the heap asks for it, not on the command path: in the modem's
    modules, gc.collect is called only by compat.heap, and that only at boot (main.run's
    log of the heap) and by AT#VMEM, whose answer is the heap after a collection; and by
    compat.tidy, which only the command loop's step calls, when the line is quiet."""
    import ast
    import os

    lib = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib",
                       "modem")
    allowed = {("compat.py", "heap", "collect"), ("main.py", "run", "heap"),
               ("info.py", "vmem", "heap"), ("compat.py", "tidy", "collect"),
               ("core.py", "step", "tidy")}
    found = set()
    for name in sorted(os.listdir(lib)):
        if not name.endswith(".py") or name == "_cpython.py":  # (CPython's: no board runs it)
            continue
        tree = ast.parse(open(os.path.join(lib, name)).read())
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.Call):
                    f = node.func
                    called = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
                    if called in ("collect", "heap", "tidy"):
                        found.add((name, fn.name, called))
    assert found == allowed, found ^ allowed


def test_the_heap_is_tidied_when_the_line_is_quiet_after_a_command(tmp_path, monkeypatch):
    """compat.tidy (a collection on MicroPython) runs at the step after the host typed, when
    nothing more waits on the line: between commands, never while the host's next bytes
    wait, and not again until the host types."""
    import os
    import tty

    import modem.core
    from modem.compat import FdPort
    from modem.main import load, make

    calls = []
    monkeypatch.setattr(modem.core, "tidy", lambda: calls.append(1))
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    try:
        m = make(load("host"), FdPort(master, master), str(tmp_path / "flash"), None)
        m.start()
        m.step(0)
        os.write(slave, b"AT\r")
        m.step(100)  # the line is read and run
        assert calls == []
        os.write(slave, b"AT\r")  # typed before the next step: no tidying then
        m.step(100)
        assert calls == []
        m.step(0)  # nothing waits: tidied
        assert calls == [1]
        m.step(0)  # nothing typed since
        m.step(0)
        assert calls == [1]
    finally:
        os.close(master)
        os.close(slave)
