"""Every AT# parameter: set, get, aliases, limits, displays byte for byte, saved to flash."""
import os
import unittest

from kit import Rig
from modem.store import Store

OK = b"\r\nOK\r\n"
BAD = b"\r\n#CME ERROR: 36929\r\n"

# name, a legal value as sent, how it is then shown, illegal values (each keeps the old one)
SINGLE = (
    ("APNPW", '"aces"', '"aces"', ('"' + "x" * 65 + '"', "")),
    ("APNSERV", '"' + "a" * 96 + '"', '"' + "a" * 96 + '"', ('"' + "a" * 97 + '"',)),
    ("APNUN", "a2b", '"a2b"', ('"' + "u" * 65 + '"', '"a","b"')),
    ("GPRSMODE", "0", "0", ("2", "-1", "x", "1,1")),
    ("GPRSCID", "4", "4", ("0", "5", "1.5", "")),
    ("FTPGETFILENAME", '"Data File.csv"', '"Data File.csv"', ('"' + "f" * 65 + '"',)),
    ("FTPGETPATH", '"/list"', '"/list"', ('"' + "p" * 65 + '"',)),
    ("FTPMODE", "1", "1", ("2", "on")),
    ("FTPPORT", '"2121"', "2121", ("65536", "000021", "-1", "21a", '""')),
    ("FTPPUTFILENAME", '"Testseb3.txt"', '"Testseb3.txt"', ('"' + "f" * 65 + '"',)),
    ("FTPPUTPATH", '"/up"', '"/up"', ('"' + "p" * 65 + '"',)),
    ("FTPPW", '"mypass"', '"mypass"', ('"' + "w" * 65 + '"',)),
    ("FTPSERV", '"mytestwebsite.com"', '"mytestwebsite.com"',
     ('"1.2.3.256"', '"1.2.3"', '"bad host!"', '"' + "h" * 65 + '"')),
    ("FTPUN", '"myname"', '"myname"', ('"' + "n" * 65 + '"',)),
    ("EGNTPPORT", "12323", "12323", ("65536", "123456", "x")),
    ("EGNTPWAIT", "300", "300", ("9", "301", "")),
)


