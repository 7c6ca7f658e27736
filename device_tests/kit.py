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
    loopback that nobody writes to (never readable, always writable). close() it. A test
    that makes one calls needs_loopback first."""

    def __init__(self):
        import socket

        MemPort.__init__(self)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(socket.getaddrinfo("127.0.0.1", 0)[0][-1])
        self.pollable = self.wpollable = self.sock

    def close(self):
        self.sock.close()


def listener():
    """A TCP socket listening on loopback that never accepts by itself, and its port (the
    unix port has no getsockname: a free port is looked for)."""
    import socket

    from modem.compat import ticks_ms

    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    port = 40000 + ticks_ms() % 20000
    for _ in range(100):
        try:
            s.bind(socket.getaddrinfo("127.0.0.1", port)[0][-1])
            break
        except OSError:
            port += 1
    s.listen(2)
    return s, port


def _tcp_on_loopback():
    try:
        import socket

        s, port = listener()
    except (ImportError, OSError):
        return False
    c = socket.socket()
    try:
        c.settimeout(1)
        c.connect(socket.getaddrinfo("127.0.0.1", port)[0][-1])
        return True
    except OSError:
        return False
    finally:
        c.close()
        s.close()


_loopback = []  # loopback()'s answer, once found


def loopback():
    """True where TCP to 127.0.0.1 works: a computer (CPython, the unix port). A board may
    have no loopback interface (the rp2 port's lwIP is built without one) or no socket
    module at all; tried once."""
    if not _loopback:
        _loopback.append(_tcp_on_loopback())
    return _loopback[0]


def needs_loopback(test):
    """Skips test (the TestCase running) unless TCP to 127.0.0.1 works here: every test with
    a socket on loopback (a SessionPort, a listener, a UDP socket) calls it first. In the
    test method, not in setUp: micropython-lib's unittest runs setUp outside its try, so a
    skip there would stop the whole module."""
    if not loopback():
        test.skipTest("no TCP on 127.0.0.1 here (a board without a loopback interface)")


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
