"""The wlan and ppp backends through the real command loop, against stand-ins of
network.WLAN, network.PPP and a SIM7600 module (device_tests/standins.py)."""
import unittest

from kit import Rig
from modem.link import Link
from modem.net_ppp import PppBackend
from modem.net_wlan import WlanBackend
from standins import Network, Sim7600

OK = b"\r\nOK\r\n"


def cme(code):
    return b"\r\n#CME ERROR: %d\r\n" % code


class Base(unittest.TestCase):
    def rig(self, backend):
        self.r = Rig()
        self.r.modem.link = Link(backend)
        self.r.modem.link.check_ms = 0
        self.r.modem.link.retry_ms = 0
        return self.r

    def tearDown(self):
        self.r.close()

    def tick(self, n=1):
        out = b""
        for _ in range(n):
            self.r.modem.link.tick(self.r.modem.say)
            out += self.r.port.take()
        return out


class WlanTest(Base):
    port = "esp32"

    def setUp(self):
        self.net = Network(self.port)
        self.net.aps["plant"] = ["secret", -70, True]
        self.backend = WlanBackend(None, self.net)
        r = self.rig(self.backend)
        self.backend.params = r.modem.params
        r.send('AT#WLANSSID="plant"')
        r.send('AT#WLANPW="secret"')

    def test_wlan_parameters_are_saved_and_shown_by_vwlan_only(self):
        self.assertEqual(self.r.send("AT#VWLAN"),
                         b'\r\n#WLANSSID: "plant"\r\n#WLANPW: "secret"\r\n' + OK)
        vall = self.r.send("AT#VALL")
        self.assertFalse(b"WLAN" in vall, vall)
        self.assertEqual(self.r.restart().send("AT#WLANSSID?"), b'\r\n#WLANSSID: "plant"\r\n' + OK)

    def test_attach_associates_then_connectionstart_gives_the_dhcp_address(self):
        self.r.send("AT+CGREG=1")
        self.assertEqual(self.r.send("AT+CGATT=1"), OK + b"\r\n+CGREG: 2\r\n")
        self.assertEqual(self.tick(3), b"\r\n+CGREG: 1\r\n")
        self.assertEqual(self.r.send("AT#CONNECTIONSTART"),
                         b"\r\n192.168.4.23\r\n\r\nOk_Info_GprsActivation\r\n")
        self.assertEqual(self.r.lines("AT#DISPLAYIP"),
                         ["MY IP: 192.168.4.23", "PEER IP: 192.168.4.1", "OK"])
        self.assertEqual(self.r.send("AT+CSQ"), b"\r\n+CSQ: 21,99\r\n" + OK)

    def test_a_hosts_factory_reset_leaves_the_wifi_network_the_installer_set(self):
        # a legacy host's start-up string: AT&F resets the spec's parameters only (saved as
        # such: device_tests/test_params.py)
        self.r.send('AT#APNSERV="x"')
        self.assertEqual(self.r.send("AT&F"), OK)
        self.assertEqual(self.r.send("AT#APNSERV?"), b'\r\n#APNSERV: ""\r\n' + OK)
        self.assertEqual(self.r.send("AT#VWLAN"),
                         b'\r\n#WLANSSID: "plant"\r\n#WLANPW: "secret"\r\n' + OK)
        self.r.send("AT+CGATT=1")
        self.tick(3)
        self.assertEqual(self.r.send("AT#CONNECTIONSTART"),
                         b"\r\n192.168.4.23\r\n\r\nOk_Info_GprsActivation\r\n")

    def test_dns_servers_are_given_to_the_network_stack(self):
        import socket

        from modem.sockets import lookup

        self.r.send("AT+CGATT=1")
        self.tick(3)
        self.assertTrue(self.r.send("AT#CONNECTIONSTART").endswith(b"GprsActivation\r\n"))
        self.assertEqual(self.r.send('AT#DNSSERV1="9.9.9.9"'), OK)
        self.assertIsNone(self.net.dns)
        lookup(self.r.modem, "localhost", 80, socket.SOCK_STREAM)  # (the computer's own)
        self.assertEqual(self.net.dns, "9.9.9.9")  # ipconfig (rp2) or ifconfig (esp32)

    def test_connectionstart_while_still_associating_answers_35865(self):
        self.net.steps = 100
        self.r.send("AT+CGATT=1")
        self.assertEqual(self.r.send("AT#CONNECTIONSTART"), cme(35865))

    def test_wrong_key_is_refused_with_35868(self):
        self.r.send('AT#WLANPW="wrong"')
        self.r.send("AT+CGATT=1")
        self.tick(3)
        self.assertEqual(self.r.send("AT+CGREG?"), b"\r\n+CGREG: 0,3\r\n" + OK)
        self.assertEqual(self.r.send("AT#VSTATE"), b'\r\n#STATE: "NO SERVICE"\r\n' + OK)
        self.assertEqual(self.r.send("AT#CONNECTIONSTART"), cme(35868))

    def test_no_access_point_in_reach_means_no_service(self):
        self.net.aps["plant"][2] = False
        self.r.send("AT+CGATT=1")
        self.tick(3)
        self.assertEqual(self.r.send("AT#VSTATE"), b'\r\n#STATE: "NO SERVICE"\r\n' + OK)
        self.assertEqual(self.r.send("AT#CONNECTIONSTART"), cme(35865))

    def test_access_point_lost_then_back_reconnects_in_the_background(self):
        self.r.send("AT+CGATT=1")
        self.tick(3)
        self.assertTrue(self.r.send("AT#CONNECTIONSTART").endswith(b"Activation\r\n"))
        self.net.aps["plant"][2] = False
        self.assertEqual(self.tick(), cme(35841))
        self.assertEqual(self.r.send("AT#VSTATE"), b'\r\n#STATE: "NO SERVICE"\r\n' + OK)
        before = self.net.wlan.connects
        self.net.aps["plant"][2] = True
        self.tick(6)
        self.assertTrue(self.net.wlan.connects > before, self.net.wlan.connects)
        self.assertTrue(self.r.send("AT#CONNECTIONSTART").endswith(b"Activation\r\n"))

    def test_detach_disconnects_and_turns_the_radio_off(self):
        self.r.send("AT+CGATT=1")
        self.tick(3)
        self.r.send("AT+CGATT=0")
        self.assertFalse(self.net.wlan.active())
        self.assertEqual(self.r.send("AT+CGATT?"), b"\r\n+CGATT: 0\r\n" + OK)


