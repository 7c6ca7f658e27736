"""DLE/ETX escaping of the serial line's data (spec 4.1.1, 7.4.7): streaming, allocation-free.

decode(src, n, dst, state) -> int: unescape src[0:n] into dst at state[ST_OFF], return bytes
    written. DLE x -> x for any x (so DLE DLE -> DLE, DLE ETX -> ETX); a lone ETX ends the
    data. It stops after the first unescaped ETX; state says what happened (see ST_*).
    dst may be src, or a buffer src lies in (in place): a decode never writes ahead of where
    it reads, so src may start anywhere from dst + ST_OFF on; bytes after the ETX are
    untouched.

spread(buf, off, n, base) -> int: escape buf[off:off + n] into buf from base on, in place
    (base < off): each 0x10 (DLE) and 0x03 (ETX) gets a DLE before it; the escaped bytes
    never overtake the raw ones (with base + n <= off, all of them fit). Where an escape
    pair does not fit yet (the bytes before it took all the room) it stops: the rest stays
    raw where it lies. Returns (raw bytes consumed << 16) | escaped bytes written.

state is new_state(): array('i') of [ST_DLE, ST_ETX, ST_USED, ST_OFF]:
    ST_DLE  1 when src ended with a DLE that escapes the first byte of the next chunk
    ST_ETX  1 when this call stopped at an unescaped ETX, else 0
    ST_USED input bytes consumed by this call, the ETX included (== n unless ST_ETX)
    ST_OFF  where in dst the decoded bytes go (the caller's; 0 after new_state and reset)

mask7(buf, n): clear the top bit of buf[0:n] in place (FTPTYPE A uploads, spec 3.1.3).

put(src, n, dst, off): copy src[0:n] to dst[off:off + n] (no memoryview of dst at off is
    made: the pump's data path allocates nothing), a byte at a time from the first: the two
    may overlap where dst's part starts at or before src's (a copy down, as the pump makes
    when it puts the line's bytes after those it holds or takes an ETX out), never after.

slot(src, j, table) -> int: which of table's names src[2:j] is (core.Modem.execute: the
    name of a one-command line after its "AT", as typed, a..z taken as A..Z), or -1. table
    is 16 bytes a name: its length (0: none), then the name in capitals; a name of more
    than 15 bytes is none of them.

take(src, span, dst, k) -> int: the command line's printable run (core.Modem._scan): the
    bytes of src from i to n (span = i << 16 | n, n under 16384) copied to dst from k on
    while they are not control bytes (under 32, or 127) and dst has room; it stops before
    a control byte, and before a "/" that would be dst[1] after an "A" or "a" (A/, the
    repeat). Returns (where it stopped in src << 16) | the new k.

decode/spread/mask7/put/take/slot are the viper versions where the runtime has viper
(MicroPython on the boards and the unix port), else their pure-Python twins from dlepy (same
signatures and results; a board never loads them); VIPER says which (modem.main logs it when
it is the twins).
"""
# ruff: noqa: F821 (ptr8, ptr32, uint: viper built-ins)
from array import array

try:
    import micropython  # the decorator below is the compiler's, not an attribute
except ImportError:
    micropython = None

ST_DLE = 0
ST_ETX = 1
ST_USED = 2
ST_OFF = 3


def new_state():
    """A decoder state, zeroed: [pending DLE, ETX seen, bytes consumed, output offset]."""
    return array("i", (0, 0, 0, 0))


def reset(state):
    state[0] = 0
    state[1] = 0
    state[2] = 0
    state[3] = 0


