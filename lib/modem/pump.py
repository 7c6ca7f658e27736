"""The data pump: one data session between the serial line and a network stream.

Pump(port) is built once, with its buffers; run() moves one session and returns why it ended.
Back-pressure: the line is read only when every decoded byte has gone to the stream, the
stream only when every encoded byte has gone to the line. See docs/dle.md for the decisions.
"""
from . import dle
from .compat import POLLIN, POLLOUT, const, ticks_add, ticks_diff, ticks_ms
from .wait import Wait

RAW_SIZE = const(512)  # host -> peer buffer, and peer -> host raw read
BUF_SIZE = const(2048)  # all three: RAW_SIZE + RAW_SIZE + escaped (2 * RAW_SIZE)
_TICK_MS = const(100)  # tick() is called at least this often

# directions
UP = const(1)  # host -> peer (the line is read)
DOWN = const(2)  # peer -> host (the stream is read)
BOTH = const(3)

# reasons run() returns
HOST_ETX = const(1)  # the host sent an unescaped ETX (DLEMODE 1); rest() is what followed it
PEER_CLOSED = const(2)  # the stream reached its end; all its bytes and the lone ETX are out
ERROR = const(3)  # the stream raised OSError (errno in pump.errno); pending bytes, ETX out
ABORT = const(4)  # tick() returned true; nothing more written, no ETX (see send_etx)
ESCAPE = const(5)  # DLEMODE 0: the host sent +++ alone, a second of silence around it
_HANGUP = const(6)  # tick() may return it: the host hung up (DTR), as if it sent its ETX

_GUARD_MS = const(1000)  # the silence around +++
_PLUS = const(43)

_DLE = const(0x10)
_ETX = const(0x03)


