"""Starts the modem for a board: parameters from flash, the UART, the command loop."""
import gc
import sys

from .board import load
from .compat import MPY
from .core import Modem
from .link import Link
from .params import Params
from .ports import FdPort
from .store import Store


def log(text):
    sys.stderr.write("modem: " + text + "\n")


def make(board, port, flash_dir, logger=log):
    params = Params(Store(flash_dir, "params.gpx"))
    m = Modem(port, board, params, Link(backend(board, params, flash_dir)), logger)
    m.clock = make_clock(board)
    return m


def make_clock(board):
    if getattr(board, "RTC", False):
        from machine import RTC  # the board layer only

        from .clock import RtcClock

        return RtcClock(RTC())
    from .clock import Clock

    return Clock()


def backend(board, params, flash_dir):
    """The link backend the board's NETWORK names (imported only when used)."""
    kind = board.NETWORK
    if kind == "wlan":
        from .net_wlan import WlanBackend

        return WlanBackend(params)
    if kind == "ppp":
        from .net_ppp import PppBackend

        return PppBackend(board, params)
    from .net_host import HostBackend

    return HostBackend((flash_dir.rstrip("/") + "/" if flash_dir else "") + "link.fault")


def run(board_name="host", flash_dir=None):
    board = load(board_name)
    if flash_dir is None:
        flash_dir = board.FLASH_DIR
    port = FdPort(0, 1) if board.UART is None else _uart(board)
    modem = make(board, port, flash_dir)
    modem.start()
    if MPY:
        gc.collect()
        log("heap: %d bytes in use, %d free" % (gc.mem_alloc(), gc.mem_free()))
    log("ready")
    try:
        while True:
            modem.step(100)
    except KeyboardInterrupt:
        log("stopped")


def _uart(board):
    from machine import UART  # the board layer only

    from .ports import UartPort

    return UartPort(UART(**board.UART))
