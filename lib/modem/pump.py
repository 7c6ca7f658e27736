"""The data pump: one data session between the serial line and a network stream.

Pump(port) is built once, with its one buffer (BUF_SIZE bytes, made at boot); run() moves one
session and returns why it ended. Back-pressure: the line is read only when every decoded
byte has gone to the stream, the stream only when every escaped byte has gone to the line.

The bytes are worked on where they lie (docs/dle.md), so that each read and write moves as
much as the buffer holds:
- host -> peer: the line is read into the host region and decoded in place (a decode never
  writes ahead of what it reads). While TCPTXDELAY holds a partial segment, more is read into
  the region's second half and decoded onto the end of what is held.
- peer -> host: the stream is read into the back of the peer region and escaped forward to
  its front (dle.spread: the escaped bytes never overtake the raw ones); raw bytes that did
  not fit yet (many DLE and ETX) wait where they lie for the next turn.
A two-way session (TCP) gives each direction half the buffer (and, while only one side
brings bytes, that side all but _EDGE of it: see run), an upload (FTPPUT) gives the host's
bytes all of it, a download (FTPGET) the peer's all but _KEEP bytes, where what the host
types meanwhile is kept for after it.

A side is read or written only while it may be ready: one that had nothing (or less than
asked) waits for the poller to say it has more, and while the other side keeps the loop busy
the poller is asked again every _RECHECK_MS. A chunk that comes and goes whole between two
polls is moved right after the poll (the fast lane, in run), with no pass of the loop.
"""
from . import dle
from .compat import const, sleep_us, ticks_add, ticks_diff, ticks_ms
from .wait import Wait

BUF_SIZE = const(2048)  # the pump's one buffer
_HALF = const(1024)  # a two-way session: host -> peer in the first half, peer -> host after
_EDGE = const(256)  # ... or a side's region, while only the other side is busy (run)
_FAR = const(1792)  # BUF_SIZE - _EDGE
_QUIET_MS = const(50)  # ... a side that brought nothing this long (run)
_KEEP = const(256)  # a download: host bytes kept for after it (more waits on the line)
_TICK_MS = const(100)  # tick() is called at least this often
_RECHECK_MS = const(2)  # a busy loop asks the poller about the idle sides this often
_TRICKLE = const(64)  # line reads under this, twice in a row: a slow line (see gather)
_FEW = const(16)  # TCPTXDELAY 0: a slow line's bytes gathered up to this many (gap, run)
_DGRAM_HOST = const(512)  # datagrams: the host's region, the largest datagram it sends
_DGRAM_MORE = const(128)  # datagrams: what is read at a time onto held bytes
_DGRAM_ROOM = const(16)  # datagrams: the peer's room for escapes (a datagram is read whole)
_ECONNREFUSED = const(111)

# directions
UP = const(1)  # host -> peer (the line is read)
DOWN = const(2)  # peer -> host (the stream is read)
BOTH = const(3)
DGRAM = const(4)  # with BOTH: the stream carries datagrams (UDP), see run()

# reasons run() returns
HOST_ETX = const(1)  # the host sent an unescaped ETX (DLEMODE 1); rest() is what followed it
PEER_CLOSED = const(2)  # the stream reached its end; all its bytes and the lone ETX are out
ERROR = const(3)  # the stream raised OSError (errno in pump.errno); pending bytes, ETX out
ABORT = const(4)  # tick() returned true; nothing more written, no ETX (see send_etx)
ESCAPE = const(5)  # DLEMODE 0: the host sent +++ alone, a second of silence around it
_HANGUP = const(6)  # tick() may return it: the host hung up (DTR), as if it sent its ETX

_GUARD_MS = const(1000)  # the silence around +++
_PLUS = const(43)

# the poller's flags, the same on every port (MicroPython's extmod/modselect.c, Linux's
# poll.h), used all through this module: constants, not names looked up at every use
# (host_tests/test_pump.py checks them against compat, device_tests/test_boards.py on a board)
_IN = const(1)
_OUT = const(4)
_ERR = const(8)
_HUP = const(16)

