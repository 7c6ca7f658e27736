"""The information commands: displays (VGPRS, VFTP, VTCP, VALL, VVERSION, VSTATE, VWLAN),
identification (ATI, +CGMI, +CGMM, +CGMR), +CMEE, +CPIN, and the verbose error texts.
A feature module: loaded when one of them runs (commands.overlay)."""
from . import schema as S
from .atparse import ACT, GET, SET, TEST
from . import codes as K
from .commands import socket_id


def block(p, table, sock=0):
    """The lines of a display table of schema (NAME or NAME:SHOWN, space separated)."""
    for item in table.split(" "):
        c = item.find(":")
        yield p.line(item[:c], item[c + 1:], sock) if c > 0 else p.line(item, item, sock)


def state(link):
    """AT#VSTATE: CONNECTED, IDLE, or NO SERVICE (attaching without a network)."""
    if link.up:
        return "CONNECTED"
    reg = link.backend.registration()
    if link.want_attach and reg != 1 and reg != 2:
        return "NO SERVICE"
    return "IDLE"


def _lines(m, lines):
    for text in lines:
        m.info(text)


def at_display(m, name, op, args):
    """VGPRS, VFTP, VTCP[=id], VALL, VVERSION, VSTATE (DECISIONS.md section 3); VWLAN, VMEM."""
    p = m.params
    if name == "#VTCP" and op == SET:
        _lines(m, block(p, S.VTCP, socket_id(args)))
        return
    if op != ACT:
        raise K.ATError(K.ERROR)
    if name == "#VGPRS":
        _lines(m, block(p, S.VGPRS))
    elif name == "#VFTP":
        _lines(m, block(p, S.VFTP))
    elif name == "#VTCP":
        _lines(m, block(p, S.VTCP, 1))
        _lines(m, block(p, S.VTCP, 2))
    elif name == "#VSTATE":
        m.info('#STATE: "%s"' % state(m.link))
    elif name == "#VWLAN":
        _lines(m, block(p, S.VWLAN))
    elif name == "#VMEM":  # an extension: the heap, for the engineer and the soak tests
        import gc

        gc.collect()
        if not hasattr(gc, "mem_alloc"):
            raise K.ATError(K.ERROR)  # CPython keeps no such figure
        m.info("#VMEM: %d,%d" % (gc.mem_alloc(), gc.mem_free()))
    else:
        m.info("#VERSION: " + m.board.VERSION)
        if name == "#VALL":
            for table, sock in ((S.VGPRS, 0), (S.VFTP, 0), (S.VALL_TCP, 1), (S.VALL_TCP, 2),
                                (S.VSNTP, 0)):
                m.info("")
                _lines(m, block(p, table, sock))


_IDENT = ("MANUFACTURER", "MODEL", "REVISION")
_IDENT_BY_END = (("I", 0), ("M", 1), ("R", 2))


def at_ident(m, name, op, args):
    """ATI (all three lines), +CGMI/+GMI, +CGMM/+GMM, +CGMR/+GMR."""
    if op == TEST:
        return
    if op != ACT:
        raise K.ATError(K.ERROR)
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
        raise K.ATError(K.BAD_PARAMETER if op == SET else K.ERROR)


def at_cpin(m, name, op, args):
    if op == GET:
        m.info("+CPIN: READY")
    elif op != TEST:
        raise K.ATError(K.ERROR)


# Text for AT+CMEE=2 (verbose), from spec 9.2: one string, searched by code.
_TEXT = """35840 Modem is already running
35841 GPRS session lost
35865 Module is not attached to the network
35866 Invalid event during activation process
35867 Physical layer connection is currently not active
35868 GPRS connection aborted
36929 Bad parameter configuration attempt
37122 Another internal application is already running
38016 Open session attempt failed
38022 Change Directory attempt failed
38027 No answer from DNS servers
49155 Internal error"""


def text(code):
    """The spec's description of an error code, or the code itself."""
    key = "%d " % code
    i = _TEXT.find(key)
    if i < 0:
        return str(code)
    j = _TEXT.find("\n", i)
    return _TEXT[i + len(key):j if j > 0 else len(_TEXT)]


def run(m, name, op, args):
    if name.startswith("#V"):
        return at_display(m, name, op, args)
    if name == "+CMEE":
        return at_cmee(m, name, op, args)
    if name == "+CPIN":
        return at_cpin(m, name, op, args)
    return at_ident(m, name, op, args)
