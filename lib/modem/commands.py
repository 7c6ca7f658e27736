"""The command table: every AT command name and alias, and the handler that runs it.

A handler is h(modem, name, op, args) (atparse gives name, op and args). It returns a false
value for a final OK, or True when it printed its own final result (a data session, an IP
address and Ok_Info_GprsActivation); it raises ATError(code) for ERROR or #CME ERROR: code.
Handlers live in the module of their concept, imported when a command first needs it and
kept. Parameters need no row: every name and alias of schema.PARAMS is handled by
params.at_param, under its own prefix or the other one (liberal in what we accept), but
for the extensions (group X), which keep their own.
"""
from .schema import PARAMS
from .atparse import ACT, SET
from .codes import ERROR, ATError
from .params import at_param, param

# name: "modem.<module>.<handler>". The handler is looked up the first time it runs, and kept
# here in place of its name. (Whole paths: short strings would be interned, one more name
# each in a heap that holds them: docs/heap.md.)
TABLE = {
    "E": "modem.commands.at_basic",
    "V": "modem.commands.at_basic",
    "Q": "modem.commands.at_basic",
    "&W": "modem.commands.at_basic",
    "Z": "modem.params.at_z",
    "&F": "modem.params.at_factory",
    "+IPR": "modem.commands.at_ipr",
    "I": "modem.info.ident",
    "+CGMI": "modem.info.ident",
    "+GMI": "modem.info.ident",
    "+CGMM": "modem.info.ident",
    "+GMM": "modem.info.ident",
    "+CGMR": "modem.info.ident",
    "+GMR": "modem.info.ident",
    "+CMEE": "modem.info.cmee",
    "+CPIN": "modem.info.cpin",
    "#VGPRS": "modem.info.display",
    "#VFTP": "modem.info.display",
    "#VWLAN": "modem.info.display",
    "#VTCP": "modem.info.vtcp",
    "#VALL": "modem.info.vall",
    "#VVERSION": "modem.info.version",
    "#VMEM": "modem.info.vmem",
    "#VSTATE": "modem.link.at_vstate",
    "+CGATT": "modem.link.at_cgatt",
    "+CGREG": "modem.link.at_creg",
    "+CREG": "modem.link.at_creg",
    "+CSQ": "modem.link.at_csq",
    "#CONNECTIONSTART": "modem.link.at_start",
    "#CONNECTIONSTOP": "modem.link.at_stop",
    "#DISPLAYIP": "modem.link.at_displayip",
    "#OTCP": "modem.tcp.otcp",
    "#LTCPSTART": "modem.tcp.ltcpstart",
    "#LTCPSTOP": "modem.tcp.ltcpstop",
    "#LTCPPORT": "modem.tcp.ltcpstop",
    "#FTPGET": "modem.ftp.get",
    "#FTPPUT": "modem.ftp.put",
    "#FTTPUT": "modem.ftp.put",
    "&D": "modem.commands.at_basic",
    "&C": "modem.commands.at_basic",
    "&K": "modem.commands.at_basic",
    "S": "modem.gsm.sreg",
    "H": "modem.gsm.hang_up",
    "O": "modem.gsm.online",
    "+WOPEN": "modem.gsm.wopen",
    "+CFUN": "modem.gsm.cfun",
    "+CGDCONT": "modem.gsm.cgdcont",
    "+CCED": "modem.gsm.cced",
    "+COPS": "modem.gsm.cops",
    "+CGSN": "modem.gsm.cgsn",
    "+GSN": "modem.gsm.cgsn",
    "+CIMI": "modem.gsm.sim",
    "+CCID": "modem.gsm.sim",
    "+IFC": "modem.gsm.line",
    "+ICF": "modem.gsm.line",
    "#DNS": "modem.gsm.dns",
    "#RESET": "modem.gsm.reset",
    "#VDNS": "modem.info.display",
    "#VPHY": "modem.info.display",
    "#VUDP": "modem.info.display",
    "#VPING": "modem.info.display",
    "#PING": "modem.ping.at_ping",
    "#VSMTP": "modem.info.display",
    "#VMAIL1": "modem.info.display",
    "#VMAIL2": "modem.info.display",
    "#VMAIL3": "modem.info.display",
    "#PUTMAIL": "modem.smtp.putmail",
    "#SENDMAIL": "modem.smtp.sendmail",
    "#SENDMAIL1": "modem.smtp.sendmail",
    "#SENDMAIL2": "modem.smtp.sendmail",
    "#SENDMAIL3": "modem.smtp.sendmail",
    "#BODY1": "modem.smtp.entry",
    "#BODY2": "modem.smtp.entry",
    "#BODY3": "modem.smtp.entry",
    "#REC1ADD": "modem.smtp.entry",
    "#REC2ADD": "modem.smtp.entry",
    "#REC3ADD": "modem.smtp.entry",
    "#VPOP3": "modem.info.display",
    "#GETMAIL": "modem.pop3.getmail",
    "#TLSCA": "modem.tls.at_tlsca",
    "#VTLS": "modem.tls.vtls",
    "#OUDP": "modem.udp.oudp",
    "#LUDPSTART": "modem.udp.ludpstart",
    "#LUDPSTOP": "modem.udp.ludpstop",
    "#UDPSTOP": "modem.udp.ludpstop",
    "+EGNTP": "modem.sntp.egntp",
    "+EGNTPT": "modem.sntp.egntp",
    "+CCLK": "modem.sntp.cclk",
}



def names():
    """Every command name of the table."""
    return list(TABLE)


def lookup(name):
    """The function that runs a command name as atparse gives it (E, &F, #VALL, +CMEE): one
    of the table, or a parameter under its prefix (or the other one, but for the
    extensions); its module imported the first time (and kept). None for a name the modem
    does not know."""
    h = TABLE.get(name)
    if h is None:
        r = PARAMS.get(param(name))  # the row: group last, prefix first
        if r is None or (r.endswith("X") and r.startswith("+") != name.startswith("+")):
            return None
        return at_param
    if isinstance(h, str):
        i = h.rfind(".")
        h = TABLE[name] = getattr(__import__(h[:i], None, None, ("x",)), h[i + 1:])
    return h


# Commands whose bare form takes the host's text after it, up to a Ctrl-Z (Modem.take_text)
TEXT = ("#BODY1", "#BODY2", "#BODY3", "#REC1ADD", "#REC2ADD", "#REC3ADD", "#TLSCA")


# ---- the basic commands ----

# What each basic command takes: E, V, Q (ATV0 and ATQ1 refused: spec section 8), and the
# line's &D (DTR), &C (DCD), &K (flow control), which the board's wiring decides (a host's
# choice changes nothing: DCD follows the data session, DTR ends one, RTS/CTS hold both).
_DIGITS = {"E": (0, 1), "V": (1,), "Q": (0,), "&W": (0,), "&D": (0, 1, 2), "&C": (0, 1),
           "&K": (0, 3, 4)}


def at_basic(m, name, op, args):
    """E, V, Q, &W, &D, &C, &K (_DIGITS); &W answers OK: every change is saved as it is
    made."""
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
