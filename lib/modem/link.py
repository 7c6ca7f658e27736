"""The network link, and its commands: AT+CGATT, +CGREG, +CREG, +CSQ, #CONNECTIONSTART,
#CONNECTIONSTOP, #DISPLAYIP, #VSTATE.

One state machine over any backend (the computer's network, Wi-Fi, a cellular module over
PPP). A backend has:
  attach()           start attaching (associate, register); returns at once
  detach()
  registration()     0 not searching, 1 registered, 2 searching, 3 denied (3GPP 27.007)
  start(params)      bring the IP link up: (my_ip, peer_ip), or LinkError(code)
  stop()
  is_up()            the IP link is still there
  rssi()             dBm, or None when unknown
  operator()         the network's name (AT+COPS?)
  use_dns(servers)   name lookups through these DNS servers (dotted quads; [] the
                     network's own), or False when the stack cannot be told: then the
                     modem asks them itself (dns.py)
  ask(command)       (the cellular module) the SIM's answer to +CIMI or +CCID, or None
"""
from . import codes
from .atparse import ACT, GET, SET, TEST
from .compat import const, ticks_diff, ticks_ms

_CHECK_MS = const(250)  # how often a link that is up is checked
_WIND_LOST = const(128)  # AT+WIND's bit: +WIND: 8 when the network is lost
_RETRY_MS = const(2000)  # how often a lost attachment is tried again


class LinkError(Exception):
    def __init__(self, code):
        self.code = code


