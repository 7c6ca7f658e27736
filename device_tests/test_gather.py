"""The pump with TCPTXDELAY 0 on a line that brings its bytes one or a few at a time: a pass
gathers them, a character's time at a wait, into one write to the stream (up to 16 bytes,
or until a wait brings nothing), where it would make a pass and a segment for each.

The line is a unix-domain stream socket pair: what the host writes is there to read at
once (a pty hands it over later, by a kernel worker), so each of the pump's waits (its nap,
replaced here by one that counts them) brings exactly the bytes the test says. The stream
is a socket pair too, what the pump writes to it recorded. On the unix port and under
CPython (make test runs device_tests/ on both); a board without unix-domain sockets skips it.
"""
import unittest

from modem import pump as P
from modem.compat import MPY, Stream

ETX = b"\x03"
_made = [0]


def _pair():
    """Two connected unix-domain stream sockets, or None where there are none."""
    try:
        import socket
    except ImportError:
        return None
    if hasattr(socket, "socketpair"):
        return socket.socketpair()
    if not hasattr(socket, "AF_UNIX"):
        return None
    import os
    import struct

    from modem.compat import ticks_ms

    _made[0] += 1
    path = "/tmp/gpx-gather-%d-%d.sock" % (ticks_ms(), _made[0])
    # the unix port's bind and connect take the address as its bytes (struct sockaddr_un)
    addr = struct.pack("<H", socket.AF_UNIX) + path.encode() + b"\0"
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        srv.bind(addr)
        srv.listen(1)
        a = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        a.connect(addr)
        b = srv.accept()[0]
    except OSError:
        return None
    finally:
        srv.close()
        try:
            os.remove(path)
        except OSError:
            pass
    return a, b


class Line:
    """The serial line (a port, see modem.core): the pump reads `mine`, the host writes."""

    def __init__(self, pair, baud=115200):
        self.mine, self.host = pair
        self.mine.setblocking(False)
        self.pollable = self.wpollable = self.mine
        self.baud = baud

    def readinto(self, mv, n=-1):
        n = len(mv) if n < 0 else n
        if MPY:
            return self.mine.readinto(mv, n)
        try:
            return self.mine.recv_into(mv, n)
        except BlockingIOError:
            return None

    def write(self, mv, off=0, n=-1):
        return self.mine.send(bytes(mv[off:] if n < 0 else mv[off:off + n]))

    def send(self, data):
        self.host.send(data)

    def close(self):
        self.mine.close()
        self.host.close()


class Recorded:
    """The pump's stream: a real socket; each write's bytes kept (and the waits there had
    been before the first), then after() called."""

    def __init__(self, pair, after, naps):
        self.a, self.b = pair
        self.s = Stream(self.a)
        self.pollable = getattr(self.s, "pollable", self.s)
        self.writes = []
        self.after = after
        self.naps = naps
        self.naps_before = None

    def readinto(self, mv, n=-1):
        return self.s.readinto(mv, n)

    def write(self, mv, off=0, n=-1):
        k = self.s.write(mv, off, n)
        if k:
            if not self.writes:
                self.naps_before = list(self.naps)
            self.writes.append(bytes(mv[off:off + k]))
            self.after(self)
        return k

    def close(self):
        self.a.close()
        self.b.close()


def _etx_after_first(rec):
    """The host ends its session (its ETX) once the stream had the first write."""
    if len(rec.writes) == 1:
        rec.line.send(ETX)


def _feed(rec):
    """The host goes on as it sees the stream take its bytes: its next piece not empty."""
    while rec.left:
        b = rec.left.pop(0)
        if b:
            rec.line.send(b)
            return