class Pump:
    def __init__(self, port, wait=None, buf=None):
        """port: the serial line; wait: the modem's wait.Wait (the pump's waits go through
        it, which feeds the watchdog); buf: BUF_SIZE bytes for the three buffers, made here
        if None."""
        self.port = port
        self.w = wait or Wait()
        if buf is None:
            buf = bytearray(BUF_SIZE)
        mv = memoryview(buf)
        self._up = mv[0:RAW_SIZE]  # views of the one buffer: host -> peer
        self._dn = mv[RAW_SIZE:2 * RAW_SIZE]  # peer -> host, raw
        self._enc = mv[2 * RAW_SIZE:BUF_SIZE]  # peer -> host, escaped
        self.state = dle.new_state()  # the decoder's (dle): drain carries it on
        self._rest = self._up[0:0]
        self._da = 0  # peer -> host bytes pending in _enc: [_da, _db)
        self._db = 0
        self.errno = 0
        self.dlemode = 1
        self.guard_ms = _GUARD_MS
        self._ua = self._ub = 0  # host -> peer bytes still owed to the stream at the end
        self.host_done = False  # the host ended the session itself (its ETX, +++, DTR)

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
        txdelay_ms: hold a partial buffer of host bytes up to this long (0: send at once).
        idle_ms: a stream that the pump waits on this long without a byte moving has
        stalled: ERROR (errno 110), as if it had timed out (0: wait for ever).

        A DOWN session (FTPGET) carries no host data: what the host types meanwhile is
        kept for after it (rest()), except an ETX, which ends the session (HOST_ETX) once
        what was pending for the host and the lone ETX are out.
        After PEER_CLOSED, ERROR or ABORT the host may still be sending: drain() reads it.
        """
        port = self.port
        st = self.state
        dle.reset(st)
        self.w.clear()  # the pump's own waits only
        self.errno = 0
        self.dlemode = dlemode
        self.host_done = False
        up_on = directions & UP
        dn_on = directions & DOWN
        upv = self._up
        dnv = self._dn
        encv = self._enc
        ua = ub = 0  # host -> peer decoded bytes pending in _up: [ua, ub)
        da = db = 0  # peer -> host encoded bytes pending in _enc: [da, db)
        kept = 0  # DOWN: host bytes kept in _up for after the session: [0, kept)
        self._rest = upv[0:0]
        lo = None
        lo_off = 0
        if leftover is not None and len(leftover):
            lo = leftover
        etx = False  # host sent ETX (or +++): drain what is pending both ways, then return
        escape = False  # DLEMODE 0: the +++ escape, returned as ESCAPE once the peer has all
        end = 0  # PEER_CLOSED or ERROR: drain what is pending for the host, then return it
        etx_out = False
        hold_t = 0
        now = ticks_ms()
        next_tick = ticks_add(now, _TICK_MS)
        # DLEMODE 0 escape: up to three '+' held at _up[ub:ub + plus], not yet data
        guard = self.guard_ms
        plus = 0
        plus_t = quiet_t = stall_t = now
        try:
            while True:
                progress = False
                holding = (
                    txdelay_ms > 0
                    and ua == 0
                    and 0 < ub < RAW_SIZE
                    and not etx
                    and ticks_diff(now, hold_t) < txdelay_ms
                )
                # host -> (decode) -> _up
                if plus and ticks_diff(now, plus_t) >= guard:
                    if plus == 3:
                        etx = escape = True  # what the peer is owed goes first
                        plus = 0
                    else:
                        ub += plus  # fewer than three: they were data after all
                        plus = 0
                if not up_on and not etx and not end and kept < RAW_SIZE:
                    n = self._keep(lo, lo_off, kept)
                    if lo is not None:
                        lo_off += n
                        if lo_off == len(lo):
                            lo = None
                    if n:
                        progress = True
                        e = _find_etx(upv, kept, n)
                        if e >= 0:  # the host stops the download: its ETX taken out
                            put_back = kept + n - e - 1
                            # a copy down by one byte: put reads ahead of where it writes
                            dle.put(upv[e + 1:kept + n], put_back, upv, e)
                            kept = e + put_back
                            etx = True
                        else:
                            kept += n
                        self._rest = upv[0:kept]
                if up_on and not etx and not end and (ua == ub or holding):
                    if ua == ub:
                        ua = ub = 0
                        for i in range(plus):
                            upv[i] = _PLUS
                    k = ub + plus  # where the new bytes go in _up
                    # Read at k > 0 into _dn, free between the steps of the loop (what the
                    # peer sends goes from it to _enc at once), and put there: a view of
                    # _up at k would be a new object for every chunk.
                    out = upv if k == 0 else dnv
                    if lo is not None:
                        n = len(lo) - lo_off
                        if n > RAW_SIZE - k:
                            n = RAW_SIZE - k
                        src = lo[lo_off:]  # the leftover: once, at the start of a session
                        lo_off += n
                        if lo_off == len(lo):
                            lo = None
                    else:
                        n = port.readinto(out, RAW_SIZE - k)
                        src = out
                    if n:
                        progress = True
                        if ub == 0:
                            hold_t = now
                        if dlemode:
                            j = dle.decode(src, n, out, st)
                            if st[1]:
                                etx = True
                                used = st[2]
                                if src is out:
                                    self._rest = out[used:n]
                                else:
                                    self._rest = src[used:]
                                    lo = None
                        else:
                            j = n
                            if src is not out:
                                out[0:n] = src[0:n]
                        if k:
                            dle.put(dnv, j, upv, k)
                        if dlemode:
                            ub += j
                        elif (plus + n <= 3 and upv[k] == _PLUS
                                and (n < 2 or upv[k + 1] == _PLUS)
                                and (n < 3 or upv[k + 2] == _PLUS)
                                and (plus or ticks_diff(now, quiet_t) >= guard)):
                            plus += n  # maybe the escape: held, not sent
                            plus_t = now
                        else:
                            ub += plus + n
                            plus = 0
                        quiet_t = now
                        holding = (
                            txdelay_ms > 0 and ua == 0 and ub < RAW_SIZE and not etx
                            and ticks_diff(now, hold_t) < txdelay_ms
                        )
                # _up -> stream
                if up_on and ub > ua and not holding and not end:
                    try:
                        w = stream.write(upv, ua, ub - ua)
                    except OSError as e:
                        w = None
                        end = self._fail(e)
                    if w:
                        ua += w
                        progress = True
                        stall_t = now
                # stream -> (encode) -> _enc
                if dn_on and not etx and not end and da == db:
                    da = db = 0
                    try:
                        r = stream.readinto(self._dn if dlemode else encv)
                    except OSError as e:
                        r = None
                        end = self._fail(e)
                    if r is not None:
                        progress = True
                        stall_t = now
                        if r == 0:
                            end = PEER_CLOSED
                        elif dlemode:
                            db = dle.encode(self._dn, r, self._enc)
                        else:
                            db = r
                # _enc -> host
                if db > da:
                    w = port.write(encv, da, db - da)
                    if w:
                        da += w
                        progress = True
                if da == db:
                    if (end or (etx and not up_on)) and dlemode and not etx_out:
                        self._enc[0] = _ETX  # the lone ETX, after all the peer's bytes
                        da = 0
                        db = 1
                        etx_out = True
                        progress = True
                    elif end:
                        return end
                    elif etx and ua == ub:
                        self.host_done = True
                        return ESCAPE if escape else HOST_ETX
                now = ticks_ms()
                if ticks_diff(now, next_tick) >= 0:
                    next_tick = ticks_add(now, _TICK_MS)
                    self.w.kick()  # a session that never waits feeds the watchdog here
                    r = tick() if tick is not None else 0
                    if r == _HANGUP and up_on:
                        etx = True
                        lo = None
                        da = db
                    elif r:
                        return ABORT
                if progress:
                    continue
                # nothing moved: wait for the line or the stream
                pm = 0
                wm = 0
                sm = 0
                if not etx and not end and lo is None and (
                        (up_on and (ua == ub or holding)) or (not up_on and kept < RAW_SIZE)):
                    pm = POLLIN
                if db > da:
                    wm = POLLOUT
                if dn_on and not etx and not end and da == db:
                    sm = POLLIN
                if up_on and ub > ua and not holding and not end:
                    sm |= POLLOUT
                if port.wpollable is port.pollable:
                    self.w.want(port.pollable, pm | wm)
                else:
                    self.w.want(port.pollable, pm)
                    self.w.want(port.wpollable, wm)
                self.w.want(getattr(stream, "pollable", stream), sm)
                if not sm or not idle_ms:
                    stall_t = now  # only a wait on the stream counts
                elif ticks_diff(now, stall_t) >= idle_ms:
                    self.errno = 110  # ETIMEDOUT
                    end = ERROR
                    continue
                ms = _TICK_MS
                if plus and ms > guard - ticks_diff(now, plus_t):
                    ms = max(0, guard - ticks_diff(now, plus_t))
                if holding:
                    ms = txdelay_ms - ticks_diff(now, hold_t)
                    if ms < 0:
                        ms = 0
                    elif ms > _TICK_MS:
                        ms = _TICK_MS
                for _ in self.w.poll(ms):
                    pass
                now = ticks_ms()
        finally:
            self._da = da
            self._db = db
            self._ua = ua
            self._ub = ub
            if etx:
                self.host_done = True
            if lo is not None and not up_on:  # more typed ahead than _up holds: kept too
                self._rest = bytes(upv[0:kept]) + bytes(lo[lo_off:])
            self.w.clear()

    def _keep(self, lo, lo_off, kept):
        """DOWN: host bytes (the leftover first, then the line) put at _up[kept:]; how many."""
        room = RAW_SIZE - kept
        if lo is not None:
            n = len(lo) - lo_off
            if n > room:
                n = room
            dle.put(lo[lo_off:], n, self._up, kept)
            return n
        if kept == 0:
            return self.port.readinto(self._up, room)
        n = self.port.readinto(self._dn, room)  # then put after what is kept
        dle.put(self._dn, n, self._up, kept)
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
        st = self.state
        upv = self._up
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
                    n = port.readinto(upv, RAW_SIZE)
                    if n:
                        moved = True
                        heard = now
                        if self.dlemode:
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
                    self.w.want(port.pollable, POLLIN)
                    self.w.want(sobj, 0)
                    ms = quiet_ms - ticks_diff(now, heard)
                else:
                    self.w.want(port.pollable, 0)
                    self.w.want(sobj, POLLOUT)
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
        enc = self._enc
        i = 0
        while i < self._da:  # was the last byte written the DLE of a pair?
            i += 2 if enc[i] == _DLE else 1
        tail = self._enc[self._da : i] if i > self._da else self._enc[0:0]
        buf = bytearray(len(tail) + 1)
        buf[0 : len(tail)] = tail
        buf[len(tail)] = _ETX
        mv = memoryview(buf)
        off = 0
        t0 = ticks_ms()
        while off < len(buf):
            off += self.port.write(mv, off)
            if off < len(buf):
                if ticks_diff(ticks_ms(), t0) > timeout_ms:
                    return False
                self.w.want(self.port.wpollable, POLLOUT)
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
