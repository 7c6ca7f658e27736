"""Putting a modem together for a board: its data module, parameters, link, line.
Needed once, at start-up: modem.main unloads it after."""

VERSION = "GPX-MPY V0.1.0 (GenPro 2Xe AT# compatible, MicroPython)"

# What every board has unless its module says otherwise.
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


def load(name):
    """The board's data module (boards/<name>.py), with every default it does not give."""
    mod = __import__("boards." + name, None, None, (name,))
    for k, v in DEFAULTS:
        if not hasattr(mod, k):
            setattr(mod, k, v)
    return mod


def make(board, port, flash_dir, logger=None, buf=None, params=None):
    """The modem (not started): params, if given, are the ones modem.main loaded first."""
    from .clock import state
    from .core import Modem
    from .link import Link

    if params is None:
        from .params import Params

        params = Params(flash_dir)
    m = Modem(port, board, params, Link(backend(board, params, flash_dir)), logger, buf)
    m.clock = state(board)  # made now: later it would sit among a feature module's code
    return m


def backend_module(board):
    """The module of the link backend the board's NETWORK names (only that one is loaded)."""
    kind = board.NETWORK
    return __import__("modem.net_" + (kind if kind in ("wlan", "ppp") else "host"), None,
                      None, ("x",))


def backend(board, params, flash_dir):
    mod = backend_module(board)
    if board.NETWORK == "wlan":
        return mod.WlanBackend(params)
    if board.NETWORK == "ppp":
        return mod.PppBackend(board, params)
    return mod.HostBackend((flash_dir.rstrip("/") + "/" if flash_dir else "") + "link.fault")


def line(board):
    """The AT line: the board's UART, or stdin/stdout (a pty) where it has none."""
    if board.UART is None:
        from .ports import FdPort

        return FdPort(0, 1)
    from machine import UART  # the board layer only

    from .uart import UartPort

    return UartPort(UART(**board.UART))


def boot(board_name, flash_dir, port, logger):
    """The modem for a board, started (modem.main.boot). The order keeps the heap's peak low
    and its free part in one piece: the parameters first, with only what loading them
    needs; then the modem."""
    board = load(board_name)
    flash = board.FLASH_DIR if flash_dir is None else flash_dir
    from .commands import unload
    from .params import Params

    params = Params(flash)
    status = params.load_at_start()  # the setting module comes and goes
    unload(params)
    modem = make(board, line(board) if port is None else port, flash, logger, params=params)
    modem.start(status)
    return modem
