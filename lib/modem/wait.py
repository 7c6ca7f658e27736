"""The one wait: every wait of the modem polls what it is given through here, and the
watchdog is fed at least every SLICE_MS, so no wait can outlast it.

    w = Wait(kick)         kick(): the watchdog's feed (firmware/boot.py puts it on the board)
    w.want(obj, mask)      poll obj for mask (POLLIN, POLLOUT, both; 0: no more)
    w.mask(obj, mask)      the same, but 0 keeps obj registered (see mask)
    w.poll(ms)             one wait of at most ms (and at most SLICE_MS): (obj, events) pairs
    w.until(obj, mask, ms, each=None)
                           wait up to ms for obj: its events, or 0 at the deadline; each(),
                           when given, runs before every slice (and may want more objects)
    w.sleep(ms)            a pause, the watchdog fed (for what cannot be polled)
    w.clear()              nothing polled any more

One poller serves the whole modem (the command loop, a command's waits, the pump's): a
wait starts from nothing polled (clear) and wants what it needs; the command loop wants
its line again at each step.
"""
from .compat import Poller, const, sleep_ms, ticks_diff, ticks_ms

SLICE_MS = const(100)


def _nothing():
    pass


class Wait:
    def __init__(self, kick=None):
        self.kick = kick or _nothing
        self._p = self.poller = Poller()  # (the pump calls its ipoll itself)
        self._masks = {}

    def want(self, obj, mask):
        if obj is None or self._masks.get(obj, 0) == mask:
            return
        if mask:
            self._p.register(obj, mask)  # register again modifies, on both runtimes
            self._masks[obj] = mask
        else:
            self._p.unregister(obj)
            del self._masks[obj]

    def mask(self, obj, mask):
        """want(obj, mask), except that mask 0 leaves obj registered for nothing (until
        want(obj, 0) or clear()): a wait that changes what it polls for at every turn (the
        pump's) makes no new poller entry each time. A registered obj is still reported
        when it hangs up or fails (POLLHUP, POLLERR) even for mask 0."""
        if obj is not None and self._masks.get(obj, -1) != mask:
            self._p.register(obj, mask)
            self._masks[obj] = mask

    def clear(self):
        for obj in self._masks:
            self._p.unregister(obj)
        self._masks.clear()

    def poll(self, ms):
        self.kick()
        if ms > SLICE_MS:
            ms = SLICE_MS
        return self._p.ipoll(ms if ms > 0 else 0)

    def until(self, obj, mask, ms, each=None):
        t0 = ticks_ms()
        self.clear()
        self.want(obj, mask)
        try:
            while True:
                if each is not None:
                    each()
                left = ms - ticks_diff(ticks_ms(), t0)
                if left <= 0:
                    return 0
                for o, ev in self.poll(left):
                    if o is obj:
                        return ev
        finally:
            self.clear()

    def sleep(self, ms):
        t0 = ticks_ms()
        while True:
            self.kick()
            left = ms - ticks_diff(ticks_ms(), t0)
            if left <= 0:
                return
            sleep_ms(left if left < SLICE_MS else SLICE_MS)
