"""The GSM module's commands legacy hosts send at start-up (docs/decisions.md section 9), on the
host backend; the one-socket dialect of the TCP parameters."""
import unittest

from kit import Rig

OK = b"\r\nOK\r\n"
ERROR = b"\r\nERROR\r\n"


def cme(code):
    return b"\r\n#CME ERROR: %d\r\n" % code


class GsmTest(unittest.TestCase):
    def setUp(self):
        self.r = Rig()

    def tearDown(self):
        self.r.close()

    def send(self, line):
        return self.r.send(line)

    def test_wopen_1_is_ok_at_once_and_the_stack_cannot_be_stopped(self):
        self.assertEqual(self.send("AT+WOPEN=1"), OK)
        self.assertEqual(self.send("AT+WOPEN?"), b"\r\n+WOPEN: 1\r\n" + OK)
        self.assertEqual(self.send("AT+WOPEN=?"), b"\r\n+WOPEN: (0-8)\r\n" + OK)
        got = self.send("AT+WOPEN=2")
        self.assertTrue(got.startswith(b'\r\n+WOPEN: 2,"') and got.endswith(OK), got)
        self.assertEqual(self.send("AT+WOPEN=0"), ERROR)
        self.assertEqual(self.send("AT"), OK)

    def test_cfun_1_starts_the_modem_again_as_at_power_up(self):
        self.send("AT+CGATT=1")
        self.r.modem.link.tick(self.r.modem.say)
        self.send("AT#CONNECTIONSTART")
        self.send("ATE1")
        self.send('AT#APNSERV="kept"')
        self.r.port.take()
        got = self.r.feed(b"AT+CFUN=1\r")
        self.assertEqual(got, b"AT+CFUN=1\r" + OK + b"\r\n+WIND: 13\r\n\r\n+WIND: 4\r\n")
        self.assertFalse(self.r.modem.link.up)  # the data session dropped
        self.assertEqual(self.r.feed(b"AT#APNSERV?\r"),
                         b'AT#APNSERV?\r\r\n#APNSERV: "kept"\r\n' + OK)  # echo on, kept
        self.assertEqual(self.r.send("AT+CFUN?"), b"AT+CFUN?\r\r\n+CFUN: 1\r\n" + OK)
        self.assertTrue(self.r.feed(b"AT#RESET=0\r").endswith(OK + b"\r\n+WIND: 13\r\n"
                                                           b"\r\n+WIND: 4\r\n"))

    def test_cfun_0_detaches(self):
        self.assertEqual(self.send("AT+CFUN=0"), OK)
        self.assertEqual(self.send("AT+CGATT?"), b"\r\n+CGATT: 0\r\n" + OK)
        self.assertEqual(self.send("AT+CFUN=9"), cme(36929))

    def test_cgdcont_is_gprscid_and_apnserv(self):
        self.assertEqual(self.send('AT+CGDCONT=2,"IP","internet.example"'), OK)
        self.assertEqual(self.send("AT#GPRSCID?"), b"\r\n#GPRSCID: 2\r\n" + OK)
        self.assertEqual(self.send("AT#APNSERV?"), b'\r\n#APNSERV: "internet.example"\r\n' + OK)
        self.assertEqual(self.send('AT+CGDCONT?'),
                         b'\r\n+CGDCONT: 2,"IP","internet.example"\r\n' + OK)
        self.assertEqual(self.send('AT+CGDCONT=1,"IP"'), OK)  # no APN: APNSERV kept
        self.assertEqual(self.send('AT#APNSERV?'), b'\r\n#APNSERV: "internet.example"\r\n' + OK)
        self.assertEqual(self.send('AT+CGDCONT=5,"IP","x"'), cme(36929))
        self.assertEqual(self.send('AT+CGDCONT=1,"PPP","x"'), cme(36929))

    def test_cced_shows_what_the_board_knows(self):
        self.assertEqual(self.send("AT+CCED=0,1"), b"\r\n+CCED: ,,,,,,59,,,,,,\r\n" + OK)
        self.assertEqual(self.send("AT+CCED=0,9"),
                         b"\r\n+CCED: ,,,,,,59,,,,,,\r\n+CSQ: 31,99\r\n" + OK)
        self.assertEqual(self.send("AT+CCED=0,0"), cme(36929))
        self.assertEqual(self.send("AT+CCED=2"), OK)

    def test_cced_1_reports_every_five_seconds_until_stopped(self):
        from modem.compat import ticks_add
        from modem.gsm import tick

        m = self.r.modem
        self.assertEqual(self.send("AT+CCED=1,8"), b"\r\n+CSQ: 31,99\r\n" + OK)
        tick(m, ticks_add(m.cced[1], 4000))
        self.assertEqual(self.r.port.take(), b"")
        tick(m, ticks_add(m.cced[1], 5000))
        self.assertEqual(self.r.port.take(), b"\r\n+CSQ: 31,99\r\n")
        self.assertEqual(self.send("AT+CCED=2"), OK)
        self.assertIsNone(m.cced)

    def test_cops_cgsn_and_the_sim(self):
        self.assertEqual(self.send("AT+COPS?"), b'\r\n+COPS: 0,0,"host"\r\n' + OK)
        self.send("AT+CGATT=0")
        self.assertEqual(self.send("AT+COPS?"), b"\r\n+COPS: 0\r\n" + OK)
        sn = self.send("AT+CGSN")
        self.assertEqual(len(sn), 2 + 15 + 2 + len(OK), sn)
        self.assertTrue(sn[2:17].isdigit())
        self.assertEqual(self.send("AT+GSN"), sn)  # the same at every asking
        self.assertEqual(self.send("AT+CIMI"), cme(10))  # no SIM on the computer
        self.assertEqual(self.send("AT+CCID"), cme(10))

    def test_the_lines_settings_are_taken_and_change_nothing(self):
        for cmd in ("AT&D2", "AT&C1", "AT&K3", "AT&D0", "AT+IFC=2,2", "AT+ICF=3,4", "ATH"):
            self.assertEqual(self.send(cmd), OK, cmd)
        self.assertEqual(self.send("AT+IFC?"), b"\r\n+IFC: 2,2\r\n" + OK)
        self.assertEqual(self.send("AT+ICF?"), b"\r\n+ICF: 3,4\r\n" + OK)
        self.assertEqual(self.send("AT&D3"), ERROR)
        self.assertEqual(self.send("ATO"), b"\r\nNO CARRIER\r\n")

    def test_s_registers(self):
        self.assertEqual(self.send("ATS0?"), b"\r\n000\r\n" + OK)
        self.assertEqual(self.send("ATS0=2"), OK)
        self.assertEqual(self.send("ATS0?"), b"\r\n002\r\n" + OK)
        self.assertEqual(self.send("ATS3?"), b"\r\n013\r\n" + OK)
        self.assertEqual(self.send("ATS3=13"), OK)
        self.assertEqual(self.send("ATS3=10"), ERROR)
        self.assertEqual(self.send("ATS9?"), ERROR)

    def test_identification_forms(self):
        b = self.r.modem.board
        self.assertEqual(self.send("ATI3"), b"\r\n" + b.REVISION.encode() + b"\r\n" + OK)
        self.assertEqual(self.send("ATI0"), self.send("ATI"))
        self.assertEqual(self.send("ATI9"), ERROR)

    def test_wind_is_a_saved_mask(self):
        self.assertEqual(self.send("AT+WIND?"), b"\r\n+WIND: 8\r\n" + OK)
        self.assertEqual(self.send("AT+WIND=136"), OK)
        self.assertEqual(self.r.restart().send("AT+WIND?"), b"\r\n+WIND: 136\r\n" + OK)


