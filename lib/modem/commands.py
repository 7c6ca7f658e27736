"""The command table: every AT command name (and alias) and its handler.

A handler is h(modem, name, op, args). It returns None for a final OK, or NOFINAL when it
printed its own final result; it raises ATError(code) for ERROR or #CME ERROR: code.
Parameters (schema.TABLE) need no entry: every name and alias there is handled by
at_param, under its own prefix or the other one (liberal in what we accept).
"""
from . import schema as S
from .atparse import ACT, SET, TEST
from .codes import BAD_PARAMETER, ERROR, ATError
from .compat import const

NOFINAL = const(1)

# A spare piece of heap, held while no feature module is loaded and given to the next one
# (overlay): its module dict and functions are allocated in one piece each, and after a long
# run with values of every length set, the free heap is mostly small pieces. None until
# modem.main.boot takes it, last (spare); False while given away or not to be had.
_SPARE = const(2048)
_spare = None


def _digit(args, ok):
    """The digit of a basic command (E0, V1, Q0) as an int; only the values in ok pass."""
    d = args[0][0] if args else ""
    v = int(d) if d else 0
    if v not in ok:
        raise ATError(ERROR)
    return v


def at_basic(m, name, op, args):
    """E, V, Q, &W (ATV0 and ATQ1 refused: spec section 8). Z and &F: the setting module."""
    if op != ACT:
        raise ATError(ERROR)
    if name == "E":
        m.echo = _digit(args, (0, 1))
    elif name == "V":
        _digit(args, (1,))
    elif name == "Q":
        _digit(args, (0,))
    # &W: every change is saved as it is made


def at_ipr(m, name, op, args):
    """AT+IPR: a saved parameter, applied to the line after the OK."""
    at_param(m, name, op, args)
    if op == SET:
        m.after_ok = m.apply_baud


def at_param(m, name, op, args):
    """Set and get of every parameter of the schema (DECISIONS.md section 2)."""
    row = S.find(name[1:])
    p = m.params
    shown = row[S.NAME]
    if op == TEST:
        return
    if op == ACT:
        raise ATError(ERROR)
    if op == SET:
        return overlay("setting", m, name, op, args)  # checked and saved there
    if row[S.GROUP] != "T":
        m.info(p.line(shown, shown))
    else:
        for sock in S.SOCKETS:
            m.info(p.line(shown, shown, sock))


def socket_id(args):
    """The socket id of a one-argument list, 1 or 2, or ATError(36929)."""
    if len(args) != 1 or args[0][0] not in ("1", "2"):
        raise ATError(BAD_PARAMETER)
    return int(args[0][0])


# Every command: NAME:WHERE, WHERE a handler here (basic, ipr) or the feature
# module that runs it (see overlay). One string: a dict of functions costs ten times the RAM.
COMMANDS = (
    " E:basic V:basic Q:basic Z:setting &F:setting &W:basic +IPR:ipr"
    " I:atinfo +CGMI:atinfo +GMI:atinfo +CGMM:atinfo +GMM:atinfo +CGMR:atinfo +GMR:atinfo"
    " +CMEE:atinfo +CPIN:atinfo #VGPRS:atinfo #VFTP:atinfo #VTCP:atinfo #VALL:atinfo"
    " #VVERSION:atinfo #VSTATE:atinfo #VWLAN:atinfo #VMEM:atinfo"
    " +CGATT:atlink +CGREG:atlink +CREG:atlink +CSQ:atlink #CONNECTIONSTOP:atlink"
    " #CONNECTIONSTART:atlink #DISPLAYIP:atlink"
    " #OTCP:tcp #LTCPSTART:tcp #LTCPSTOP:tcp #LTCPPORT:tcp"
    " #FTPGET:ftp #FTPPUT:ftp #FTTPUT:ftp"
    " +EGNTP:sntp +EGNTPT:sntp +CCLK:sntp "
)


def names():
    """Every command name of the table."""
    return [item.split(":")[0] for item in COMMANDS.split()]


OVERLAYS = ("atinfo", "atlink", "sntp", "tcp", "ftp", "sockets", "clock", "hostip", "setting",
            "store")


def overlay(mod, m, name, op, args):
    """Runs a feature module's run(m, name, op, args): the module is loaded for the call and
    unloaded after it, unless a data session or a listener still needs it (settle). Code
    costs heap on MicroPython unless frozen: a feature in use is the only one loaded."""
    import gc

    global _spare
    if _spare:
        _spare = False  # the module's biggest allocations go there
    gc.collect()  # the module's code needs its bytes in one piece: garbage out first
    try:
        return __import__("modem." + mod, None, None, ("run",)).run(m, name, op, args)
    finally:
        settle(m)


def settle(m):
    """Unload the feature modules when nothing needs them any more."""
    if m.enter is not None or m.listener is not None:
        return
    unload(m.params)


def unload(params):
    """The feature modules out of the heap, the spare piece of heap taken again, then the
    parameter values made meanwhile copied down to where it is in one piece
    (Params.rehome)."""
    import gc
    import sys

    for mod in OVERLAYS:
        _drop(sys, mod)
    gc.collect()  # garbage out before the next load: code needs its bytes in one piece
    if _spare is False:
        spare()  # before the values are copied down: they go elsewhere
    params.rehome()


def spare():
    """Takes the spare piece of heap (see _spare); when the heap has no such piece now,
    the next unload tries again."""
    global _spare
    try:
        _spare = bytearray(_SPARE)
    except MemoryError:
        _spare = False


def _drop(sys, mod):
    if sys.modules.pop("modem." + mod, None) is not None:
        pkg = sys.modules.get("modem")
        if hasattr(pkg, mod):
            delattr(pkg, mod)


def lookup(name):
    """The handler of a command name as atparse gives it (E, &F, #VALL, +CMEE), or None:
    a function, or the name of the feature module that handles it (see overlay)."""
    i = COMMANDS.find(" " + name + ":")
    h = None
    if i >= 0:
        i += len(name) + 2
        h = COMMANDS[i:COMMANDS.find(" ", i)]
        if h == "basic":
            h = at_basic
        elif h == "ipr":
            h = at_ipr
    elif len(name) > 1:
        row = S.find(name[1:])
        if row is not None and (row[S.GROUP] != "X" or name.startswith(row[S.PREFIX])):
            h = at_param
    return h


def error_text(code, cmee):
    """The final result line for an error code under AT+CMEE=cmee."""
    if code == ERROR or cmee == 0:
        return "ERROR"
    if cmee == 2:
        return "#CME ERROR: " + _verbose(code)
    return "#CME ERROR: %d" % code


def _verbose(code):
    """The spec's text of a code (atinfo, loaded for it and unloaded after unless it was
    there already); the number itself when the heap has no room for it."""
    import sys

    had = "modem.atinfo" in sys.modules
    try:
        from .atinfo import text

        return text(code)
    except MemoryError:
        return str(code)
    finally:
        if not had:
            _drop(sys, "atinfo")
