"""The DLE codec on the device: the viper functions against the spec and their bytecode twin."""
import gc
import sys
import unittest

from modem import dle, dlepy

REMOTE = b"0123456\x10654321\x03123456"
SENT = b"0123456\x10\x10654321\x10\x03123456\x03"
SPECIAL = (0x00, 0x03, 0x10, 0x41, 0xFF)


# The boards (sys.platform): there the check of every 3-byte input is sampled. All
# 16,777,216 take 24 to 30 s under the unix port on a computer; a 133 MHz RP2040 needs about
# 36 minutes (the estimate), 70 to 90 times longer. On a board: the 19,200 inputs
# with special bytes, then SAMPLE_3 random ones: 0.16 s under the unix port, 0.6 % of the
# whole, so about 13 s on an RP2040 (16 s if it is 100 times slower): well under a minute,
# with room for a slower board.
ON_BOARD = sys.platform in ("rp2", "esp32")
SAMPLE_3 = 65536


def _rand(seed, buf, n):
    """xorshift32 into buf[0:n]; returns the next seed (no allocation, same on both runtimes)."""
    x = seed
    for i in range(n):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        buf[i] = x & 0xFF
    return x


def _spread_differs(src, n, gap, e1, e2):
    """viper and twin spread src[0:n] put gap bytes into e1 and e2 differently (the
    buffers are the caller's, reused: nothing is allocated)."""
    for i in range(n):
        e1[gap + i] = e2[gap + i] = src[i]
    x = dle.spread(e1, gap, n, 0)
    return x != dlepy.spread(e2, gap, n, 0) or e1 != e2


def _twins_differ_3(src, e1, e2, d1, d2, s1, s2):
    """viper and twin disagree on the 3 bytes of src: spread with room for every escape and
    with room for one, and decode from a fresh state."""
    if _spread_differs(src, 3, 3, e1, e2) or _spread_differs(src, 3, 1, e1, e2):
        return True
    s1[0] = s2[0] = 0
    m1 = dle.decode(src, 3, d1, s1)
    return (m1 != dlepy.decode(src, 3, d2, s2)
            or d1 != d2 or s1[1] != s2[1] or s1[2] != s2[2] or s1[0] != s2[0])


def _encode(src, n, dst, spread=dle.spread):
    """src[0:n] escaped to dst's start as the pump does it (put n bytes in, spread forward)."""
    dle.put(src, n, dst, n)
    return spread(dst, n, n, 0) & 0xFFFF


