"""Entry point: on a board after boot.py; on a computer via tools/sim.py (make run)."""
import os
import sys

BOARD_FILE = "board.txt"  # written by tools/deploy.py: the name of a module in boards/
# A board with no board.txt (frozen firmware, a bare copy) runs the usual board of its port.
PORT_BOARDS = {"rp2": "pico_w", "esp32": "esp32_devkit"}
_PAUSE_MS = 2000  # before the restart after a crash: time to read the console


def board_name(env, glob):
    """The board to run: MODEM_BOARD from the environment (make run) or set by
    `mpremote exec` (make dev), else board.txt, else the usual board of the port."""
    name = env("MODEM_BOARD") or glob.get("MODEM_BOARD")
    if name:
        return name
    try:
        with open(BOARD_FILE) as f:
            name = f.read().strip()
    except OSError:
        name = ""
    return name or PORT_BOARDS.get(sys.platform, "host")


def watchdog(board_name):
    """machine.WDT when the board asks for one (WDT_MS), fed before each step of the loop.
    Interim: modem.main has no per-step hook yet, so Modem.step is wrapped here."""
    board = __import__("boards." + board_name, None, None, ("x",))
    ms = getattr(board, "WDT_MS", None)
    if not ms:
        return None
    from machine import WDT  # the board layer only

    from modem.core import Modem

    wdt = WDT(timeout=ms)
    step = Modem.step

    def fed_step(self, timeout_ms):
        wdt.feed()
        return step(self, timeout_ms)

    Modem.step = fed_step
    return wdt


def guard(run, restart, pause, log):
    """run() for ever: what escapes it is printed, then after a pause the modem restarts
    (restart(): machine.reset on a board). A normal return (Ctrl-C in the loop) ends it;
    Ctrl-C during the pause reaches the REPL (mpremote can then take over)."""
    while True:
        try:
            return run()
        except Exception as e:  # never a dead board
            log(e)
        pause(_PAUSE_MS)
        restart()


def _log(e):
    print("modem: crashed, restarting")
    if hasattr(sys, "print_exception"):
        sys.print_exception(e)
    else:
        import traceback

        traceback.print_exception(type(e), e, e.__traceback__)


def _restart():
    try:
        from machine import reset  # a board: start clean (heap, UARTs, radio)
    except ImportError:
        raise SystemExit(1)  # a computer: the crash ends the process (tools/sim.py reports it)
    reset()


def _pause(ms):
    import time

    time.sleep(ms / 1000)


def start(env, glob):
    """Everything that can fail runs under the guard, imports included."""
    name = board_name(env, glob)
    watchdog(name)
    from modem import main

    main.run(name, env("MODEM_FLASH"))


if __name__ == "__main__":
    _env = getattr(os, "getenv", lambda name: None)  # boards have no environment
    _glob = globals()
    guard(lambda: start(_env, _glob), _restart, _pause, _log)
