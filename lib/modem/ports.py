"""The serial line as the modem sees it: non-blocking readinto/write on any UART-like object.

A port has:
  readinto(mv, n=-1) -> int      bytes read into mv, n at most (-1: len(mv)); 0 when
                                 nothing is there now (never blocks)
  write(mv, off=0, n=-1) -> int  bytes of mv[off:off + n] taken (-1: to the end of mv); 0
                                 when the line cannot take any now (never blocks)
  (the arguments of MicroPython's stream readinto and write: the pump reads and writes part
  of its buffers that way, with no new memoryview for each chunk)
  pollable              the object to register with compat.Poller for POLLIN
  wpollable             the one to register for POLLOUT (may be the same object)
  set_baud(baud)        change the line speed (no-op where there is none)
"""
from .compat import MPY


if MPY:

    class FdPort:
        """The unix port's stdin/stdout (a pty master, O_NONBLOCK) as the modem's line."""

        def __init__(self, rfd=0, wfd=1):
            import sys

            self._r = sys.stdin.buffer
            self._w = sys.stdout.buffer
            self.pollable = sys.stdin
            self.wpollable = sys.stdout
            self.baud = 115200

        def readinto(self, mv, n=-1):
            try:
                return self._r.readinto(mv, n) or 0
            except OSError as e:
                if e.errno == 11:
                    return 0
                raise

        def write(self, mv, off=0, n=-1):
            try:
                return self._w.write(mv, off, n) or 0
            except OSError as e:
                if e.errno == 11:
                    return 0
                raise

        def set_baud(self, baud):
            self.baud = baud

else:
    from ._cpython import FdPort  # noqa: F401