VIPER = False
if micropython is not None:
    try:

        # Pointers walked as addresses rather than a base and an index: 40 % faster under
        # the unix port (tools/bench_dle.py), and only byte accesses (no alignment to keep)
        @micropython.viper
        def decode(src, n: int, dst, state) -> int:
            st = ptr32(state)
            st[1] = 0
            st[2] = 0
            if n <= 0:
                return 0
            s0 = uint(ptr8(src))
            p = s0
            pe = p + uint(n)
            q0 = uint(ptr8(dst)) + uint(st[3])
            q = q0
            if st[0]:
                ptr8(q)[0] = ptr8(p)[0]
                p += 1
                q += 1
            st[0] = 0
            ones = uint(0x01010101)  # (the word constants made here: small ints)
            high = ones << 7
            dles = ones << 4
            etxs = ones * 3
            while p < pe:
                if not (p & 3):  # four at a time while none of them is a DLE or an ETX
                    while p + 4 <= pe:
                        w = uint(ptr32(p)[0])
                        x = w ^ dles
                        y = w ^ etxs
                        if ((x - ones) & ~x | (y - ones) & ~y) & high:
                            break
                        ptr8(q)[0] = w
                        ptr8(q)[1] = w >> 8
                        ptr8(q)[2] = w >> 16
                        ptr8(q)[3] = w >> 24
                        p += 4
                        q += 4
                # then a byte at a time up to a word's start at least 16 bytes on (one
                # test per byte, as a loop of bytes alone: dense DLEs cost no more)
                pq = p + 19
                pq -= pq & 3
                if pq > pe:
                    pq = pe
                while p < pq:
                    c = ptr8(p)[0]
                    p += 1
                    if c <= 0x10:  # most bytes are above both
                        if c == 0x10:
                            if p < pe:
                                ptr8(q)[0] = ptr8(p)[0]
                                q += 1
                                p += 1
                            else:
                                st[0] = 1
                            continue
                        elif c == 0x03:
                            st[1] = 1
                            st[2] = int(p - s0)
                            return int(q - q0)
                    ptr8(q)[0] = c
                    q += 1
            st[2] = int(p - s0)
            return int(q - q0)

        @micropython.viper
        def spread(buf, off: int, n: int, base: int) -> int:
            a0 = uint(ptr8(buf))
            p = a0 + uint(off)
            pe = p + uint(n)
            q = a0 + uint(base)
            ones = uint(0x01010101)
            high = ones << 7
            dles = ones << 4
            etxs = ones * 3
            while p < pe:
                if not (p & 3):  # four at a time while none of them is a DLE or an ETX
                    while p + 4 <= pe:
                        w = uint(ptr32(p)[0])
                        x = w ^ dles
                        y = w ^ etxs
                        if ((x - ones) & ~x | (y - ones) & ~y) & high:
                            break
                        ptr8(q)[0] = w  # (q never passes p: the word is read first)
                        ptr8(q)[1] = w >> 8
                        ptr8(q)[2] = w >> 16
                        ptr8(q)[3] = w >> 24
                        p += 4
                        q += 4
                pq = p + 19  # then bytes to a word's start at least 16 on (see decode)
                pq -= pq & 3
                if pq > pe:
                    pq = pe
                while p < pq:
                    c = ptr8(p)[0]
                    if c <= 0x10:
                        if c == 0x10 or c == 0x03:
                            if q >= p:  # no room for the pair yet
                                return (int(p - a0 - uint(off)) << 16) | int(q - a0 - uint(base))
                            ptr8(q)[0] = 0x10
                            q += 1
                    ptr8(q)[0] = c
                    q += 1
                    p += 1
            return (int(p - a0 - uint(off)) << 16) | int(q - a0 - uint(base))

        @micropython.viper
        def mask7(buf, n: int):
            b = ptr8(buf)
            i = 0
            while i < n:
                b[i] = b[i] & 0x7F
                i += 1

        @micropython.viper
        def put(src, n: int, dst, off: int):
            s = ptr8(src)
            d = ptr8(dst)
            i = 0
            while i < n:
                d[off + i] = s[i]
                i += 1

        @micropython.viper
        def take(src, span: int, dst, k: int) -> int:
            s = ptr8(src)
            d = ptr8(dst)
            i = span >> 16
            n = span & 0xFFFF
            m = int(len(dst))
            while i < n and k < m:
                c = s[i]
                if c < 32 or c == 127 or (c == 47 and k == 1 and (d[0] | 32) == 97):
                    break
                d[k] = c
                k += 1
                i += 1
            return (i << 16) | k

        @micropython.viper
        def slot(src, j: int, table) -> int:
            n = j - 2
            if n < 1 or n > 15:
                return -1
            s = ptr8(src)
            t = ptr8(table)
            m = int(len(table)) >> 4
            k = 0
            while k < m:
                b = k << 4
                if t[b] == n:
                    i = 0
                    while i < n:
                        c = s[2 + i]
                        if c >= 97 and c <= 122:
                            c -= 32
                        if c != t[b + 1 + i]:
                            break
                        i += 1
                    if i == n:
                        return k
                k += 1
            return -1

        VIPER = True
    except (AttributeError, SyntaxError, NotImplementedError):
        pass
if not VIPER:  # CPython (tests, the simulator): the twins
    from .dlepy import decode, mask7, put, slot, spread, take  # noqa: F401, F811
