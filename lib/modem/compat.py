"""The one place where MicroPython and CPython differ: const, ticks, poll, sockets, fds.

CPython's versions live in _cpython.py, so a board never loads them.
"""
import sys

MPY = sys.implementation.name == "micropython"

if MPY:
    from micropython import const
    from time import sleep_ms, ticks_add, ticks_diff, ticks_ms

    def trace(e):
        """The exception's traceback on the log (stderr: the USB console on a board)."""
        sys.print_exception(e, sys.stderr)

else:
    from ._cpython import const, sleep_ms, ticks_add, ticks_diff, ticks_ms, trace  # noqa: F401

import select  # noqa: E402

POLLIN = select.POLLIN
POLLOUT = select.POLLOUT
POLLERR = select.POLLERR
POLLHUP = select.POLLHUP

# errno values that mean "not now" on a non-blocking socket, across ports
# (11 EAGAIN; 115 EINPROGRESS on Linux; 119 EINPROGRESS on lwIP ports).
BUSY_ERRNOS = (11, 115, 119)

# Poller: select.poll on MicroPython, whose ipoll(ms) yields (object, events); _cpython's
# gives the same on CPython. Unregistering an object not registered is not an error.
if MPY:
    Poller = select.poll
else:
    from ._cpython import Poller  # noqa: F401
