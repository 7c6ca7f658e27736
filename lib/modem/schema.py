"""Every AT# parameter in one table: name, prefix, kind, limits, default, group; its aliases.

docs/decisions.md sections 1-5 are encoded here and nowhere else. A row:

    NAME: "prefix,kind,lo,hi,default,group"

kinds: S string (lo = max length), M message text (a string that may hold CR, LF), H host
(dotted quad or name, lo = max length), A address (a dotted quad), N integer lo..hi, P port
(1 to 5 digits, lo..hi), T FTP type (A or I), D multiple of 20 in lo..hi, U UTC offset
(hour lo..hi, minutes 0..59; the default "h m"), B baud rate (one of BAUDS). groups: G
GPRS, F FTP, T TCP (one value per socket), S SNTP, U UDP, I PING, M mail, L TLS, D DNS, P the
physical layer (GSM dialling, kept for hosts that set it), X extension or GSM setting
(never in VALL). A row is a string (one object each, its text in flash with the frozen
code, where a tuple would be made in the heap when the code is loaded from a ROMFS or a
file; bytes would be an object in the heap there too). A row's character or slice is a new
str, which MicroPython looks up among all its interned names, the dearest step of a get:
the commands test a row's prefix (first) and group (last) in place (startswith, endswith),
and where they want its letters or limits they read it as bytes (PARAMS[name].encode():
the kind r[2], an int; bounds(r)). row(name) gives the whole row split, the default as its
value.
"""
from .compat import const

PARAMS = {
    "APNPW": "#,S,64,0,,G",
    "APNSERV": "#,S,96,0,,G",
    "APNUN": "#,S,64,0,,G",
    "GPRSMODE": "#,N,0,1,1,G",
    "GPRSCID": "#,N,1,4,1,G",
    "FTPGETFILENAME": "#,S,64,0,,F",
    "FTPGETPATH": "#,S,64,0,.,F",
    "FTPMODE": "#,N,0,1,0,F",
    "FTPPORT": "#,P,0,65535,21,F",
    "FTPPUTFILENAME": "#,S,64,0,,F",
    "FTPPUTPATH": "#,S,64,0,.,F",
    "FTPPW": "#,S,64,0,,F",
    "FTPSERV": "#,H,64,0,,F",
    "FTPTYPE": "#,T,0,0,I,F",
    "FTPUN": "#,S,64,0,,F",
    "FTPTLS": "#,N,0,1,0,F",
    "DLEMODE": "#,N,0,1,1,T",
    "TCPPORT": "#,P,0,65535,0,T",
    "TCPSERV": "#,H,64,0,,T",
    "TCPTXDELAY": "#,D,0,32760,100,T",
    "TCPTLS": "#,N,0,1,0,T",
    "TLSPIN": "#,S,64,0,,L",
    "EGNTPPORT": "+,P,0,65535,123,S",
    "EGNTPUTC": "+,U,-11,12,0 0,S",
    "EGNTPWAIT": "+,N,10,300,30,S",
    "UDPPORT": "#,P,1,65535,0,U",
    "UDPSERV": "#,H,120,0,,U",
    "UDPTXDELAY": "#,D,0,32760,100,U",
    "PINGDELAY": "#,N,1,255,1,I",
    "PINGNUM": "#,N,1,255,4,I",
    "PINGREMOTE": "#,H,120,0,,I",
    "SMTPSERV": "#,H,120,0,,M",
    "SMTPPORT": "#,P,1,65535,25,M",
    "SMTPUN": "#,S,64,0,,M",
    "SMTPPW": "#,S,64,0,,M",
    "SMTPAUTH": "#,N,0,1,0,M",
    "SMTPTLS": "#,N,0,2,0,M",
    "DOMAIN": "#,S,120,0,,M",
    "SENDERNAME": "#,S,120,0,,M",
    "SENDERADDR": "#,S,120,0,,M",
    "REC1": "#,S,1218,0,,M",
    "CCREC1": "#,S,120,0,,M",
    "SUBJ1": "#,S,120,0,,M",
    "BODY1": "#,M,120,0,,M",
    "REC2": "#,S,1218,0,,M",
    "CCREC2": "#,S,120,0,,M",
    "SUBJ2": "#,S,120,0,,M",
    "BODY2": "#,M,120,0,,M",
    "REC3": "#,S,1218,0,,M",
    "CCREC3": "#,S,120,0,,M",
    "SUBJ3": "#,S,120,0,,M",
    "BODY3": "#,M,120,0,,M",
    "POP3SERV": "#,H,120,0,,M",
    "POP3PORT": "#,P,1,65535,110,M",
    "POP3UN": "#,S,64,0,,M",
    "POP3PW": "#,S,64,0,,M",
    "POP3HEADERMODE": "#,N,0,1,1,M",
    "POP3TLS": "#,N,0,2,0,M",
    "DNSSERV1": "#,A,0,0,0.0.0.0,D",
    "DNSSERV2": "#,A,0,0,0.0.0.0,D",
    "PPPMODE": "#,N,1,4,1,P",
    "CALLSCREENNUM": "#,S,64,0,,P",
    "DIALN1": "#,S,64,0,,P",
    "DIALN2": "#,S,64,0,,P",
    "DIALSELECT": "#,N,1,2,1,P",
    "REDIALCOUNT": "#,N,0,14,5,P",
    "IPR": "+,B,0,0,115200,X",
    "WIND": "+,N,0,32767,8,X",
    "WLANSSID": "#,S,32,0,,X",
    "WLANPW": "#,S,64,0,,X",
}

# Other spellings, each accepted wherever its parameter is (docs/decisions.md section 1).
ALIASES = {
    "FTTPUTFILENAME": "FTPPUTFILENAME",
    "FTTPUTPATH": "FTPPUTPATH",
    "FTTPW": "FTPPW",
    "TCPPOINT": "TCPPORT",
    "TCPSEV": "TCPSERV",
    "EGNTWAIT": "EGNTPWAIT",
}

# Fields of a row (row(name)).
PREFIX = const(0)
KIND = const(1)
LO = const(2)
HI = const(3)
DEFAULT = const(4)
GROUP = const(5)

BAUDS = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)

SOCKETS = (1, 2)


def find(name):
    """The parameter a name or alias (upper case, no prefix) stands for, or None."""
    if name in PARAMS:
        return name
    return ALIASES.get(name)


def bounds(r):
    """(lo, hi) of a row as bytes (PARAMS[name].encode(): a str's slices would be looked up
    among the interned names, a bytes' are not). A pair: one block of MicroPython's heap,
    where three would take two, and an allocation of more than a block is the dear kind."""
    i = r.find(b",", 4)
    return int(r[4:i]), int(r[i + 1:r.find(b",", i + 1)])


def row(name):
    """A parameter's row, split: [prefix, kind, lo, hi, default, group], lo and hi as ints,
    the default as its value."""
    r = PARAMS[name].split(",")
    r[LO] = int(r[LO])
    r[HI] = int(r[HI])
    d = r[DEFAULT]
    k = r[KIND]
    if k == "U":
        h, m = d.split(" ")
        r[DEFAULT] = (int(h), int(m))
    elif k not in "SHTAM":
        r[DEFAULT] = int(d)
    return r


def names():
    """Every parameter's name."""
    return list(PARAMS)