_DLE = const(0x10)
_ETX = const(0x03)
_LONE_ETX = b"\x03"


class Pump:
    def __init__(self, port, wait=None, buf=None):
        """port: the serial line; wait: the modem's wait.Wait (the pump's waits go through
        it, which feeds the watchdog); buf: BUF_SIZE bytes, made here if None."""
        self.port = port
        self.rx = getattr(port, "rx_stream", port)  # what the line's bytes come and go by
        self.tx = getattr(port, "tx_stream", port)
        self.w = wait or Wait()
        mv = self._mv = memoryview(buf if buf is not None else bytearray(BUF_SIZE))
        self.state = dle.new_state()  # the decoder's (dle): drain carries it on
        self._un = BUF_SIZE  # this session's regions: host's [0, un), peer's [d0, end)
        self._d0 = 0
        self._rest = mv[0:0]
        self._da = 0  # peer -> host bytes pending in the peer region: [_da, _db)
        self._db = 0
        self.errno = 0
        self.dlemode = 1
        self.guard_ms = _GUARD_MS
        self._ua = self._ub = 0  # host -> peer bytes still owed to the stream at the end
        self.host_done = False  # the host ended the session itself (its ETX, +++, DTR)
        self.lane = True  # the fast lane (run); False: every chunk takes a pass of the loop
        self.nap = sleep_us  # the wait of a character's time while a pass gathers (run)
        self.near_ms = 0  # ... and how recent the line's last bytes are then (0: run's own)

    def rest(self):
        """Host bytes after the session's end (after the ETX): the next AT commands.

        A memoryview into the pump's buffer or into the leftover given to run(): use it before
        the next run() and before reusing that leftover's buffer.
        """
        return self._rest

    def run(self, stream, dlemode, directions, leftover=None, tick=None, txdelay_ms=0,
            idle_ms=0):
        """Move one session; return HOST_ETX, PEER_CLOSED, ERROR, ABORT or ESCAPE.

        stream: pump.Stream (readinto/write; polled as stream.pollable, or itself).
        dlemode: 0 passthrough, 1 DLE/ETX.
        directions: UP, DOWN or BOTH. leftover: host bytes already read after the command
        line (data of this session). tick(): called at least every _TICK_MS; true aborts;
        6 (_HANGUP) ends a session that reads the line as the host's ETX would (HOST_ETX;
        what was still to go to the host is dropped), any other session as ABORT.
        txdelay_ms: hold a partial segment of host bytes up to this long (0: send at once).
        A segment is partial when the line had no more to give (a read that filled what was
        asked goes at once: more is coming) and it is shorter than half the host region
        (in a two-way session, 512 bytes where the host's region is larger than halves).
        idle_ms: a stream that the pump waits on this long without a byte moving has
        stalled: ERROR (errno 110), as if it had timed out (0: wait for ever).

        BOTH | DGRAM (UDP): each write to the stream is one datagram, each read one received
        (up to BUF_SIZE - 528 bytes, 1520: a whole one of a 1500-byte MTU); the host's bytes
        are held up to txdelay_ms from the first one, whatever the reads were like, or until
        there are _DGRAM_HOST - _DGRAM_MORE of them (a datagram of up to _DGRAM_HOST); a read
        of nothing is an empty datagram, not the end; a peer that is not there (ICMP port
        unreachable: ECONNREFUSED) loses the datagram, the session goes on.

        A DOWN session (FTPGET) carries no host data: what the host types meanwhile is
        kept for after it (rest()), except an ETX, which ends the session (HOST_ETX) once
        what was pending for the host and the lone ETX are out.
        After PEER_CLOSED, ERROR or ABORT the host may still be sending: drain() reads it.
        """
        port = self.port
        # what a chunk calls, as locals: a global is a lookup among the module's names at
        # every use, a method one among its type's, a local a slot (the fast lane runs a
        # few of these per chunk)
        rxr = self.rx.readinto
        txw = self.tx.write
        tms = ticks_ms
        tdiff = ticks_diff
        tadd = ticks_add
        decode = dle.decode
        spread = dle.spread
        put = dle.put
        nap = self.nap
        lpoll = port.pollable
        lwpoll = port.wpollable
        spoll = getattr(stream, "pollable", stream)
        st = self.state
        dle.reset(st)
        w = self.w
        w.clear()  # the pump's own waits only
        ipoll = w.poller.ipoll  # (ms: at most _TICK_MS here, the wait's slice)
        lm = lwm = smm = -1  # the masks the poller has for the line, its writes, the stream
        self.errno = 0
        self.dlemode = dlemode
        self.host_done = False
        up_on = directions & UP
        dn_on = directions & DOWN
        dgram = directions & DGRAM
        sri = stream.readinto if dn_on else None  # (a stream one way may lack the other)
        swr = stream.write if up_on else None
        mv = self._mv
        # The host's region is mv[0:un] (kept bytes, in a download), the peer's mv[d0:]
        # (none in an upload); ut, the second half of the host's, where more is read while
        # a segment is held; dr, the peer's after some room for escapes, where it is read.
        # The views are made once a session: every chunk is an offset in mv or in them.
        # A two-way stream (TCP) moves the edge between the regions (mode), while both are
        # empty: a side whose other side has brought nothing for _QUIET_MS gets all but
        # _EDGE bytes (a one-way flow reads and writes 1.5 to 1.75 KiB a call, not 1 KiB or
        # less); while both bring bytes, each has its half.
        split = up_on and dn_on and not dgram
        un = d0 = (_DGRAM_HOST if dgram else _HALF) if up_on and dn_on else (
            BUF_SIZE if up_on else _KEEP)
        half = un - _DGRAM_MORE if dgram else un >> 1  # more is read onto held bytes up to it
        dn = BUF_SIZE - d0
        slack = _DGRAM_ROOM if dgram else dn >> 3
        ut = mv[half:un]
        dr = mv[d0 + slack:] if dn_on else None
        mode = 1  # (split: 0, the peer's region large; 1, halves; 2, the host's large)
        if split:
            uts = (mv[_EDGE >> 1:_EDGE], ut, mv[_HALF >> 1:_FAR])
            drs = (mv[_EDGE + ((BUF_SIZE - _EDGE) >> 3):], dr,
                   mv[_FAR + ((BUF_SIZE - _FAR) >> 3):])
        ua = ub = 0  # host -> peer decoded bytes pending in mv: [ua, ub)
        da = db = 0  # peer -> host escaped bytes pending in mv[d0:]: [da, db)
        ra = rb = 0  # peer -> host raw bytes not escaped yet, in mv[d0:]: [ra, rb)
        kept = 0  # DOWN: host bytes kept in mv for after the session: [0, kept)
        self._rest = mv[0:0]
        lo = None
        lo_off = 0
        if leftover is not None and len(leftover):
            lo = leftover
        etx = False  # host sent ETX (or +++): drain what is pending both ways, then return
        escape = False  # DLEMODE 0: the +++ escape, returned as ESCAPE once the peer has all
        end = 0  # PEER_CLOSED or ERROR: drain what is pending for the host, then return it
        etx_out = False
        short = True  # the last read of the line had no more to give: a segment may wait
        lr = lw = sr = sw = True  # a side may be ready: tried until it has nothing
        hup = False  # the stream hung up or failed: polled only while wanted
        hold_t = 0
        now = tms()
        baud = getattr(port, "baud", 0) or 115200
        # while a segment is held, a short read of the line is followed by this long without
        # a pass for the line: 64 characters' time at its speed, 1 ms at least (a board's
        # UART keeps 1 KiB meanwhile: boards/)
        gather = 640000 // baud or 1
        # TCPTXDELAY 0 (nothing held): a read of fewer than _FEW bytes, the line's last
        # ones within two characters' time (near, in the ms clock), is a line that brings
        # them one or a few at a time (a chunk after a quiet line goes at once). The pass
        # gathers: it waits a character's time (gap, in us: nap) and reads what came
        # meanwhile into ut, the host region's second half, put after the bytes it has,
        # again and again up to _FEW, or until a character's time brings nothing (the host
        # paused: its bytes go, at most a character after its last one). A pass and a
        # segment for a few bytes, not one each. Inline, in the lane and in the loop: a
        # function would take a frame from the heap at every call. (Not under 4800 baud:
        # a pass a byte is rare there, and 16 waits would outlast a tick.)
        gap = 10000000 // baud if up_on and not dgram and not txdelay_ms and baud >= 4800 \
            else 0
        near = self.near_ms or 1 + 20000 // baud
        gather_t = now
        trickle = False
        next_tick = tadd(now, _TICK_MS)
        polled = now
        # DLEMODE 0 escape: up to three "+" held at mv[ub:ub + plus], not yet data
        guard = self.guard_ms
        plus = 0
        plus_t = quiet_t = stall_t = now
        up_t = dn_t = now  # when the line, the stream last brought bytes (split)
        try:
            while True:
                progress = False
                if split and ua == ub and da == db and ra == rb and not plus and lo is None:
                    # both empty: a side that brought nothing for a while leaves its room
                    m = 2 if tdiff(now, dn_t) >= _QUIET_MS else (
                        0 if tdiff(now, up_t) >= _QUIET_MS else 1)
                    if m != mode:
                        mode = m
                        un = d0 = _HALF if m == 1 else (_FAR if m else _EDGE)
                        # a segment held while under 512 bytes, as in halves, whatever the
                        # mode (128 in the small region)
                        half = _EDGE >> 1 if m == 0 else _HALF >> 1
                        dn = BUF_SIZE - d0
                        slack = dn >> 3
                        ut = uts[m]
                        dr = drs[m]
                        ua = ub = da = db = ra = rb = 0
                holding = (
                    txdelay_ms > 0
                    and ua == 0
                    and 0 < ub
                    and (short or dgram)
                    and ub + plus < half
                    and not etx
                    and tdiff(now, hold_t) < txdelay_ms
                )
                # host -> (decode) -> mv
                if plus and tdiff(now, plus_t) >= guard:
                    if plus == 3:
                        etx = escape = True  # what the peer is owed goes first
                        plus = 0
                    else:
                        ub += plus  # fewer than three: they were data after all
                        plus = 0
                if not up_on and not etx and not end and kept < half and (
                        lr or lo is not None):
                    n = self._keep(lo, lo_off, kept, un, ut)
                    if lo is not None:
                        lo_off += n
                        if lo_off == len(lo):
                            lo = None
                    elif n < un - half:
                        lr = False  # the line had no more
                    if n:
                        progress = True
                        e = _find_etx(mv, kept, n)
                        if e >= 0:  # the host stops the download: its ETX taken out
                            put_back = kept + n - e - 1
                            # a copy down by one byte: put reads ahead of where it writes
                            dle.put(mv[e + 1:kept + n], put_back, mv, e)
                            kept = e + put_back
                            etx = True
                        else:
                            kept += n
                        self._rest = mv[0:kept]
                if up_on and not etx and not end and (ua == ub or holding) and (
                        lr or lo is not None):
                    if ua == ub:
                        ua = ub = 0
                        if plus:
                            for i in range(plus):
                                mv[i] = _PLUS
                    k = ub + plus  # where the new bytes go in mv
                    if lo is not None:
                        n = len(lo) - lo_off
                        if n > un - k:
                            n = un - k
                        src = lo[lo_off:]  # the leftover: once, at the start of a session
                        lo_off += n
                        if lo_off == len(lo):
                            lo = None
                        short = True
                    else:
                        # into the region at 0, or after what is held by way of its second
                        # half: a view of mv at k would be a new object for every chunk
                        src = mv if k == 0 else ut
                        want = un if k == 0 else un - half
                        n = rxr(src, want) or 0
                        if gap and 0 < n < _FEW and k == 0 and tdiff(now, up_t) <= near:
                            while n < _FEW:  # a slow line: gathered (gap, above)
                                nap(gap)
                                more = rxr(ut, un - half) or 0
                                if not more:
                                    break
                                put(ut, more, mv, n)  # (n is under ut's start: copied down)
                                n += more
                        short = n < want
                        if short:
                            lr = False
                            # a trickle (this read and the one before it small): the line
                            # is slow, not a host between two bursts
                            if txdelay_ms and n < _TRICKLE and trickle:
                                gather_t = tadd(now, gather)
                        trickle = n < _TRICKLE
                    if n:
                        progress = True
                        up_t = now
                        if ub == 0:
                            hold_t = now
                        if dlemode:
                            st[3] = k  # decoded to mv[k:], in place or from ahead of it
                            j = decode(src, n, mv, st)
                            if st[1]:
                                etx = True
                                if src is mv or src is ut:
                                    self._rest = src[st[2]:n]
                                else:  # the leftover: all that follows its ETX
                                    self._rest = src[st[2]:]
                                    lo = None
                        else:
                            j = n
                            if src is not mv:
                                dle.put(src, n, mv, k)
                        if dlemode:
                            ub += j
                        elif (plus + n <= 3 and mv[k] == _PLUS
                                and (n < 2 or mv[k + 1] == _PLUS)
                                and (n < 3 or mv[k + 2] == _PLUS)
                                and (plus or tdiff(now, quiet_t) >= guard)):
                            plus += n  # maybe the escape: held, not sent
                            plus_t = now
                        else:
                            ub += plus + n
                            plus = 0
                        quiet_t = now
                        holding = (
                            txdelay_ms > 0 and ua == 0 and (short or dgram) and ub + plus < half
                            and not etx and tdiff(now, hold_t) < txdelay_ms
                        )
                # mv -> stream
                if up_on and ub > ua and not holding and not end and sw:
                    try:
                        n = swr(mv, ua, ub - ua)
                    except OSError as e:
                        n = 0
                        if dgram and e.args and e.args[0] == _ECONNREFUSED:
                            n = ub - ua  # nobody there: the datagram is lost, not the session
                        else:
                            end = self._fail(e)
                    if n:
                        ua += n
                        progress = True
                        stall_t = now
                    if ua < ub:
                        sw = False  # it took less than offered: full for now
                # stream -> (escape) -> mv[d0:]
                if da == db and ra < rb:  # raw bytes left over from the last read go first
                    x = spread(mv, d0 + ra, rb - ra, d0)
                    ra += x >> 16
                    da = 0
                    db = x & 0xFFFF
                    progress = True
                elif dn_on and not etx and not end and da == db and sr:
                    try:
                        r = sri(dr, dn - slack)
                    except OSError as e:
                        r = None
                        if not dgram or not e.args or e.args[0] != _ECONNREFUSED:
                            end = self._fail(e)
                    if r is None:
                        sr = False
                    else:
                        progress = True
                        stall_t = now
                        if r == 0:
                            if not dgram:  # (an empty datagram is not the end)
                                end = PEER_CLOSED
                        else:
                            dn_t = now
                            if r < dn - slack:
                                sr = False
                            if dlemode:
                                x = spread(mv, d0 + slack, r, d0)
                                ra = slack + (x >> 16)
                                rb = slack + r
                                da = 0
                                db = x & 0xFFFF
                            else:
                                da = slack
                                db = slack + r
                # mv[d0:] -> host
                if db > da and lw:
                    n = txw(mv, d0 + da, db - da) or 0
                    if n:
                        da += n
                        progress = True
                    if da < db:
                        lw = False
                if da == db and ra == rb:
                    if (end or (etx and not up_on)) and dlemode and not etx_out:
                        # the lone ETX, after all the peer's bytes
                        if lw and txw(_LONE_ETX, 0, 1):
                            etx_out = True
                            progress = True
                        else:
                            lw = False
                    # (the session ends in the pass that wrote its ETX: a pass more would
                    # first wait a tick for sides that nobody wants any more)
                    if etx_out or not (dlemode and (end or (etx and not up_on))):
                        if end:
                            return end
                        if etx and ua == ub:
                            self.host_done = True
                            return ESCAPE if escape else HOST_ETX
                now = tms()
                if tdiff(now, next_tick) >= 0:
                    next_tick = tadd(now, _TICK_MS)
                    w.kick()  # a session that never waits feeds the watchdog here
                    r = tick() if tick is not None else 0
                    if r == _HANGUP and up_on:
                        etx = True
                        lo = None
                        da = db
                        ra = rb
                    elif r:
                        return ABORT
                # what each side waits for, if anything
                pm = 0
                if not etx and not end and lo is None and (
                        (up_on and (ua == ub or holding)) or (not up_on and kept < half)):
                    pm = _IN
                wm = _OUT if db > da or (
                    da == db and ra == rb and not etx_out and dlemode
                    and (end or (etx and not up_on))) else 0
                sm = _IN if dn_on and not etx and not end and da == db and ra == rb else 0
                if up_on and ub > ua and not holding and not end:
                    sm |= _OUT
                if progress and ((pm and lr) or (wm and lw) or (sm & _IN and sr)
                                 or (sm & _OUT and sw)):
                    # busy: a side may have more now; the sides that had nothing are asked
                    # after now and then only
                    if ((pm and not lr) or (wm and not lw) or (sm & _IN and not sr)
                            or (sm & _OUT and not sw)) and tdiff(now, polled) >= \
                            _RECHECK_MS:
                        ms = 0
                    else:
                        continue
                else:  # (after progress too, when no side wanted may have more: a pass
                    # would find nothing, the poller is asked at once)
                    ms = _TICK_MS
                    if plus and ms > guard - tdiff(now, plus_t):
                        ms = max(0, guard - tdiff(now, plus_t))
                    if holding:
                        ms = txdelay_ms - tdiff(now, hold_t)
                        if ms < 0:
                            ms = 0
                        elif ms > _TICK_MS:
                            ms = _TICK_MS
                        g = tdiff(gather_t, now)
                        if pm and 0 < g < ms:
                            # a segment is held anyway: the line is left to gather bytes
                            # for a while (no pass for every byte a slow line brings), read
                            # when the while is over; not in the hold's last stretch, where
                            # every byte is taken as it comes (it goes with the segment)
                            pm = 0
                            lr = True
                            ms = g
                    if not sm or not idle_ms:
                        stall_t = now  # only a wait on the stream counts
                    elif tdiff(now, stall_t) >= idle_ms:
                        self.errno = 110  # ETIMEDOUT
                        end = ERROR
                        continue
                # (mask: a side that flips between wanted and not makes no new entry; the
                # poller is told only what changed since the last wait)
                if lwpoll is lpoll:
                    if pm | wm != lm:
                        lm = pm | wm
                        w.mask(lpoll, lm)
                else:
                    if pm != lm:
                        lm = pm
                        w.mask(lpoll, pm)
                    if wm != lwm:
                        lwm = wm
                        w.mask(lwpoll, wm)
                if (sm or not hup) and sm != smm:
                    smm = sm
                    w.mask(spoll, sm)
                # Steady (nothing owed either way, nothing held, no +, no end): the fast lane.
                # A chunk that comes and goes whole between two polls (a short read of the
                # line decoded and all written to the stream; a read of the stream short of
                # the room, escaped and all written to the line) is moved right here, with no
                # pass of the loop above: a slow host's or peer's every chunk is such a one.
                # Anything else (a read that filled the room, a write that took less, a
                # segment to hold, the host's ETX, the end, any other event, the tick) leaves
                # the lane with the state as a pass would have left it, for the next pass.
                # (Only a wait: not the busy loop's look at the idle sides, ms 0, where a side
                # that filled its last read has more than the poller may show: a TLS stream
                # keeps the rest of a record out of its sight.)
                steady = (ms > 0 and ua == ub and da == db and ra == rb and not etx
                          and not end and not plus and lo is None and not dgram and self.lane)
                while True:
                    evs = ipoll(ms)  # (the watchdog is fed at each tick above)
                    now = polled = tms()
                    for obj, ev in evs:
                        if steady:
                            if obj is lpoll and ev == _IN and up_on and dlemode and sw:
                                ua = ub = 0
                                n = rxr(mv, un) or 0
                                if gap and 0 < n < _FEW and tdiff(now, up_t) <= near:
                                    while n < _FEW:  # a slow line: gathered (gap, above)
                                        nap(gap)
                                        more = rxr(ut, un - half) or 0
                                        if not more:
                                            break
                                        put(ut, more, mv, n)
                                        n += more
                                short = n < un
                                if short:  # (lr as it was: a stale True costs a read)
                                    if txdelay_ms and n < _TRICKLE and trickle:
                                        gather_t = tadd(now, gather)
                                else:
                                    lr = True
                                    steady = False  # more on the line: the loop's turn
                                trickle = n < _TRICKLE
                                if n:
                                    up_t = now
                                    st[3] = 0
                                    ub = decode(mv, n, mv, st)
                                    if st[1]:
                                        etx = True
                                        self._rest = mv[st[2]:n]
                                        steady = False
                                    elif txdelay_ms and short and ub < half:
                                        hold_t = now  # a segment to hold: the loop's
                                        steady = False
                                    elif ub:
                                        try:
                                            ua = swr(mv, 0, ub) or 0
                                        except OSError as e:
                                            end = self._fail(e)
                                        if ua:
                                            stall_t = now
                                        if ua < ub:
                                            sw = False
                                            steady = False
                                continue
                            if obj is spoll and ev == _IN and dn_on and lw:
                                try:
                                    r = sri(dr, dn - slack)
                                except OSError as e:
                                    r = None
                                    end = self._fail(e)
                                    steady = False
                                if r is None:
                                    sr = False
                                    continue
                                stall_t = dn_t = now
                                sr = r == dn - slack
                                if r == 0:
                                    end = PEER_CLOSED
                                    sr = True
                                    steady = False
                                    continue
                                if dlemode:
                                    x = spread(mv, d0 + slack, r, d0)
                                    ra = slack + (x >> 16)
                                    rb = slack + r
                                    da = 0
                                    db = x & 0xFFFF
                                else:
                                    da = slack
                                    db = slack + r
                                da += txw(mv, d0 + da, db - da) or 0
                                if da < db:
                                    lw = False
                                if da < db or ra < rb or sr:
                                    steady = False
                                continue
                            steady = False
                        if obj is spoll:
                            if ev & (_IN | _HUP | _ERR):
                                sr = True
                            if ev & (_OUT | _HUP | _ERR):
                                sw = True
                            if ev & (_HUP | _ERR) and not sm:
                                # reported at every poll while the pump waits on the line:
                                # not polled until wanted (the read finds its end then)
                                hup = True
                                w.want(spoll, 0)
                                smm = -1
                            continue
                        if ev & (_HUP | _ERR):
                            raise EOFError()  # the line has gone (a pty's other end closed)
                        if obj is lpoll and ev & _IN:
                            lr = True
                        if obj is lwpoll and ev & _OUT:
                            lw = True
                    ms = tdiff(next_tick, now)
                    if not steady or ms <= 0:
                        break
        finally:
            self._un = un
            self._d0 = d0
            self._da = da
            self._db = db
            self._ua = ua
            self._ub = ub
            if etx:
                self.host_done = True
            if lo is not None and not up_on:  # more typed ahead than kept: kept too
                self._rest = bytes(mv[0:kept]) + bytes(lo[lo_off:])
            w.clear()

    def _keep(self, lo, lo_off, kept, un, ut):
        """DOWN: host bytes (the leftover first, then the line) put at mv[kept:un]; how
        many. The line is read into the region's second half ut (kept is less than its
        start)."""
        if lo is not None:
            n = len(lo) - lo_off
            if n > un - kept:
                n = un - kept
            dle.put(lo[lo_off:], n, self._mv, kept)
            return n
        n = self.rx.readinto(ut, len(ut)) or 0
        dle.put(ut, n, self._mv, kept)  # down, or onto itself: put reads ahead of its writes
        return n

    def drain(self, stream, quiet_ms, tick=None):
        """After a session the network side ended (PEER_CLOSED, ERROR, ABORT) while the host
        may still be sending: its bytes are read up to its own unescaped ETX (DLEMODE 1) or
        until it has sent nothing for quiet_ms (or tick() says it hung up), and passed on to
        stream while that takes them (a peer that only shut its sending side still reads:
        what the pump held for TCPTXDELAY goes too), else dropped. None of them can become
        a command. Returns the host bytes after its ETX (the next commands; see rest())."""
        if self.host_done:  # its ETX came first: what followed it is in rest()
            return self._rest
        self.w.clear()
        port = self.port
        rx = self.rx
        st = self.state
        upv = self._mv
        un = self._un
        ua = self._ua
        ub = self._ub
        fwd = stream is not None
        sobj = getattr(stream, "pollable", stream)
        done = False
        self._rest = upv[0:0]
        now = ticks_ms()
        heard = sent = now  # the host's last byte, the stream's last progress
        next_tick = ticks_add(now, _TICK_MS)
        try:
            while True:
                moved = False
                if ub > ua and fwd:
                    try:
                        w = stream.write(upv, ua, ub - ua)
                    except OSError:
                        w = None
                        fwd = False  # the peer is gone: the rest is dropped
                    if w:
                        ua += w
                        sent = now
                        moved = True
                    elif ticks_diff(now, sent) >= quiet_ms:
                        fwd = False  # the peer takes nothing more
                    heard = now  # the host is not read meanwhile: no silence to count
                if ub > ua and not fwd:
                    ua = ub
                if ua == ub:
                    if done:
                        return self._rest
                    ua = ub = 0
                    n = rx.readinto(upv, un) or 0
                    if n:
                        moved = True
                        heard = now
                        if self.dlemode:
                            st[3] = 0
                            ub = dle.decode(upv, n, upv, st)
                            if st[1]:  # the host's own end: what follows are commands
                                done = True
                                self._rest = upv[st[2]:n]
                        else:
                            ub = n
                    elif ticks_diff(now, heard) >= quiet_ms:
                        return self._rest
                now = ticks_ms()
                if ticks_diff(now, next_tick) >= 0:
                    next_tick = ticks_add(now, _TICK_MS)
                    self.w.kick()
                    if tick is not None and tick() == _HANGUP:
                        return self._rest
                if moved:
                    continue
                if ua == ub:
                    self.w.want(port.pollable, _IN)
                    self.w.want(sobj, 0)
                    ms = quiet_ms - ticks_diff(now, heard)
                else:
                    self.w.want(port.pollable, 0)
                    self.w.want(sobj, _OUT)
                    ms = quiet_ms - ticks_diff(now, sent)
                for _ in self.w.poll(ms):
                    pass
                now = ticks_ms()
        finally:
            self._ua = self._ub = 0
            self.host_done = True
            self.w.clear()

    def send_etx(self, timeout_ms=1000):
        """After ABORT: end the host's data with a lone ETX (DLEMODE 1), completing a DLE pair
        that a short write left cut; the rest of what was pending is dropped. True if written.
        """
        if not self.dlemode:
            return True
        enc = self._mv
        d0 = self._d0
        i = d0
        while i < d0 + self._da:  # was the last byte written the DLE of a pair?
            i += 2 if enc[i] == _DLE else 1
        tail = enc[d0 + self._da:i] if i > d0 + self._da else enc[0:0]
        buf = bytearray(len(tail) + 1)
        buf[0:len(tail)] = tail
        buf[len(tail)] = _ETX
        mv = memoryview(buf)
        off = 0
        t0 = ticks_ms()
        while off < len(buf):
            off += self.tx.write(mv, off, len(buf) - off) or 0
            if off < len(buf):
                if ticks_diff(ticks_ms(), t0) > timeout_ms:
                    return False
                self.w.want(self.port.wpollable, _OUT)
                for _ in self.w.poll(10):
                    pass
        self.w.clear()
        self._da = self._db = 0
        return True

    def _fail(self, e):
        self.errno = e.args[0] if e.args else 0
        return ERROR


def _find_etx(buf, off, n):
    """The index of the first ETX in buf[off:off + n], or -1."""
    for i in range(off, off + n):
        if buf[i] == _ETX:
            return i
    return -1
