"""An AT command line split into commands: basic (E0, &F) and extended (#NAME, +NAME).

list(parse(b'AT#TCPSERV=1,"host"')) -> [("#TCPSERV", SET, [("1", False), ("host", True)])]
A malformed line raises ATError(ERROR). The line is bytes and is scanned as ints: indexing
a str would intern every new character as a qstr, which MicroPython never frees.
"""
from .codes import ERROR, ATError
from .compat import const

ACT = const(0)  # AT#NAME
GET = const(1)  # AT#NAME?
TEST = const(2)  # AT#NAME=?
SET = const(3)  # AT#NAME=args

_SP = const(32)
_QUOTE = const(34)
_HASH = const(35)
_AMP = const(38)
_PLUS = const(43)
_COMMA = const(44)
_SEMI = const(59)
_EQ = const(61)
_QMARK = const(63)


def _letter(c):
    return 65 <= c <= 90 or 97 <= c <= 122


def _digit(c):
    return 48 <= c <= 57


def parse(s):
    """The commands of one line (bytes that start with AT, any case), one at a time: a
    generator, so that a line of many never has them all in the heap."""
    n = len(s)
    if n < 2 or s[0] | 32 != 97 or s[1] | 32 != 116:  # "at"
        raise ATError(ERROR)
    semi = b";" in s  # (none: an extended command runs to the end of the line)
    i = 2
    while True:
        while i < n and s[i] == _SP:
            i += 1
        if i >= n:
            return
        c = s[i]
        if c == _HASH or c == _PLUS:
            i += 1
            while i < n and s[i] == _SP:
                i += 1
            j = i
            while j < n:
                d = s[j] | 32  # letters to lower case ("_" stays 127, digits stay)
                if not (97 <= d <= 122 or 48 <= d <= 57 or d == 127):
                    break
                j += 1
            if j == i:
                raise ATError(ERROR)
            if s[i - 1] == c:  # no space after the prefix: the name is one slice
                name = s[i - 1:j].upper().decode()
            else:
                name = (chr(c) + s[i:j].decode()).upper()
            if semi:
                end = _end(s, j)
            elif s.count(b'"', j) & 1:
                raise ATError(ERROR)  # a quote left open (what _end finds, without its walk)
            else:
                end = n
            if end == j + 1 and s[j] == _QMARK:  # AT#NAME? (the usual read): no slice
                yield name, GET, []
            elif end == j:
                yield name, ACT, []
            else:
                op, a = operation(s[j:end])
                yield name, op, a
            i = end + 1 if end < n else n
        elif c == _AMP or _letter(c):
            j = i + 2 if c == _AMP else i + 1
            if j > n or not _letter(s[j - 1]):
                raise ATError(ERROR)
            k = j
            while k < n and _digit(s[k]):
                k += 1
            name = s[i:j].decode().upper()
            op = ACT
            a = [(s[j:k].decode(), False)]
            if name == "S" and k < n and s[k] == _QMARK:  # ATS0?: an S-register read
                op = GET
                k += 1
            elif name == "S" and k < n and s[k] == _EQ:  # ATS0=1: an S-register set
                v = k + 1
                k = v
                while k < n and _digit(s[k]):
                    k += 1
                op = SET
                a.append((s[v:k].decode(), False))
            yield name, op, a
            i = k
            if i < n and s[i] == _SEMI:
                i += 1
        else:
            raise ATError(ERROR)


def extended(s):
    """Where the name ends in a line that is one extended command (AT#NAME..., AT+NAME...:
    no ';' in it, no space before the name), what parse would yield alone; 0 for any other
    line (parse it). The name's letters are not checked: a name with any other byte in it
    is no command's (ERROR, as parse answers a line that goes on past its name with
    anything but an operation)."""
    n = len(s)
    if n < 4 or (s[2] != _HASH and s[2] != _PLUS) or s[3] == _SP or b";" in s:
        return 0
    j = s.find(_EQ, 3)  # (finds are C loops: the name's bytes are not walked in Python)
    if j < 0:
        j = n
    i = s.find(_QMARK, 3, j)
    if i >= 0:
        j = i
    i = s.find(_SP, 3, j)
    return j if i < 0 else i


def _end(s, i):
    """Where the extended command starting at i ends: at ';' outside quotes, or the end."""
    q = False
    n = len(s)
    while i < n:
        c = s[i]
        if c == _QUOTE:
            q = not q
        elif c == _SEMI and not q:
            return i
        i += 1
    if q:
        raise ATError(ERROR)
    return n


def operation(t):
    """What follows an extended command's name: (ACT, []), (GET, []), (TEST, []) or (SET,
    its arguments), or ATError(ERROR)."""
    t = t.strip()
    if not t:
        return ACT, []
    if t == b"?":
        return GET, []
    if t == b"=?":
        return TEST, []
    if t[0] != _EQ:
        raise ATError(ERROR)
    return SET, args(t, 1)


def args(t, i):
    """Comma-separated values from t[i:], each quoted or bare: [(text, quoted), ...]."""
    out = []
    n = len(t)
    while True:
        while i < n and t[i] == _SP:
            i += 1
        if i < n and t[i] == _QUOTE:
            j = t.find(b'"', i + 1)
            if j < 0:
                raise ATError(ERROR)
            out.append((t[i + 1:j].decode(), True))
            i = j + 1
            while i < n and t[i] == _SP:
                i += 1
            if i < n and t[i] != _COMMA:
                raise ATError(ERROR)
        else:
            j = t.find(b",", i)
            if j < 0:
                j = n
            out.append((t[i:j].strip().decode(), False))
            i = j
        if i >= n:
            return out
        i += 1  # the comma