class OneSocketTest(unittest.TestCase):
    """The TCP forms of the stack's first versions: no socket id means socket 1."""

    def setUp(self):
        self.r = Rig()

    def tearDown(self):
        self.r.close()

    def test_one_argument_that_is_not_an_id_sets_socket_1(self):
        r = self.r
        self.assertEqual(r.send("AT#TCPPORT=2000"), OK)
        self.assertEqual(r.send('AT#TCPPORT="2001"'), OK)
        self.assertEqual(r.send('AT#TCPSERV="host.example"'), OK)
        self.assertEqual(r.send("AT#DLEMODE=0"), OK)
        self.assertEqual(r.send("AT#TCPPORT?"),
                         b"\r\n#TCPPORT: 1,2001\r\n#TCPPORT: 2,0\r\n" + OK)
        self.assertEqual(r.send("AT#TCPSERV=1"), b'\r\n#TCPSERV: 1,"host.example"\r\n' + OK)
        self.assertEqual(r.send("AT#DLEMODE=1"), b"\r\n#DLEMODE: 1,0\r\n" + OK)  # a get
        self.assertEqual(r.send('AT#TCPPORT="1"'), OK)  # quoted: a value
        self.assertEqual(r.send("AT#TCPPORT=1"), b"\r\n#TCPPORT: 1,1\r\n" + OK)

    def test_the_tcp_commands_without_an_id_act_on_socket_1(self):
        r = self.r
        self.assertEqual(r.send("AT#OTCP"), cme(35867))  # socket 1 wants the link
        self.assertEqual(r.send("AT#LTCPSTART"), cme(35867))
        self.assertEqual(r.send("AT#LTCPSTOP"), OK)


if __name__ == "__main__":
    unittest.main()
