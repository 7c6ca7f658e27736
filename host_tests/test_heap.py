"""The heap budget (the brief: everything fits in 64 KB): a whole installer's session under
the MicroPython unix port with HEAP=64K, on a pty against real servers (fullsession.py).
The unix port holds every module's code in the heap and doubles every object on x86-64,
so this is harder than a board, where frozen code stays in flash."""
from fullsession import run


def test_a_full_session_passes_at_64k():
    r = run("64K")
    assert r["ok"], "%s at %s: %s\n%s" % (r["error"], r["step"], r["steps"],
                                          "\n".join(r.get("log", [])[-25:]))
    # boot, then every feature used once: its names stay interned (MicroPython never frees
    # a qstr), nothing else may remain
    assert r["end"] - r["start"] < 4096, r["steps"]
