"""The network link behind AT+CGATT, AT#CONNECTIONSTART/STOP, AT#DISPLAYIP and AT#VSTATE.

One state machine over any backend (the computer's network, Wi-Fi, a cellular module over
PPP). A backend has:
  attach()           start attaching (associate, register); returns at once
  detach()
  registration()     0 not searching, 1 registered, 2 searching, 3 denied (3GPP 27.007)
  start(params)      bring the IP link up: (my_ip, peer_ip), or LinkError(code)
  stop()
  is_up()            the IP link is still there
  rssi()             dBm, or None when unknown
"""
from .codes import (ACTIVATION_FAILED, ALREADY_RUNNING, BAD_PARAMETER, CONNECTION_ABORTED,
                    NO_LINK, NOT_ATTACHED, SESSION_LOST, ATError)
from .compat import const, ticks_diff, ticks_ms

_CHECK_MS = const(250)  # how often a link that is up is checked
_RETRY_MS = const(2000)  # how often a lost attachment is tried again

IDLE = "IDLE"
CONNECTED = "CONNECTED"
NO_SERVICE = "NO SERVICE"


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
        self._t = ticks_ms()

    # ---- commands ----

    def attach(self, on):
        if on:
            self.want_attach = True
            self.backend.attach()
        else:
            self.want_attach = False
            if self.up:
                self.stop()
            self.backend.detach()

    def attached(self):
        return self.backend.registration() == 1

    def start(self, params):
        if params.get("GPRSMODE") != 1:
            raise ATError(BAD_PARAMETER)
        if self.up:
            raise ATError(ALREADY_RUNNING)
        reg = self.backend.registration()
        if reg != 1:
            # refused by the network (wrong key, denied): 35868; otherwise not attached
            raise ATError(CONNECTION_ABORTED if reg == 3 else NOT_ATTACHED)
        try:
            self.my_ip, self.peer_ip = self.backend.start(params)
        except LinkError as e:
            raise ATError(e.code)
        except OSError:
            raise ATError(ACTIVATION_FAILED)
        self.up = True
        self._t = ticks_ms()
        return self.my_ip

    def stop(self):
        if self.up:
            self.up = False
            self._release()
            self.backend.stop()

    def addresses(self):
        if not self.up:
            raise ATError(NO_LINK)
        return self.my_ip, self.peer_ip

    def need(self):
        """For commands that need the link (OTCP, FTP, SNTP): 35867 while it is down."""
        if not self.up:
            raise ATError(NO_LINK)

    def state(self):
        if self.up:
            return CONNECTED
        reg = self.backend.registration()
        if self.want_attach and reg != 1 and reg != 2:
            return NO_SERVICE
        return IDLE

    def csq(self):
        """AT+CSQ's rssi: 0 (-113 dBm or less) .. 31 (-51 dBm or more), 99 unknown."""
        dbm = self.backend.rssi()
        if dbm is None:
            return 99
        return max(0, min(31, (dbm + 113) // 2))

    # ---- background ----

    def tick(self, say):
        """Called from the main loop: reports registration changes and a lost link.

        say(x) prints an unsolicited line: a text, or an error code.
        """
        now = ticks_ms()
        reg = self.backend.registration()
        if reg != self.reg:
            self.reg = reg
            if self.cgreg:
                say("+CGREG: %d" % reg)
        if self.up and ticks_diff(now, self._t) >= self.check_ms:
            self._t = now
            if not self.backend.is_up():
                self.up = False
                self._release()
                try:
                    self.backend.stop()
                except OSError:
                    pass
                say(SESSION_LOST)
        elif (self.want_attach and reg != 1 and reg != 2
              and ticks_diff(now, self._t) >= self.retry_ms):
            self._t = now
            self.backend.attach()  # keep trying to get the network back

    def _release(self):
        for f in self.on_lost:
            f()
