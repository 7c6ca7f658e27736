"""The parameters' values: got, checked, set and saved to flash at once (store.py beneath),
shown as the displays show them; AT#<param>, ATZ and AT&F.

Values are kept by name: a value, or a list of one per socket for the TCP group.
"""
import json
import os

from . import schema
from .schema import PARAMS  # (one global lookup, not two: the commands' hot path)
from .atparse import ACT, GET, TEST
from .codes import BAD_PARAMETER, ERROR, SAVE_FAILED, SERVICE_RUNNING, ATError
from .compat import const, loads
from .store import MAX_JOURNAL, OK, Store


# Changes journalled after the file before it is written whole again (store.py): a set
# appends one small record; after _JOURNAL_MAX of them (or store.MAX_JOURNAL bytes: long
# mail texts) the file is rewritten and the journal dropped, so that a load reads at most
# this many records.
_JOURNAL_MAX = const(32)

# The kinds' letters (schema.py) read out of a row as bytes (parse, line): ints
_A = const(65)
_B = const(66)
_D = const(68)
_H = const(72)
_M = const(77)
_P = const(80)
_S = const(83)
_T = const(84)
_U = const(85)
_QUOTED = b"SHAM"  # the kinds a display shows in quotes
_NUMBERS = b"NPDB"  # the kinds whose value is one integer


