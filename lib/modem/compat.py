"""The one place where MicroPython and CPython differ: const, ticks, poll, sockets, the pty.

CPython's versions live in _cpython.py, so a board never loads them. Nothing outside these
two modules asks which runtime it runs on.
"""
import select
import sys

MPY = sys.implementation.name == "micropython"

POLLIN = select.POLLIN
POLLOUT = select.POLLOUT
POLLERR = select.POLLERR
POLLHUP = select.POLLHUP

# errno values that mean "not now" on a non-blocking socket, across ports
# (11 EAGAIN; 115 EINPROGRESS on Linux; 119 EINPROGRESS on lwIP ports).
BUSY_ERRNOS = (11, 115, 119)


def would_block(e):
    """True for an OSError of a non-blocking socket that has nothing now (EAGAIN and the
    like; CPython's TLS socket says it with SSLWantReadError/SSLWantWriteError)."""
    return bool(e.args) and e.args[0] in BUSY_ERRNOS or type(e).__name__.startswith(
        "SSLWant")

if MPY:
    import gc
    import json

    from micropython import const
    from time import sleep_ms, sleep_us, ticks_add, ticks_diff, ticks_ms

    # select.poll: ipoll(ms) yields (object, events), the same tuple each time
    Poller = select.poll

    def trace(e):
        """The exception's traceback on the log (stderr: the USB console on a board)."""
        sys.print_exception(e, sys.stderr)

    def heap():
        """(bytes in use, bytes free) of the heap, after a collection."""
        gc.collect()
        return gc.mem_alloc(), gc.mem_free()

    _tidied = [0]  # the heap in use after tidy's last collection

    def tidy():
        """A collection in idle time (the line quiet after a command), when a KB or more
        was allocated since the last one. What a command leaves is freed before the next
        one runs: its long-lived results (a value set, a module imported) are then made
        at the bottom of the heap, not among the last command's garbage, where they would
        split the free room into pieces too small for a module or a session's buffer."""
        if gc.mem_alloc() - _tidied[0] >= 1024:
            gc.collect()
            _tidied[0] = gc.mem_alloc()

    def loads(body):
        """JSON from a memoryview of the saved file (no copy)."""
        return json.loads(body)

    def Stream(sock):
        """A socket as the pump's stream: on MicroPython a non-blocking socket already is
        one (readinto: None when nothing is there, 0 at the end; write: None when full); a
        TLS socket is one through Records."""
        sock.setblocking(False)
        return Records(sock) if hasattr(sock, "cipher") else sock

    class Records:
        """A TLS socket of MicroPython's as the pump's stream. Its readinto fills what is
        asked record after record, and when the peer's close_notify comes right behind the
        last record it gives the data and drops the end, which the TLS library does not
        give twice: a server that waits for the modem's own close (vsftpd after a file)
        would wait for ever. recv reads once, as far as the record goes, so the end comes
        as 0. It allocates the chunk it gives: TLS sessions only, where the cipher costs
        far more than the copy. (A port whose TLS socket has no recv keeps readinto.)"""

        def __init__(self, s):
            self.s = self.pollable = s
            self.write = s.write  # the pump's write(mv, off, n): the socket's own
            self._recv = getattr(s, "recv", None)
            if self._recv is None:
                self.readinto = s.readinto

        def readinto(self, mv, n=-1):
            b = self._recv(len(mv) if n < 0 else n)
            if b:
                mv[:len(b)] = b
                return len(b)
            return None if b is None else 0  # nothing now; the end

        def close(self):
            self.s.close()

    def so_error(sock):
        """The error a non-blocking connect ended with: MicroPython's poll says it (POLLERR,
        POLLHUP), so 0 here."""
        return 0

    class FdPort:
        """The unix port's stdin/stdout (a pty master, O_NONBLOCK) as the modem's line. A
        line that has gone (its other end closed: end of file, EIO) raises EOFError: the
        modem has nobody to answer and stops (modem.main.run), where it would spin."""

        def __init__(self, rfd=0, wfd=1):
            self._r = self.rx_stream = sys.stdin.buffer  # the pump calls these two directly
            self._w = self.tx_stream = sys.stdout.buffer
            self.pollable = sys.stdin
            self.wpollable = sys.stdout
            self.baud = 115200

        def readinto(self, mv, n=-1):
            try:
                got = self._r.readinto(mv, n)
            except OSError as e:
                if e.errno == 11:
                    return 0
                raise EOFError(e.errno)
            if got == 0 and n:
                raise EOFError()
            return got or 0

        def write(self, mv, off=0, n=-1):
            try:
                return self._w.write(mv, off, n) or 0
            except OSError as e:
                if e.errno == 11:
                    return 0
                raise EOFError(e.errno)

        def set_baud(self, baud):
            self.baud = baud

else:
    from ._cpython import (FdPort, Poller, Stream, const, heap, loads, tidy,  # noqa: F401
                           sleep_ms, sleep_us, so_error, ticks_add, ticks_diff, ticks_ms,
                           trace)
