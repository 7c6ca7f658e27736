"""Fixtures shared by the host tests: the modem on a real pty, under either runtime."""
import os
import subprocess
import sys

import pytest
import serial

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import sim  # noqa: E402

MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")


@pytest.fixture(scope="session", autouse=True)
def compiled():
    """The unix port runs the compiled modules: build them if `make` has not."""
    subprocess.run(["make", "-s", "build/x64/.built", "build/rom/.built"], cwd=ROOT, check=True)


# MicroPython's heap with the modem's code in it (make deploy's .mpy files), for the tests
# that run it so: the budget docs/heap.md holds a whole session to (test_heap.py). Below it
# the unix port's heap is at its edge, where a session passes or fails by where the garbage
# of the moment lies, and the smallest heap that passes moves by KBs from one build to
# another: a test there would fail on a change that keeps no more heap.
CODE_HEAP = "160K"


class Line:
    """A host program on the modem's pty (pyserial), with helpers to talk AT."""

    def __init__(self, path):
        self.s = serial.Serial(path, 115200, timeout=20)

    def cmd(self, text, until=b"OK\r\n"):
        self.s.write(text.encode() + b"\r")
        return self.read_until(until)

    def read_until(self, marker, timeout=20):
        self.s.timeout = timeout
        data = self.s.read_until(marker)
        if not data.endswith(marker):
            raise AssertionError("no %r in %r" % (marker, data))
        return data

    def rest(self, tail, marker, timeout=10):
        """What follows a data stream's ETX, up to marker: tail (what the reads of the stream
        brought after it) and, while that is only the start of marker, the rest of it."""
        if len(tail) < len(marker) and marker.startswith(tail):
            tail += self.read_until(marker[len(tail):], timeout)
        return tail

    def close(self):
        self.s.close()


@pytest.fixture(params=["micropython", "cpython"])
def runtime(request):
    return request.param


def start(runtime, flash, heap="256K", link=None, rom=False):
    s = sim.Sim(runtime, heap, str(flash), link=link, micropython=MICROPYTHON, rom=rom)
    try:
        s.wait_ready()
    except BaseException:
        s.stop()  # no modem left running, no folder left behind
        raise
    return s


@pytest.fixture
def modem(runtime, tmp_path):
    """(sim, line): the modem started on a pty, a pyserial line open on it."""
    s = start(runtime, tmp_path / "flash")
    line = Line(s.name)
    yield s, line
    line.close()
    s.stop()


def attach(line):
    """Echo off, the network attached, the link up (AT#CONNECTIONSTART)."""
    line.cmd("ATE0")
    line.cmd("AT+CGATT=1")
    line.cmd("AT#CONNECTIONSTART", until=b"Ok_Info_GprsActivation\r\n")


def online(runtime, flash, heap="256K"):
    """(sim, line): the modem started on a pty, a line open on it, attach()ed."""
    s = start(runtime, flash, heap)
    line = Line(s.name)
    try:
        attach(line)
    except BaseException:
        line.close()
        s.stop()
        raise
    return s, line


def finish(s, line):
    """The line closed, the modem stopped; no internal error may show in its log."""
    line.close()
    s.stop()
    assert not [x for x in s.lines if "internal error" in x], s.lines


@pytest.fixture
def up(runtime, tmp_path):
    """(sim, line): the modem started on a pty under each runtime, echo off, its link up;
    no internal error may show in its log."""
    s, line = online(runtime, tmp_path / "flash")
    yield s, line
    finish(s, line)


@pytest.fixture
def m(tmp_path):
    """The modem in this process on a real pty (ptyrig), attached, its link up."""
    from ptyrig import PtyModem

    rig = PtyModem(tmp_path / "flash")
    rig.up()
    yield rig
    rig.close()
