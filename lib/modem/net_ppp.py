"""A cellular module (SIM7600-class) on a second UART as the modem's link, over PPP.

Attach: the module's SIM must be ready, then AT+CGATT=1 and AT+CGREG? until registered.
Start: the PDP context from GPRSCID/APNSERV (AT+CGDCONT), the credentials APNUN/APNPW
(AT+CGAUTH, PAP), ATD*99***<cid># and CONNECT, then network.PPP over the same UART.
"""
from .codes import ACTIVATION_FAILED, CONNECTION_ABORTED, NO_SIM, NOT_ATTACHED
from .compat import const, ticks_diff, ticks_ms
from .link import LinkError, set_dns
from .wait import Wait

_REG_MS = const(1000)  # how often AT+CGREG? is asked while not in a session
_PPP_MS = const(30000)  # how long PPP may take to come up
_AT_MS = const(2000)  # how long the module may take to answer a command
_PROBE_MS = const(300)  # how long a module that is there takes to answer ATE0 at most
_GUARD_MS = const(1000)  # the silence around +++ that returns the module to commands


class PppBackend:
    def __init__(self, board, params, uart=None, net=None, wait=None):
        if uart is None:
            from machine import UART  # the board layer only

            uart = UART(**board.MODEM_UART)
        if net is None:
            import network as net
        self.uart = uart
        self.net = net
        self.params = params
        self.ppp = None
        self.want = False
        self.reg = 0
        self._t = None
        self._rssi = None
        self._operator = ""
        self._buf = bytearray(128)
        self.ppp_ms = _PPP_MS
        self.guard_ms = _GUARD_MS
        self.at_ms = _AT_MS
        self.probe_ms = _PROBE_MS
        # the modem's wait: the waits below are longer than a watchdog's period (ATD 30 s,
        # PPP 30 s), and every wait feeds it
        self.w = wait or Wait(getattr(board, "kick", None))

    # ---- the module's AT commands ----

    def _at(self, cmd, ms=0, ends=(b"OK", b"ERROR")):
        """Send cmd; the lines up to a final one in ends within ms (at_ms unless given).
        Timeout: LinkError(35866)."""
        ms = ms or self.at_ms
        uart = self.uart
        while uart.any():
            uart.readinto(self._buf)
        uart.write(cmd + b"\r")
        lines = []
        line = b""
        t0 = ticks_ms()
        while ticks_diff(ticks_ms(), t0) < ms:
            n = uart.readinto(self._buf) if uart.any() else 0
            if not n:
                self.w.sleep(5)
                continue
            line += bytes(self._buf[:n])
            while b"\r\n" in line:
                one, line = line.split(b"\r\n", 1)
                one = one.strip()
                if not one or one == cmd:
                    continue
                lines.append(one)
                for e in ends:
                    if one.startswith(e):
                        return lines
        raise LinkError(ACTIVATION_FAILED)

    def _ok(self, cmd, code, ms=0):
        lines = self._at(cmd, ms)
        if lines[-1] != b"OK":
            raise LinkError(code)
        return lines

    # ---- the backend interface ----

    def attach(self):
        """The module told to register (at start-up, and again while it is not): a module
        that does not answer within probe_ms is not there (no service), and the command
        loop is not held for longer."""
        self.want = True
        try:
            self._ok(b"ATE0", ACTIVATION_FAILED, self.probe_ms)
            if b"+CPIN: READY" not in self._at(b"AT+CPIN?"):
                self.reg = 0  # no SIM (or it wants a PIN): no service
                return
            self._at(b"AT+CGATT=1", 10000)
        except LinkError:
            self.reg = 0
            return
        self._t = None

    def detach(self):
        self.want = False
        self.stop()
        try:
            self._at(b"AT+CGATT=0", 10000)
        except LinkError:
            pass
        self.reg = 0

    def registration(self):
        if self.ppp is not None or not self.want:
            return self.reg if self.want else 0
        now = ticks_ms()
        if self._t is not None and ticks_diff(now, self._t) < _REG_MS:
            return self.reg
        self._t = now
        try:
            for line in self._ok(b"AT+CGREG?", NOT_ATTACHED):
                if line.startswith(b"+CGREG:"):
                    stat = int(line.split(b",")[1])
                    self.reg = 1 if stat == 5 else stat  # 5: registered, roaming
            for line in self._ok(b"AT+CSQ", NOT_ATTACHED):
                if line.startswith(b"+CSQ:"):
                    q = int(line[5:].split(b",")[0])
                    self._rssi = None if q == 99 else -113 + 2 * q
        except (LinkError, ValueError, IndexError):
            self.reg = 0
        return self.reg

    def start(self, params):
        cid = params.get("GPRSCID")
        apn = params.get("APNSERV")
        self._ok(b'AT+CGDCONT=%d,"IP","%s"' % (cid, apn.encode()), CONNECTION_ABORTED)
        user = params.get("APNUN")
        if user:
            self._ok(b'AT+CGAUTH=%d,1,"%s","%s"' % (cid, params.get("APNPW").encode(),
                                                    user.encode()), CONNECTION_ABORTED)
        else:
            self._ok(b"AT+CGAUTH=%d,0" % cid, CONNECTION_ABORTED)
        last = self._at(b"ATD*99***%d#" % cid, 30000,
                        (b"CONNECT", b"NO CARRIER", b"ERROR", b"BUSY"))[-1]
        if not last.startswith(b"CONNECT"):
            raise LinkError(CONNECTION_ABORTED if last == b"NO CARRIER" else ACTIVATION_FAILED)
        ppp = self.net.PPP(self.uart)
        ppp.connect()
        t0 = ticks_ms()
        while not ppp.isconnected():
            if ticks_diff(ticks_ms(), t0) > self.ppp_ms:
                ppp.disconnect()
                self._hangup()
                raise LinkError(ACTIVATION_FAILED)
            self.w.sleep(50)
        self.ppp = ppp
        ip, _, peer, _ = ppp.ifconfig()
        return ip, peer

    def stop(self):
        if self.ppp is not None:
            self.ppp.disconnect()
            self.ppp = None
            self._hangup()

    def _hangup(self):
        self.w.sleep(self.guard_ms)
        self.uart.write(b"+++")
        self.w.sleep(self.guard_ms)
        try:
            self._at(b"ATH")
        except LinkError:
            pass

    def is_up(self):
        return self.ppp is not None and self.ppp.isconnected()

    def rssi(self):
        return self._rssi

    def operator(self):
        """The operator the module is registered with (its AT+COPS? answer)."""
        if self.ppp is not None:
            return self._operator
        try:
            for line in self._ok(b"AT+COPS?", NOT_ATTACHED):
                if line.startswith(b"+COPS:") and b'"' in line:
                    self._operator = line.split(b'"')[1].decode()
        except LinkError:
            pass
        return self._operator

    def ask(self, name):
        """The module's answer line to AT+CIMI or AT+CCID (the SIM), or None; not while PPP
        runs (the module's line is the PPP session's)."""
        if self.ppp is not None:
            return None
        try:
            lines = self._ok(b"AT" + name.encode(), NO_SIM)
        except LinkError:
            return None
        return lines[0].decode() if len(lines) > 1 else None

    def use_dns(self, servers):
        return set_dns(self.net, self.ppp, servers)
