"""The computer's own network as the modem's link (make run, the tests).

Faults can be injected, so that every error path can be seen without a radio: set
`fault` from a test, or write one word into the control file `<FLASH>/link.fault` while
the modem runs (`echo down > .flash/link.fault`; remove the file to clear it):

  down      no network in reach: a link that is up is lost (#CME ERROR: 35841), +CGREG: 0,
            AT#VSTATE says NO SERVICE, CONNECTIONSTART answers 35865; the modem keeps
            trying to attach, and is back once the fault is cleared
  denied    the network refuses the attachment (+CGREG: 3)
  fail      activation fails: CONNECTIONSTART answers 35866
  refuse    the network refuses the link (bad APN or credentials): 35868
"""
import socket

from .codes import ACTIVATION_FAILED, CONNECTION_ABORTED
from .compat import const, ticks_diff, ticks_ms
from .link import LinkError

_FILE_MS = const(500)  # how often the control file is looked at


class HostBackend:
    def __init__(self, control=None):
        self.control = control  # path of the control file, or None
        self.fault = ""
        self._file_fault = ""
        self._t = None
        self._attaching = False
        self._up = False

    def _fault(self):
        if self.control:
            now = ticks_ms()
            if self._t is None or ticks_diff(now, self._t) >= _FILE_MS:
                self._t = now
                try:
                    with open(self.control) as f:
                        self._file_fault = f.read().strip()
                except OSError:
                    self._file_fault = ""
        return self.fault or self._file_fault

    def attach(self):
        self._attaching = True

    def detach(self):
        self._attaching = False
        self._up = False

    def registration(self):
        if not self._attaching:
            return 0
        f = self._fault()
        if f == "down":
            return 0
        if f == "denied":
            return 3
        return 1

    def start(self, params):
        f = self._fault()
        if f == "fail":
            raise LinkError(ACTIVATION_FAILED)
        if f == "refuse":
            raise LinkError(CONNECTION_ABORTED)
        self._up = True
        return local_address(), gateway()

    def stop(self):
        self._up = False

    def is_up(self):
        return self._up and self._fault() != "down"

    def rssi(self):
        return -51 if self.registration() == 1 else None

    def operator(self):
        return "host"

    def use_dns(self, servers):
        return False  # the computer's resolver is not the modem's to change: dns.py asks


# The computer's own addresses, for AT#CONNECTIONSTART.

def local_address():
    """The address the computer would use to reach the outside (a UDP connect sends nothing),
    or 127.0.0.1 where that cannot be told (no route, no getsockname on the unix port)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(socket.getaddrinfo("192.0.2.1", 9)[0][-1])
        return s.getsockname()[0]
    except (OSError, AttributeError, IndexError):
        return "127.0.0.1"
    finally:
        s.close()


def gateway():
    """The default gateway from /proc/net/route (Linux), or 0.0.0.0."""
    try:
        with open("/proc/net/route") as f:
            for line in f.read().split("\n")[1:]:
                parts = line.split()
                if len(parts) > 2 and parts[1] == "00000000":
                    g = int(parts[2], 16)
                    return "%d.%d.%d.%d" % (g & 255, (g >> 8) & 255, (g >> 16) & 255, g >> 24)
    except (OSError, ValueError):
        pass
    return "0.0.0.0"
