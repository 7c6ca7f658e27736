"""Wi-Fi (network.WLAN, station) as the modem's link: ESP32 and Pico W.

Attach = associate with WLANSSID/WLANPW; the link = the DHCP address. Status constants are
looked up by name (their values differ between ports: esp32 1000+, cyw43 -3..3).
"""
from .codes import ACTIVATION_FAILED, CONNECTION_ABORTED, NOT_ATTACHED
from .link import LinkError, set_dns

# network.STAT_* name -> (registration for +CGREG, code for a failed CONNECTIONSTART)
_STATUS = (
    ("STAT_GOT_IP", 1, 0),
    ("STAT_CONNECTING", 2, NOT_ATTACHED),
    ("STAT_WRONG_PASSWORD", 3, CONNECTION_ABORTED),
    ("STAT_NO_AP_FOUND", 0, NOT_ATTACHED),
    ("STAT_CONNECT_FAIL", 0, ACTIVATION_FAILED),
    ("STAT_ASSOC_FAIL", 0, ACTIVATION_FAILED),  # esp32
    ("STAT_HANDSHAKE_TIMEOUT", 3, CONNECTION_ABORTED),  # esp32
    ("STAT_BEACON_TIMEOUT", 0, NOT_ATTACHED),  # esp32
    ("STAT_IDLE", 0, NOT_ATTACHED),
)


class WlanBackend:
    def __init__(self, params, net=None):
        if net is None:
            import network as net  # the board layer only
        self.net = net
        self.params = params
        self.nic = None
        self.want = False

    def _status(self):
        """(registration, failure code) for the interface's status now."""
        if self.nic is None:
            return 0, NOT_ATTACHED
        st = self.nic.status()
        for name, reg, code in _STATUS:
            if st == getattr(self.net, name, None):
                if reg == 0 and self.want and name == "STAT_IDLE":
                    return 2, code  # asked to connect, not started yet
                return reg, code
        return (1, 0) if self.nic.isconnected() else (2, NOT_ATTACHED)

    def attach(self):
        self.want = True
        if self.nic is None:
            self.nic = self.net.WLAN(self.net.STA_IF)
        nic = self.nic
        if not nic.active():
            nic.active(True)
        if nic.isconnected() or nic.status() == getattr(self.net, "STAT_CONNECTING", None):
            return
        ssid = self.params.get("WLANSSID")
        if ssid:
            nic.connect(ssid, self.params.get("WLANPW"))

    def detach(self):
        self.want = False
        if self.nic is not None:
            self.nic.disconnect()
            self.nic.active(False)

    def registration(self):
        if not self.params.get("WLANSSID"):
            return 0  # no network to look for
        return self._status()[0]

    def start(self, params):
        reg, code = self._status()
        if reg != 1 or not self.nic.isconnected():
            raise LinkError(code or ACTIVATION_FAILED)
        ip, _, gw, _ = self.nic.ifconfig()
        return ip, gw

    def stop(self):
        pass  # the association stays: it is the attachment, not the session

    def is_up(self):
        return self.nic is not None and self.nic.isconnected()

    def rssi(self):
        if not self.is_up():
            return None
        try:
            return self.nic.status("rssi")
        except (OSError, ValueError, TypeError):
            return None

    def operator(self):
        return self.params.get("WLANSSID")

    def use_dns(self, servers):
        return set_dns(self.net, self.nic, servers)

