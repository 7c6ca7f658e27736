"""The modem: bytes from the UART assembled into command lines, run, answered."""
from . import commands
from .atparse import parse
from .codes import ERROR, INTERNAL, ATError
from .compat import POLLIN, POLLOUT, Poller, ticks_diff, ticks_ms, trace
from .compat import const

LINE_MAX = const(256)
_RX = const(256)
_CR = const(13)
_LF = const(10)
_BS = const(8)
_DEL = const(127)
_ETX = const(3)
_WRITE_GIVEUP_MS = const(2000)
_SLICE_MS = const(100)  # a wait is cut into slices this long, the watchdog fed between
PENDING_MAX = const(1024)  # typed ahead while a command runs; more waits on the line


class Halted(Exception):
    """A wait was ended by a line the host typed meanwhile (AT+EGNTP=0)."""


class Modem:
    def __init__(self, port, board, params, link, log=None, buf=None):
        self.port = port
        self.link = link
        self.board = board
        self.params = params
        self.log = log
        self._line = bytearray(LINE_MAX)
        self._n = 0
        self._overflow = False
        self._last = None
        self._repeat = False  # A/ ended the line: the last command again
        self._rx = bytearray(_RX)
        self._rxmv = memoryview(self._rx)
        self._poller = None
        self._first = True
        self.after_ok = None
        self.pending = bytearray()  # what the host sent while a command was running (feed)
        self.held = []  # unsolicited lines held during a data session (_hold)
        self.enter = None  # set by a command that opens a data session: enter(leftover)
        self.listener = None  # a TCP server socket waiting for its peer (tcp.Listener)
        # the data pump's buffers (pump.BUF_SIZE bytes), or None: made with the pump
        # (data_pump, called at start-up by modem.main while the heap is in one piece)
        self.databuf = buf
        self.pump = None
        self.clock = None  # the real-time clock's state (clock.state, made by setup.make)
        # how long a TCP or FTP connection may take to open, a server to answer (ms);
        # here and not in the feature modules, which are unloaded after use
        self.connect_ms = 20000
        self.reply_ms = 20000
        # how long the host must be silent after a session the network ended, before the
        # modem answers and reads commands again (pump.drain)
        self.quiet_ms = 1000
        link.on_lost.append(self.close_listener)
        self.echo = 1
        self.cmee = 1
        # the watchdog's feed, called from every wait that may outlast it (firmware/boot.py
        # puts it on the board); int() is the no-op of a board without a watchdog
        self.kick = getattr(board, "kick", int)
        self.lines = None  # DCD and DTR (uart.Lines) of a board that names them
        if hasattr(board, "DTR"):
            from .uart import Lines

            self.lines = Lines(board)

    # ---- session state ----

    def reset(self):
        """ATZ: session settings back to their power-up values, saved parameters reloaded."""
        self.echo = 1
        self.cmee = 1
        self.params.load()

    # ---- output ----

    def write(self, data):
        """All of data to the UART, waiting while it is full (never more than a while)."""
        port = self.port
        off = 0
        t0 = ticks_ms()
        while off < len(data):
            n = port.write(data, off)
            if n:
                off += n
                t0 = ticks_ms()
            elif ticks_diff(ticks_ms(), t0) > _WRITE_GIVEUP_MS:
                return  # nobody reads the line: drop the rest, keep running
            else:
                self._wait_writable()

    def _wait_writable(self):
        self.kick()
        p = self._poller
        if p is None or self.port.wpollable is None:
            return
        p.register(self.port.wpollable, POLLOUT)
        p.ipoll(20)
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
        self.result(what if isinstance(what, str) else self.error_text(what))

    def error_text(self, code):
        return commands.error_text(code, self.cmee)

    def session_tick(self):
        """The pump's tick in a data session: the watchdog fed, the link checked (nothing
        unsolicited is printed inside a session); true ends the session: True when the link
        is lost, 6 (pump's _HANGUP) when the host hung up, ended as its ETX would."""
        self.kick()
        self.link.tick(self._hold)
        return not self.link.up or (self.hangup() and 6)

    def _hold(self, what):
        """An unsolicited line during a data session (+CGREG: 0 when the link is lost), held
        for after it; a lost link's code is the session's own result."""
        if isinstance(what, str):
            self.held.append(what)

    def hangup(self):
        """True when the host has dropped its DTR line in a data session (a board with DTR)."""
        return self.lines is not None and self.lines.dropped()

    def data_pump(self):
        if self.pump is None:
            from .pump import Pump

            self.pump = Pump(self.port, self.databuf)
        return self.pump

    def close_listener(self):
        if self.listener is not None:
            if self._poller is not None:
                self._poller.unregister(self.listener.sock)
            self.listener.close()
            self.listener = None

    # ---- waiting ----

    def wait(self, obj, mask, ms, stop=None):
        """The wait of a command (a connection, a server's reply or answer): up to ms for
        obj to be ready for mask (POLLIN, POLLOUT). Returns its events, 0 at the deadline.
        The watchdog is fed every _SLICE_MS. What the host types meanwhile is kept in order
        in self.pending, taken once the command has answered (feed); past PENDING_MAX it is
        left on the line, whose flow control holds the host. stop: command lines (upper
        case, no spaces) that end the wait when the host types one: Halted (the line stays
        in pending, to be run and answered in its turn)."""
        port = self.port
        p = Poller()
        p.register(obj, mask)
        if port.pollable is not None:
            p.register(port.pollable, POLLIN)
        t0 = ticks_ms()
        try:
            if stop and _typed(self.pending, stop):
                raise Halted()  # typed ahead with the command itself
            while True:
                self.kick()
                room = PENDING_MAX - len(self.pending)
                if room > 0:
                    n = port.readinto(self._rxmv, room if room < _RX else _RX)
                    if n:
                        self.pending += self._rxmv[:n]
                        if stop and _typed(self.pending, stop):
                            raise Halted()
                        if n == room and port.pollable is not None:
                            p.unregister(port.pollable)  # full: the host waits
                left = ms - ticks_diff(ticks_ms(), t0)
                if left <= 0:
                    return 0
                for o, ev in p.ipoll(left if left < _SLICE_MS else _SLICE_MS):
                    if o is obj:
                        return ev
        finally:
            p.unregister(obj)
            if port.pollable is not None:
                p.unregister(port.pollable)

    # ---- input ----

    def feed(self, data):
        """Bytes from the UART in command mode, taken in order. Each line is echoed (ATE1) as
        it is typed and run when it ends; the bytes after it wait in self.pending, where a
        command's waits (Modem.wait) put what the host types meanwhile, and are taken once it
        has answered. A command that opens a data session (self.enter) gets them as its
        first data."""
        while data:
            i = self._scan(data)
            if i < 0:
                return  # no line ended: its bytes are in the line buffer
            self.pending = bytearray(data[i:])  # (empty here: taken as data before)
            if self._run_line():
                data = self._session(self.pending)
            else:
                data = self.pending
            self.pending = bytearray()

    def _scan(self, data):
        """Bytes into the line buffer, echoed, up to the end of a line (CR, or A/): the index
        after it, or -1 when data ended first."""
        line = self._line
        n = len(data)
        for i in range(n):
            c = data[i]
            if c == _CR:
                self._echo(data, i + 1)
                return i + 1
            if c == _LF:
                continue
            if c == _BS or c == _DEL:
                if self._n:
                    self._n -= 1
            elif c == _ETX and self.listener is not None:
                self._echo(data, i)
                self.close_listener()  # the host gives up waiting for its peer (spec 4.2.1)
                self._n = 0
                self.result("OK")
                return i + 1
            elif self._n >= LINE_MAX:
                self._overflow = True
            else:
                line[self._n] = c
                self._n += 1
                if self._n == 2 and c == 47 and line[0] in b"Aa":  # "A/"
                    self._echo(data, i + 1)
                    self._repeat = True
                    return i + 1
        self._echo(data, n)
        return -1

    def _echo(self, data, end):
        """Echo data[:end] (ATE1): what _scan has taken of it."""
        if self.echo and end:
            self.write(data[:end] if end < len(data) else data)

    def _run_line(self):
        """The line in the buffer, run (or A/: the last one again). True when it opened a
        data session (self.enter)."""
        if self._repeat:
            self._repeat = False
            self._n = 0
            self._overflow = False
            if self._last:
                self.execute(self._last)
            else:
                self.result("ERROR")
        elif self._n or self._overflow:
            self._end_line()
        return self.enter is not None

    def _end_line(self):
        n = self._n
        self._n = 0
        line = self._line
        bad = self._overflow
        self._overflow = False
        for i in range(n):  # a control byte left in the line (one deleted does not count)
            if line[i] < 32 or line[i] > 126:
                bad = True
        if bad:
            self.result("ERROR")
            return
        text = bytes(self._line[:n]).strip()
        if not text:
            return  # an empty line gets no answer, as on a real modem
        self._last = text
        self.execute(text)

    def execute(self, text):
        """Run one command line and print its final result."""
        self._first = True
        self.after_ok = None
        try:
            # The whole line is checked first: a malformed line, or one naming a command
            # the modem does not know, runs nothing (ERROR). Then its commands run in
            # order; the first that fails gives the answer and the rest do not run, while
            # those before it have run (V.250 5.2.1).
            for name, _, _ in parse(text):
                if commands.lookup(name) is None:
                    raise ATError(ERROR)
            final = None
            for name, op, args in parse(text):  # a command at a time: a long line of them
                # never needs them all in the heap at once
                h = commands.lookup(name)
                if h is None:
                    raise ATError(ERROR)
                if isinstance(h, str):
                    final = commands.overlay(h, self, name, op, args)
                else:
                    final = h(self, name, op, args)
                if final == commands.NOFINAL:
                    return
            self.result("OK")
            if self.after_ok:
                self.after_ok()
        except ATError as e:
            self.say(e.code)
        except Exception as e:  # never let a bug stop the modem
            self.failed(e, text)

    def failed(self, e, text=b""):
        """Something unforeseen: logged, #CME ERROR: 49155 to the host, the modem runs on.
        Itself never fails (it may run when the heap is full)."""
        self.enter = None
        try:
            if self.log:
                self.log("internal error in %s: %r" % (text, e))
                trace(e)
        except Exception:
            pass
        try:
            self.result(self.error_text(INTERNAL))
        except Exception:
            self.write(b"\r\n#CME ERROR: 49155\r\n")

    def apply_baud(self):
        self.port.set_baud(self.params.get("IPR"))

    # ---- the loop ----

    def start(self, status=None):
        """Parameters loaded (unless modem.main has: status is what its load said), the
        line's speed set, +WIND: 13."""
        if status is None:
            status = self.params.load_at_start()
        if self.log:
            self.log("parameters: " + status)
        self.port.set_baud(self.params.get("IPR"))
        if self.board.WIND:
            self.result("+WIND: 13")

    def step(self, timeout_ms):
        """Wait up to timeout_ms for UART input (or a TCP peer) and handle what came."""
        self.kick()
        p = self._poller
        if p is None:
            p = self._poller = Poller()
            p.register(self.port.pollable, POLLIN)
        lis = self.listener
        if lis is not None:
            p.register(lis.sock, POLLIN)
        for obj, _ in p.ipoll(timeout_ms):
            if lis is not None and obj is lis.sock:
                self._accept(lis)
        n = self.port.readinto(self._rxmv)
        if n:
            self.feed(self._rxmv[:n])
        self.link.tick(self.say)

    def _run(self, leftover):
        """self.enter(leftover), taken off the modem first. Called from _session, not inlined
        there: once this returns no frame still holds the session, whose module settle then
        unloads (held, it stayed in the heap while the next commands loaded theirs)."""
        session = self.enter
        self.enter = None
        try:
            return session(leftover)
        except Exception as e:  # never let a bug stop the modem
            self.failed(e)
        return None

    def _accept(self, lis):
        c = lis.accept()
        if c is not None:
            self.enter = lambda leftover: __import__("modem.tcp").tcp.accepted(self, c)
            self.feed(self._session(None))

    def _session(self, leftover):
        """Run the data session self.enter (DCD asserted meanwhile); returns what the host
        sent after its end (the next commands, a copy), once its module is unloaded
        (settle)."""
        lines = self.lines
        if lines:
            lines.carrier(1)
        rest = self._run(leftover)
        rest = bytes(rest) if rest else b""
        if lines:
            lines.carrier(0)
        for what in self.held:
            self.say(what)
        self.held = []
        commands.settle(self)
        return rest


def _typed(pending, lines):
    """True when one of lines (upper case, no spaces) is a whole line in pending."""
    for line in bytes(pending).upper().replace(b" ", b"").replace(b"\n", b"").split(b"\r")[:-1]:
        for want in lines:
            if line.endswith(want):
                return True
    return False
