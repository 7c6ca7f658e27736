"""Runs before main.py on a board, and after every soft reset (mpremote does one); the REPL
stays on USB. Holds the watchdog's code (main.py imports it as a module where the board has
WDT_MS). A board with WDT_MS starts its watchdog here, fed by a timer (rest) until the modem
takes it over (take): a watchdog cannot be stopped and outlives a soft reset, so without the
timer it would reset the board under the REPL."""
import sys

# machine.Timer ids: rp2 has virtual timers only (-1), the esp32 hardware ones (0 to 3)
TIMER_IDS = {"rp2": -1, "esp32": 0}
_REST_FEED_MS = 1000
# A name lookup blocks inside lwIP (about 7 s per DNS server that does not answer), where
# the modem cannot feed the watchdog: a timer feeds it meanwhile, for this long at most, so
# that a lookup that never ends still resets the board.
_LOOKUP_MS = 30000


def _wdt(board, machine):
    if getattr(board, "wdt", None) is None:
        if machine is None:
            import machine  # the board layer only
        board.wdt = machine.WDT(timeout=board.WDT_MS)
    return board.wdt


def rest(board, machine=None):
    """The board's watchdog (started if it is not) fed by a timer (board.timer) while the
    modem does not run."""
    wdt = _wdt(board, machine)
    if machine is None:
        import machine
    t = board.timer = machine.Timer(TIMER_IDS.get(sys.platform, -1))
    t.init(period=_REST_FEED_MS, mode=machine.Timer.PERIODIC, callback=lambda _: wdt.feed())


def take(board, machine=None):
    """The modem takes the watchdog over: the timer stopped, the feed installed as the
    board's kick, which the modem's one wait (modem.wait.Wait) calls at every step of its
    loop and in every wait, and hold for the one wait it cannot slice, a name lookup
    (sockets.lookup). From now on only a running modem keeps the board alive."""
    t = getattr(board, "timer", None)
    if t is not None:
        t.deinit()
        board.timer = None
    wdt = _wdt(board, machine)
    board.kick = wdt.feed
    board.hold = lambda: hold(wdt, machine)


def hold(wdt, machine=None):
    """The watchdog fed by a timer while a name lookup blocks, _LOOKUP_MS at most; returns
    the function that stops the timer (called when the lookup returns)."""
    if machine is None:
        import machine
    left = [_LOOKUP_MS // _REST_FEED_MS]

    def feed(_):
        if left[0] > 0:
            left[0] -= 1
            wdt.feed()

    wdt.feed()
    t = machine.Timer(TIMER_IDS.get(sys.platform, -1))
    t.init(period=_REST_FEED_MS, mode=machine.Timer.PERIODIC, callback=feed)
    return t.deinit


def at_boot(board_name, machine=None):
    """At every reset: the watchdog of a board with WDT_MS started, fed by the timer."""
    board = __import__("boards." + board_name, None, None, ("x",))
    if getattr(board, "WDT_MS", None):
        rest(board, machine)


if __name__ == "__main__":
    try:
        import main  # main.py as a module: it defines, runs nothing

        at_boot(main.board_name(lambda name: None, globals()))
        del main
        sys.modules.pop("main", None)
    except Exception as e:  # never keep the REPL from starting
        print("boot:", e)