class DleTest(unittest.TestCase):
    def setUp(self):
        self.st = dle.new_state()
        self.st2 = dle.new_state()
        self.a = bytearray(4096)
        self.b = bytearray(4096)

    def test_spec_7_4_7_vectors(self):
        for spread, decode in ((dle.spread, dle.decode), (dlepy.spread, dlepy.decode)):
            n = _encode(REMOTE, len(REMOTE), self.a, spread)
            self.assertEqual(bytes(self.a[:n]) + b"\x03", SENT)
            dle.reset(self.st)
            m = decode(SENT + b"AT\r", len(SENT) + 3, self.b, self.st)
            self.assertEqual(bytes(self.b[:m]), REMOTE)
            self.assertEqual(self.st[dle.ST_ETX], 1)
            self.assertEqual(self.st[dle.ST_USED], len(SENT))

    def test_dle_before_another_byte_is_dropped_and_the_byte_kept(self):
        src = b"a\x10b\x10\x00\x10\xff\x10"
        m = dle.decode(src, len(src), self.b, self.st)
        self.assertEqual(bytes(self.b[:m]), b"ab\x00\xff")
        self.assertEqual(self.st[dle.ST_DLE], 1)
        m = dle.decode(b"\x03\x03", 2, self.b, self.st)
        self.assertEqual(bytes(self.b[:m]), b"\x03")
        self.assertEqual(self.st[dle.ST_ETX], 1)
        self.assertEqual(self.st[dle.ST_USED], 2)

    def test_random_round_trips_in_random_chunks(self):
        seed = 2463534242
        src = bytearray(1500)
        enc = bytearray(3001)
        out = bytearray(1500)
        cuts = bytearray(4)
        for k in range(3000):
            n = k % 1500 if k % 7 else k % 40
            seed = _rand(seed, src, n)
            if k % 3 == 0:  # more DLEs and ETXs than random data has
                for i in range(0, n, 5):
                    src[i] = SPECIAL[(i + k) % 5]
            m = _encode(src, n, enc)
            if k % 2:
                enc[m] = 0x03
                m += 1
            seed = _rand(seed, cuts, 4)
            dle.reset(self.st)
            pos = 0
            got = 0
            while True:
                end = pos + 1 + (cuts[pos % 4] * 7 if k % 5 else cuts[pos % 4] % 3)
                if end > m:
                    end = m
                w = dle.decode(memoryview(enc)[pos:end], end - pos, memoryview(out)[got:], self.st)
                got += w
                pos += self.st[dle.ST_USED]
                if self.st[dle.ST_ETX] or pos >= m:
                    break
            self.assertEqual(got, n)
            self.assertEqual(pos, m)
            self.assertEqual(self.st[dle.ST_ETX], k % 2)
            # A message of our own: without one micropython-lib's assertEqual makes the repr
            # of both (up to 12 KB in one piece) on every call, even when they are equal.
            self.assertEqual(out[:n], src[:n], "round trip %d differs" % k)

    def test_viper_equals_twin_on_long_inputs_at_every_alignment(self):
        # The viper functions take four bytes at a time where none of them is special:
        # inputs longer than a word, starting at every offset of one, DLEs and ETXs rare,
        # common, and where a word's bytes borrow from one another (0x11, 0x04, 0x00).
        if not dle.VIPER:
            self.skipTest("no viper here: dle's functions are dlepy's")
        src = bytearray(64)
        a, b = bytearray(200), bytearray(200)
        s1, s2 = dle.new_state(), dle.new_state()
        seed = 1234567
        # (6,000 here: 0.35 s under the unix port; a board, some 50 times slower, a quarter)
        for k in range(1500 if ON_BOARD else 6000):
            n = 4 + k % 60
            seed = _rand(seed, src, n)
            dense = k % 4
            for i in range(n):
                if dense == 1 and src[i] < 40:
                    src[i] = (0x10, 0x03, 0x11, 0x04, 0x00, 0x0F)[src[i] % 6]
                elif dense == 2 and src[i] & 1:
                    src[i] = 0x10 if src[i] & 2 else 0x03
            off = k % 8
            for gap in (n + off, off + 1):  # room for every escape; for one
                # (a and b stay equal between the steps: what lies around is the same)
                for i in range(n):
                    a[gap + i] = b[gap + i] = src[i]
                x = dle.spread(a, gap, n, off)
                if x != dlepy.spread(b, gap, n, off) or a != b:
                    self.fail("spread differs on %r at %d, %d" % (bytes(src[:n]), gap, off))
            for pend in (0, 1):  # decoded in place from offset off, a DLE pending or not
                for i in range(n):
                    a[off + i] = b[off + i] = src[i]
                s1[0] = s2[0] = pend
                s1[3] = s2[3] = off
                m1 = dle.decode(memoryview(a)[off:], n, a, s1)
                m2 = dlepy.decode(memoryview(b)[off:], n, b, s2)
                if m1 != m2 or a != b or s1 != s2:
                    self.fail("decode differs on %r at %d, %d" % (bytes(src[:n]), off, pend))

    def _same(self, src, n):
        """viper and twin agree on src[0:n] (spread with room for all escapes and for one,
        and decode from a fresh state)."""
        a, b, st, st2 = self.a, self.b, self.st, self.st2
        if _spread_differs(src, n, n, a, b) or _spread_differs(src, n, 1, a, b):
            return False
        st[0] = st[1] = st[2] = 0
        st2[0] = st2[1] = st2[2] = 0
        m = dle.decode(src, n, a, st)
        if m != dlepy.decode(src, n, b, st2) or a[:m] != b[:m]:
            return False
        return st[0] == st2[0] and st[1] == st2[1] and st[2] == st2[2]

    def test_exhaustive_viper_equals_twin_1_and_2_bytes(self):
        src = bytearray(2)
        for x in range(256):
            src[0] = x
            self.assertTrue(self._same(src, 1), x)
            for y in range(256):
                src[1] = y
                if not self._same(src, 2):
                    self.fail("differ on %r" % bytes(src))

    def test_viper_equals_twin_on_every_3_byte_input_or_a_sample_on_a_board(self):
        # Where viper is missing (CPython) both names are the twin: nothing to compare.
        if not dle.VIPER:
            self.skipTest("no viper here: dle's functions are dlepy's")
        src = bytearray(3)
        e1, e2, d1, d2 = bytearray(6), bytearray(6), bytearray(3), bytearray(3)
        s1, s2 = dle.new_state(), dle.new_state()
        if not ON_BOARD:  # all 16,777,216, in loops (a call per input costs 20 % more)
            for x in range(256):
                src[0] = x
                for y in range(256):
                    src[1] = y
                    for z in range(256):
                        src[2] = z
                        if _twins_differ_3(src, e1, e2, d1, d2, s1, s2):
                            self.fail("differ on %r" % bytes(src))
            return

        def check():
            if _twins_differ_3(src, e1, e2, d1, d2, s1, s2):
                self.fail("differ on %r" % bytes(src))

        # Every value in each position with special bytes in the others (every transition
        # of the decoder, as host_tests/test_dle_host.py's), then SAMPLE_3 from a fixed seed.
        for a in range(256):
            for b in SPECIAL:
                for c in SPECIAL:
                    src[0], src[1], src[2] = a, b, c
                    check()
                    src[0], src[1], src[2] = b, a, c
                    check()
                    src[0], src[1], src[2] = b, c, a
                    check()
        seed = 2463534242
        for _ in range(SAMPLE_3):
            seed = _rand(seed, src, 3)
            check()

    def test_mask7_clears_the_top_bit_of_the_first_n_bytes_only(self):
        for f in (dle.mask7, dlepy.mask7):
            b = bytearray(range(256)) + bytearray(b"\xff\xff")
            f(b, 256)
            self.assertEqual(b, bytearray(c & 0x7F for c in range(256)) + b"\xff\xff")
            f(memoryview(b)[256:], 1)
            self.assertEqual(b[256:], b"\x7f\xff")

    def test_put_copies_n_bytes_to_the_offset_and_nothing_else(self):
        for f in (dle.put, dlepy.put):
            dst = bytearray(b"." * 10)
            f(memoryview(b"abcdef"), 3, dst, 4)
            self.assertEqual(dst, b"....abc...")
            f(b"xyz", 0, dst, 0)
            self.assertEqual(dst, b"....abc...")
            f(b"XY", 2, memoryview(dst), 8)
            self.assertEqual(dst, b"....abc.XY")

    def test_take_copies_a_line_up_to_a_control_byte_a_repeat_or_a_full_buffer(self):
        for f in (dle.take, dlepy.take):
            line = bytearray(8)
            x = f(b"AT#X=1\r\nAT", (0 << 16) | 10, line, 0)
            self.assertEqual((x >> 16, x & 0xFFFF), (6, 6))  # stopped before the CR
            self.assertEqual(line[:6], b"AT#X=1")
            x = f(b"xx\xffab\x7fc", (2 << 16) | 7, line, 1)  # from 2; byte 255 is no control
            self.assertEqual((x >> 16, x & 0xFFFF), (5, 4))  # stopped before the DEL
            self.assertEqual(line[:4], b"A\xffab")
            x = f(b"a/", 2, line, 0)  # the / after an A: stopped before it (A/)
            self.assertEqual((x >> 16, x & 0xFFFF), (1, 1))
            x = f(b"/", 1, line, 1)
            self.assertEqual((x >> 16, x & 0xFFFF), (0, 1))
            x = f(b"x/", 2, line, 0)  # after anything else: taken
            self.assertEqual((x >> 16, x & 0xFFFF), (2, 2))
            x = f(b"0123456789", 10, line, 3)  # the buffer is full at 8
            self.assertEqual((x >> 16, x & 0xFFFF), (5, 8))
            self.assertEqual(line, b"x/a01234")
            x = f(b"abc", (3 << 16) | 3, line, 0)  # nothing left
            self.assertEqual(x, (3 << 16) | 0)

    def test_take_of_the_viper_equals_the_twin_on_random_lines(self):
        if not dle.VIPER:
            self.skipTest("no viper here: dle's functions are dlepy's")
        src = bytearray(40)
        l1, l2 = bytearray(16), bytearray(16)
        seed = 88172645
        for _ in range(20000):
            seed = _rand(seed, src, 40)
            for i in range(0, 40, 3):  # mostly printable, some controls, some A/
                src[i] = 32 + src[i] % 95 if src[i] & 64 else src[i] % 48
            src[seed % 40] = 47
            i = seed % 7
            k = (seed >> 8) % 17
            l1[0] = l2[0] = 97 if seed & 1 else 98
            x = dle.take(src, (i << 16) | 40, l1, k)
            if x != dlepy.take(src, (i << 16) | 40, l2, k) or l1 != l2:
                self.fail("differ on %r from %d, k %d" % (bytes(src), i, k))

    def test_slot_finds_a_name_in_any_spelling_among_the_slots(self):
        for f in (dle.slot, dlepy.slot):
            table = bytearray(4 << 4)
            for k, name in ((0, b"#VSTATE"), (2, b"+CGATT"), (3, b"#FTPGETFILENAME")):
                table[k << 4] = len(name)
                table[(k << 4) + 1:(k << 4) + 1 + len(name)] = name
            for line, want in ((b"AT#VSTATE", 0), (b"AT#vState?", 0), (b"AT+cgatt=1", 2),
                               (b"AT#FTPGETFILENAME", 3), (b"AT#VSTAT", -1), (b"AT#VSTATEX", -1),
                               (b"AT#TCPPORT", -1), (b"AT", -1), (b"AT#VSTATF", -1),
                               (b"AT#VSTATE\x00", -1), (b"AT#FTPGETFILENAMES", -1)):
                j = len(line)
                for c in b"?=":
                    if c in line:
                        j = line.index(bytes((c,)))
                self.assertEqual(f(line, j, table), want, (f, line))
            table[0] = 0  # an empty slot is nobody's
            self.assertEqual(f(b"AT#VSTATE", 9, table), -1)

    def test_slot_of_the_viper_equals_the_twin_on_random_names(self):
        if not dle.VIPER:
            self.skipTest("no viper here: dle's functions are dlepy's")
        table = bytearray(8 << 4)
        src = bytearray(20)
        seed = 12345
        for _ in range(5000):
            seed = _rand(seed, src, 20)
            for i in range(20):  # a few letters, either case: names meet often
                src[i] = (65 if src[i] & 1 else 97) + src[i] % 3
            k = seed % 8
            n = 1 + (seed >> 4) % 4
            table[k << 4] = n
            for i in range(n):
                table[(k << 4) + 1 + i] = 65 + src[(i + 7) % 20] % 3
            j = 2 + (seed >> 9) % 5
            if dle.slot(src, j, table) != dlepy.slot(src, j, table):
                self.fail("differ on %r to %d" % (bytes(src), j))

    def test_no_allocation_over_10000_calls(self):
        try:
            mem_alloc = gc.mem_alloc
        except AttributeError:
            self.skipTest("gc.mem_alloc: MicroPython only")
        if not dle.VIPER:
            self.skipTest("no viper")
        src = bytearray(b"ab\x10\x03" * 64)
        spread = dle.spread
        dec = dle.decode
        a, st = self.a, self.st
        gc.collect()
        gc.disable()
        before = mem_alloc()
        for _ in range(10000):
            dle.put(src, 256, a, 256)
            m = spread(a, 256, 256, 0) & 0xFFFF
            dec(a, m, a, st)
        grown = mem_alloc() - before
        gc.enable()
        self.assertEqual(grown, 0)


if __name__ == "__main__":
    unittest.main()
