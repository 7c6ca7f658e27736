"""What the command tests share on both runtimes: an in-memory line and a modem on it."""
import os

from modem.main import load, make

_seq = [0]


class MemPort:
    """A port (see modem.core) in memory: bytes fed in, bytes written collected."""

    def __init__(self):
        self.rx = bytearray()
        self.tx = bytearray()
        self.pollable = None
        self.wpollable = None
        self.baud = 115200

    def readinto(self, mv, n=-1):
        n = min(len(mv) if n < 0 else n, len(mv), len(self.rx))
        mv[:n] = self.rx[:n]
        self.rx = self.rx[n:]
        return n

    def write(self, mv, off=0, n=-1):
        mv = mv[off:] if n < 0 else mv[off:off + n]
        self.tx += mv
        return len(mv)

    def set_baud(self, baud):
        self.baud = baud

    def take(self):
        out = bytes(self.tx)
        self.tx = bytearray()
        return out


class SessionPort(MemPort):
    """A MemPort a data session can run on: the pump polls its line, here a UDP socket on
    loopback that nobody writes to (never readable, always writable). close() it."""

    def __init__(self):
        import socket

        MemPort.__init__(self)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(socket.getaddrinfo("127.0.0.1", 0)[0][-1])
        self.pollable = self.wpollable = self.sock

    def close(self):
        self.sock.close()


def _base():
    """Where the tests' flash folders go: /tmp on a computer (CPython, the unix port); on a
    board, which has none, the root of its own filesystem (its flash, whether it is mounted
    at / or not; not mpremote's mount of the computer's folder, the current directory)."""
    for d in ("/tmp", "/flash", "/"):
        try:
            os.stat(d)
        except OSError:
            continue
        return d.rstrip("/") + "/"
    return ""


BASE = _base()


def tmpdir():
    _seq[0] += 1
    path = BASE + "gpx-test-%d-%d" % (os.getpid() if hasattr(os, "getpid") else 0, _seq[0])
    rmtree(path)
    return path


def rmtree(path):
    try:
        names = os.listdir(path)
    except OSError:
        return
    for n in names:
        os.remove(path + "/" + n)
    os.rmdir(path)


class Rig:
    """A modem on a MemPort (or port) with its flash in a fresh folder; send() returns the
    answer."""

    def __init__(self, flash=None, echo=False, board="host", port=None):
        self.flash = flash or tmpdir()
        self.port = port or MemPort()
        self.modem = make(load(board), self.port, self.flash, None)
        self.modem.start()
        self.boot = self.port.take()
        if not echo:
            self.send("ATE0")

    def feed(self, data):
        self.modem.feed(memoryview(data))
        return self.port.take()

    def send(self, line):
        return self.feed(line.encode() + b"\r")

    def lines(self, line):
        """The answer as a list of lines, the CR LF framing removed."""
        return [x for x in self.send(line).decode().split("\r\n") if x]

    def restart(self):
        return Rig(self.flash)

    def files(self):
        try:
            return sorted(os.listdir(self.flash))
        except OSError:
            return []

    def close(self):
        if hasattr(self.port, "close"):
            self.port.close()
        rmtree(self.flash)
