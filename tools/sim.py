"""Runs the modem on a pseudo-terminal: `make run` (MicroPython unix port or CPython).

The modem process gets the pty master as stdin/stdout (non-blocking, see shared NOTES);
a serial program opens the slave (/dev/pts/N, or the LINK symlink). This launcher keeps
the slave open so the modem never sees a hang-up when a host program closes and reopens
the port, forwards the modem's log to stderr, and stops it cleanly on Ctrl-C or SIGTERM.

With --baud N the bytes cross at a UART's pace: the modem gets a pty of its own and two
relay threads copy between it and the host's pty, N/10 bytes a second each way (8N1), a
few milliseconds' worth at a time. A relay never drops a byte: it reads only what it may
send, and sends only while the receiver has room in its buffer (the board's UART rxbuf,
the host's 4 KiB tty buffer): RTS/CTS, so a side that stops reading holds the other.
"""
import argparse
import errno
import fcntl
import os
import select
import shutil
import signal
import subprocess
import struct
import sys
import tempfile
import termios
import threading
import time
import tty

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def command(runtime, heap, micropython=None, main=None, rom=False):
    """firmware/main.py, or the script main. The unix port runs main compiled, as a module
    (-m main: build/x64/main.mpy); with rom, from a ROMFS image (tools/romboot.py), in a
    heap made larger by the image's own bytes (rom_heap)."""
    if runtime == "cpython":
        return [sys.executable, "-u", main or os.path.join(ROOT, "firmware", "main.py")]
    mp = micropython or shutil.which("micropython") or os.path.join(
        os.path.dirname(sys.executable), "micropython")
    if rom:
        return [mp, "-X", "heapsize=%d" % rom_heap(heap), "-m", "romboot", ROM_IMAGE]
    return [mp, "-X", "heapsize=" + heap] + ([main] if main else ["-m", "main"])


def heap_bytes(heap):
    """"64K" (as -X heapsize takes it) in bytes."""
    scale = {"K": 1024, "M": 1024 * 1024}.get(heap[-1:].upper(), 1)
    return int(heap.rstrip("KkMm")) * scale


# The unix port with the modem's code in ROM (--rom): build/x64 as a ROMFS image, which
# tools/romboot.py pins at the bottom of the heap. On a board the image is in flash.
ROM = os.path.join(ROOT, "build", "rom")
ROM_IMAGE = os.path.join(ROM, "modem.romfs")
GC_BLOCK = 32  # bytes of a heap block on a 64-bit unix port (16 on a 32-bit board)


def rom_pinned():
    """Heap bytes the pinned image takes: its bytearray object and its data, in blocks."""
    n = os.path.getsize(ROM_IMAGE)
    return GC_BLOCK + -(-n // GC_BLOCK) * GC_BLOCK


def rom_names():
    """Heap bytes of the names the modem's modules intern, all of them loaded
    (build/rom/names, written by `make` with tools/boot_heap.py): the unix port interns a
    ROMFS module's names in the heap, in pools it grows in steps of some KB at once; frozen
    firmware keeps them in flash with the code."""
    with open(os.path.join(ROM, "names")) as f:
        return int(f.read())


def rom_heap(heap):
    """The heapsize to give the unix port so that `heap` is what the modem has as a board
    running frozen code would: the image's bytes (pinned) and the interned names (rom_names)
    are in flash there. The heap's own tables grow with it a little: that is held against
    the modem."""
    return heap_bytes(heap) + rom_pinned() + rom_names()


# The unix port loads the modules compiled by `make` (as a board does): compiling the
# sources at start-up would need more heap than the modem itself. It runs in that folder,
# with the modules found from there: a module's path is interned (a qstr, never freed),
# and modem/core.mpy costs less heap than /the/whole/path/to/build/x64/modem/core.mpy.
BUILD = os.path.join(ROOT, "build", "x64")


def workdir(runtime, rom=False):
    return (ROM if rom else BUILD) if runtime == "micropython" else None


def environment(runtime, flash, board, rom=False):
    env = dict(os.environ)
    if runtime == "micropython":
        built = ROM if rom else BUILD
        if not os.path.exists(os.path.join(built, ".built")):
            raise RuntimeError("no compiled modules in %s: run make first" % built)
        env["MICROPYPATH"] = "."
    else:
        env["PYTHONPATH"] = os.pathsep.join([os.path.join(ROOT, "lib"), ROOT])
    env["MODEM_FLASH"] = os.path.abspath(flash)
    env["MODEM_BOARD"] = board
    return env


STOP_S = 60  # how long the modem may take to stop on SIGINT (a busy machine can be slow)
SLICE_S = 0.002  # a paced relay moves what this much time allows, then sleeps
BURST_S = 0.005  # what it may save up while idle (a UART FIFO's worth, about)
WAIT_S = 0.1  # the longest a relay blocks before it looks whether it should stop
MODEM_RXBUF = 1024  # the board's UART receive buffer (boards/pico_w.py): RTS drops when full
HOST_RXBUF = 3968  # a Linux serial port's: its 4 KiB tty buffer, throttled 128 bytes early


def unread(fd):
    """Bytes waiting in a tty's input queue (FIONREAD): what its reader has not read."""
    return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]


