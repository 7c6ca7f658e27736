"""What the modem tells about itself: the parameter displays (VGPRS, VFTP, VTCP, VALL,
VVERSION, VWLAN), identification (ATI, +CGMI, +CGMM, +CGMR), +CMEE, +CPIN and the heap."""
from .atparse import ACT, GET, SET, TEST
from .codes import BAD_PARAMETER, ERROR, ATError
from .compat import heap
from .params import socket_id

# Displays: the names shown, in the spec's order (docs/decisions.md section 3); a name that
# is an alias shows its parameter under it (VTCP prints TCPPOINT, in its own order: spec
# 4.5.2; VALL's TCP blocks TCPPORT). Tuples of names: no split at each display (each piece
# of a split string is a new str, looked up among the interned names). Here, not in schema:
# loaded with the first display (a tuple is an object in the heap unless the code is frozen).
VGPRS = ("APNPW", "APNSERV", "APNUN", "GPRSMODE", "GPRSCID")
VFTP = ("FTPGETFILENAME", "FTPGETPATH", "FTPMODE", "FTPPORT", "FTPPUTFILENAME", "FTPPUTPATH",
        "FTPPW", "FTPSERV", "FTPTYPE", "FTPUN")
VTCP = ("DLEMODE", "TCPSERV", "TCPPOINT", "TCPTXDELAY")
VALL_TCP = ("DLEMODE", "TCPPORT", "TCPSERV", "TCPTXDELAY")
VSNTP = ("EGNTPPORT", "EGNTPUTC", "EGNTPWAIT")
VUDP = ("UDPPORT", "UDPSERV", "UDPTXDELAY")
VPING = ("PINGDELAY", "PINGNUM", "PINGREMOTE")
VSMTP = ("SMTPSERV", "SMTPPORT", "SMTPUN", "SMTPPW", "SMTPAUTH", "DOMAIN", "SENDERNAME",
         "SENDERADDR")
VMAIL1 = ("REC1", "CCREC1", "SUBJ1", "BODY1")
VMAIL2 = ("REC2", "CCREC2", "SUBJ2", "BODY2")
VMAIL3 = ("REC3", "CCREC3", "SUBJ3", "BODY3")
VPOP3 = ("POP3SERV", "POP3PORT", "POP3UN", "POP3PW", "POP3HEADERMODE")
VDNS = ("DNSSERV1", "DNSSERV2")
VPHY = ("CALLSCREENNUM", "PPPMODE", "DIALN1", "DIALN2", "DIALSELECT", "REDIALCOUNT")
VWLAN = ("WLANSSID", "WLANPW")  # an extension: never in VALL

# The displays of one block (docs/decisions.md section 3): name -> its table.
_BLOCKS = {"#VGPRS": VGPRS, "#VFTP": VFTP, "#VWLAN": VWLAN, "#VDNS": VDNS, "#VPHY": VPHY,
           "#VUDP": VUDP, "#VPING": VPING, "#VSMTP": VSMTP, "#VMAIL1": VMAIL1,
           "#VMAIL2": VMAIL2, "#VMAIL3": VMAIL3, "#VPOP3": VPOP3}
# What VALL shows after the version, each block after an empty line: (table, socket).
# The spec's blocks first, as it shows them; then the Wavecom stack's (DNS, the physical
# layer, UDP, PING, mail), so that a host that counts the spec's lines finds them where they were.
_VALL = ((VGPRS, 0), (VFTP, 0), (VALL_TCP, 1), (VALL_TCP, 2), (VSNTP, 0), (VDNS, 0),
         (VPHY, 0), (VUDP, 0), (VPING, 0), (VSMTP, 0), (VMAIL1, 0), (VMAIL2, 0), (VMAIL3, 0),
         (VPOP3, 0))
# Identification: the board's attributes each command prints.
_ALL = ("MANUFACTURER", "MODEL", "REVISION")
_IDENT = {"I": _ALL, "I0": _ALL, "I3": ("REVISION",), "+CGMI": ("MANUFACTURER",),
          "+GMI": ("MANUFACTURER",), "+CGMM": ("MODEL",), "+GMM": ("MODEL",),
          "+CGMR": ("REVISION",), "+GMR": ("REVISION",)}


def _block(m, table, sock=0):
    """A display's lines, in one write (table: the names shown, as above)."""
    m.info_lines(m.params.lines(table, sock))


def display(m, name, op, args):
    """AT#VGPRS, #VFTP, #VWLAN: one block of parameters."""
    if op != ACT:
        raise ATError(ERROR)
    _block(m, _BLOCKS[name])


def vtcp(m, name, op, args):
    """AT#VTCP: both sockets; AT#VTCP=id: one."""
    if op == SET:
        _block(m, VTCP, socket_id(args))
    elif op == ACT:
        _block(m, VTCP, 1)
        _block(m, VTCP, 2)
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
