"""The command table: every AT command name (and alias) and its handler.

A handler is h(modem, name, op, args). It returns None for a final OK, or NOFINAL when it
printed its own final result; it raises ATError(code) for ERROR or #CME ERROR: code.
Parameters (schema.TABLE) need no entry: every name and alias there is handled by
at_param, under its own prefix or the other one (liberal in what we accept).
"""
from . import schema as S
from .atparse import ACT, GET, SET, TEST
from .codes import BAD_PARAMETER, ERROR, OK_GPRS, ATError, text
from .compat import const

NOFINAL = const(1)


def _digit(args, ok):
    """The digit of a basic command (E0, V1, Q0) as an int; only the values in ok pass."""
    d = args[0][0] if args else ""
    v = int(d) if d else 0
    if v not in ok:
        raise ATError(ERROR)
    return v


def at_basic(m, name, op, args):
    """E, V, Q, Z, &F, &W (ATV0 and ATQ1 refused: spec section 8)."""
    if op != ACT:
        raise ATError(ERROR)
    if name == "E":
        m.echo = _digit(args, (0, 1))
    elif name == "V":
        _digit(args, (1,))
    elif name == "Q":
        _digit(args, (0,))
    elif name == "Z":
        m.reset()
    elif name == "&F":
        m.params.factory()
    # &W: every change is saved as it is made


_IDENT = ("MANUFACTURER", "MODEL", "REVISION")
_IDENT_BY_END = (("I", 0), ("M", 1), ("R", 2))


def at_ident(m, name, op, args):
    """ATI (all three lines), +CGMI/+GMI, +CGMM/+GMM, +CGMR/+GMR."""
    if op == TEST:
        return
    if op != ACT:
        raise ATError(ERROR)
    if name == "I":
        for attr in _IDENT:
            m.info(getattr(m.board, attr))
        return
    for end, i in _IDENT_BY_END:
        if name.endswith(end):
            m.info(getattr(m.board, _IDENT[i]))


def at_cmee(m, name, op, args):
    if op == GET:
        m.info("+CMEE: %d" % m.cmee)
    elif op == TEST:
        m.info("+CMEE: (0-2)")
    elif op == SET and len(args) == 1 and args[0][0] in ("0", "1", "2"):
        m.cmee = int(args[0][0])
    else:
        raise ATError(BAD_PARAMETER if op == SET else ERROR)


def at_ipr(m, name, op, args):
    """AT+IPR: a saved parameter, applied to the line after the OK."""
    if op == TEST:
        m.info("+IPR: (),(%s)" % ",".join(str(b) for b in S.BAUDS))
        return
    at_param(m, name, op, args)
    if op == SET:
        m.after_ok = m.apply_baud


def at_cpin(m, name, op, args):
    if op == GET:
        m.info("+CPIN: READY")
    elif op != TEST:
        raise ATError(ERROR)


def at_param(m, name, op, args):
    """Set and get of every parameter of the schema (DECISIONS.md section 2)."""
    row = S.find(name[1:])
    p = m.params
    shown = row[S.NAME]
    if op == TEST:
        return
    if op == ACT:
        raise ATError(ERROR)
    if row[S.GROUP] != "T":
        if op == GET:
            m.info(p.line(shown, shown))
        else:
            p.set(row, 0, args)
    elif op == GET:
        for sock in S.SOCKETS:
            m.info(p.line(shown, shown, sock))
    else:
        sock = socket_id(args[:1])
        if len(args) == 1:
            m.info(p.line(shown, shown, sock))
        else:
            p.set(row, sock, args[1:])


def socket_id(args):
    """The socket id of a one-argument list, 1 or 2, or ATError(36929)."""
    if len(args) != 1 or args[0][0] not in ("1", "2"):
        raise ATError(BAD_PARAMETER)
    return int(args[0][0])


def _lines(m, lines):
    for text in lines:
        m.info(text)


def at_display(m, name, op, args):
    """VGPRS, VFTP, VTCP[=id], VALL, VVERSION, VSTATE (DECISIONS.md section 3)."""
    p = m.params
    if name == "#VTCP" and op == SET:
        _lines(m, p.block(S.VTCP, socket_id(args)))
        return
    if op != ACT:
        raise ATError(ERROR)
    if name == "#VGPRS":
        _lines(m, p.block(S.VGPRS))
    elif name == "#VFTP":
        _lines(m, p.block(S.VFTP))
    elif name == "#VTCP":
        _lines(m, p.block(S.VTCP, 1))
        _lines(m, p.block(S.VTCP, 2))
    elif name == "#VSTATE":
        m.info('#STATE: "%s"' % m.link.state())
    elif name == "#VWLAN":
        _lines(m, p.block(S.VWLAN))
    else:
        m.info("#VERSION: " + m.board.VERSION)
        if name == "#VALL":
            for table, sock in ((S.VGPRS, 0), (S.VFTP, 0), (S.VALL_TCP, 1), (S.VALL_TCP, 2),
                                (S.VSNTP, 0)):
                m.info("")
                _lines(m, p.block(table, sock))