class TestGather(unittest.TestCase):
    def session(self, first, script, lane=True, txdelay=0, baud=115200, near_ms=60000,
                dlemode=1, at_tick=None, after=_etx_after_first):
        """The host sends first, then one item of script at each of the pump's waits of a
        character's time; a TCP-like session (BOTH) until the host's ETX (after the first
        write) or the tick's end. (reason, the stream's writes, the waits in us before the
        first write, rest). (The read of the ETX, right after, gathers too: its waits
        take what is left of script.)"""
        lp = _pair()
        sp = _pair()
        if lp is None or sp is None:
            for p in (lp, sp):
                if p is not None:
                    p[0].close()
                    p[1].close()
            self.skipTest("no unix-domain sockets here")
        line = Line(lp, baud)
        naps = []
        rec = Recorded(sp, after, naps)
        rec.line = line
        left = rec.left = list(script)

        def nap(us):
            naps.append(us)
            if left:
                b = left.pop(0)
                if b:
                    line.send(b)

        ticks = [0]

        def tick():
            ticks[0] += 1
            if ticks[0] > 300:  # 30 s: a pump that never gathers waits for ever for script
                return 1
            if at_tick is not None:
                return at_tick(line, rec, ticks[0])
            return 0

        p = P.Pump(line)
        p.lane = lane
        p.nap = nap
        p.near_ms = near_ms
        try:
            if first:
                line.send(first)
            reason = p.run(rec, dlemode, P.BOTH, None, tick, txdelay)
            return reason, rec.writes, rec.naps_before, bytes(p.rest())
        finally:
            line.close()
            rec.close()

    def test_a_byte_at_a_time_goes_as_one_write_once_a_wait_brings_nothing(self):
        # the first byte at the first tick: the pump waits on the line by then, and a chunk
        # that comes then is the fast lane's (the session's first pass reads the loop's way)
        def first_byte(line, rec, n):
            if n == 1:
                line.send(b"A")
            return 0

        for lane in (True, False):  # the fast lane, and a pass of the loop
            r, writes, naps, _ = self.session(None, [b"B", b"CD", b""], lane=lane,
                                              at_tick=first_byte)
            self.assertEqual(r, P.HOST_ETX, lane)
            self.assertEqual(writes, [b"ABCD"], lane)
            # a character at 115200 baud (8N1: 10 bits) is 86.8 us; the third wait brought
            # nothing: the host paused, the bytes went
            self.assertEqual(naps, [86, 86, 86], lane)

    def test_gathering_stops_at_sixteen_bytes(self):
        r, writes, naps, _ = self.session(b"a", [b"b"] * 14 + [b"cd", b"e"])
        self.assertEqual(r, P.HOST_ETX)
        self.assertEqual(writes[0], b"a" + b"b" * 14 + b"cd")  # 17: no wait after 16
        self.assertEqual(len(naps), 15)

    def test_the_wait_is_one_character_at_the_lines_speed(self):
        r, writes, naps, _ = self.session(b"A", [b""], baud=9600)
        self.assertEqual((r, writes, naps), (P.HOST_ETX, [b"A"], [1041]))

    def test_escapes_and_the_hosts_etx_across_the_waits_are_decoded_as_one_read(self):
        # a DLE pair cut by a wait: one escaped ETX of data; then the host's own ETX in a
        # gathered read: what follows it is the next commands (rest)
        r, writes, naps, rest = self.session(b"A\x10", [b"\x03B", b"\x03AT\r", b""],
                                             after=lambda rec: None)
        self.assertEqual(r, P.HOST_ETX)
        self.assertEqual(writes, [b"A\x03B"])
        self.assertEqual(rest, b"AT\r")
        self.assertEqual(len(naps), 3)  # (the write came after the host's ETX)

    def test_dlemode_0_gathers_too(self):
        def end(line, rec, n):
            return 1 if rec.writes else 0  # ABORT once the bytes went

        r, writes, naps, _ = self.session(b"x", [b"y", b""], dlemode=0, at_tick=end,
                                          after=lambda rec: None)
        self.assertEqual((r, writes, len(naps)), (P.ABORT, [b"xy"], 2))

    def test_a_chunk_after_a_quiet_line_goes_at_once(self):
        # the line's own window (two characters, in the ms clock): the byte comes at the
        # first tick, 100 ms or more after the session began, with nothing before it
        def first_byte(line, rec, n):
            if n == 1:
                line.send(b"A")
            return 0

        r, writes, naps, _ = self.session(None, [], near_ms=0, at_tick=first_byte)
        self.assertEqual((r, writes, naps), (P.HOST_ETX, [b"A"], []))

    def test_no_waits_with_a_tcptxdelay_or_under_4800_baud(self):
        # a TCPTXDELAY holds the segment instead (its own gathering); a slow line is left
        # to make its passes
        r, writes, naps, _ = self.session(b"A", [b"B"], txdelay=5)
        self.assertEqual((r, writes, naps), (P.HOST_ETX, [b"A"], []))
        r, writes, naps, _ = self.session(b"A", [b"B"], baud=2400)
        self.assertEqual((r, writes, naps), (P.HOST_ETX, [b"A"], []))

    def test_a_host_cutting_its_bytes_anyhow_gets_them_through_whole_and_in_order(self):
        # the host's escaped bytes in pieces of 0 to 5, given at the pump's waits (an empty
        # one: a wait that brings nothing), as the stream takes bytes, or at a tick (a lone
        # DLE decodes to nothing: no write): the stream gets them decoded, whole and in
        # order, the session ends at the host's ETX, in the lane and in the loop
        seed = [12345]

        def rnd(n):  # (the same numbers on both runtimes)
            seed[0] = (seed[0] * 1103515245 + 12345) & 0x7FFFFFFF
            return (seed[0] >> 8) % n

        def tick_feed(line, rec, n):
            _feed(rec)
            return 0

        for k in range(24):
            data = bytes(rnd(256) if rnd(4) else (0x10, 0x03)[rnd(2)]
                         for _ in range(20 + rnd(150)))
            enc = data.replace(b"\x10", b"\x10\x10").replace(b"\x03", b"\x10\x03") + ETX
            pieces = []
            i = 0
            while i < len(enc):
                n = rnd(6)
                pieces.append(enc[i:i + n])
                i += n
            r, writes, _, rest = self.session(pieces[0], pieces[1:], lane=bool(k & 1),
                                              at_tick=tick_feed, after=_feed)
            self.assertEqual((r, b"".join(writes), rest), (P.HOST_ETX, data, b""), k)
