"""Every AT# parameter in one table: name, aliases, prefix, kind, limits, default, group.

DECISIONS.md sections 1-5 are encoded here and nowhere else. The table is one string (a
table of tuples costs ten times the RAM on MicroPython); a row is split out on demand:

    name / aliases , prefix , kind , lo , hi , default , group

kinds: S string (lo = max length), H host (dotted quad or name, lo = max length),
N integer lo..hi, P port (1 to 5 digits, lo..hi), T FTP type (A or I), D multiple of 20
in lo..hi, U UTC offset (hour lo..hi, minutes 0..59), B baud rate (one of BAUDS).
groups: G GPRS, F FTP, T TCP (one value per socket), S SNTP, X extension (never in VALL).
"""
from .compat import const

TABLE = """APNPW,#,S,64,0,,G
APNSERV,#,S,96,0,,G
APNUN,#,S,64,0,,G
GPRSMODE,#,N,0,1,1,G
GPRSCID,#,N,1,4,1,G
FTPGETFILENAME,#,S,64,0,,F
FTPGETPATH,#,S,64,0,.,F
FTPMODE,#,N,0,1,0,F
FTPPORT,#,P,0,65535,21,F
FTPPUTFILENAME/FTTPUTFILENAME,#,S,64,0,,F
FTPPUTPATH/FTTPUTPATH,#,S,64,0,.,F
FTPPW/FTTPW,#,S,64,0,,F
FTPSERV,#,H,64,0,,F
FTPTYPE,#,T,0,0,I,F
FTPUN,#,S,64,0,,F
DLEMODE,#,N,0,1,1,T
TCPPORT/TCPPOINT,#,P,0,65535,0,T
TCPSERV/TCPSEV,#,H,64,0,,T
TCPTXDELAY,#,D,0,32760,100,T
EGNTPPORT,+,P,0,65535,123,S
EGNTPUTC,+,U,-11,12,0 0,S
EGNTPWAIT/EGNTWAIT,+,N,10,300,30,S
IPR,+,B,0,0,115200,X
WLANSSID,#,S,32,0,,X
WLANPW,#,S,64,0,,X"""

# Fields of a row.
NAME = const(0)
PREFIX = const(1)
KIND = const(2)
LO = const(3)
HI = const(4)
DEFAULT = const(5)
GROUP = const(6)

BAUDS = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)

# Displays: parameter or parameter:printed-name, in the spec's order (DECISIONS.md section 3).
# VTCP prints TCPPOINT in its own order (spec 4.5.2); VALL's TCP blocks print TCPPORT.
VGPRS = "APNPW APNSERV APNUN GPRSMODE GPRSCID"
VFTP = ("FTPGETFILENAME FTPGETPATH FTPMODE FTPPORT FTPPUTFILENAME FTPPUTPATH FTPPW FTPSERV"
        " FTPTYPE FTPUN")
VTCP = "DLEMODE TCPSERV TCPPORT:TCPPOINT TCPTXDELAY"
VALL_TCP = "DLEMODE TCPPORT TCPSERV TCPTXDELAY"
VSNTP = "EGNTPPORT EGNTPUTC EGNTPWAIT"
VWLAN = "WLANSSID WLANPW"  # an extension: never in VALL, which stays as the spec shows it

SOCKETS = (1, 2)


def rows():
    """Every row, split: [name, prefix, kind, lo, hi, default, group] (lo, hi as int). One
    line at a time: TABLE.split() would make the whole list in one piece."""
    i = 0
    while i >= 0:
        j = TABLE.find("\n", i)
        yield _split(TABLE[i:j] if j > 0 else TABLE[i:])
        i = j + 1 if j > 0 else -1


def names():
    """Every parameter's name, in table order: one new string each and nothing else made
    between them (Params' keys, which live as long as the modem: made among the pieces of
    a split row, they would stand apart and cut the free heap into small pieces)."""
    t = TABLE
    i = 0
    while i >= 0:
        j = t.find(",", i)
        k = t.find("/", i, j)
        yield t[i:k if k >= 0 else j]
        i = t.find("\n", j)
        if i >= 0:
            i += 1


def _split(line):
    r = line.split(",")
    r[NAME] = r[NAME].split("/")[0]
    r[LO] = int(r[LO])
    r[HI] = int(r[HI])
    return r


def find(name):
    """The row of a parameter name or alias (upper case), or None. Found where it stands in
    TABLE (at a line's start or after a "/", before a "," or "/", in the names field), and
    only that line split: this runs for every parameter shown or set."""
    t = TABLE
    n = len(t)
    if not name or "," in name or "/" in name or "\n" in name:
        return None
    i = t.find(name)
    while i >= 0:
        s = t.rfind("\n", 0, i) + 1
        e = i + len(name)
        if (i == s or t[i - 1] == "/") and e < n and t[e] in ",/" and t.find(",", s, i) < 0:
            j = t.find("\n", e)
            return _split(t[s:j] if j > 0 else t[s:])
        i = t.find(name, i + 1)
    return None
