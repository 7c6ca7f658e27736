"""The modem: bytes from the UART assembled into command lines, run, answered."""
import sys

from . import commands
from .atparse import parse
from .codes import ERROR, INTERNAL, ATError
from .compat import POLLIN, POLLOUT, Poller, ticks_diff, ticks_ms
from .compat import const

try:
    from sys import print_exception

    def trace(e):
        print_exception(e, sys.stderr)

except ImportError:
    from traceback import print_exception as _pe

    def trace(e):
        _pe(type(e), e, e.__traceback__)

LINE_MAX = const(256)
_RX = const(256)
_CR = const(13)
_LF = const(10)
_BS = const(8)
_DEL = const(127)
_WRITE_GIVEUP_MS = const(2000)
_TICK_MS = const(100)  # the longest the loop waits for input before looking at the link


class Halted(Exception):
    """The host sent a line that stops the command in progress (Modem.wait_for)."""


class Modem:
    def __init__(self, port, board, params, link, log=None):
        self.port = port
        self.link = link
        self.board = board
        self.params = params
        self.log = log
        self._line = bytearray(LINE_MAX)
        self._n = 0
        self._overflow = False
        self._bad = False
        self._last = None
        self._rx = bytearray(_RX)
        self._rxmv = memoryview(self._rx)
        self._poller = None
        self._first = True
        self.after_ok = None
        self.pending = bytearray()  # what the host sent while a command was running
        self.echo = 1
        self.cmee = 1

    # ---- session state ----

    def reset(self):
        """ATZ: saved parameters reloaded, session settings back to their power-up values."""
        self.params.load()
        self.echo = 1
        self.cmee = 1

    # ---- output ----

    def write(self, data):
        """All of data to the UART, waiting while it is full (never more than a while)."""
        mv = memoryview(data)
        port = self.port
        t0 = ticks_ms()
        while mv:
            n = port.write(mv)
            if n:
                mv = mv[n:]
                t0 = ticks_ms()
            elif ticks_diff(ticks_ms(), t0) > _WRITE_GIVEUP_MS:
                return  # nobody reads the line: drop the rest, keep running
            else:
                self._wait_writable()

    def _wait_writable(self):
        p = self._poller
        if p is None or self.port.wpollable is None:
            return
        p.register(self.port.wpollable, POLLOUT)
        p.poll(20)
        p.unregister(self.port.wpollable)
        if self.port.wpollable is self.port.pollable:
            p.register(self.port.pollable, POLLIN)

    def info(self, text):
        """One line of an information response; lines of one response are contiguous."""
        self.write(("\r\n" + text + "\r\n" if self._first else text + "\r\n").encode())
        self._first = False

    def result(self, text):
        """A final result or an unsolicited line, framed on its own."""
        self.write(("\r\n" + text + "\r\n").encode())
        self._first = True

    def say(self, what):
        """An unsolicited line: a text, or an error code shown as +CMEE says."""
        self.result(what if isinstance(what, str) else commands.error_text(what, self.cmee))

    # ---- input ----

    def feed(self, data, echo=True):
        """Bytes from the UART in command mode."""
        if self.echo and echo:
            self.write(data)
        line = self._line
        for c in data:
            if c == _CR:
                self._end_line()
            elif c == _LF:
                continue
            elif c == _BS or c == _DEL:
                if self._n:
                    self._n -= 1
            elif self._n >= LINE_MAX:
                self._overflow = True
            else:
                if c < 32 or c > 126:
                    self._bad = True
                line[self._n] = c
                self._n += 1
                if self._n == 2 and line[0] in b"Aa" and c == 47:  # "A/"
                    self._n = 0
                    if self._last:
                        self.execute(self._last)
                    else:
                        self.result("ERROR")

    def _end_line(self):
        n = self._n
        self._n = 0
        bad = self._bad or self._overflow
        self._bad = self._overflow = False
        if bad:
            self.result("ERROR")
            return
        text = bytes(self._line[:n]).strip()
        if not text:
            return  # an empty line gets no answer, as on a real modem
        self._last = text
        self.execute(text)
        if self.pending:
            data = self.pending
            self.pending = bytearray()
            self.feed(data, False)

    def wait_for(self, obj, ms, stop):
        """Wait up to ms for obj to be readable (True) or not (False), keeping what the
        host sends meanwhile for later; a host line in stop raises Halted."""
        p = Poller()
        p.register(obj, POLLIN)
        if self.port.pollable is not None:
            p.register(self.port.pollable, POLLIN)
        t0 = ticks_ms()
        try:
            while True:
                left = ms - ticks_diff(ticks_ms(), t0)
                if left <= 0:
                    return False
                for o, ev in p.poll(min(left, _TICK_MS)):
                    if o is obj:
                        return True
                n = self.port.readinto(self._rxmv)
                if n:
                    data = self._rxmv[:n]
                    if self.echo:
                        self.write(data)
                    if len(self.pending) < 2 * LINE_MAX:
                        self.pending += data
                    self._stop_line(stop)
        finally:
            p.unregister(obj)
            if self.port.pollable is not None:
                p.unregister(self.port.pollable)

    def _stop_line(self, stop):
        cr = self.pending.find(b"\r")
        while cr >= 0:
            line = bytes(self.pending[:cr]).replace(b"\n", b"").strip().upper()
            if line in stop:
                del self.pending[:cr + 1]
                raise Halted()
            cr = self.pending.find(b"\r", cr + 1)

    def execute(self, text):
        """Run one command line and print its final result."""
        self._first = True
        self.after_ok = None
        try:
            final = None
            for name, op, args in parse(text):
                h = commands.lookup(name)
                if h is None:
                    raise ATError(ERROR)
                final = h(self, name, op, args)
                if final == commands.NOFINAL:
                    return
            self.result("OK")
            if self.after_ok:
                self.after_ok()
        except ATError as e:
            self.result(commands.error_text(e.code, self.cmee))
        except Exception as e:  # never let a bug stop the modem
            if self.log:
                self.log("internal error in %s: %r" % (text, e))
                trace(e)
            self.result(commands.error_text(INTERNAL, self.cmee))

    def apply_baud(self):
        self.port.set_baud(self.params.get("IPR"))

    # ---- the loop ----

    def start(self):
        status = self.params.load()
        if self.log:
            self.log("parameters: " + status)
        self.port.set_baud(self.params.get("IPR"))
        if getattr(self.board, "WIND", True):
            self.result("+WIND: 13")

    def step(self, timeout_ms):
        """Wait up to timeout_ms for UART input and handle what came."""
        if self._poller is None:
            self._poller = Poller()
            self._poller.register(self.port.pollable, POLLIN)
        for _ in self._poller.poll(timeout_ms):
            break
        n = self.port.readinto(self._rxmv)
        if n:
            self.feed(self._rxmv[:n])
        self.link.tick(self.say)

    def run(self):
        self.start()
        while True:
            self.step(_TICK_MS)
