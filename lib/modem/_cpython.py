"""CPython's side of compat.py: what MicroPython has built in, or does differently."""
import json
import os
import select
import ssl
import socket
import time


def const(x):
    return x


def ticks_ms():
    return int(time.monotonic() * 1000) & 0x3FFFFFFF


def ticks_diff(a, b):
    d = (a - b) & 0x3FFFFFFF
    return d - 0x40000000 if d & 0x20000000 else d


def ticks_add(a, d):
    return (a + d) & 0x3FFFFFFF


def sleep_ms(ms):
    time.sleep(ms / 1000)


def sleep_us(us):
    time.sleep(us / 1000000)


def trace(e):
    import sys
    import traceback

    traceback.print_exception(type(e), e, e.__traceback__, file=sys.stderr)


def heap():
    """CPython keeps no such figure: None."""
    return None


def tidy():
    """CPython's heap needs no tidying (its objects are freed as they go)."""


def loads(body):
    """JSON from a memoryview of the saved file (CPython's json takes bytes)."""
    return json.loads(bytes(body))


def so_error(sock):
    """The error a non-blocking connect ended with (0: connected)."""
    return sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)


class Poller:
    """select.poll giving (obj, events) pairs: CPython yields file numbers, mapped back."""

    def __init__(self):
        self._p = select.poll()
        self._objs = {}

    def register(self, obj, mask):
        self._p.register(obj, mask)
        self._objs[obj.fileno()] = obj

    def modify(self, obj, mask):
        self._p.modify(obj, mask)

    def unregister(self, obj):
        try:
            self._p.unregister(obj)
        except (KeyError, ValueError, OSError):
            pass
        self._objs.pop(obj.fileno(), None)

    def ipoll(self, ms):
        return [(self._objs[fd], ev) for fd, ev in self._p.poll(ms) if fd in self._objs]


class Stream:
    """compat.Stream on CPython: recv_into/send in place of readinto/write."""

    def __init__(self, sock):
        self.sock = sock
        self.pollable = sock
        sock.setblocking(False)

    def fileno(self):
        return self.sock.fileno()

    def readinto(self, mv, n=-1):
        n = len(mv) if n < 0 else n
        try:
            got = self.sock.recv_into(mv, n)
        except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return None
        # TLS: what the socket has decrypted already is not seen by poll: taken now
        pending = getattr(self.sock, "pending", None)
        while got and got < n and pending and pending():
            try:
                got += self.sock.recv_into(memoryview(mv)[got:], n - got)
            except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                break
        return got

    def write(self, mv, off=0, n=-1):
        try:
            return self.sock.send(mv[off:] if n < 0 else mv[off:off + n])
        except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return None

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Fd:
    """A bare file number that select.poll and Poller accept."""

    def __init__(self, fd):
        self.fd = fd

    def fileno(self):
        return self.fd


class FdPort:
    """compat.FdPort on CPython: os.read/os.write on non-blocking file numbers."""

    def __init__(self, rfd=0, wfd=1):
        self._r = rfd
        self._w = wfd
        os.set_blocking(rfd, False)
        os.set_blocking(wfd, False)
        self.pollable = Fd(rfd)
        self.wpollable = self.pollable if wfd == rfd else Fd(wfd)
        self.baud = 115200

    def readinto(self, mv, n=-1):
        try:
            got = os.readv(self._r, [mv if n < 0 else mv[:n]])
        except BlockingIOError:
            return 0
        except OSError as e:  # EIO: the other end of the pty closed
            raise EOFError(e.errno)
        if got == 0 and (n != 0 and len(mv)):
            raise EOFError()
        return got

    def write(self, mv, off=0, n=-1):
        try:
            return os.write(self._w, mv[off:] if n < 0 else mv[off:off + n])
        except BlockingIOError:
            return 0
        except OSError as e:
            raise EOFError(e.errno)

    def set_baud(self, baud):
        self.baud = baud