class Relay:
    """Copies src to dst (file numbers, non-blocking) at most `rate` bytes a second, in
    slices, never more than the receiver has room for: `room` bytes less those still unread
    on `queue` (the receiver's end of dst). What dst does not take is held, and nothing
    more is read from src until it has gone."""

    def __init__(self, src, dst, rate, stopping, queue, room):
        self.src, self.dst, self.rate, self.stopping = src, dst, rate, stopping
        self.queue, self.room = queue, room
        self.moved = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _wait(self, fd, mask):
        p = select.poll()
        p.register(fd, mask)
        return p.poll(WAIT_S * 1000)

    def _run(self):
        rate = self.rate
        cap = max(1.0, rate * BURST_S)
        allowance = cap
        last = time.monotonic()
        pending = b""
        try:
            while not self.stopping.is_set():
                if not pending and not self._wait(self.src, select.POLLIN):
                    continue
                now = time.monotonic()
                allowance = min(cap, allowance + (now - last) * rate)
                last = now
                n = min(int(allowance), self.room - unread(self.queue))
                if n < 1:  # no credit yet, or the receiver is full (its RTS is off)
                    time.sleep(max(SLICE_S, (1 - allowance) / rate))
                    continue
                if not pending:
                    try:
                        pending = os.read(self.src, n)
                    except BlockingIOError:
                        continue
                    if not pending:
                        return  # end of file
                if not self._wait(self.dst, select.POLLOUT):
                    continue
                try:
                    n = os.write(self.dst, pending[:n])
                except BlockingIOError:
                    continue
                allowance -= n
                self.moved += n
                pending = pending[n:]
                if allowance < 1 or pending:
                    time.sleep(SLICE_S)
        except OSError as e:
            if e.errno not in (errno.EIO, errno.EBADF):
                raise  # EIO, EBADF: the sim has stopped and closed the ptys


class Sim:
    """The modem process on a fresh pty. Used by `make run` and by the end-to-end tests.
    baud: None, the bytes cross at memory speed; a number, at that UART speed (8N1).
    main: the script the modem runs (firmware/main.py; a test may wrap it).
    rom: the unix port runs the modem's code from a ROMFS image (tools/romboot.py)."""

    def __init__(self, runtime="micropython", heap="256K", flash=".flash", board="host",
                 link=None, micropython=None, log=None, baud=None, main=None, rom=False):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.name = os.ttyname(self.slave)
        os.set_blocking(self.master, False)
        self.baud = baud
        self.link = link
        if link:
            if os.path.islink(link):
                os.unlink(link)
            os.symlink(self.name, link)
        self.ready = threading.Event()
        self.lines = []
        self._log = log
        self._stopping = threading.Event()
        self.relays = []
        modem_fd = self.master
        inner = None
        if baud:
            # the modem's own pty: it holds the master as today, the relays the slave; our
            # copy of the master tells how much the modem has not read yet
            modem_fd, inner = os.openpty()
            tty.setraw(inner)
            os.set_blocking(modem_fd, False)
            os.set_blocking(inner, False)
        # The modem gets the flash folder by a name of fixed length, a link made here: the
        # name lives in its heap, and a longer one would move everything after it (the runs
        # at the heap's edge would then depend on where the folder is).
        os.makedirs(flash, exist_ok=True)
        self._alias = tempfile.mkdtemp(prefix="gpx-flash-")
        alias = os.path.join(self._alias, "f")
        os.symlink(os.path.abspath(flash), alias)
        self.proc = subprocess.Popen(
            command(runtime, heap, micropython, main, rom), stdin=modem_fd, stdout=modem_fd,
            stderr=subprocess.PIPE, env=environment(runtime, alias, board, rom),
            cwd=workdir(runtime, rom), close_fds=True, start_new_session=True)
        self._inner = (modem_fd, inner) if baud else ()
        if baud:
            rate = baud / 10.0
            self.relays = [
                Relay(self.master, inner, rate, self._stopping, modem_fd, MODEM_RXBUF),
                Relay(inner, self.master, rate, self._stopping, self.slave, HOST_RXBUF)]
        self.reader = threading.Thread(target=self._stderr, daemon=True)
        self.reader.start()

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
                self.proc.wait(STOP_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._stopping.set()
        for r in self.relays:
            r.thread.join(2)
        self.reader.join(5)  # the log read to its end: what a caller reads of it is whole
        for fd in (self.master, self.slave) + self._inner:
            try:
                os.close(fd)
            except OSError:
                pass
        if self.link and os.path.islink(self.link):
            os.unlink(self.link)
        shutil.rmtree(self._alias, ignore_errors=True)  # the link, not the folder
        return self.proc.returncode


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runtime", choices=("micropython", "cpython"), default="micropython")
    ap.add_argument("--heap", default="256K", help="MicroPython heap size (default 256K)")
    ap.add_argument("--flash", default=".flash", help="where the parameters persist")
    ap.add_argument("--link", default=None, help="a symlink to the pty, kept while it runs")
    ap.add_argument("--board", default="host")
    ap.add_argument("--baud", type=int, default=None,
                    help="pace the line as a UART at this speed (8N1); default: memory speed")
    ap.add_argument("--rom", action="store_true",
                    help="unix port: the code in ROM (a ROMFS image), as on a board")
    a = ap.parse_args()

    sim = Sim(a.runtime, a.heap, a.flash, a.board, a.link,
              log=lambda line: print(line, file=sys.stderr, flush=True), baud=a.baud,
              rom=a.rom and a.runtime == "micropython")
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
    pace = ", %d baud" % a.baud if a.baud else ""
    rom = ", code in ROM" if a.rom and a.runtime == "micropython" else ""
    print("modem ready on %s%s (%s, heap %s%s, flash %s%s); Ctrl-C stops it"
          % (sim.name, where, a.runtime, a.heap, rom, os.path.abspath(a.flash), pace),
          flush=True)
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