class Params:
    def __init__(self, folder, name="params.gpx"):
        self.folder = folder  # where the parameters are saved
        self.name = name
        # busy(name, sock): true while a service that uses the parameter runs (37123)
        self.busy = None
        self.values = {}
        # the saved file's generation (a random number each whole save; None: no file
        # yet, or one not to be trusted) and how many records the journal holds for it
        self.gen = None
        self.journal = 0
        self.jsize = 0  # the journal's bytes (store.MAX_JOURNAL at most)
        self.defaults()

    def get(self, name, sock=0):
        v = self.values[name]
        return v[sock - 1] if sock else v

    def set(self, name, sock, args):
        """Set a parameter from command arguments: 36929 and no change on a bad value. A
        change is saved at once; a save that fails in any way (the flash, the heap) changes
        nothing: the value in use stays the saved one (49155)."""
        value = parse(PARAMS[name].encode(), args)
        if self.busy is not None and self.busy(name, sock):
            raise ATError(SERVICE_RUNNING)
        old = self.values[name]
        if (old[sock - 1] if sock else old) == value:
            return  # flash wears: an unchanged value is not saved again
        if sock:
            new = list(old)
            new[sock - 1] = value
        else:
            new = value
        self.values[name] = new
        try:
            self.save_one(name)
        except Exception:
            self.values[name] = old
            self.journal = _JOURNAL_MAX  # the journal may end in part of a record now
            raise ATError(SAVE_FAILED)

    def save_one(self, name):
        """A changed value saved: one record at the end of the journal, or (no file yet, a
        journal grown to _JOURNAL_MAX or not clean) the whole file, the journal dropped."""
        if self.gen is not None and self.journal < _JOURNAL_MAX:
            rec = ("[%d, %s, %s]" % (self.gen, json.dumps(name), json.dumps(self.values[name]))
                   ).encode()
            st = Store(self.folder, self.name)
            # (10: its checksum, space, newline; a file gone from under the journal, taken
            # away by hand, is written whole: records without their file are not read)
            if self.jsize + len(rec) + 10 <= MAX_JOURNAL and st.exists():
                st.append(rec)
                self.journal += 1
                self.jsize += len(rec) + 10
                return
        self.save()

    def defaults(self):
        for name, d in _defaults():
            self.values[name] = d

    def factory(self):
        """AT&F: the defaults, saved, then in use, but for the board's own installation, the
        line's speed and the Wi-Fi network (IPR, WLANSSID, WLANPW), which stay as they are:
        legacy hosts send AT&F as they start, and it must not cut the board off its host or
        its network (docs/decisions.md). If the save fails the old values stay, as in
        flash."""
        v = self.values
        kept = ("IPR", "WLANSSID", "WLANPW")

        def items():  # (a pair at a time: a dict of them all is a 1 KB piece of heap)
            for name, d in _defaults():
                yield name, v[name] if name in kept else d

        try:
            self._write(items)
        except Exception:
            raise ATError(SAVE_FAILED)
        for name, d in items():
            v[name] = d

    def load(self):
        """Saved values over defaults; a missing or broken file means defaults. Returns the
        store's status: missing, ok or corrupt (a broken file is kept as <name>.bad). The
        file is read and parsed before any value changes: a load cut short (ATZ with no
        heap for it, MemoryError) leaves every value as it was, which is as saved. A file
        that is not the modem's JSON object (or too deep to parse) is broken too."""
        st = Store(self.folder, self.name)
        body = st.load()
        saved = None
        if body is not None:
            try:
                saved = loads(body)
            except MemoryError:
                raise
            except Exception:  # ValueError; RecursionError on CPython
                st.aside()
            body = None
            if not isinstance(saved, dict) and st.status == OK:
                st.aside()
                saved = None
        gen = saved.get("_gen") if saved is not None else None
        n = size = 0
        clean = True
        if gen is not None:  # the journal's records of this generation, in order
            records, clean, size = st.records()
            for rec in records:
                try:
                    rec = loads(rec)
                    if rec[0] == gen:
                        saved[rec[1]] = rec[2]
                        n += 1
                except MemoryError:
                    raise
                except Exception:
                    clean = False  # (a record that checks but does not parse: not ours)
                    break
            records = None
        for name in PARAMS:
            r = schema.row(name)
            t = r[schema.GROUP] == "T"
            try:
                v = saved[name]
                b = PARAMS[name].encode()
                v = [_revalid(b, v[0]), _revalid(b, v[1])] if t else _revalid(b, v)
            except (ATError, TypeError, IndexError, ValueError, KeyError):
                v = r[schema.DEFAULT]  # absent or not legal: the default
                if t:
                    v = [v, v]
            self.values[name] = v
        self.gen = gen if isinstance(gen, int) else None
        self.journal = n if clean else _JOURNAL_MAX
        self.jsize = size
        return st.status

    def load_at_start(self):
        """load() at start-up, where the heap is at its emptiest: a saved file that still
        cannot be parsed in it (made to exhaust it) is kept as <name>.bad and the modem
        starts on defaults, never in a reset loop."""
        try:
            return self.load()
        except MemoryError:
            Store(self.folder, self.name).aside()
            self.defaults()
            return "corrupt"

    def save(self):
        """Every value, the whole file written again (a new generation), the journal
        dropped."""
        self._write(self.values.items)

    def _write(self, items):
        """The file of items() under a new generation, then the journal dropped: until it
        is, its records are of the old generation, which a load skips."""
        # nine digits, whatever they are (the file's length does not vary with them); under
        # 2**30: a small int on every port
        gen = 100000000 + int.from_bytes(os.urandom(4), "big") % 900000000
        st = Store(self.folder, self.name)
        st.save_parts(lambda: _json(items(), gen))
        self.gen = gen
        self.journal = self.jsize = 0
        if not st.drop_journal():
            self.journal = _JOURNAL_MAX  # still there: no record after old ones, ever

    def lines(self, names, sock=0):
        """The display lines of names (a parameter's, or an alias's, which shows its
        parameter under the alias: VTCP's TCPPOINT), a list of bytes: #NAME: value,
        #NAME: id,value (sock), or the spec's #FTPTYPE = I. (Bytes: a str made on the way is
        looked up among the interned names, even a character of the row. A format per shape,
        a line one format of at most three values: a bytes constant is an object in the heap
        unless the code is frozen, but a tuple of four is two of the heap's blocks, and a
        number formatted apart one more allocation. The loop is here, not around a call per
        line: a display is a few of them, and a call is the dearest step of each.)"""
        values = self.values
        out = []
        add = out.append
        for shown in names:
            name = shown if shown in PARAMS else schema.find(shown)  # (an alias: a call)
            r = PARAMS[name].encode()  # the row: prefix first, kind third, as ints
            v = values[name]
            k = r[2]
            if sock:
                v = v[sock - 1]
            if k == _T:
                add(b"%c%s = %s" % (r[0], shown.encode(), v.encode()))
            elif sock:
                if k in _QUOTED:
                    add(b'%c%s: %d,"%s"' % (r[0], shown.encode(), sock, v.encode()))
                else:
                    add(b"%c%s: %d,%s" % (r[0], shown.encode(), sock, fmt(k, v)))
            elif k in _QUOTED:
                add(b'%c%s: "%s"' % (r[0], shown.encode(), v.encode()))
            elif k in _NUMBERS:
                add(b"%c%s: %d" % (r[0], shown.encode(), v))
            else:
                add(b"%c%s: %s" % (r[0], shown.encode(), fmt(k, v)))
        return out

    def both(self, name):
        """A per-socket parameter's two display lines in one piece (its get, AT#TCPPORT?):
        one row read and one format for both where the kind is text or one integer (the
        TCP group's are); lines()'s two lines for any other."""
        r = PARAMS[name].encode()
        v = self.values[name]
        n = name.encode()
        if r[2] in _QUOTED:
            return b'%c%s: 1,"%s"\r\n%c%s: 2,"%s"' % (r[0], n, v[0].encode(), r[0], n,
                                                     v[1].encode())
        if r[2] in _NUMBERS:
            return b"%c%s: 1,%d\r\n%c%s: 2,%d" % (r[0], n, v[0], r[0], n, v[1])
        return b"\r\n".join(self.lines((name,), 1) + self.lines((name,), 2))


