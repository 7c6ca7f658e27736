"""Stand-ins for what cannot exist on a computer: network.WLAN, network.PPP, a SIM7600
cellular module on a UART, machine.Pin and machine.WDT. They follow MicroPython's documented
behaviour (docs/library/network.WLAN.rst, network.PPP.rst, machine.Pin.rst, machine.WDT.rst)
and the module's AT command manual. Test path only.
"""
from modem.compat import ticks_diff, ticks_ms

# WLAN.status() values of two ports: esp32 and rp2 (cyw43) differ.
PORTS = {
    "esp32": dict(STAT_IDLE=1000, STAT_CONNECTING=1001, STAT_GOT_IP=1010,
                  STAT_NO_AP_FOUND=201, STAT_WRONG_PASSWORD=202, STAT_BEACON_TIMEOUT=200,
                  STAT_ASSOC_FAIL=203, STAT_HANDSHAKE_TIMEOUT=204),
    "rp2": dict(STAT_IDLE=0, STAT_CONNECTING=1, STAT_GOT_IP=3, STAT_CONNECT_FAIL=-1,
                STAT_NO_AP_FOUND=-2, STAT_WRONG_PASSWORD=-3),
}


class Network:
    """A `network` module: STA_IF, the STAT_* constants of a port, WLAN and PPP."""

    STA_IF = 0
    AP_IF = 1

    def __init__(self, port="esp32"):
        for k, v in PORTS[port].items():
            setattr(self, k, v)
        self.aps = {}  # ssid -> [password, rssi, in reach]
        self.steps = 2  # status() calls a connection takes
        self.wlan = None
        self.ppp_ok = True
        self.dns = None  # the stack's DNS server, as network.ipconfig(dns=) sets it
        if port == "rp2":  # MicroPython 1.23's network.ipconfig; the esp32 one here lacks it
            self.ipconfig = self._ipconfig

    def _ipconfig(self, dns=None):
        if dns is None:
            raise TypeError
        self.dns = dns

    def WLAN(self, iface):
        if self.wlan is None:
            self.wlan = WLAN(self)
        return self.wlan

    def PPP(self, stream):
        return PPP(self, stream)


class WLAN:
    def __init__(self, net):
        self.net = net
        self._active = False
        self._status = net.STAT_IDLE
        self._ssid = None
        self._left = 0
        self.connects = 0

    def active(self, on=None):
        if on is None:
            return self._active
        self._active = bool(on)
        if not on:
            self._status = self.net.STAT_IDLE

    def connect(self, ssid=None, key=None):
        if not self._active:
            raise OSError("WLAN not active")
        self.connects += 1
        self._ssid, self._key = ssid, key
        self._status = self.net.STAT_CONNECTING
        self._left = self.net.steps

    def disconnect(self):
        self._status = self.net.STAT_IDLE

    def _settle(self):
        n = self.net
        if self._status == n.STAT_CONNECTING:
            self._left -= 1
            if self._left <= 0:
                ap = n.aps.get(self._ssid)
                if ap is None or not ap[2]:
                    self._status = n.STAT_NO_AP_FOUND
                elif ap[0] != self._key:
                    self._status = n.STAT_WRONG_PASSWORD
                else:
                    self._status = n.STAT_GOT_IP
        elif self._status == n.STAT_GOT_IP:
            ap = n.aps.get(self._ssid)
            if ap is None or not ap[2]:  # the access point went away
                self._status = getattr(n, "STAT_BEACON_TIMEOUT", n.STAT_NO_AP_FOUND)

    def status(self, param=None):
        self._settle()
        if param == "rssi":
            if self._status != self.net.STAT_GOT_IP:
                raise OSError("not connected")
            return self.net.aps[self._ssid][1]
        if param is not None:
            raise ValueError("unknown status param")
        return self._status

    def isconnected(self):
        self._settle()
        return self._status == self.net.STAT_GOT_IP

    def ifconfig(self, config=None):
        if config is not None:  # a static configuration: its DNS server is the stack's
            self.net.dns = config[3]
            return None
        if self._status != self.net.STAT_GOT_IP:
            return ("0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0")
        return ("192.168.4.23", "255.255.255.0", "192.168.4.1", self.net.dns or "192.168.4.1")


class PPP:
    def __init__(self, net, stream):
        self.net = net
        self.stream = stream
        self._up = False

    def connect(self, security=0, user=None, key=None):
        # PPP negotiates with the module, which must be in data mode (after CONNECT).
        self._up = self.net.ppp_ok and self.stream.data_mode

    def isconnected(self):
        return self._up and self.stream.data_mode

    def disconnect(self):
        self._up = False

    def ifconfig(self):
        return ("10.64.12.7", "255.255.255.255", "10.64.0.1", "10.64.0.1")