def _flag(op, args):
    """The 0/1 argument of AT+CGATT=, AT+CGREG=."""
    if len(args) != 1 or args[0][0] not in ("0", "1"):
        raise ATError(BAD_PARAMETER)
    return args[0][0] == "1"


def at_cgatt(m, name, op, args):
    link = m.link
    if op == GET:
        m.info("+CGATT: %d" % link.attached())
    elif op == TEST:
        m.info("+CGATT: (0-1)")
    elif op == SET:
        on = _flag(op, args)
        link.attach(on)
        if on and link.cgreg and link.reg != 1:
            # searching first, as the spec shows (7.2.1); tick() reports what follows
            link.reg = 2
            m.after_ok = lambda: m.say("+CGREG: 2")
    else:
        raise ATError(ERROR)


def at_cgreg(m, name, op, args):
    link = m.link
    reg = link.backend.registration()
    if op == GET:
        m.info("%s: %d,%d" % (name, link.cgreg if name == "+CGREG" else 0, reg))
    elif op == TEST:
        m.info("%s: (0-1)" % name)
    elif op == SET and name == "+CGREG":
        link.cgreg = _flag(op, args)
        link.reg = reg
    else:
        raise ATError(ERROR)


def at_csq(m, name, op, args):
    if op == ACT:
        m.info("+CSQ: %d,99" % m.link.csq())
    elif op == TEST:
        m.info("+CSQ: (0-31,99),(99)")
    else:
        raise ATError(ERROR)


def at_cstart(m, name, op, args):
    """The IP address, then Ok_Info_GprsActivation in place of OK (spec 2.2.2)."""
    if op != ACT:
        raise ATError(ERROR)
    m.info(m.link.start(m.params))
    m.result(OK_GPRS)
    return NOFINAL


def at_cstop(m, name, op, args):
    if op != ACT:
        raise ATError(ERROR)
    m.link.stop()


def at_displayip(m, name, op, args):
    if op != ACT:
        raise ATError(ERROR)
    mine, peer = m.link.addresses()
    m.info("MY IP: " + mine)
    m.info("PEER IP: " + peer)


def at_egntp(m, name, op, args):
    from .sntp import command  # loaded on first use

    return command(m, name, op, args)


def at_cclk(m, name, op, args):
    from .sntp import cclk

    return cclk(m, name, op, args)


def at_needs_link(m, name, op, args):
    """Commands of later issues: they need the link (35867 while it is down)."""
    m.link.need()
    raise ATError(ERROR)


TABLE = {
    "E": at_basic,
    "V": at_basic,
    "Q": at_basic,
    "Z": at_basic,
    "&F": at_basic,
    "&W": at_basic,
    "I": at_ident,
    "+CGMI": at_ident,
    "+GMI": at_ident,
    "+CGMM": at_ident,
    "+GMM": at_ident,
    "+CGMR": at_ident,
    "+GMR": at_ident,
    "+CMEE": at_cmee,
    "+IPR": at_ipr,
    "+CPIN": at_cpin,
    "#VGPRS": at_display,
    "#VFTP": at_display,
    "#VTCP": at_display,
    "#VALL": at_display,
    "#VVERSION": at_display,
    "#VSTATE": at_display,
    "#VWLAN": at_display,
    "+CGATT": at_cgatt,
    "+CGREG": at_cgreg,
    "+CREG": at_cgreg,
    "+CSQ": at_csq,
    "#CONNECTIONSTOP": at_cstop,
    "#CONNECTIONSTART": at_cstart,
    "#DISPLAYIP": at_displayip,
    "#OTCP": at_needs_link,
    "#LTCPSTART": at_needs_link,
    "#LTCPSTOP": at_needs_link,
    "#LTCPPORT": at_needs_link,
    "#FTPGET": at_needs_link,
    "#FTPPUT": at_needs_link,
    "#FTTPUT": at_needs_link,
    "+EGNTP": at_egntp,
    "+EGNTPT": at_egntp,
    "+CCLK": at_cclk,
}


def lookup(name):
    """The handler of a command name as atparse gives it (E, &F, #VALL, +CMEE), or None."""
    h = TABLE.get(name)
    if h is None and len(name) > 1:
        row = S.find(name[1:])
        if row is not None and (row[S.GROUP] != "X" or name.startswith(row[S.PREFIX])):
            h = at_param
    return h


def error_text(code, cmee):
    """The final result line for an error code under AT+CMEE=cmee."""
    if code == ERROR or cmee == 0:
        return "ERROR"
    if cmee == 2:
        return "#CME ERROR: " + text(code)
    return "#CME ERROR: %d" % code
