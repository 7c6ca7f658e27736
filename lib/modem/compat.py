"""The one place where MicroPython and CPython differ: const, ticks, poll, sockets, fds.

CPython's versions live in _cpython.py, so a board never loads them.
"""
import sys

MPY = sys.implementation.name == "micropython"

if MPY:
    from micropython import const
    from time import sleep_ms, ticks_add, ticks_diff, ticks_ms
else:
    from ._cpython import const, sleep_ms, ticks_add, ticks_diff, ticks_ms  # noqa: F401

import select  # noqa: E402

POLLIN = select.POLLIN
POLLOUT = select.POLLOUT
POLLERR = select.POLLERR
POLLHUP = select.POLLHUP

# errno values that mean "not now" on a non-blocking socket, across ports
# (11 EAGAIN; 115 EINPROGRESS on Linux; 119 EINPROGRESS on lwIP ports).
BUSY_ERRNOS = (11, 115, 119)

if MPY:

    class Poller:
        """select.poll giving (obj, events) pairs: MicroPython yields the objects."""

        def __init__(self):
            self._p = select.poll()

        def register(self, obj, mask):
            self._p.register(obj, mask)

        def modify(self, obj, mask):
            self._p.modify(obj, mask)

        def unregister(self, obj):
            try:
                self._p.unregister(obj)
            except (KeyError, ValueError, OSError):
                pass

        def poll(self, ms):
            return self._p.ipoll(ms)

    class Stream:
        """A non-blocking socket with one interface on both runtimes.

        readinto(mv) -> n > 0 bytes read, 0 at end of stream, None when nothing is there now.
        write(mv)    -> n >= 0 bytes written, None when the socket cannot take any now.
        Errors other than "not now" are raised as OSError.
        """

        def __init__(self, sock):
            self.sock = sock
            self.pollable = sock
            sock.setblocking(False)

        def fileno(self):
            return self.sock.fileno()

        def readinto(self, mv):
            return self.sock.readinto(mv)

        def write(self, mv):
            try:
                return self.sock.write(mv)
            except OSError as e:
                if e.errno in BUSY_ERRNOS:
                    return None
                raise

        def close(self):
            try:
                self.sock.close()
            except OSError:
                pass

else:
    from ._cpython import Poller, Stream  # noqa: F401
