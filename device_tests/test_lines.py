"""The command loop: bytes assembled into lines, echo, A/, errors, the loop surviving."""
import unittest

from kit import Rig

OK = b"\r\nOK\r\n"
ERROR = b"\r\nERROR\r\n"


class LineTest(unittest.TestCase):
    def setUp(self):
        self.r = Rig()

    def tearDown(self):
        self.r.close()

    def test_start_prints_wind_13_then_ready(self):
        self.assertEqual(self.r.boot, b"\r\n+WIND: 13\r\n\r\n+WIND: 4\r\n")
        self.assertEqual(self.r.send("AT+WIND=0"), OK)  # no more +WIND: 4
        self.assertEqual(self.r.restart().boot, b"\r\n+WIND: 13\r\n")

    def test_at_answers_ok(self):
        self.assertEqual(self.r.send("AT"), OK)

    def test_echo_is_on_after_start_and_follows_ate(self):
        r = Rig(echo=True)
        try:
            self.assertEqual(r.send("AT"), b"AT\r" + OK)
            self.assertEqual(r.send("ATE0"), b"ATE0\r" + OK)
            self.assertEqual(r.send("AT"), OK)
            self.assertEqual(r.send("ATE1"), OK)
            self.assertEqual(r.send("AT"), b"AT\r" + OK)
        finally:
            r.close()

    def test_lf_is_ignored(self):
        self.assertEqual(self.r.feed(b"AT\r\n"), OK)
        self.assertEqual(self.r.feed(b"\nAT\n\r"), OK)

    def test_backspace_and_del_delete(self):
        self.assertEqual(self.r.feed(b"ATQ\x08\r"), OK)
        self.assertEqual(self.r.feed(b"ATZZ\x7f\x08\r"), OK)
        self.assertEqual(self.r.feed(b"ATZ\x08\x08\r"), b"")  # "A": no command in it

    def test_noise_before_at_is_ignored_but_a_byte_past_ascii_in_the_command_is_an_error(self):
        self.r.send("ATE0")
        self.assertEqual(self.r.feed(b"\xff\x80xyAT\r"), OK)  # line noise before the AT
        self.assertEqual(self.r.feed(b"ATE0\xff\r"), b"\r\nERROR\r\n")
        self.assertEqual(self.r.feed(b"ATE0\xff\x08\r"), OK)  # deleted: it does not count
        self.assertEqual(self.r.feed(b"x\xffat\r"), OK)

    def test_a_bare_read_answers_as_the_parsed_line_does(self):
        # AT#NAME? and AT#NAME go straight to their handler (Modem.execute); with a space
        # after AT the same line goes through atparse: every answer must be the same.
        from modem import commands, schema

        self.r.send("ATE0")
        names = [n for n in commands.names() if n[0] in "#+"]
        for n in list(schema.PARAMS) + list(schema.ALIASES):
            names.append(schema.row(schema.find(n))[schema.PREFIX] + n)
            names.append(("+" if names[-1][0] == "#" else "#") + n)  # the other prefix
        lines = [n + "?" for n in names] + [n.lower() + "?" for n in names[:20]]
        lines += [n for n in names if n.startswith("#V")]  # the displays, run bare
        lines += ["#NOSUCH?", "#VGPRS??", "#?", "#", "#VGPRS?x", "+CGATT?"]
        for line in lines:
            if line.startswith("#VMEM") or line.startswith("+CCLK"):
                continue  # the heap, the clock: other figures a moment later
            fast = self.r.send("AT" + line)
            parsed = self.r.send("AT " + line)
            self.assertEqual(fast, parsed, line)

    def test_one_extended_command_answers_as_the_parsed_line_does(self):
        # A line of one extended command with its operation (AT#TCPPORT=1,80) is taken
        # whole by Modem.execute (atparse.extended); with a space after AT it goes through
        # atparse.parse: every answer, and the value it leaves, must be the same.
        from modem import schema

        self.r.send("ATE0")
        tails = ("=1", "=2,7", '="x"', '=1,"ab c"', "=", "=?", " =3", "= 1 , 2", '="a', "=,",
                 '=1,"x"x', '=a"b', '=1,a"b', "=1,2,3", "?x", "x=1", "-A=1", '"=1', ".=1",
                 "=-0,30")
        for n in schema.PARAMS:
            if n in ("IPR", "WIND"):
                continue  # the line's speed, the +WIND lines: not this test's
            name = schema.row(n)[schema.PREFIX] + n
            for tail in tails:
                line = name + tail
                fast = self.r.send("AT" + line)
                shown = self.r.send("AT" + name + "?")
                parsed = self.r.send("AT " + line)
                self.assertEqual(fast, parsed, line)
                self.assertEqual(self.r.send("AT" + name + "?"), shown, line)

    def test_names_in_use_are_kept_with_their_handlers_any_spelling_in_one_slot(self):
        # Modem.execute keeps the names of one-command lines (no new str per line): every
        # spelling of a name answers alike, the first time and after, in one slot; names
        # nobody knows are not kept; more names than slots take them in turn
        m = self.r.modem
        self.assertEqual(self.r.send('AT#APNSERV="k"'), OK)
        first = self.r.send("AT#APNSERV?")
        self.assertEqual(first, b'\r\n#APNSERV: "k"\r\n' + OK)
        for i in range(64):  # upper/lower mixes of "apnserv"
            sp = "#" + "".join(c.upper() if i >> k & 1 else c for k, c in enumerate("apnserv"))
            self.assertEqual(self.r.send("AT" + sp + "?"), first, sp)
            self.assertEqual(self.r.send("AT" + sp + "X?"), ERROR, sp)  # nobody's name
        self.assertEqual([x for x in m._nx[::2] if x], ["#APNSERV"])
        self.assertEqual(self.r.send('AT#apnserv="k2"'), OK)  # a set by a kept name
        self.assertEqual(self.r.send("AT#APNSERV?"), b'\r\n#APNSERV: "k2"\r\n' + OK)
        names = ("#APNSERV", "#APNUN", "#APNPW", "#TCPPORT", "#TCPSERV", "#FTPPORT", "#FTPSERV",
                 "#DNSSERV1", "#VSTATE", "#VGPRS", "#TCPTXDELAY", "#DLEMODE", "+CGATT",
                 "#SNTPSERV", "#FTPGETFILENAME")  # more than the slots: each in turn
        for _ in range(3):
            for n in names:
                line = n if n.startswith("#V") else n + "?"
                self.assertEqual(self.r.send("AT" + line), self.r.send("AT " + line), line)
        self.assertEqual(len(set(m._nx[::2])), len(m._nx[::2]))  # a name in one slot at most

    def test_quotes_and_semicolons(self):
        self.r.send("ATE0")
        self.assertEqual(self.r.send('AT#APNSERV=ab"c'), b"\r\nERROR\r\n")  # left open
        self.assertEqual(self.r.send('AT#APNSERV="ab'), b"\r\nERROR\r\n")
        self.assertEqual(self.r.send('AT#APNSERV="a;b"'), OK)  # in quotes: not a separator
        self.assertEqual(self.r.send("AT#APNSERV?"), b'\r\n#APNSERV: "a;b"\r\n' + OK)
        self.assertEqual(self.r.send('AT#APNSERV="x";#APNUN="y;"'), OK)
        self.assertEqual(self.r.send("AT#APNSERV?;#APNUN?"),
                         b'\r\n#APNSERV: "x"\r\n#APNUN: "y;"\r\n' + OK)
        self.assertEqual(self.r.send('AT#APNSERV="z";#APNUN="q'), b"\r\nERROR\r\n")
        self.assertEqual(self.r.send("AT#APNSERV?"), b'\r\n#APNSERV: "x"\r\n' + OK)

    def test_a_slash_repeats_the_last_command(self):
        first = self.r.send("AT#GPRSCID?")
        self.assertEqual(first, b"\r\n#GPRSCID: 1\r\n" + OK)
        self.assertEqual(self.r.feed(b"A/"), first)
        self.assertEqual(self.r.feed(b"a/"), first)

    def test_a_slash_with_no_command_before_is_an_error(self):
        r = Rig(echo=True)
        try:
            self.assertEqual(r.feed(b"A/"), b"A/" + ERROR)
        finally:
            r.close()

    def test_overlong_line_is_discarded_with_error_and_buffer_keeps_its_size(self):
        size = len(self.r.modem._line)
        self.assertEqual(self.r.feed(b"AT" + b"X" * 400 + b"\r"), ERROR)
        self.assertEqual(len(self.r.modem._line), size)
        self.assertEqual(self.r.send("AT"), OK)

    def test_a_line_of_exactly_256_characters_is_a_command(self):
        line = "AT#APNPW=" + "x" * (256 - 9)
        self.assertEqual(len(line), 256)
        self.assertEqual(self.r.send(line), b"\r\n#CME ERROR: 36929\r\n")

    def test_names_are_case_insensitive_and_values_keep_their_case(self):
        self.assertEqual(self.r.send('at#apnserv="MyApn"'), OK)
        self.assertEqual(self.r.send("aT#ApNsErV?"), b'\r\n#APNSERV: "MyApn"\r\n' + OK)

    def test_empty_lines_get_no_answer(self):
        self.assertEqual(self.r.feed(b"\r\r  \r"), b"")

    def test_malformed_lines_get_error_and_the_next_command_works(self):
        for bad in ("AT#", "AT+", 'AT#APNPW="never closed', 'AT#APNPW="a"b', "AT#VALL!",
                    "AT$", "AT#VALL=?x", "ATV0", "ATQ1", "ATE2", "ATX", "xxAT#"):
            self.assertEqual(self.r.send(bad), ERROR, bad)
            self.assertEqual(self.r.send("AT"), OK)

    def test_line_noise_is_left_out(self):
        """V.250: what comes before AT is not part of the command; a line with no AT in it
        gets no answer; control bytes (an ETX, Ctrl-C on a terminal) are not part of a
        line."""
        for noise in (b"HELLO\r", b"A\r", b"\x03\x03\r", b"\x00\x1b\r"):
            self.assertEqual(self.r.feed(noise), b"", noise)
        self.assertEqual(self.r.feed(b"\x03\x03ATE0\r"), OK)
        self.assertEqual(self.r.feed(b"junk AT#GPRSCID?\r"), b"\r\n#GPRSCID: 1\r\n" + OK)
        self.assertEqual(self.r.feed(b"AT#GPR\x03SCID?\r"), b"\r\n#GPRSCID: 1\r\n" + OK)
        self.assertEqual(self.r.feed(b"\nAT\n\r"), OK)

    def test_unknown_commands_get_error(self):
        for bad in ("AT#NOSUCH", "AT+NOSUCH", "AT#NOSUCH?", "AT#NOSUCH=1"):
            self.assertEqual(self.r.send(bad), ERROR, bad)

    def test_bytes_outside_ascii_make_the_line_an_error(self):
        self.assertEqual(self.r.feed(b"AT\xff\x00\x01\r"), ERROR)
        self.assertEqual(self.r.send("AT"), OK)

    def test_random_bytes_never_stop_the_loop(self):
        seed = 12345
        junk = bytearray(4000)
        for i in range(len(junk)):
            seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
            junk[i] = (seed >> 16) & 0xFF
        self.r.feed(bytes(junk))
        self.r.feed(b"\r")
        self.assertEqual(self.r.send("AT"), OK)

    def test_basic_commands_chain_on_one_line(self):
        self.assertEqual(self.r.send("ATE0V1Q0"), OK)
        self.assertEqual(self.r.send("AT+CMEE=2;+CMEE?"), b"\r\n+CMEE: 2\r\n" + OK)

    def test_an_unforeseen_failure_answers_49155_and_the_modem_runs_on(self):
        def broken():
            raise ValueError("bug")

        self.r.modem.params.load = broken  # what ATZ runs
        self.assertEqual(self.r.send("ATZ"), b"\r\n#CME ERROR: 49155\r\n")
        self.assertEqual(self.r.send("AT#VSTATE"), b'\r\n#STATE: "IDLE"\r\n' + OK)

    def test_vmem_gives_the_heap_under_micropython_and_error_under_cpython(self):
        import gc

        got = self.r.send("AT#VMEM")
        if not hasattr(gc, "mem_alloc"):
            self.assertEqual(got, ERROR)
            return
        self.assertTrue(got.startswith(b"\r\n#VMEM: ") and got.endswith(OK), got)
        used, free = [int(x) for x in got[9:got.index(b"\r\n", 2)].split(b",")]
        gc.collect()
        # the figures are the heap's, taken with the display module loaded
        self.assertEqual(used + free, gc.mem_alloc() + gc.mem_free())
        self.assertTrue(used > 0 and free > 0)


if __name__ == "__main__":
    unittest.main()
