"""The command table: every AT command name and alias, and the handler that runs it.

A handler is h(modem, name, op, args) (atparse gives name, op and args). It returns a false
value for a final OK, or True when it printed its own final result (a data session, an IP
address and Ok_Info_GprsActivation); it raises ATError(code) for ERROR or #CME ERROR: code.
Handlers live in the module of their concept, imported when a command first needs it and
kept. Parameters need no row: every name and alias of schema.PARAMS is handled by
params.at_param, under its own prefix or the other one (liberal in what we accept), but
for the extensions (group X), which keep their own.
"""
from . import schema
from .atparse import ACT, SET
from .codes import ERROR, ATError
from .params import at_param

# name: "module.handler". The handler is looked up the first time it runs, and kept here
# in place of its name.
TABLE = {
    "E": "commands.at_basic",
    "V": "commands.at_basic",
    "Q": "commands.at_basic",
    "&W": "commands.at_basic",
    "Z": "params.at_z",
    "&F": "params.at_factory",
    "+IPR": "commands.at_ipr",
    "I": "info.ident",
    "+CGMI": "info.ident",
    "+GMI": "info.ident",
    "+CGMM": "info.ident",
    "+GMM": "info.ident",
    "+CGMR": "info.ident",
    "+GMR": "info.ident",
    "+CMEE": "info.cmee",
    "+CPIN": "info.cpin",
    "#VGPRS": "info.display",
    "#VFTP": "info.display",
    "#VWLAN": "info.display",
    "#VTCP": "info.vtcp",
    "#VALL": "info.vall",
    "#VVERSION": "info.version",
    "#VMEM": "info.vmem",
    "#VSTATE": "link.at_vstate",
    "+CGATT": "link.at_cgatt",
    "+CGREG": "link.at_creg",
    "+CREG": "link.at_creg",
    "+CSQ": "link.at_csq",
    "#CONNECTIONSTART": "link.at_start",
    "#CONNECTIONSTOP": "link.at_stop",
    "#DISPLAYIP": "link.at_displayip",
    "#OTCP": "tcp.otcp",
    "#LTCPSTART": "tcp.ltcpstart",
    "#LTCPSTOP": "tcp.ltcpstop",
    "#LTCPPORT": "tcp.ltcpstop",
    "#FTPGET": "ftp.get",
    "#FTPPUT": "ftp.put",
    "#FTTPUT": "ftp.put",
    "+EGNTP": "sntp.egntp",
    "+EGNTPT": "sntp.egntp",
    "+CCLK": "sntp.cclk",
}



def names():
    """Every command name of the table."""
    return list(TABLE)


def known(name):
    """True for a command name as atparse gives it (E, &F, #VALL, +CMEE): one of the table,
    or a parameter under its prefix (or the other one, but for the extensions)."""
    if name in TABLE:
        return True
    param = schema.find(name[1:])
    if param is None:
        return False
    r = schema.row(param)
    return r[schema.GROUP] != "X" or name[0] == r[schema.PREFIX]


def handler(name):
    """The function that runs a known command: its module imported the first time."""
    h = TABLE.get(name)
    if h is None:
        return at_param
    if isinstance(h, str):
        mod, fn = h.split(".")
        h = TABLE[name] = getattr(__import__("modem." + mod, None, None, (fn,)), fn)
    return h


# ---- the basic commands ----

_DIGITS = {"E": (0, 1), "V": (1,), "Q": (0,), "&W": (0,)}


def at_basic(m, name, op, args):
    """E, V, Q, &W (ATV0 and ATQ1 refused: spec section 8); &W answers OK: every change is
    saved as it is made."""
    d = args[0][0] if args else ""
    v = int(d) if d else 0
    if op != ACT or v not in _DIGITS[name]:
        raise ATError(ERROR)
    if name == "E":
        m.echo = v


def at_ipr(m, name, op, args):
    """AT+IPR: a saved parameter, applied to the line after the OK."""
    at_param(m, name, op, args)
    if op == SET:
        m.after_ok = m.apply_baud