class WlanRp2Test(WlanTest):
    port = "rp2"


class PppTest(Base):
    def setUp(self):
        self.sim = Sim7600()
        self.net = Network()
        self.backend = PppBackend(None, None, self.sim, self.net)
        self.backend.ppp_ms = 200
        self.backend.guard_ms = 0
        r = self.rig(self.backend)
        self.backend.params = r.modem.params
        r.send('AT#APNSERV="internet"')

    def attach(self):
        self.r.send("AT+CGATT=1")
        self.backend._t = None
        self.tick()
        self.backend._t = None
        self.tick()

    def test_attach_registers_and_connectionstart_sets_the_pdp_context_then_ppp(self):
        self.r.send("AT#GPRSCID=2")
        self.r.send('AT#APNUN="orange"')
        self.r.send('AT#APNPW="orangepw"')
        self.sim.credentials = (b"orange", b"orangepw")
        self.r.send("AT+CGREG=1")
        self.assertEqual(self.r.send("AT+CGATT=1"), OK + b"\r\n+CGREG: 2\r\n")
        self.backend._t = None
        self.tick()
        self.backend._t = None
        self.assertEqual(self.tick(), b"\r\n+CGREG: 1\r\n")
        self.assertEqual(self.r.send("AT#CONNECTIONSTART"),
                         b"\r\n10.64.12.7\r\n\r\nOk_Info_GprsActivation\r\n")
        self.assertIn(b'AT+CGDCONT=2,"IP","internet"', self.sim.log)
        self.assertIn(b'AT+CGAUTH=2,1,"orangepw","orange"', self.sim.log)
        self.assertEqual(self.sim.log[-1], b"ATD*99***2#")
        self.assertEqual(self.r.lines("AT#DISPLAYIP"),
                         ["MY IP: 10.64.12.7", "PEER IP: 10.64.0.1", "OK"])
        self.assertEqual(self.r.send("AT+CSQ"), b"\r\n+CSQ: 20,99\r\n" + OK)

    def test_no_sim_means_no_service(self):
        self.sim.sim = False
        self.attach()
        self.assertEqual(self.r.send("AT#VSTATE"), b'\r\n#STATE: "NO SERVICE"\r\n' + OK)
        self.assertEqual(self.r.send("AT#CONNECTIONSTART"), cme(35865))

    def test_no_registration_answers_35865(self):
        self.sim.reg_sequence = [2]
        self.attach()
        self.assertEqual(self.r.send("AT#CONNECTIONSTART"), cme(35865))

    def test_a_bad_apn_is_refused_with_35868(self):
        self.r.send('AT#APNSERV="nosuch"')
        self.attach()
        self.assertEqual(self.r.send("AT#CONNECTIONSTART"), cme(35868))

    def test_wrong_credentials_are_refused_with_35868(self):
        self.sim.credentials = (b"user", b"pw")
        self.r.send('AT#APNUN="user"')
        self.r.send('AT#APNPW="bad"')
        self.attach()
        self.assertEqual(self.r.send("AT#CONNECTIONSTART"), cme(35868))

    def test_ppp_that_never_comes_up_answers_35866(self):
        self.net.ppp_ok = False
        self.attach()
        self.assertEqual(self.r.send("AT#CONNECTIONSTART"), cme(35866))
        self.assertFalse(self.sim.data_mode)  # hung up with +++ and ATH

    def test_link_lost_while_up_is_reported(self):
        self.attach()
        self.assertTrue(self.r.send("AT#CONNECTIONSTART").endswith(b"Activation\r\n"))
        self.sim.data_mode = False  # the module dropped the call
        self.assertEqual(self.tick(), cme(35841))
        self.assertEqual(self.r.send("AT#DISPLAYIP"), cme(35867))


if __name__ == "__main__":
    unittest.main()