def _defaults():
    """(name, default value) of every parameter (a list of two for the per-socket ones)."""
    for name in PARAMS:
        r = schema.row(name)
        d = r[schema.DEFAULT]
        yield name, [d, d] if r[schema.GROUP] == "T" else d


def _json(items, gen):
    """(name, value) pairs and the generation as a JSON object, a piece per value
    (json.loads reads it back whole): the file is written without a piece of heap its
    size."""
    yield b'{"_gen": %d' % gen
    for k, v in items:
        yield b", " + json.dumps(k).encode() + b": " + json.dumps(v).encode()
    yield b"}"


def fmt(k, v):
    """A value that is not text (a number, a UTC offset) as the displays show it, bytes;
    k: its kind letter (an int)."""
    if k == _U:
        return b"-0,%d" % -v[1] if v[1] < 0 else b"%d,%d" % v
    return b"%d" % v


# ---- the commands ----

# The last command name param() was asked about, and the parameter it stands for: a command
# is looked up (commands.lookup) and then run (at_param) under the same name, one find for
# both. (A name always stands for the same parameter: the memo is never wrong, only missed.)
_memo = [None, None]


def param(name):
    """The parameter a command name (its prefix first: #APNSERV, +EGNTPWAIT) stands for, or
    None."""
    if name is not _memo[0]:
        _memo[1] = schema.find(name[1:])
        _memo[0] = name
    return _memo[1]


def at_param(m, name, op, args):
    """AT#<param>? and AT#<param>=... of every parameter of the schema (docs/decisions.md
    section 2). Per-socket ones take the socket id first; one argument that is a bare id
    is a get of that socket, any other one argument a set of socket 1 (the one-socket
    dialect of the stack's first versions: AT#TCPPORT=2000, AT#TCPSERV="host")."""
    shown = param(name)
    p = m.params
    if op == TEST:
        return
    if op == ACT:
        raise ATError(ERROR)
    per_socket = PARAMS[shown].endswith("T")  # (the row's text: its group last)
    if op == GET:
        if per_socket:  # both sockets' lines, in one write
            m.info(p.both(shown))
        else:
            m.info_lines(p.lines((shown,)))
        return
    if not per_socket:
        p.set(shown, 0, args)
        return
    if len(args) == 1:
        if args[0][1] or args[0][0] not in ("1", "2"):
            p.set(shown, 1, args)  # no id: socket 1
        else:
            m.info_lines(p.lines((shown,), int(args[0][0])))
        return
    if args[0][0] not in ("1", "2"):  # (socket_id's check, without a slice to give it)
        raise ATError(BAD_PARAMETER)
    p.set(shown, int(args[0][0]), args[1:])


def at_z(m, name, op, args):
    """ATZ: the saved parameters reloaded, echo and +CMEE back to their power-up values.
    With no heap to read the flash, the values are kept: they are the saved ones."""
    if op != ACT:
        raise ATError(ERROR)
    try:
        m.params.load()
    except MemoryError:
        pass
    m.echo = 1
    m.cmee = 1