class Sim7600:
    """A SIM7600's AT interface on a UART: write()/any()/readinto(), echo on after power-up."""

    def __init__(self):
        self.sim = True
        self.reg_sequence = [2, 1]  # what AT+CGREG? answers in turn (the last one stays)
        self.apns = ("internet",)
        self.credentials = None  # (user, password) the APN wants, or None
        self.csq = 20
        self.echo = True
        self.data_mode = False
        self.attached = False
        self.cid = {}
        self.auth = {}
        self.log = []
        self.out = bytearray()
        self._in = b""

    def any(self):
        return len(self.out)

    def readinto(self, buf):
        n = min(len(buf), len(self.out))
        buf[:n] = self.out[:n]
        self.out = self.out[n:]
        return n

    def init(self, **kw):
        pass

    def _say(self, *lines):
        for line in lines:
            self.out += b"\r\n" + line + b"\r\n"

    def write(self, data):
        data = bytes(data)
        if self.data_mode:
            if data == b"+++":
                self.data_mode = False
                self._say(b"OK")
            return len(data)
        self._in += data
        while b"\r" in self._in:
            cmd, self._in = self._in.split(b"\r", 1)
            if self.echo:
                self.out += cmd + b"\r"
            self._command(cmd.strip())
        return len(data)

    def _command(self, cmd):
        self.log.append(cmd)
        up = cmd.upper()
        if up == b"ATE0":
            self.echo = False
            self._say(b"OK")
        elif up in (b"AT", b"ATH"):
            self._say(b"OK")
        elif up == b"AT+CPIN?":
            self._say(b"+CPIN: READY", b"OK") if self.sim else self._say(
                b"+CME ERROR: SIM not inserted")
        elif up.startswith(b"AT+CGATT="):
            self.attached = up.endswith(b"1") and self.sim
            self._say(b"OK" if self.sim or up.endswith(b"0") else b"ERROR")
        elif up == b"AT+CGREG?":
            stat = 0
            if self.sim and self.attached:
                stat = self.reg_sequence[0]
                if len(self.reg_sequence) > 1:
                    self.reg_sequence.pop(0)
            self._say(b"+CGREG: 0,%d" % stat, b"OK")
        elif up == b"AT+CSQ":
            self._say(b"+CSQ: %d,99" % self.csq, b"OK")
        elif up.startswith(b"AT+CGDCONT="):
            parts = cmd[11:].split(b",")
            self.cid[int(parts[0])] = parts[2].strip(b'"')
            self._say(b"OK")
        elif up.startswith(b"AT+CGAUTH="):
            parts = cmd[10:].split(b",")
            self.auth[int(parts[0])] = tuple(p.strip(b'"') for p in parts[1:])
            self._say(b"OK")
        elif up.startswith(b"ATD*99***"):
            cid = int(up[9:].rstrip(b"#"))
            apn = self.cid.get(cid)
            auth = self.auth.get(cid, (b"0",))
            creds_ok = self.credentials is None or (
                len(auth) == 3 and (auth[2], auth[1]) == self.credentials)
            if not self.attached or apn is None:
                self._say(b"ERROR")
            elif apn.decode() not in self.apns or not creds_ok:
                self._say(b"NO CARRIER")
            else:
                self.data_mode = True
                self._say(b"CONNECT 115200")
        else:
            self._say(b"ERROR")


class Pin:
    """machine.Pin(id, mode, pull, value=...): value() reads, value(x) drives. An output
    keeps every level it was driven to (levels); an input reads its script in turn (the
    last level stays), or level. Pin.made: every pin made, by id."""

    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    PULL_UP = 1
    PULL_DOWN = 2
    made = {}

    def __init__(self, id, mode=-1, pull=-1, value=None):
        self.id = id
        self.mode = mode
        self.pull = pull
        self.level = 1 if pull == Pin.PULL_UP else 0
        self.levels = []
        self.script = []
        self.reads = 0
        if value is not None:
            self.value(value)
        Pin.made[id] = self

    def value(self, v=None):
        if v is None:
            self.reads += 1
            if self.script:
                self.level = self.script[0]
                if len(self.script) > 1:
                    self.script.pop(0)
            return self.level
        self.level = 1 if v else 0
        if self.mode == Pin.OUT:
            self.levels.append(self.level)


class WDT:
    """machine.WDT(timeout=ms) that fires when it is not fed in time: the gap since the last
    feed (or since it was made) is measured with ticks_ms at every feed() and check(), and a
    gap over the timeout sets fired (a board would have reset). longest: the longest gap."""

    def __init__(self, id=0, timeout=5000):
        self.timeout = timeout
        self.feeds = 0
        self.longest = 0
        self.fired = False
        self._t = ticks_ms()

    def _gap(self):
        now = ticks_ms()
        gap = ticks_diff(now, self._t)
        if gap > self.longest:
            self.longest = gap
        if gap > self.timeout:
            self.fired = True
        return now

    def feed(self):
        self._t = self._gap()
        self.feeds += 1

    def check(self):
        """True if it never fired, up to now."""
        self._gap()
        return not self.fired
