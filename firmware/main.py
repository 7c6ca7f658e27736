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
    # stderr: the USB console on a board, the log under make run (stdout is the AT line)
    sys.stderr.write("modem: crashed, restarting\n")
    if hasattr(sys, "print_exception"):
        sys.print_exception(e, sys.stderr)
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
    """Everything that can fail runs under the guard, imports included. On a board with
    WDT_MS the modem takes the watchdog over from boot.py's timer, and gives it back when
    Ctrl-C stops it (mpremote taking over): boot.take, boot.rest. boot.py holds that code:
    a computer never loads it; under make dev's mount it is out of reach, and the timer the
    board's boot.py started keeps feeding the watchdog."""
    name = board_name(env, glob)
    board = __import__("boards." + name, None, None, ("x",))
    dog = None
    if getattr(board, "WDT_MS", None):
        try:
            import boot as dog
        except ImportError:
            pass
    if dog:
        dog.take(board)
    from modem import main

    try:
        main.run(name, env("MODEM_FLASH"))
    except KeyboardInterrupt:
        pass
    if dog:
        dog.rest(board)


if __name__ == "__main__":
    if sys.implementation.name == "cpython":
        # Started from a script's background, a process inherits SIGINT ignored, and CPython
        # keeps it so: Ctrl-C and tools/sim.py's stop would never reach the modem. (The
        # MicroPython unix port takes SIGINT whatever it inherited.)
        import signal

        signal.signal(signal.SIGINT, signal.default_int_handler)
    _env = getattr(os, "getenv", lambda name: None)  # boards have no environment
    _glob = globals()
    guard(lambda: start(_env, _glob), _restart, _pause, _log)