class ParamTest(unittest.TestCase):
    def setUp(self):
        self.r = Rig()

    def tearDown(self):
        self.r.close()

    def get(self, name, prefix="#"):
        return self.r.send("AT%s%s?" % (prefix, name))

    def test_names_are_the_rows_names_in_order_without_aliases(self):
        from modem import schema as S

        self.assertEqual(list(S.names()), list(S.PARAMS))
        self.assertEqual(sorted(self.r.modem.params.values), sorted(S.names()))
        self.assertIn("TCPPORT", S.names())
        self.assertFalse("TCPPOINT" in S.names(), "an alias")

    def test_every_single_parameter_sets_gets_and_refuses_illegal_values(self):
        for name, value, shown, bad in SINGLE:
            prefix = "+" if name.startswith("EGNTP") else "#"
            self.assertEqual(self.r.send("AT%s%s=%s" % (prefix, name, value)), OK, name)
            want = ("\r\n%s%s: %s\r\n" % (prefix, name, shown)).encode() + OK
            self.assertEqual(self.get(name, prefix), want, name)
            for b in bad:
                self.assertEqual(self.r.send("AT%s%s=%s" % (prefix, name, b)), BAD, (name, b))
                self.assertEqual(self.get(name, prefix), want, (name, b))

    def test_ftptype_takes_a_or_i_in_either_case_and_prints_the_spec_quirk(self):
        self.assertEqual(self.get("FTPTYPE"), b"\r\n#FTPTYPE = I\r\n" + OK)
        for v, shown in (("a", b"A"), ('"I"', b"I"), ("A", b"A"), ("i", b"I")):
            self.assertEqual(self.r.send("AT#FTPTYPE=" + v), OK)
            self.assertEqual(self.get("FTPTYPE"), b"\r\n#FTPTYPE = " + shown + b"\r\n" + OK)
        for bad in ("B", "AI", '""', "1"):
            self.assertEqual(self.r.send("AT#FTPTYPE=" + bad), BAD)
        self.assertEqual(self.get("FTPTYPE"), b"\r\n#FTPTYPE = I\r\n" + OK)

    def test_egntputc_takes_hours_and_minutes(self):
        self.assertEqual(self.r.send("AT+EGNTPUTC=9,30"), OK)
        self.assertEqual(self.get("EGNTPUTC", "+"), b"\r\n+EGNTPUTC: 9,30\r\n" + OK)
        self.assertEqual(self.r.send('AT+EGNTPUTC="-11"'), OK)
        self.assertEqual(self.get("EGNTPUTC", "+"), b"\r\n+EGNTPUTC: -11,0\r\n" + OK)
        self.assertEqual(self.r.send("AT+EGNTPUTC=12,59"), OK)
        for bad in ("-12", "13", "1,60", "1,-1", "1,2,3", "x", "1,"):
            self.assertEqual(self.r.send("AT+EGNTPUTC=" + bad), BAD, bad)
        self.assertEqual(self.get("EGNTPUTC", "+"), b"\r\n+EGNTPUTC: 12,59\r\n" + OK)

    def test_socket_parameters_have_a_value_per_id_and_a_get_form(self):
        self.assertEqual(self.r.send("AT#DLEMODE=2,0"), OK)
        self.assertEqual(self.r.send("AT#DLEMODE=1"), b"\r\n#DLEMODE: 1,1\r\n" + OK)
        self.assertEqual(self.r.send("AT#DLEMODE=2"), b"\r\n#DLEMODE: 2,0\r\n" + OK)
        self.assertEqual(self.r.send("AT#DLEMODE?"),
                         b"\r\n#DLEMODE: 1,1\r\n#DLEMODE: 2,0\r\n" + OK)
        for bad in ("3,1", "0,1", "1,2", "x,1", "3", ",1", "1,"):
            self.assertEqual(self.r.send("AT#DLEMODE=" + bad), BAD, bad)
        self.assertEqual(self.r.send("AT#DLEMODE?"),
                         b"\r\n#DLEMODE: 1,1\r\n#DLEMODE: 2,0\r\n" + OK)

    def test_a_per_socket_get_is_the_two_lines_of_its_display(self):
        # Params.both (one format for both sockets) against Params.line, the displays' own,
        # for every per-socket parameter and for a kind both() leaves to line() (a UTC offset)
        from modem import schema

        for cmd in ('AT#TCPSERV=2,"peer.example"', "AT#TCPPORT=2,2101", "AT#DLEMODE=2,0",
                    "AT#TCPTXDELAY=2,40", "AT#TCPTLS=2,1"):
            self.assertEqual(self.r.send(cmd), OK, cmd)
        p = self.r.modem.params
        tcp = [n for n in schema.PARAMS if schema.PARAMS[n].endswith("T")]
        self.assertTrue(len(tcp) >= 5, tcp)
        for n in tcp:
            self.assertEqual(p.both(n), b"\r\n".join(p.lines((n,), 1) + p.lines((n,), 2)), n)
        p.values["EGNTPUTC"] = [(1, 0), (0, -30)]  # (not per socket: made so, for the fallback)
        try:
            self.assertEqual(p.both("EGNTPUTC"), b"+EGNTPUTC: 1,1,0\r\n+EGNTPUTC: 2,-0,30")
        finally:
            p.values["EGNTPUTC"] = (0, 0)

    def test_tcptxdelay_is_a_multiple_of_20_up_to_32760(self):
        for v in ("0", "20", "32760"):
            self.assertEqual(self.r.send("AT#TCPTXDELAY=1," + v), OK)
        for bad in ("30", "32780", "-20", "1e3"):
            self.assertEqual(self.r.send("AT#TCPTXDELAY=1," + bad), BAD, bad)
        self.assertEqual(self.r.send("AT#TCPTXDELAY=1"), b"\r\n#TCPTXDELAY: 1,32760\r\n" + OK)

    def test_tcpserv_takes_addresses_names_and_the_any_peer_values(self):
        for v in ('"255.255.255.255"', '"distantserver.com"', "0", '""', "10.1.2.3"):
            self.assertEqual(self.r.send("AT#TCPSERV=1," + v), OK, v)
        for bad in ('"1.2.3.4.5"', '"256.1.1.1"', '"a b"', '"' + "h" * 65 + '"'):
            self.assertEqual(self.r.send("AT#TCPSERV=1," + bad), BAD, bad)
        self.assertEqual(self.r.send("AT#TCPSERV=1"), b'\r\n#TCPSERV: 1,"10.1.2.3"\r\n' + OK)

    def test_aliases_set_and_get_under_the_canonical_name(self):
        pairs = (("FTTPW", '"pw"', "FTPPW"), ("FTTPUTFILENAME", '"f.txt"', "FTPPUTFILENAME"),
                 ("FTTPUTPATH", '"/p"', "FTPPUTPATH"))
        for alias, value, name in pairs:
            self.assertEqual(self.r.send("AT#%s=%s" % (alias, value)), OK)
            want = ("\r\n#%s: %s\r\n" % (name, value)).encode() + OK
            self.assertEqual(self.r.send("AT#%s?" % alias), want)
            self.assertEqual(self.r.send("AT#%s?" % name), want)
        self.assertEqual(self.r.send('AT#TCPPOINT=1,"1025"'), OK)
        self.assertEqual(self.r.send("AT#TCPPOINT=1"), b"\r\n#TCPPORT: 1,1025\r\n" + OK)
        self.assertEqual(self.r.send('AT#TCPSEV=2,"h.example"'), OK)
        self.assertEqual(self.r.send("AT#TCPSERV=2"), b'\r\n#TCPSERV: 2,"h.example"\r\n' + OK)
        self.assertEqual(self.r.send("AT+EGNTWAIT=45"), OK)
        self.assertEqual(self.r.send("AT+EGNTPWAIT?"), b"\r\n+EGNTPWAIT: 45\r\n" + OK)

    def test_spaces_after_the_prefix_and_either_prefix_are_accepted(self):
        self.assertEqual(self.r.send("AT# GPRSCID?"), b"\r\n#GPRSCID: 1\r\n" + OK)
        self.assertEqual(self.r.send("AT#EGNTPPORT?"), b"\r\n+EGNTPPORT: 123\r\n" + OK)

    def test_a_value_missing_after_equals_is_refused(self):
        for bad in ("AT#GPRSCID=", "AT#GPRSCID=,1", "AT#APNSERV=", "AT#TCPPORT=1,"):
            self.assertEqual(self.r.send(bad), BAD, bad)

    def test_vgprs_vftp_vtcp_match_the_spec_examples(self):
        for line in ('AT#APNPW="aces"', 'AT#APNSERV="a2myoperator.com"', 'AT#APNUN="a2b"',
                     'AT#FTPPUTFILENAME="Testseb3.txt"', 'AT#FTPPW="mypass"',
                     'AT#FTPSERV="mytestwebsite.com"', 'AT#FTPUN="myname"'):
            self.assertEqual(self.r.send(line), OK)
        self.assertEqual(self.r.send("AT#VGPRS"), (
            '\r\n#APNPW: "aces"\r\n#APNSERV: "a2myoperator.com"\r\n#APNUN: "a2b"\r\n'
            "#GPRSMODE: 1\r\n#GPRSCID: 1\r\n").encode() + OK)
        self.assertEqual(self.r.send("AT#VFTP"), (
            '\r\n#FTPGETFILENAME: ""\r\n#FTPGETPATH: "."\r\n#FTPMODE: 0\r\n#FTPPORT: 21\r\n'
            '#FTPPUTFILENAME: "Testseb3.txt"\r\n#FTPPUTPATH: "."\r\n#FTPPW: "mypass"\r\n'
            '#FTPSERV: "mytestwebsite.com"\r\n#FTPTYPE = I\r\n#FTPUN: "myname"\r\n').encode()
            + OK)
        self.assertEqual(self.r.send("AT#VTCP=2"), (
            '\r\n#DLEMODE: 2,1\r\n#TCPSERV: 2,""\r\n#TCPPOINT: 2,0\r\n#TCPTXDELAY: 2,100\r\n'
        ).encode() + OK)
        both = self.r.send("AT#VTCP")
        self.assertTrue(both.startswith(b'\r\n#DLEMODE: 1,1\r\n#TCPSERV: 1,""\r\n'))
        self.assertIn(b"#TCPTXDELAY: 1,100\r\n#DLEMODE: 2,1\r\n", both)
        self.assertEqual(self.r.send("AT#VTCP=3"), BAD)

    def test_vall_prints_every_block_in_the_spec_order(self):
        version = self.r.modem.board.VERSION
        want = (
            "\r\n#VERSION: " + version + "\r\n\r\n"
            '#APNPW: ""\r\n#APNSERV: ""\r\n#APNUN: ""\r\n#GPRSMODE: 1\r\n#GPRSCID: 1\r\n\r\n'
            '#FTPGETFILENAME: ""\r\n#FTPGETPATH: "."\r\n#FTPMODE: 0\r\n#FTPPORT: 21\r\n'
            '#FTPPUTFILENAME: ""\r\n#FTPPUTPATH: "."\r\n#FTPPW: ""\r\n#FTPSERV: ""\r\n'
            '#FTPTYPE = I\r\n#FTPUN: ""\r\n\r\n'
            '#DLEMODE: 1,1\r\n#TCPPORT: 1,0\r\n#TCPSERV: 1,""\r\n#TCPTXDELAY: 1,100\r\n\r\n'
            '#DLEMODE: 2,1\r\n#TCPPORT: 2,0\r\n#TCPSERV: 2,""\r\n#TCPTXDELAY: 2,100\r\n\r\n'
            "+EGNTPPORT: 123\r\n+EGNTPUTC: 0,0\r\n+EGNTPWAIT: 30\r\n\r\n"
            # then the Wavecom stack's, after the spec's: DNS, the physical layer, UDP, PING, mail
            '#DNSSERV1: "0.0.0.0"\r\n#DNSSERV2: "0.0.0.0"\r\n\r\n'
            '#CALLSCREENNUM: ""\r\n#PPPMODE: 1\r\n#DIALN1: ""\r\n#DIALN2: ""\r\n'
            "#DIALSELECT: 1\r\n#REDIALCOUNT: 5\r\n\r\n"
            '#UDPPORT: 0\r\n#UDPSERV: ""\r\n#UDPTXDELAY: 100\r\n\r\n'
            '#PINGDELAY: 1\r\n#PINGNUM: 4\r\n#PINGREMOTE: ""\r\n\r\n'
            '#SMTPSERV: ""\r\n#SMTPPORT: 25\r\n#SMTPUN: ""\r\n#SMTPPW: ""\r\n#SMTPAUTH: 0\r\n'
            '#DOMAIN: ""\r\n#SENDERNAME: ""\r\n#SENDERADDR: ""\r\n\r\n'
            '#REC1: ""\r\n#CCREC1: ""\r\n#SUBJ1: ""\r\n#BODY1: ""\r\n\r\n'
            '#REC2: ""\r\n#CCREC2: ""\r\n#SUBJ2: ""\r\n#BODY2: ""\r\n\r\n'
            '#REC3: ""\r\n#CCREC3: ""\r\n#SUBJ3: ""\r\n#BODY3: ""\r\n\r\n'
            '#POP3SERV: ""\r\n#POP3PORT: 110\r\n#POP3UN: ""\r\n#POP3PW: ""\r\n'
            '#POP3HEADERMODE: 1\r\n')
        self.assertEqual(self.r.send("AT#VALL"), want.encode() + OK)
        self.assertEqual(self.r.send("AT#VVERSION"),
                         ("\r\n#VERSION: " + version + "\r\n").encode() + OK)

    def test_values_are_saved_and_survive_a_restart(self):
        self.r.send('AT#APNSERV="internet-entreprise"')
        self.r.send("AT#TCPPORT=2,1025")
        self.r.send("AT+EGNTPUTC=-3,30")
        r2 = self.r.restart()
        self.assertEqual(r2.send("AT#APNSERV?"), b'\r\n#APNSERV: "internet-entreprise"\r\n' + OK)
        self.assertEqual(r2.send("AT#TCPPORT=2"), b"\r\n#TCPPORT: 2,1025\r\n" + OK)
        self.assertEqual(r2.send("AT+EGNTPUTC?"), b"\r\n+EGNTPUTC: -3,30\r\n" + OK)

    def test_an_unchanged_value_is_not_written_again(self):
        self.r.send("AT#GPRSCID=2")
        os.remove(self.r.flash + "/params.gpx")  # from here on, a save makes a file again
        self.assertEqual(self.r.files(), [])
        self.r.send("AT#GPRSCID=2")
        self.r.send('AT#GPRSCID="2"')
        self.r.send("AT#GPRSCID=9")  # illegal: not saved either
        self.assertEqual(self.r.files(), [])
        self.r.send("AT#GPRSCID=3")  # the file gone: written whole, not journalled alone
        self.assertEqual(self.r.files(), ["params.gpx"])
        self.assertEqual(self.r.restart().send("AT#GPRSCID?"), b"\r\n#GPRSCID: 3\r\n" + OK)

    def test_a_change_is_one_record_of_the_journal_until_the_file_is_written_again(self):
        self.r.send("AT#GPRSCID=2")  # no file yet: the first change writes it whole
        self.assertEqual(self.r.files(), ["params.gpx"])
        with open(self.r.flash + "/params.gpx", "rb") as f:
            whole = f.read()
        for i in range(31):  # the journal holds 32 records, then the file is written again
            self.r.send("AT#TCPPORT=%d,%d" % (1 + i % 2, 2000 + i))
            with open(self.r.flash + "/params.gpx.j", "rb") as f:
                self.assertEqual(f.read().count(b"\n"), i + 1)
            with open(self.r.flash + "/params.gpx", "rb") as f:
                self.assertEqual(f.read(), whole)  # untouched
        self.r.send('AT#APNSERV="last.of.the.journal"')
        self.r.send("AT#GPRSCID=4")  # the 33rd change: the file written whole, no journal
        self.assertEqual(sorted(self.r.files()), ["params.gpx"])
        r2 = self.r.restart()
        self.assertEqual(r2.send("AT#TCPPORT?"), b"\r\n#TCPPORT: 1,2030\r\n#TCPPORT: 2,2029"
                         b"\r\n" + OK)
        self.assertEqual(r2.send("AT#APNSERV?"), b'\r\n#APNSERV: "last.of.the.journal"\r\n'
                         + OK)
        self.assertEqual(r2.send("AT#GPRSCID?"), b"\r\n#GPRSCID: 4\r\n" + OK)

    def test_long_values_write_the_file_whole_before_the_journal_grows_past_4_kb(self):
        self.r.send("AT#GPRSCID=2")
        sizes = []
        p = self.r.modem.params
        for i in range(6):  # REC1 takes up to 1218 characters (AT#REC1ADD): 3 fill 4 KB
            p.set("REC1", 0, [((("a%d@x.example," % i) * 80)[:1200], True)])
            try:
                sizes.append(os.stat(self.r.flash + "/params.gpx.j")[6])
            except OSError:
                sizes.append(0)
        self.assertTrue(max(sizes) <= 4096, sizes)
        self.assertIn(0, sizes[1:])  # the file written whole once, the journal dropped
        r2 = self.r.restart()
        self.assertTrue(r2.send("AT#REC1?").startswith(b'\r\n#REC1: "a5@x.example,'))

    def test_a_torn_journal_record_is_where_the_journal_ends(self):
        self.r.send("AT#GPRSCID=2")
        self.r.send('AT#APNSERV="kept"')
        self.r.send('AT#APNUN="torn"')
        path = self.r.flash + "/params.gpx.j"
        with open(path, "rb") as f:
            data = f.read()
        with open(path, "wb") as f:
            f.write(data[:-5])  # power lost in the middle of the last record
        r2 = self.r.restart()
        self.assertEqual(r2.send("AT#APNSERV?"), b'\r\n#APNSERV: "kept"\r\n' + OK)
        self.assertEqual(r2.send("AT#APNUN?"), b'\r\n#APNUN: ""\r\n' + OK)
        r2.send('AT#APNPW="after"')  # no record after a torn one: the file is written whole
        self.assertEqual(sorted(r2.files()), ["params.gpx"])
        r3 = r2.restart()
        self.assertEqual(r3.send("AT#APNPW?"), b'\r\n#APNPW: "after"\r\n' + OK)
        self.assertEqual(r3.send("AT#APNSERV?"), b'\r\n#APNSERV: "kept"\r\n' + OK)

    def test_a_journal_that_cannot_be_written_or_removed_leaves_changes_in_the_file(self):
        self.r.send("AT#GPRSCID=2")
        d = self.r.flash + "/params.gpx.j"
        os.mkdir(d)  # not a file: neither appended to nor removed
        with open(d + "/x", "w") as f:
            f.write("x")
        try:
            # the record cannot be written: 34824, the value kept as saved
            self.assertEqual(self.r.send('AT#APNSERV="one"'), b"\r\n#CME ERROR: 34824\r\n")
            self.assertEqual(self.r.send('AT#APNUN="two"'), OK)  # the file written whole
            self.assertEqual(self.r.send('AT#APNPW="three"'), OK)  # and again
            r2 = self.r.restart()
            self.assertEqual(r2.send("AT#APNSERV?"), b'\r\n#APNSERV: ""\r\n' + OK)
            self.assertEqual(r2.send("AT#APNUN?"), b'\r\n#APNUN: "two"\r\n' + OK)
            self.assertEqual(r2.send("AT#APNPW?"), b'\r\n#APNPW: "three"\r\n' + OK)
            self.assertEqual(r2.send("AT#GPRSCID?"), b"\r\n#GPRSCID: 2\r\n" + OK)
        finally:
            os.remove(d + "/x")
            os.rmdir(d)

    def test_records_of_an_older_file_are_not_applied(self):
        self.r.send("AT#GPRSCID=2")
        self.r.send('AT#APNSERV="journalled"')
        path = self.r.flash + "/params.gpx.j"
        with open(path, "rb") as f:
            stale = f.read()
        self.r.send("AT&F")  # the file written whole (a new generation), the journal dropped
        with open(path, "wb") as f:
            f.write(stale)  # as if power went before the journal was dropped
        r2 = self.r.restart()
        self.assertEqual(r2.send("AT#APNSERV?"), b'\r\n#APNSERV: ""\r\n' + OK)

    def test_a_corrupt_file_means_defaults_and_is_kept_aside(self):
        self.r.send('AT#APNUN="someone"')
        path = self.r.flash + "/params.gpx"
        with open(path, "rb") as f:
            data = bytearray(f.read())
        data[-3] ^= 0x01
        with open(path, "wb") as f:
            f.write(data)
        r2 = self.r.restart()
        self.assertEqual(r2.send("AT#APNUN?"), b'\r\n#APNUN: ""\r\n' + OK)
        self.assertIn("params.gpx.bad", r2.files())
        self.assertEqual(r2.send('AT#APNUN="again"'), OK)
        self.assertEqual(r2.restart().send("AT#APNUN?"), b'\r\n#APNUN: "again"\r\n' + OK)

    def test_a_saved_value_that_is_not_legal_falls_back_to_its_default(self):
        self.r.send("AT#GPRSCID=3")
        self.r.send('AT#APNPW="kept"')
        store = Store(self.r.flash, "params.gpx")
        body = bytes(store.load()).replace(b'"GPRSCID": 3', b'"GPRSCID": 99')
        store.save(body)
        r2 = self.r.restart()
        self.assertEqual(r2.send("AT#GPRSCID?"), b"\r\n#GPRSCID: 1\r\n" + OK)
        self.assertEqual(r2.send("AT#APNPW?"), b'\r\n#APNPW: "kept"\r\n' + OK)

    def test_at_f_restores_factory_defaults_and_saves_them(self):
        self.r.send('AT#APNSERV="x"')
        self.r.send("AT#DLEMODE=1,0")
        self.assertEqual(self.r.send("AT&F"), OK)
        self.assertEqual(self.r.send("AT#APNSERV?"), b'\r\n#APNSERV: ""\r\n' + OK)
        self.assertEqual(self.r.restart().send("AT#DLEMODE=1"), b"\r\n#DLEMODE: 1,1\r\n" + OK)

    def test_at_f_keeps_the_boards_own_line_speed_and_wifi_network(self):
        self.r.send("AT+IPR=9600")
        self.r.send('AT#WLANSSID="plant"')
        self.r.send('AT#WLANPW="secret"')
        self.r.send('AT#APNSERV="x"')
        self.assertEqual(self.r.send("AT&F"), OK)
        for r in (self.r, self.r.restart()):  # in use, and as saved
            self.assertEqual(r.send("AT#APNSERV?"), b'\r\n#APNSERV: ""\r\n' + OK)
            self.assertEqual(r.send("AT+IPR?"), b"\r\n+IPR: 9600\r\n" + OK)
            self.assertEqual(r.send("AT#VWLAN"),
                             b'\r\n#WLANSSID: "plant"\r\n#WLANPW: "secret"\r\n' + OK)

    def test_atz_reloads_the_saved_parameters_and_resets_the_session(self):
        self.r.send("AT+CMEE=0")
        self.r.send('AT#APNSERV="saved"')
        self.r.modem.params.values["APNSERV"] = "only in ram"
        self.assertEqual(self.r.send("ATZ"), OK)
        self.assertEqual(self.r.send("AT"), b"AT\r" + OK)  # echo back on
        self.r.send("ATE0")
        self.assertEqual(self.r.send("AT#APNSERV?"), b'\r\n#APNSERV: "saved"\r\n' + OK)
        self.assertEqual(self.r.send("AT+CMEE?"), b"\r\n+CMEE: 1\r\n" + OK)


