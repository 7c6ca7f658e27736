"""The modem: bytes from the line assembled into command lines, run, answered; the data
sessions the commands open.

A line (the board's UART, the unix port's pty, a test's) has:
  readinto(mv, n=-1) -> int      bytes read into mv, n at most (-1: len(mv)); 0 when
                                 nothing is there now (never blocks)
  write(mv, off=0, n=-1) -> int  bytes of mv[off:off + n] taken (-1: to the end of mv); 0
                                 when the line cannot take any now (never blocks)
  (the arguments of MicroPython's stream readinto and write: the pump reads and writes part
  of its buffers that way, with no new memoryview for each chunk)
  rx_stream, tx_stream  optional: the streams whose readinto and write the pump calls
                        directly (a UART, stdin/stdout's buffers), which answer None for
                        "nothing now"; the line itself where absent
  pollable              the object to poll for POLLIN (None: not pollable)
  wpollable             the one to poll for POLLOUT (may be the same object)
  set_baud(baud)        change the line speed (no-op where there is none)
"""
from . import commands
from .atparse import ACT, GET, extended, operation, parse
from .codes import ERROR, INTERNAL, ATError, final
from .compat import POLLIN, POLLOUT, const, ticks_diff, ticks_ms, tidy, trace
from .dle import take

LINE_MAX = const(256)
_RX = const(256)
_CR = const(13)
_LF = const(10)
_BS = const(8)
_DEL = const(127)
_ETX = const(3)
_OK = b"\r\nOK\r\n"
_NAMES = const(8)  # command names kept with their handlers (execute)
_KEPT = const(4)  # commands of a line kept from its check to its run (execute)
_QMARK = const(63)
_CTRL_Z = const(26)
_ESC = const(27)
TEXT_MAX = const(4096)  # take_text keeps this much (a CA certificate's PEM, a body)
_WRITE_GIVEUP_MS = const(2000)
PENDING_MAX = const(1024)  # typed ahead while a command runs; more waits on the line
_WIND_READY = const(8)  # AT+WIND's bit: +WIND: 4 once the modem is ready
_SPAN = const(16384)  # dle.take's span (longer data is taken a byte at a time)
_HANGUP = const(6)  # what session_tick returns when the host dropped DTR (pump.run)


class Halted(Exception):
    """A command's wait was ended by a line the host typed meanwhile (AT+EGNTP=0)."""