def at_factory(m, name, op, args):
    """AT&F: factory defaults, saved."""
    if op != ACT:
        raise ATError(ERROR)
    m.params.factory()


def socket_id(args):
    """The socket id of a one-argument list, 1 or 2, or ATError(36929)."""
    if len(args) != 1 or args[0][0] not in ("1", "2"):
        raise ATError(BAD_PARAMETER)
    return int(args[0][0])


# ---- checking values ----

def _revalid(r, v):
    """A saved value checked again against its row r (as bytes)."""
    if r[2] == _U:
        return parse(r, [("-0" if v[1] < 0 else str(v[0]), False), (str(abs(v[1])), False)])
    if isinstance(v, str) != (r[2] in b"SHTAM"):
        raise ValueError
    return parse(r, [(str(v), True)])


def parse(r, args):
    """The value that args (a list of (text, quoted)) give for a parameter of row r (its text
    as bytes: the kind r[2], an int; the limits schema.bounds(r)), or ATError(36929)."""
    k = r[2]
    for a in args:
        if not a[0] and not a[1]:  # "=" or "," with no value after it
            raise ATError(BAD_PARAMETER)
    if k == _U:
        if not 1 <= len(args) <= 2:
            raise ATError(BAD_PARAMETER)
        lo, hi = schema.bounds(r)
        h = number(args[0][0], True)
        m = number(args[1][0], False) if len(args) == 2 else 0
        if not lo <= h <= hi or not 0 <= m <= 59:
            raise ATError(BAD_PARAMETER)
        if h == 0 and args[0][0].strip()[:1] == "-":
            m = -m  # -0,30: half an hour behind UTC, kept as (0, -30)
        return (h, m)
    if len(args) != 1:
        raise ATError(BAD_PARAMETER)
    text = args[0][0]
    if k == _S or k == _H or k == _M:
        if len(text) > schema.bounds(r)[0] or not (  # (lo: the longest)
                host(text) if k == _H else printable(
                    text.replace("\r", " ").replace("\n", " ") if k == _M else text)):
            raise ATError(BAD_PARAMETER)
        return text
    if k == _A:
        if not quad(text):
            raise ATError(BAD_PARAMETER)
        return text
    if k == _T:
        t = text.upper()
        if t != "A" and t != "I":
            raise ATError(BAD_PARAMETER)
        return t
    if k == _P and not 1 <= len(text) <= 5:
        raise ATError(BAD_PARAMETER)
    v = number(text, False)
    if k == _B:
        if v not in schema.BAUDS:
            raise ATError(BAD_PARAMETER)
        return v
    lo, hi = schema.bounds(r)
    if not lo <= v <= hi or (k == _D and v % 20):
        raise ATError(BAD_PARAMETER)
    return v


# Text is checked as bytes (ints): iterating a str would intern each new character as a
# qstr on MicroPython, memory that is never given back.


def number(text, signed):
    """A decimal integer of at most 6 digits; a sign only when signed."""
    t = text.strip()
    if signed and t[:1] in ("-", "+"):
        t = t[1:]
    if not t.isdigit() or len(t) > 6:  # (not empty; digits only: the line is ASCII)
        raise ATError(BAD_PARAMETER)
    return int(text)


def printable(text):
    """ASCII from space to ~ but the double quote (min and max: no loop in Python)."""
    b = text.encode()
    return not b or (min(b) >= 32 and max(b) <= 126 and b.find(b'"') < 0)


def quad(text):
    """An IPv4 address in dotted-decimal notation."""
    b = text.encode()
    if not all(c == 46 or 48 <= c <= 57 for c in b):
        return False
    parts = b.split(b".")
    if len(parts) != 4:
        return False
    for p in parts:
        if not p or len(p) > 3 or int(p) > 255:
            return False
    return True


def host(text):
    """A dotted quad, "0", or a host name; empty is allowed (no server set)."""
    b = text.encode()
    if not b or b == b"0":
        return True
    d = b.replace(b".", b"")
    if not d or (min(d) >= 48 and max(d) <= 57):  # digits and dots: an address or nothing
        return quad(text)
    # letters (c | 32 folds A-Z onto a-z, and nothing else onto them), digits, . - _
    return all(97 <= c | 32 <= 122 or 48 <= c <= 57 or c in b".-_" for c in b)
