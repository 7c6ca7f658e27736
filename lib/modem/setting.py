"""Changing the parameters: parsing and checking values, loading and saving them.

A feature module (commands.overlay): loaded for AT#<param>=..., ATZ, AT&F and at start-up,
unloaded after, so that only the values and their display stay in the heap.
"""
import json

from . import schema as S
from . import codes as K
from .atparse import ACT
from .commands import socket_id
from .compat import MPY
from .store import Store

# (few names at module level: each is a slot of the module's dict, allocated in one piece
# when the module is loaded, and this one is loaded into a full heap)


def run(m, name, op, args):
    """AT#<param>=... (op SET, from commands.at_param), ATZ and AT&F."""
    p = m.params
    if name == "Z" or name == "&F":
        if op != ACT:
            raise K.ATError(K.ERROR)
        if name == "Z":
            try:
                m.reset()
            except MemoryError:
                pass  # no heap to read the flash with: the values are the saved ones (load)
            return
        old = dict(p.values)
        defaults(p)  # AT&F
        try:
            save(p)
        except Exception:
            p.values.update(old)  # the flash keeps the old values: so do they
            raise K.ATError(K.INTERNAL)
        return
    row = S.find(name[1:])
    if row[S.GROUP] != "T":
        set_value(p, row, 0, args)
        return
    sock = socket_id(args[:1])
    if len(args) == 1:
        m.info(p.line(row[S.NAME], row[S.NAME], sock))
    else:
        set_value(p, row, sock, args[1:])


def set_value(p, row, sock, args):
    """Set a parameter from command arguments; 36929 and no change on a bad value."""
    value = parse(row, args)
    name = row[S.NAME]
    old = p.values[name]
    if sock:
        new = list(old)
        new[sock - 1] = value
    else:
        new = value
    if new == old:
        return  # flash wears: an unchanged value is not saved again
    p.values[name] = new
    p.moved = True
    try:
        save(p)
    except Exception:  # OSError, MemoryError, anything: the flash has the old value
        p.values[name] = old
        raise K.ATError(K.INTERNAL)


def defaults(p):
    p.moved = True
    for r in S.rows():
        d = default(r)
        p.values[r[S.NAME]] = [d, d] if r[S.GROUP] == "T" else d


def load(p):
    """Saved values over defaults; a missing or broken file means defaults. Returns the
    store's status: missing, ok or corrupt (a broken file is kept as <name>.bad). The file
    is read and parsed before any value changes, and each value is replaced in place: a
    load cut short (ATZ with no heap left for it: MemoryError) leaves every value as saved,
    since every change is saved at once. A file that is valid JSON but no parameters (too
    deep to parse, not an object) is broken too."""
    st = Store(p.folder, p.name)
    body = st.load()
    saved = None
    if body is not None:
        try:
            saved = json.loads(body if MPY else bytes(body))  # CPython's takes no memoryview
        except MemoryError:
            raise
        except Exception:  # ValueError; RecursionError on CPython
            st.aside()
        body = None
        if not isinstance(saved, dict) and st.status == "ok":
            st.aside()
            saved = None
    status = st.status
    p.moved = True
    for r in S.rows():
        name = r[S.NAME]
        t = r[S.GROUP] == "T"
        try:
            v = saved[name]
            v = [_revalid(r, v[0]), _revalid(r, v[1])] if t else _revalid(r, v)
        except (K.ATError, TypeError, IndexError, ValueError, KeyError):
            v = default(r)  # absent or not legal: the default
            if t:
                v = [v, v]
        p.values[name] = v
    return status


def set_aside(p):
    """A saved file that the heap cannot parse (MemoryError at start-up, where the heap is
    at its emptiest: a file made to exhaust it) is kept as <name>.bad, and the modem starts
    on defaults, not in a reset loop."""
    Store(p.folder, p.name).aside()
    defaults(p)
    return "corrupt"


def save(p):
    Store(p.folder, p.name).save_parts(lambda: _json(p.values))


def _json(values):
    """The values as a JSON object, a piece per value (json.loads reads it back whole)."""
    sep = b"{"
    for k in values:
        yield sep + json.dumps(k).encode() + b": " + json.dumps(values[k]).encode()
        sep = b", "
    yield b"}" if sep == b", " else b"{}"


def default(row):
    d = row[S.DEFAULT]
    return parse(row, [(t, True) for t in d.split(" ")] if row[S.KIND] == "U" else [(d, True)])


def _revalid(row, v):
    if row[S.KIND] == "U":
        return parse(row, [("-0" if v[1] < 0 else str(v[0]), False), (str(abs(v[1])), False)])
    if isinstance(v, str) != (row[S.KIND] in "SHT"):
        raise ValueError
    return parse(row, [(str(v), True)])


def parse(row, args):
    """The value that args (a list of (text, quoted)) give for row, or K.ATError(36929)."""
    k = row[S.KIND]
    for a in args:
        if not a[0] and not a[1]:  # "=" or "," with no value after it
            raise K.ATError(K.BAD_PARAMETER)
    if k == "U":
        if not 1 <= len(args) <= 2:
            raise K.ATError(K.BAD_PARAMETER)
        h = number(args[0][0], True)
        m = number(args[1][0], False) if len(args) == 2 else 0
        if not row[S.LO] <= h <= row[S.HI] or not 0 <= m <= 59:
            raise K.ATError(K.BAD_PARAMETER)
        if h == 0 and args[0][0].strip()[:1] == "-":
            m = -m  # -0,30: half an hour behind UTC, kept as (0, -30)
        return (h, m)
    if len(args) != 1:
        raise K.ATError(K.BAD_PARAMETER)
    text = args[0][0]
    if k == "S" or k == "H":
        if len(text) > row[S.LO] or not (printable(text) if k == "S" else host(text)):
            raise K.ATError(K.BAD_PARAMETER)
        return text
    if k == "T":
        t = text.upper()
        if t != "A" and t != "I":
            raise K.ATError(K.BAD_PARAMETER)
        return t
    if k == "P" and not 1 <= len(text) <= 5:
        raise K.ATError(K.BAD_PARAMETER)
    v = number(text, False)
    if k == "B":
        if v not in S.BAUDS:
            raise K.ATError(K.BAD_PARAMETER)
        return v
    if not row[S.LO] <= v <= row[S.HI] or (k == "D" and v % 20):
        raise K.ATError(K.BAD_PARAMETER)
    return v


# Text is checked as bytes (ints): iterating a str would intern each new character as a
# qstr on MicroPython, memory that is never given back.


def number(text, signed):
    """A decimal integer of at most 6 digits; a sign only when signed."""
    b = text.strip().encode()
    body = b[1:] if signed and b and b[0] in b"-+" else b
    if not body or len(body) > 6 or not all(48 <= c <= 57 for c in body):
        raise K.ATError(K.BAD_PARAMETER)
    return int(b)


def printable(text):
    return all(32 <= c <= 126 and c != 34 for c in text.encode())


def host(text):
    """A dotted quad, "0", or a host name; empty is allowed (no server set)."""
    b = text.encode()
    if not b or b == b"0":
        return True
    if all(c == 46 or 48 <= c <= 57 for c in b):
        parts = b.split(b".")
        if len(parts) != 4:
            return False
        for p in parts:
            if not p or len(p) > 3 or int(p) > 255:
                return False
        return True
    # letters (c | 32 folds A-Z onto a-z, and nothing else onto them), digits, . - _
    return all(97 <= c | 32 <= 122 or 48 <= c <= 57 or c in b".-_" for c in b)