class BasicTest(unittest.TestCase):
    def setUp(self):
        self.r = Rig()

    def tearDown(self):
        self.r.close()

    def test_v1_q0_and_w_answer_ok(self):
        for c in ("ATV1", "ATV", "ATQ0", "ATQ", "AT&W", "ATE0"):
            want = b"\r\nERROR\r\n" if c == "ATV" else OK
            self.assertEqual(self.r.send(c), want, c)

    def test_identification(self):
        b = self.r.modem.board
        self.assertEqual(self.r.lines("ATI"), [b.MANUFACTURER, b.MODEL, b.REVISION, "OK"])
        for c, v in (("+CGMI", b.MANUFACTURER), ("+GMI", b.MANUFACTURER), ("+CGMM", b.MODEL),
                     ("+GMM", b.MODEL), ("+CGMR", b.REVISION), ("+GMR", b.REVISION)):
            self.assertEqual(self.r.lines("AT" + c), [v, "OK"])

    def test_cmee_chooses_how_errors_are_shown(self):
        self.assertEqual(self.r.send("AT+CMEE?"), b"\r\n+CMEE: 1\r\n" + OK)
        self.assertEqual(self.r.send("AT#GPRSCID=9"), BAD)
        self.assertEqual(self.r.send("AT+CMEE=2"), OK)
        self.assertEqual(self.r.send("AT#GPRSCID=9"),
                         b"\r\n#CME ERROR: Bad parameter configuration attempt\r\n")
        self.assertEqual(self.r.send("AT+CMEE=0"), OK)
        self.assertEqual(self.r.send("AT#GPRSCID=9"), b"\r\nERROR\r\n")
        self.assertEqual(self.r.send("AT+CMEE=3"), b"\r\nERROR\r\n")
        self.assertEqual(self.r.send("AT+CMEE?"), b"\r\n+CMEE: 0\r\n" + OK)

    def test_ipr_changes_the_line_speed_after_ok_and_is_saved(self):
        self.assertEqual(self.r.send("AT+IPR?"), b"\r\n+IPR: 115200\r\n" + OK)
        self.assertEqual(self.r.send("AT+IPR=9600"), OK)
        self.assertEqual(self.r.port.baud, 9600)
        for bad in ("1234", "0", "x"):
            self.assertEqual(self.r.send("AT+IPR=" + bad), BAD, bad)
        self.assertEqual(self.r.port.baud, 9600)
        r2 = self.r.restart()
        self.assertEqual(r2.port.baud, 9600)
        self.assertEqual(r2.send("AT+IPR?"), b"\r\n+IPR: 9600\r\n" + OK)

    def test_cpin_is_ready(self):
        self.assertEqual(self.r.send("AT+CPIN?"), b"\r\n+CPIN: READY\r\n" + OK)

    def test_vstate_is_idle_and_connectionstop_answers_ok_when_no_link_is_up(self):
        self.assertEqual(self.r.send("AT#VSTATE"), b'\r\n#STATE: "IDLE"\r\n' + OK)
        self.assertEqual(self.r.send("AT#CONNECTIONSTOP"), OK)

    def test_commands_that_need_the_link_answer_35867_while_it_is_down(self):
        for c in ("AT#DISPLAYIP", "AT#OTCP=1", "AT#LTCPSTART=1", "AT#FTPGET", "AT#FTPPUT",
                  "AT#FTTPUT",
                  "AT+EGNTP=1", "AT+EGNTPT=1"):
            self.assertEqual(self.r.send(c), b"\r\n#CME ERROR: 35867\r\n", c)


if __name__ == "__main__":
    unittest.main()