class Link:
    def __init__(self, backend):
        self.backend = backend
        self.want_attach = False
        self.reg = 0  # the registration last reported
        self.cgreg = 0  # AT+CGREG=1: report changes unsolicited
        self.up = False
        self.my_ip = self.peer_ip = None
        self.on_lost = []  # called when the link is lost (sockets are released)
        self.check_ms = _CHECK_MS
        self.retry_ms = _RETRY_MS
        self.t = ticks_ms()  # when the link was last checked, or attaching retried

    def need(self):
        """For commands that need the link (OTCP, FTP, SNTP): 35867 while it is down."""
        if not self.up:
            raise codes.ATError(codes.NO_LINK)

    def attach(self, on):
        if on:
            self.want_attach = True
            self.backend.attach()
        else:
            self.want_attach = False
            self.stop()
            self.backend.detach()

    def start(self, params):
        """The link up (AT#CONNECTIONSTART): my address, or ATError."""
        if params.get("GPRSMODE") != 1:
            raise codes.ATError(codes.BAD_PARAMETER)
        if self.up:
            raise codes.ATError(codes.ALREADY_RUNNING)
        reg = self.backend.registration()
        if reg != 1:
            # refused by the network (wrong key, denied): 35868; otherwise not attached
            raise codes.ATError(codes.CONNECTION_ABORTED if reg == 3 else codes.NOT_ATTACHED)
        try:
            self.my_ip, self.peer_ip = self.backend.start(params)
        except LinkError as e:
            raise codes.ATError(e.code)
        except OSError:
            raise codes.ATError(codes.ACTIVATION_FAILED)
        self.up = True
        self.t = ticks_ms()
        return self.my_ip

    def stop(self):
        if self.up:
            self.up = False
            self.release()
            self.backend.stop()

    def state(self):
        """AT#VSTATE: CONNECTED, IDLE, or NO SERVICE (attaching without a network)."""
        if self.up:
            return "CONNECTED"
        reg = self.backend.registration()
        if self.want_attach and reg != 1 and reg != 2:
            return "NO SERVICE"
        return "IDLE"

    def csq(self):
        """AT+CSQ's rssi: 0 (-113 dBm or less) .. 31 (-51 dBm or more), 99 unknown."""
        dbm = self.backend.rssi()
        if dbm is None:
            return 99
        return max(0, min(31, (dbm + 113) // 2))

    def tick(self, say, wind=0):
        """Called from the main loop: reports registration changes and a lost link.

        say(x) prints an unsolicited line: a text, or an error code. wind: AT+WIND's mask.
        """
        now = ticks_ms()
        reg = self.backend.registration()
        if reg != self.reg:
            if self.reg == 1 and wind & _WIND_LOST:
                say("+WIND: 8")
            self.reg = reg
            if self.cgreg:
                say("+CGREG: %d" % reg)
        if self.up and ticks_diff(now, self.t) >= self.check_ms:
            self.t = now
            if not self.backend.is_up():
                self.up = False
                self.release()
                try:
                    self.backend.stop()
                except OSError:
                    pass
                say(codes.SESSION_LOST)
        elif (self.want_attach and reg != 1 and reg != 2
              and ticks_diff(now, self.t) >= self.retry_ms):
            self.t = now
            self.backend.attach()  # keep trying to get the network back

    def release(self):
        for f in self.on_lost:
            f()


def set_dns(net, nic, servers):
    """The network stack's DNS server (lwIP's), for a Wi-Fi or PPP interface: MicroPython
    1.23's network.ipconfig(dns=...), else the interface's ifconfig; [] leaves the one the
    network gave (DHCP, IPCP). lwIP asks one server here; the first is taken."""
    if not servers:
        return True
    try:
        net.ipconfig(dns=servers[0])
        return True
    except (AttributeError, TypeError, ValueError, OSError):
        pass
    try:
        ip, mask, gw, _ = nic.ifconfig()
        nic.ifconfig((ip, mask, gw, servers[0]))
        return True
    except (AttributeError, TypeError, ValueError, OSError):
        return False


# ---- the commands ----

def _flag(args):
    """The 0/1 argument of AT+CGATT=, AT+CGREG=."""
    if len(args) != 1 or args[0][0] not in ("0", "1"):
        raise codes.ATError(codes.BAD_PARAMETER)
    return args[0][0] == "1"


def at_cgatt(m, name, op, args):
    link = m.link
    if op == GET:
        m.info("+CGATT: %d" % (link.backend.registration() == 1))
    elif op == TEST:
        m.info("+CGATT: (0-1)")
    elif op == SET:
        on = _flag(args)
        link.attach(on)
        if on and link.cgreg:
            # as the spec shows (7.2.1): searching, then registered (tick() reports it); a
            # modem registered already says so at once: hosts wait for +CGREG: 1 after it
            if link.reg != 1:
                link.reg = 2
            m.after_ok = lambda: m.say("+CGREG: %d" % link.reg)
    else:
        raise codes.ATError(codes.ERROR)


def at_creg(m, name, op, args):
    """AT+CGREG and AT+CREG: ? the registration, =0/1 (+CGREG) its unsolicited reports."""
    link = m.link
    reg = link.backend.registration()
    if op == GET:
        m.info("%s: %d,%d" % (name, link.cgreg if name == "+CGREG" else 0, reg))
    elif op == TEST:
        m.info("%s: (0-1)" % name)
    elif op == SET and name == "+CGREG":
        link.cgreg = _flag(args)
        link.reg = reg
    else:
        raise codes.ATError(codes.ERROR)


def at_csq(m, name, op, args):
    if op == ACT:
        m.info("+CSQ: %d,99" % m.link.csq())
    elif op == TEST:
        m.info("+CSQ: (0-31,99),(99)")
    else:
        raise codes.ATError(codes.ERROR)


def at_start(m, name, op, args):
    """The IP address, then Ok_Info_GprsActivation in place of OK (spec 2.2.2)."""
    if op != ACT:
        raise codes.ATError(codes.ERROR)
    m.info(m.link.start(m.params))
    m.result(codes.OK_GPRS)
    return True  # its own final result


def at_stop(m, name, op, args):
    if op != ACT:
        raise codes.ATError(codes.ERROR)
    m.link.stop()


def at_displayip(m, name, op, args):
    if op != ACT:
        raise codes.ATError(codes.ERROR)
    if not m.link.up:
        raise codes.ATError(codes.NO_LINK)
    m.info("MY IP: " + m.link.my_ip)
    m.info("PEER IP: " + m.link.peer_ip)


def at_vstate(m, name, op, args):
    if op != ACT:
        raise codes.ATError(codes.ERROR)
    m.info('#STATE: "%s"' % m.link.state())
