"""Runs the modem on a pseudo-terminal: `make run` (MicroPython unix port or CPython).

The modem process gets the pty master as stdin/stdout (non-blocking, see shared NOTES);
a serial program opens the slave (/dev/pts/N, or the LINK symlink). This launcher keeps
the slave open so the modem never sees a hang-up when a host program closes and reopens
the port, forwards the modem's log to stderr, and stops it cleanly on Ctrl-C or SIGTERM.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import threading
import tty

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def command(runtime, heap, micropython=None):
    main = os.path.join(ROOT, "firmware", "main.py")
    if runtime == "cpython":
        return [sys.executable, "-u", main]
    mp = micropython or shutil.which("micropython") or os.path.join(
        os.path.dirname(sys.executable), "micropython")
    return [mp, "-X", "heapsize=" + heap, main]


# The unix port loads the modules compiled by `make` (as a board does): compiling the
# sources at start-up would need more heap than the modem itself.
BUILD = os.path.join(ROOT, "build", "x64")


def environment(runtime, flash, board):
    env = dict(os.environ)
    if runtime == "micropython":
        if not os.path.exists(os.path.join(BUILD, ".built")):
            raise RuntimeError("no compiled modules in %s: run make first" % BUILD)
        env["MICROPYPATH"] = BUILD
    else:
        env["PYTHONPATH"] = os.pathsep.join([os.path.join(ROOT, "lib"), ROOT])
    env["MODEM_FLASH"] = os.path.abspath(flash)
    env["MODEM_BOARD"] = board
    return env


class Sim:
    """The modem process on a fresh pty. Used by `make run` and by the end-to-end tests."""

    def __init__(self, runtime="micropython", heap="96K", flash=".flash", board="host",
                 link=None, micropython=None, log=None):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.name = os.ttyname(self.slave)
        os.set_blocking(self.master, False)
        self.link = link
        if link:
            if os.path.islink(link):
                os.unlink(link)
            os.symlink(self.name, link)
        self.ready = threading.Event()
        self.lines = []
        self._log = log
        self.proc = subprocess.Popen(
            command(runtime, heap, micropython), stdin=self.master, stdout=self.master,
            stderr=subprocess.PIPE, env=environment(runtime, flash, board), close_fds=True,
            start_new_session=True)
        threading.Thread(target=self._stderr, daemon=True).start()

    def _stderr(self):
        for raw in self.proc.stderr:
            line = raw.decode(errors="replace").rstrip()
            self.lines.append(line)
            if self._log:
                self._log(line)
            if line == "modem: ready":
                self.ready.set()
        self.ready.set()  # ended: nobody waits for ever

    def wait_ready(self, timeout=30):
        if not self.ready.wait(timeout) or self.proc.poll() is not None:
            raise RuntimeError("modem did not start:\n" + "\n".join(self.lines))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.link and os.path.islink(self.link):
            os.unlink(self.link)
        return self.proc.returncode


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runtime", choices=("micropython", "cpython"), default="micropython")
    ap.add_argument("--heap", default="96K", help="MicroPython heap size (default 96K)")
    ap.add_argument("--flash", default=".flash", help="where the parameters persist")
    ap.add_argument("--link", default=None, help="a symlink to the pty, kept while it runs")
    ap.add_argument("--board", default="host")
    a = ap.parse_args()

    sim = Sim(a.runtime, a.heap, a.flash, a.board, a.link,
              log=lambda line: print(line, file=sys.stderr, flush=True))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        sim.wait_ready()
    except RuntimeError as e:
        sim.stop()
        print(e, file=sys.stderr)
        return 1
    where = " (link %s)" % a.link if a.link else ""
    print("modem ready on %s%s (%s, heap %s, flash %s); Ctrl-C stops it"
          % (sim.name, where, a.runtime, a.heap, os.path.abspath(a.flash)), flush=True)
    while not stop.is_set() and sim.proc.poll() is None:
        stop.wait(0.5)
    code = sim.proc.poll()
    sim.stop()
    if code is not None:
        print("modem exited with status %d" % code, file=sys.stderr)
        return 1
    print("modem stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
