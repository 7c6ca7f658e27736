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
from .codes import NO_LINK, SESSION_LOST, ATError
from .compat import const, ticks_diff, ticks_ms

_CHECK_MS = const(250)  # how often a link that is up is checked
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

    # The commands' side (attach, start, stop, state) is in atlink, loaded for them.

    def need(self):
        """For commands that need the link (OTCP, FTP, SNTP): 35867 while it is down."""
        if not self.up:
            raise ATError(NO_LINK)

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
        if self.up and ticks_diff(now, self.t) >= self.check_ms:
            self.t = now
            if not self.backend.is_up():
                self.up = False
                self.release()
                try:
                    self.backend.stop()
                except OSError:
                    pass
                say(SESSION_LOST)
        elif (self.want_attach and reg != 1 and reg != 2
              and ticks_diff(now, self.t) >= self.retry_ms):
            self.t = now
            self.backend.attach()  # keep trying to get the network back

    def release(self):
        for f in self.on_lost:
            f()