class Modem:
    def __init__(self, port, board, params, link, wait, log=None):
        self.port = port
        self.board = board
        self.params = params
        self.link = link
        self.w = wait  # the one wait (wait.Wait): every wait of the modem goes through it
        self.log = log
        self._line = bytearray(LINE_MAX)
        self._n = 0
        self._overflow = False
        self._last = None
        self._fed = False  # the host typed at the last step (step: tidy)
        self._repeat = False  # A/ ended the line: the last command again
        self._rx = bytearray(_RX)
        self._rxmv = memoryview(self._rx)
        self._first = True
        from .dle import slot  # (an attribute: one more global name in this module
        # slows every lookup of the others here, AT's by a tenth: the dict's layout)

        self._slot = slot
        self._nt = bytearray(_NAMES << 4)  # the names in use, their handlers (execute)
        self._nx = [None] * (2 * _NAMES)  # each slot's name and handler
        self._nk = 0
        self.echo = 1
        self.cmee = 1
        self.s0 = 0  # ATS0: rings before answering (no calls here)
        self.cced = None  # AT+CCED=1: [dump, when last shown] (gsm.tick)
        self.after_ok = None  # run after a command's OK (AT+IPR: the new speed)
        self.pending = bytearray()  # what the host sent while a command was running (feed)
        self.held = []  # unsolicited lines held during a data session (_hold)
        self.enter = None  # set by a command that opens a data session: enter(leftover)
        self.listener = None  # a server socket waiting for its peer (tcp.Listener, udp.Listener)
        self.pump = None  # the data pump (pump.Pump), made at start-up
        self.clock = None  # the real-time clock (clock.Clock), made when first needed
        # how long a TCP or FTP connection may take to open, a server to answer (ms)
        self.connect_ms = 20000
        self.reply_ms = 20000
        # how long the host must be silent after a session the network ended, before the
        # modem answers and reads commands again (pump.drain)
        self.quiet_ms = 1000
        self.mail_ms = 180000  # an SMTP server silent this long: 37964
        # the SNTP request's timeout in ms per second the host asked for (tests shorten it)
        self.sntp_ms = 1000
        # DNSSERV1/2 asked by the modem itself (dns.py): at this port, each this long
        self.dns_port = 53
        self.dns_ms = 5000
        link.on_lost.append(self.close_listener)
        params.busy = self._busy
        self.lines = None  # DCD and DTR (uart.Lines) of a board that names them
        if hasattr(board, "DTR"):
            from .uart import Lines

            self.lines = Lines(board)

    # ---- output ----

    def write(self, data):
        """All of data to the line, waiting while it is full (never more than a while)."""
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
            elif port.wpollable is None:
                self.w.sleep(10)
            else:
                self.w.until(port.wpollable, POLLOUT, 20)

    def info(self, text):
        """One line of an information response (str or bytes); lines of one response are
        contiguous. (Framed as bytes: a str made here would be looked up among the interned
        names.)"""
        if not isinstance(text, bytes):
            text = text.encode()
        self.write((b"\r\n%s\r\n" if self._first else b"%s\r\n") % text)
        self._first = False

    def info_lines(self, out):
        """Lines of an information response (a list of bytes, used up here), in one write,
        framed as info() frames them: one join, no copy of it."""
        if self._first:
            out.insert(0, b"")
        out.append(b"")
        self.write(b"\r\n".join(out))
        self._first = False

    def result(self, text):
        """A final result or an unsolicited line, framed on its own."""
        self.write(_OK if text == "OK" else ("\r\n%s\r\n" % text).encode())
        self._first = True

    def done(self, code):
        """The final result of a command whose session has ended: OK, or its error code."""
        if code:
            self.say(code)
        else:
            self.result("OK")

    def say(self, what):
        """An unsolicited line: a text, or an error code shown as +CMEE says."""
        self.result(what if isinstance(what, str) else final(what, self.cmee))

    # ---- waiting ----

    def wait(self, obj, mask, ms, stop=None):
        """The wait of a command (a connection, a server's reply or answer): up to ms for
        obj to be ready for mask (POLLIN, POLLOUT). Returns its events, 0 at the deadline.
        What the host types meanwhile is kept in order in self.pending, taken once the
        command has answered (feed); past PENDING_MAX it is left on the line, whose flow
        control holds the host. stop: command lines (upper case, no spaces) that end the
        wait when the host types one: Halted (the line stays in pending, to be run and
        answered in its turn)."""
        if stop and _typed(self.pending, stop):
            raise Halted()  # typed ahead with the command itself
        return self.w.until(obj, mask, ms, lambda: self._type_ahead(stop))

    def _type_ahead(self, stop):
        """What the host typed since, into self.pending (see wait)."""
        port = self.port
        room = PENDING_MAX - len(self.pending)
        if room > 0:
            n = port.readinto(self._rxmv, room if room < _RX else _RX)
            if n:
                self.pending += self._rxmv[:n]
                if stop and _typed(self.pending, stop):
                    raise Halted()
        self.w.want(port.pollable, POLLIN if len(self.pending) < PENDING_MAX else 0)

    def take_text(self, leftover):
        """Text the host types after a command, up to its Ctrl-Z: (the text, the bytes after
        it). ESC instead: the command cancelled, OK printed, (None, the bytes after it). A host
        silent for reply_ms gives up: ERROR printed, (None, b""). At most TEXT_MAX bytes are
        kept (more are read and dropped)."""
        text = bytearray()
        data = bytes(leftover) if leftover else b""
        port = self.port
        buf = self.pump._mv  # idle: no data session runs
        heard = ticks_ms()
        while True:
            for k in range(len(data)):
                if data[k] == _CTRL_Z or data[k] == _ESC:
                    if len(text) + k <= TEXT_MAX:
                        text += data[:k]
                    if data[k] == _ESC:
                        self.result("OK")  # cancelled: nothing changes
                        return None, data[k + 1:]
                    return bytes(text), data[k + 1:]
            if len(text) + len(data) <= TEXT_MAX:
                text += data
            if data:
                heard = ticks_ms()
            elif ticks_diff(ticks_ms(), heard) >= self.reply_ms:
                self.say(0)  # ERROR: the host gave up, nothing changes
                return None, b""
            data = b""
            if self.w.until(port.pollable, POLLIN, 100):
                n = port.readinto(buf, 256) or 0
                data = bytes(buf[:n])

    def session_tick(self):
        """The pump's tick in a data session: the link checked (nothing unsolicited is
        printed inside a session: held for after it); true ends the session: True when the
        link is lost, _HANGUP when the host hung up, ended as its ETX would."""
        self.link.tick(self._hold)
        return not self.link.up or (self.hangup() and _HANGUP)

    def _hold(self, what):
        """An unsolicited line during a data session (+CGREG: 0 when the link is lost), held
        for after it; a lost link's code is the session's own result."""
        if isinstance(what, str):
            self.held.append(what)

    def _busy(self, name, sock):
        """True for a parameter of the socket whose listener waits: the service runs, its
        parameters cannot be set now (37123)."""
        return self.listener is not None and self.listener.busy(name, sock)

    def hangup(self):
        """True when the host has dropped its DTR line in a data session (a board with DTR)."""
        return self.lines is not None and self.lines.dropped()

    def close_listener(self):
        if self.listener is not None:
            self.w.want(self.listener.sock, 0)
            self.listener.close()
            self.listener = None

    # ---- input ----

    def feed(self, data):
        """Bytes from the line in command mode, taken in order. Each line is echoed (ATE1) as
        it is typed and run when it ends; the bytes after it wait in self.pending, where a
        command's waits put what the host types meanwhile, and are taken once it has
        answered. A command that opens a data session (self.enter) gets them as its first
        data."""
        while data:
            i = self._scan(data)
            if i < 0:
                return  # no line ended: its bytes are in the line buffer
            end = data[i - 1]
            self.pending = bytearray(data[i:])
            if self._run_line():
                rest = self.pending
                if rest and ((end == _CR and rest[0] == _LF) or (end == _LF and rest[0] == _CR)):
                    rest = rest[1:]  # the other half of a CR LF (LF CR) is no data
                data = self._session(rest)
            else:
                data = self.pending
            self.pending = bytearray()

    def _scan(self, data):
        """Bytes into the line buffer, echoed, up to the end of a line (CR or LF, or A/): the
        index after it, or -1 when data ended first. LF ends a line as CR does (hosts end
        theirs with CR, CR LF, LF or LF CR: the second of a pair ends an empty line, which
        gets no answer). Line noise is left out: every control byte but the editing ones (an
        ETX a host sent after its data session had ended, a Ctrl-C typed on a terminal),
        unless a listener waits (the host's ETX stops it)."""
        line = self._line
        k = self._n  # (in a local while the bytes are taken: one store at the end)
        n = len(data)
        span = n < _SPAN  # (dle.take's packing holds it)
        i = 0
        while i < n:
            if span:  # a run of bytes that are not control bytes, copied by the codec
                x = take(data, (i << 16) | n, line, k)
                i = x >> 16
                k = x & 0xFFFF
                if i == n:
                    break
            c = data[i]  # what stopped it: a control byte, A/, a line too long
            if c >= 32 and c != _DEL:
                if k >= LINE_MAX:
                    self._overflow = True
                    i += 1
                    continue
                line[k] = c
                k += 1
                if k == 2 and c == 47 and line[0] in b"Aa":  # "A/"
                    self._n = k
                    self._echo(data, i + 1)
                    self._repeat = True
                    return i + 1
            elif c == _CR or c == _LF:
                self._n = k
                self._echo(data, i + 1)
                return i + 1
            elif c == _BS or c == _DEL:
                if k:
                    k -= 1
            elif c == _ETX and self.listener is not None:
                self._echo(data, i)
                self.close_listener()  # the host gives up waiting for its peer (spec 4.2.1)
                self._n = 0
                self.result("OK")
                return i + 1
            # any other control byte is noise: not part of any command
            i += 1
        self._n = k
        self._echo(data, n)
        return -1

    def _echo(self, data, end):
        """Echo data[:end] (ATE1): what _scan has taken of it."""
        if self.echo and end:
            self.write(data[:end] if end < len(data) else data)

    def _run_line(self):
        """The line in the buffer, run (or A/: the last one again). True when it opened a
        data session (self.enter)."""
        n = self._n
        bad = self._overflow
        self._n = 0
        self._overflow = False
        if self._repeat:
            self._repeat = False
            if self._last:
                self.execute(self._last)
            else:
                self.result("ERROR")
            return self.enter is not None
        text = bytes(memoryview(self._line)[:n])
        at = _at(text)  # what comes before AT is noise (V.250 5.2.1)
        if at < 0:
            return False  # no command in it: no answer, as on a real modem
        if at:
            text = text[at:]
        if bad or max(text) > 126:  # a byte that is not ASCII (one deleted does not count)
            self.result("ERROR")
            return False
        text = text.strip()
        self._last = text
        self.execute(text)
        return self.enter is not None

    def execute(self, text):
        """Run one command line and print its final result."""
        self._first = True
        self.after_ok = None
        try:
            # The whole line is checked first: a malformed line, or one naming a command
            # the modem does not know, runs nothing (ERROR). Then its commands run in
            # order; the first that fails gives the answer and the rest do not run, while
            # those before it have run (V.250 5.2.1).
            # The usual line, one extended command (AT#VSTATE, AT#APNSERV?, AT#TCPPORT=1,80),
            # is taken as it is and run at once: what atparse would make of it, without its
            # generator (a bare read or run: no arguments, an empty tuple, made once).
            # Anything else (a space before the name, a ';', a basic command) goes
            # through atparse.
            j = extended(text)
            if j:
                # the names in use, kept with their handlers (a bytearray of capitals and
                # a list, made at boot: a hit allocates nothing): a new str is looked up
                # among every interned name (MicroPython), dearer than the rest of a get.
                # Names nobody knows are not kept; a new one takes the slot after the
                # last one taken (a host's loop of a few commands stays kept).
                n = self._slot(text, j, self._nt)
                if n < 0:
                    name = text[2:j].upper().decode()
                    h = commands.lookup(name)
                    if h is None:
                        raise ATError(ERROR)
                    n = len(name)
                    if n < 16:  # into the next slot: its length last (empty meanwhile)
                        k = self._nk
                        self._nk = (k + 1) % _NAMES
                        t = self._nt
                        t[k << 4] = 0
                        t[(k << 4) + 1:(k << 4) + 1 + n] = name.encode()
                        self._nx[2 * k] = name
                        self._nx[2 * k + 1] = h
                        t[k << 4] = n
                else:
                    name = self._nx[2 * n]
                    h = self._nx[2 * n + 1]
                n = len(text)
                if j == n:
                    op = ACT
                    a = ()
                elif j == n - 1 and text[j] == _QMARK:
                    op = GET
                    a = ()
                elif text.count(b'"', j) & 1:
                    raise ATError(ERROR)  # a quote left open
                else:
                    op, a = operation(text[j:])
                if h(self, name, op, a):
                    return  # it printed its own final result
            else:
                # The first commands are kept from the check (a line has one or two as a
                # rule); a line of many is parsed again to run them, never all in the heap.
                kept = []
                for c in parse(text):
                    h = commands.lookup(c[0])
                    if h is None:
                        raise ATError(ERROR)
                    if kept is not None:
                        if len(kept) < _KEPT:
                            kept.append((h, c))
                        else:
                            kept = None
                if kept is None:
                    for name, op, args in parse(text):
                        if commands.lookup(name)(self, name, op, args):
                            return
                else:
                    for h, c in kept:
                        if h(self, c[0], c[1], c[2]):
                            return
            self.result("OK")
            if self.after_ok:
                self.after_ok()
        except ATError as e:
            self.say(e.code)
        except EOFError:
            raise  # the line has gone (modem.main.run stops)
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
            self.result(final(INTERNAL, self.cmee))
        except Exception:
            self.write(b"\r\n#CME ERROR: 49155\r\n")

    def apply_baud(self):
        self.port.set_baud(self.params.get("IPR"))

    # ---- the loop ----

    def start(self, status=None):
        """Parameters loaded (unless modem.main has: status is what its load said), the
        line's speed set, +WIND: 13 (and +WIND: 4, ready, when AT+WIND asks for it), the
        network attached, as a GSM unit registers at power-up (AT+CGATT=0 detaches)."""
        if status is None:
            status = self.params.load_at_start()
        if self.log:
            self.log("parameters: " + status)
        self.port.set_baud(self.params.get("IPR"))
        if self.board.WIND:
            self.result("+WIND: 13")
        if self.params.get("WIND") & _WIND_READY:
            self.result("+WIND: 4")
        self.link.attach(True)

    def step(self, timeout_ms):
        """Wait up to timeout_ms for the line (or a TCP peer) and handle what came."""
        w = self.w
        w.want(self.port.pollable, POLLIN)
        lis = self.listener
        if lis is not None:
            w.want(lis.sock, POLLIN)
        if self._fed:  # the host typed at the last step: once the line is quiet (between
            self._fed = False  # its commands, not on their path), the heap is tidied
            quiet = True
            for _ in w.poll(0):
                quiet = False
            if quiet:
                tidy()
        for obj, _ in w.poll(timeout_ms):
            if lis is not None and obj is lis.sock:
                self._accept(lis)
                return
        n = self.port.readinto(self._rxmv)
        if n:
            self._fed = True
            self.feed(self._rxmv[:n])
        self.link.tick(self.say, self.params.get("WIND"))
        if self.cced is not None:
            from .gsm import tick

            tick(self, ticks_ms())

    def _accept(self, lis):
        c = lis.accept()
        if c is not None:
            self.enter = lambda leftover: lis.session(self, c)
            self.feed(self._session(None))

    def _session(self, leftover):
        """Run the data session self.enter (DCD asserted meanwhile); returns what the host
        sent after its end (the next commands, a copy), then the unsolicited lines held
        meanwhile are printed."""
        session = self.enter
        self.enter = None
        lines = self.lines
        if lines:
            lines.carrier(1)
        rest = None
        try:
            rest = session(leftover)
        except EOFError:
            raise
        except Exception as e:  # never let a bug stop the modem
            self.failed(e)
        rest = bytes(rest) if rest else b""
        if lines:
            lines.carrier(0)
        for what in self.held:
            self.say(what)
        self.held = []
        return rest


def _at(text):
    """Where the command prefix AT (any case) starts in text, or -1."""
    i = text.find(b"AT")  # (how hosts write it: the loop only for the other cases)
    if i == 0:
        return 0
    n = len(text) if i < 0 else i + 2  # (i itself included)
    for i in range(n - 1):
        if text[i] | 32 == 97 and text[i + 1] | 32 == 116:
            return i
    return -1


def _typed(pending, lines):
    """True when one of lines (upper case, no spaces) is a whole line in pending."""
    text = bytes(pending).upper().replace(b" ", b"").replace(b"\n", b"\r")
    for line in text.split(b"\r")[:-1]:
        for want in lines:
            if line.endswith(want):
                return True
    return False
