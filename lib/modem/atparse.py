"""An AT command line split into commands: basic (E0, &F) and extended (#NAME, +NAME).

parse("AT#TCPSERV=1,\\"host\\"") -> [("#TCPSERV", SET, [("1", False), ("host", True)])]
A malformed line raises ATError(ERROR).
"""
from .codes import ERROR, ATError
from .compat import const

ACT = const(0)  # AT#NAME
GET = const(1)  # AT#NAME?
TEST = const(2)  # AT#NAME=?
SET = const(3)  # AT#NAME=args

_NAMECH = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"


def parse(line):
    """The commands of one line (a str that starts with AT, any case)."""
    if line[:2].upper() != "AT":
        raise ATError(ERROR)
    s = line[2:]
    n = len(s)
    i = 0
    out = []
    while True:
        while i < n and s[i] == " ":
            i += 1
        if i >= n:
            return out
        c = s[i]
        if c == "#" or c == "+":
            i += 1
            while i < n and s[i] == " ":
                i += 1
            j = i
            while j < n and s[j].upper() in _NAMECH:
                j += 1
            if j == i:
                raise ATError(ERROR)
            name = c + s[i:j].upper()
            end = _end(s, j)
            op, args = _op(s[j:end])
            out.append((name, op, args))
            i = end + 1 if end < n else n
        elif c == "&" or "A" <= c.upper() <= "Z":
            j = i + 2 if c == "&" else i + 1
            if j > n or not ("A" <= s[j - 1].upper() <= "Z"):
                raise ATError(ERROR)
            k = j
            while k < n and "0" <= s[k] <= "9":
                k += 1
            name = s[i:j].upper()
            if k < n and s[k] == "?":
                out.append((name, GET, [(s[j:k], False)]))
                k += 1
            else:
                out.append((name, ACT, [(s[j:k], False)]))
            i = k
            if i < n and s[i] == ";":
                i += 1
        else:
            raise ATError(ERROR)


def _end(s, i):
    """Where the extended command starting at i ends: at ';' outside quotes, or the end."""
    q = False
    n = len(s)
    while i < n:
        c = s[i]
        if c == '"':
            q = not q
        elif c == ";" and not q:
            return i
        i += 1
    if q:
        raise ATError(ERROR)
    return n


def _op(t):
    t = t.strip()
    if not t:
        return ACT, []
    if t == "?":
        return GET, []
    if t == "=?":
        return TEST, []
    if t[0] != "=":
        raise ATError(ERROR)
    return SET, args(t[1:])


def args(t):
    """Comma-separated values, each quoted or bare: [(text, quoted), ...]."""
    out = []
    n = len(t)
    i = 0
    while True:
        while i < n and t[i] == " ":
            i += 1
        if i < n and t[i] == '"':
            j = t.find('"', i + 1)
            if j < 0:
                raise ATError(ERROR)
            out.append((t[i + 1:j], True))
            i = j + 1
            while i < n and t[i] == " ":
                i += 1
            if i < n and t[i] != ",":
                raise ATError(ERROR)
        else:
            j = t.find(",", i)
            if j < 0:
                j = n
            out.append((t[i:j].strip(), False))
            i = j
        if i >= n:
            return out
        i += 1  # the comma
