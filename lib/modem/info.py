"""What the modem tells about itself: the parameter displays (VGPRS, VFTP, VTCP, VALL,
VVERSION, VWLAN), identification (ATI, +CGMI, +CGMM, +CGMR), +CMEE, +CPIN and the heap."""
from . import schema
from .atparse import ACT, GET, SET, TEST
from .codes import BAD_PARAMETER, ERROR, ATError
from .compat import heap
from .params import socket_id

# The displays of one block (docs/decisions.md section 3): name -> the schema's table.
_BLOCKS = {"#VGPRS": schema.VGPRS, "#VFTP": schema.VFTP, "#VWLAN": schema.VWLAN,
           "#VDNS": schema.VDNS, "#VPHY": schema.VPHY, "#VUDP": schema.VUDP,
           "#VPING": schema.VPING, "#VSMTP": schema.VSMTP, "#VMAIL1": schema.VMAIL1,
           "#VMAIL2": schema.VMAIL2, "#VMAIL3": schema.VMAIL3, "#VPOP3": schema.VPOP3}
# What VALL shows after the version, each block after an empty line: (table, socket).
# The spec's blocks first, as it shows them; then the Wavecom stack's (DNS, the physical
# layer, UDP, PING, mail), so that a host that counts the spec's lines finds them where they were.
_VALL = ((schema.VGPRS, 0), (schema.VFTP, 0), (schema.VALL_TCP, 1), (schema.VALL_TCP, 2),
         (schema.VSNTP, 0), (schema.VDNS, 0), (schema.VPHY, 0), (schema.VUDP, 0),
         (schema.VPING, 0), (schema.VSMTP, 0), (schema.VMAIL1, 0), (schema.VMAIL2, 0),
         (schema.VMAIL3, 0), (schema.VPOP3, 0))
# Identification: the board's attributes each command prints.
_ALL = ("MANUFACTURER", "MODEL", "REVISION")
_IDENT = {"I": _ALL, "I0": _ALL, "I3": ("REVISION",), "+CGMI": ("MANUFACTURER",),
          "+GMI": ("MANUFACTURER",), "+CGMM": ("MODEL",), "+GMM": ("MODEL",),
          "+CGMR": ("REVISION",), "+GMR": ("REVISION",)}


def _block(m, table, sock=0):
    """A display's lines, in one write (table: the names shown, schema's)."""
    line = m.params.line
    rows = schema.PARAMS
    out = []
    for name in table:  # (an alias: its parameter, shown under the alias)
        out.append(line(name if name in rows else schema.ALIASES[name], name, sock))
    m.info_lines(out)


def display(m, name, op, args):
    """AT#VGPRS, #VFTP, #VWLAN: one block of parameters."""
    if op != ACT:
        raise ATError(ERROR)
    _block(m, _BLOCKS[name])


def vtcp(m, name, op, args):
    """AT#VTCP: both sockets; AT#VTCP=id: one."""
    if op == SET:
        _block(m, schema.VTCP, socket_id(args))
    elif op == ACT:
        _block(m, schema.VTCP, 1)
        _block(m, schema.VTCP, 2)
    else:
        raise ATError(ERROR)


def vall(m, name, op, args):
    """AT#VALL: the version, then every block of the spec, each after an empty line."""
    version(m, name, op, args)
    for table, sock in _VALL:
        m.info("")
        _block(m, table, sock)


def version(m, name, op, args):
    if op != ACT:
        raise ATError(ERROR)
    m.info("#VERSION: " + m.board.VERSION)


def vmem(m, name, op, args):
    """AT#VMEM (an extension): the heap in use and free after a collection."""
    h = heap()
    if op != ACT or h is None:
        raise ATError(ERROR)  # CPython keeps no such figure
    m.info("#VMEM: %d,%d" % h)


def ident(m, name, op, args):
    """ATI (all three lines; ATI0 the same, ATI3 the revision), +CGMI/+GMI, +CGMM/+GMM,
    +CGMR/+GMR."""
    if op == TEST:
        return
    if name == "I":
        name += args[0][0]
    if op != ACT or name not in _IDENT:
        raise ATError(ERROR)
    for attr in _IDENT[name]:
        m.info(getattr(m.board, attr))


def cmee(m, name, op, args):
    if op == GET:
        m.info("+CMEE: %d" % m.cmee)
    elif op == TEST:
        m.info("+CMEE: (0-2)")
    elif op == SET and len(args) == 1 and args[0][0] in ("0", "1", "2"):
        m.cmee = int(args[0][0])
    else:
        raise ATError(BAD_PARAMETER if op == SET else ERROR)


def cpin(m, name, op, args):
    if op == GET:
        m.info("+CPIN: READY")
    elif op != TEST:
        raise ATError(ERROR)
