"""The link through the real command loop, on the host backend with injected faults."""
import unittest

from kit import Rig

OK = b"\r\nOK\r\n"


def cme(code):
    return b"\r\n#CME ERROR: %d\r\n" % code


class LinkTest(unittest.TestCase):
    def setUp(self):
        self.r = Rig()
        self.link = self.r.modem.link
        self.link.check_ms = 0
        self.link.retry_ms = 0
        self.backend = self.link.backend

    def tearDown(self):
        self.r.close()

    def tick(self):
        self.link.tick(self.r.modem.say)
        return self.r.port.take()

    def up(self):
        self.assertTrue(self.r.send("AT+CGATT=1").startswith(OK))
        self.tick()
        got = self.r.send("AT#CONNECTIONSTART")
        self.assertTrue(got.endswith(b"\r\n\r\nOk_Info_GprsActivation\r\n"), got)
        return got

    def test_registered_from_power_up_as_a_gsm_unit_is(self):
        self.assertEqual(self.tick(), b"")
        self.assertEqual(self.r.send("AT+CGATT?"), b"\r\n+CGATT: 1\r\n" + OK)
        self.assertEqual(self.r.send("AT+CGREG?"), b"\r\n+CGREG: 0,1\r\n" + OK)
        self.assertEqual(self.r.send("AT+CSQ"), b"\r\n+CSQ: 31,99\r\n" + OK)
        self.assertEqual(self.r.send("AT+CGATT=1"), OK)  # attached already: OK at once
        self.up()

    def test_connectionstart_when_detached_answers_35865(self):
        self.assertEqual(self.r.send("AT+CGATT=0"), OK)
        self.assertEqual(self.r.send("AT+CGATT?"), b"\r\n+CGATT: 0\r\n" + OK)
        self.assertEqual(self.r.send("AT#CONNECTIONSTART"), cme(35865))
        self.assertEqual(self.r.send("AT#VSTATE"), b'\r\n#STATE: "IDLE"\r\n' + OK)

    def test_attach_reports_searching_then_registered_when_cgreg_is_on(self):
        self.r.send("AT+CGATT=0")
        self.tick()
        self.assertEqual(self.r.send("AT+CGREG=1"), OK)
        self.assertEqual(self.r.send("AT+CGATT=1"), OK + b"\r\n+CGREG: 2\r\n")
        self.assertEqual(self.tick(), b"\r\n+CGREG: 1\r\n")
        self.assertEqual(self.tick(), b"")
        self.assertEqual(self.r.send("AT+CGATT?"), b"\r\n+CGATT: 1\r\n" + OK)
        self.assertEqual(self.r.send("AT+CGREG?"), b"\r\n+CGREG: 1,1\r\n" + OK)
        self.assertEqual(self.r.send("AT+CREG?"), b"\r\n+CREG: 0,1\r\n" + OK)

    def test_without_cgreg_attach_is_silent(self):
        self.assertEqual(self.r.send("AT+CGATT=1"), OK)
        self.assertEqual(self.tick(), b"")
        self.assertEqual(self.r.send("AT+CGREG?"), b"\r\n+CGREG: 0,1\r\n" + OK)

    def test_connectionstart_prints_the_ip_then_gprs_activation_without_ok(self):
        got = self.up()
        lines = got.split(b"\r\n")
        self.assertEqual(lines[0], b"")
        ip = lines[1].decode()
        self.assertEqual(len(ip.split(".")), 4, got)
        self.assertEqual(got, b"\r\n" + lines[1] + b"\r\n\r\nOk_Info_GprsActivation\r\n")
        self.assertEqual(self.r.send("AT#VSTATE"), b'\r\n#STATE: "CONNECTED"\r\n' + OK)
        shown = self.r.lines("AT#DISPLAYIP")
        self.assertEqual(shown[0], "MY IP: " + ip)
        self.assertTrue(shown[1].startswith("PEER IP: "), shown)
        self.assertEqual(shown[2], "OK")

    def test_a_second_connectionstart_answers_35840(self):
        self.up()
        self.assertEqual(self.r.send("AT#CONNECTIONSTART"), cme(35840))

    def test_connectionstop_takes_the_link_down(self):
        self.up()
        self.assertEqual(self.r.send("AT#CONNECTIONSTOP"), OK)
        self.assertEqual(self.r.send("AT#VSTATE"), b'\r\n#STATE: "IDLE"\r\n' + OK)
        self.assertEqual(self.r.send("AT#DISPLAYIP"), cme(35867))
        self.up()

    def test_gprsmode_0_is_refused_at_connectionstart(self):
        self.r.send("AT+CGATT=1")
        self.r.send("AT#GPRSMODE=0")
        self.assertEqual(self.r.send("AT#CONNECTIONSTART"), cme(36929))

    def test_activation_failure_and_refusal_have_their_codes(self):
        self.r.send("AT+CGATT=1")
        self.backend.fault = "fail"
        self.assertEqual(self.r.send("AT#CONNECTIONSTART"), cme(35866))
        self.backend.fault = "refuse"
        self.assertEqual(self.r.send("AT#CONNECTIONSTART"), cme(35868))
        self.backend.fault = ""
        self.up()

    def test_link_lost_is_reported_then_the_link_comes_back(self):
        released = []
        self.link.on_lost.append(lambda: released.append(1))
        self.r.send("AT+CGREG=1")
        self.up()
        self.tick()
        self.backend.fault = "down"
        self.assertEqual(self.tick(), b"\r\n+CGREG: 0\r\n" + cme(35841))
        self.assertEqual(released, [1])
        self.assertEqual(self.r.send("AT#VSTATE"), b'\r\n#STATE: "NO SERVICE"\r\n' + OK)
        self.assertEqual(self.r.send("AT#CONNECTIONSTART"), cme(35865))
        self.backend.fault = ""
        self.assertEqual(self.tick(), b"\r\n+CGREG: 1\r\n")
        self.up()

    def test_a_denied_attachment_means_no_service_and_a_refused_link(self):
        self.backend.fault = "denied"
        self.r.send("AT+CGATT=1")
        self.assertEqual(self.r.send("AT#VSTATE"), b'\r\n#STATE: "NO SERVICE"\r\n' + OK)
        self.assertEqual(self.r.send("AT+CGREG?"), b"\r\n+CGREG: 0,3\r\n" + OK)
        self.assertEqual(self.r.send("AT#CONNECTIONSTART"), cme(35868))

    def test_the_control_file_injects_faults_as_make_run_does(self):
        self.up()
        with open(self.r.flash + "/link.fault", "w") as f:
            f.write("down\n")
        self.backend._t = None  # look at the file now, not in half a second
        self.assertEqual(self.tick(), cme(35841))
        import os

        os.remove(self.r.flash + "/link.fault")
        self.backend._t = None  # look at the file now, not in half a second
        self.tick()
        self.up()

    def test_csq_is_99_while_detached(self):
        self.r.send("AT+CGATT=0")
        self.assertEqual(self.r.send("AT+CSQ"), b"\r\n+CSQ: 99,99\r\n" + OK)
        self.r.send("AT+CGATT=1")
        self.assertEqual(self.r.send("AT+CSQ"), b"\r\n+CSQ: 31,99\r\n" + OK)

    def test_detach_takes_the_link_down(self):
        self.up()
        self.assertEqual(self.r.send("AT+CGATT=0"), OK)
        self.assertEqual(self.r.send("AT#VSTATE"), b'\r\n#STATE: "IDLE"\r\n' + OK)
        self.assertEqual(self.r.send("AT+CGATT?"), b"\r\n+CGATT: 0\r\n" + OK)

    def test_bad_arguments_are_refused(self):
        for c in ("AT+CGATT=2", "AT+CGREG=5", "AT+CGATT=", "AT#CONNECTIONSTART=1"):
            self.assertIn(self.r.send(c), (cme(36929), b"\r\nERROR\r\n"), c)

    def test_commands_that_need_the_link_answer_35867_while_it_is_down(self):
        for c in ("AT#OTCP=1", "AT#FTPGET", "AT+EGNTP=1"):
            self.assertEqual(self.r.send(c), cme(35867), c)


if __name__ == "__main__":
    unittest.main()
