"""Starts the modem for a board and runs its loop for ever: modem.main.run(board name).

A board is a data module in boards/ (its UART, pins, network kind); what it does not say,
DEFAULTS does.
"""
import sys

from . import dle
from .compat import heap

VERSION = "GPX-MPY V0.1.0 (GenPro 2Xe AT# compatible, MicroPython)"

DEFAULTS = (
    ("MANUFACTURER", "GPX"),
    ("MODEL", "GenPro 2Xe compatible modem"),
    ("REVISION", "V0.1.0"),
    ("VERSION", VERSION),
    ("WIND", True),
    ("FLASH_DIR", ""),
    ("SNTP_SERVERS", ("pool.ntp.org",)),
    ("NETWORK", "host"),
    ("UART", None),
)


def log(text):
    sys.stderr.write("modem: " + text + "\n")


def load(name):
    """The board's data module (boards/<name>.py), with every default it does not give."""
    mod = __import__("boards." + name, None, None, (name,))
    for k, v in DEFAULTS:
        if not hasattr(mod, k):
            setattr(mod, k, v)
    return mod


def backend(board, params, flash_dir, wait):
    """The link backend the board's NETWORK names (only its module is loaded)."""
    kind = board.NETWORK
    if kind == "wlan":
        from .net_wlan import WlanBackend

        return WlanBackend(params)
    if kind == "ppp":
        from .net_ppp import PppBackend

        return PppBackend(board, params, wait=wait)
    from .net_host import HostBackend

    return HostBackend((flash_dir.rstrip("/") + "/" if flash_dir else "") + "link.fault")


def line(board):
    """The AT line: the board's UART, or stdin/stdout (a pty) where it has none."""
    if board.UART is None:
        from .compat import FdPort

        return FdPort(0, 1)
    from machine import UART  # the board layer only

    from .uart import UartPort

    return UartPort(UART(**board.UART), "timeout_char" in board.UART)


def make(board, port, flash_dir, logger=None):
    """The modem for a board on port, not started."""
    from .core import Modem
    from .link import Link
    from .params import Params
    from .pump import Pump
    from .wait import Wait

    w = Wait(getattr(board, "kick", None))
    # the pump's buffer first, its 2 KiB in one piece while the heap is in one piece: what
    # the parameters' defaults leave behind would split it (a 64 KB heap could then start
    # with room enough in all and none of it in one block)
    pump = Pump(port, w)
    params = Params(flash_dir)
    m = Modem(port, board, params, Link(backend(board, params, flash_dir, w)), w, logger)
    m.pump = pump
    return m


def boot(board_name="host", flash_dir=None, port=None, logger=log):
    """The modem for a board, started, on port (the board's line if None)."""
    board = load(board_name)
    flash = board.FLASH_DIR if flash_dir is None else flash_dir
    modem = make(board, line(board) if port is None else port, flash, logger)
    if not dle.VIPER:
        logger("dle: no viper here: the bytecode codec runs, about 20 times slower")
    modem.start()
    return modem


def run(board_name="host", flash_dir=None):
    modem = boot(board_name, flash_dir)
    h = heap()
    if h:
        log("heap: %d bytes in use, %d free" % h)
    log("ready")
    while True:
        try:
            modem.step(100)
        except KeyboardInterrupt:
            # (a constant, written as it is: the unix port raises Ctrl-C (SIGINT) where it
            # lands, and one that lands in a collection leaves the heap locked)
            sys.stderr.write("modem: stopped\n")
            return
        except EOFError:  # (a computer's pty, its other end closed; a UART never is)
            log("the line has gone: stopped")
            return
        except Exception as e:  # the loop never dies: log, tell the host, go on
            try:
                modem.failed(e)
            except Exception:
                pass  # nothing more can be done for this one; the loop goes on
