"""DLE/ETX escaping of the serial line's data (spec 4.1.1, 7.4.7): streaming, allocation-free.

encode(src, n, dst) -> int: escape src[0:n] into dst (len(dst) >= 2 * n), return bytes written.
    Each 0x10 (DLE) and 0x03 (ETX) gets a DLE before it. The final lone ETX is the caller's.
decode(src, n, dst, state) -> int: unescape src[0:n] into dst, return bytes written.
    DLE x -> x for any x (so DLE DLE -> DLE, DLE ETX -> ETX); a lone ETX ends the data.
    It stops after the first unescaped ETX; state says what happened (see ST_*).
    dst may be src (in place): writes never overtake reads, and bytes after ETX are untouched.

state is new_state(): array('i') of [ST_DLE, ST_ETX, ST_USED]:
    ST_DLE  1 when src ended with a DLE that escapes the first byte of the next chunk
    ST_ETX  1 when this call stopped at an unescaped ETX, else 0
    ST_USED input bytes consumed by this call, the ETX included (== n unless ST_ETX)

mask7(buf, n): clear the top bit of buf[0:n] in place (FTPTYPE A uploads, spec 3.1.3).

put(src, n, dst, off): copy src[0:n] to dst[off:off + n] (no memoryview of dst at off is
    made: the pump's data path allocates nothing). src and dst must not overlap.

encode/decode/mask7/put are the viper versions where the runtime has viper (MicroPython on
the boards and the unix port), else the pure-Python twins encode_py/decode_py/mask7_py/put_py
(same signatures and results); VIPER says which (modem.main logs it when it is the twins).
"""
from array import array

try:
    import micropython  # the decorator below is the compiler's, not an attribute
except ImportError:
    micropython = None

ST_DLE = 0
ST_ETX = 1
ST_USED = 2


def new_state():
    """A decoder state, zeroed: [pending DLE, ETX seen, bytes consumed]."""
    return array("i", (0, 0, 0))


def reset(state):
    state[0] = 0
    state[1] = 0
    state[2] = 0


def encode_py(src, n, dst):
    j = 0
    for i in range(n):
        c = src[i]
        if c == 0x10 or c == 0x03:
            dst[j] = 0x10
            j += 1
        dst[j] = c
        j += 1
    return j


def decode_py(src, n, dst, state):
    state[1] = 0
    state[2] = 0
    if n <= 0:
        return 0  # a pending DLE stays pending
    i = 0
    j = 0
    if state[0]:
        dst[0] = src[0]
        i = 1
        j = 1
    state[0] = 0
    while i < n:
        c = src[i]
        i += 1
        if c == 0x10:
            if i < n:
                dst[j] = src[i]
                j += 1
                i += 1
            else:
                state[0] = 1
        elif c == 0x03:
            state[1] = 1
            break
        else:
            dst[j] = c
            j += 1
    state[2] = i
    return j


def mask7_py(buf, n):
    for i in range(n):
        buf[i] &= 0x7F


def put_py(src, n, dst, off):
    for i in range(n):
        dst[off + i] = src[i]


encode = encode_py
decode = decode_py
mask7 = mask7_py
put = put_py
VIPER = False

if micropython is not None:
    try:

        @micropython.viper
        def encode(src, n: int, dst) -> int:
            s = ptr8(src)  # noqa: F821 (viper built-in)
            d = ptr8(dst)  # noqa: F821
            i = 0
            j = 0
            while i < n:
                c = s[i]
                if c == 0x10 or c == 0x03:
                    d[j] = 0x10
                    j += 1
                d[j] = c & 0xFF
                j += 1
                i += 1
            return j

        @micropython.viper
        def decode(src, n: int, dst, state) -> int:
            s = ptr8(src)  # noqa: F821
            d = ptr8(dst)  # noqa: F821
            st = ptr32(state)  # noqa: F821
            st[1] = 0
            st[2] = 0
            if n <= 0:
                return 0
            i = 0
            j = 0
            if st[0]:
                d[0] = s[0] & 0xFF
                i = 1
                j = 1
            st[0] = 0
            while i < n:
                c = s[i]
                i += 1
                if c == 0x10:
                    if i < n:
                        d[j] = s[i] & 0xFF
                        j += 1
                        i += 1
                    else:
                        st[0] = 1
                elif c == 0x03:
                    st[1] = 1
                    break
                else:
                    d[j] = c & 0xFF
                    j += 1
            st[2] = i
            return j

        @micropython.viper
        def mask7(buf, n: int):
            b = ptr8(buf)  # noqa: F821
            i = 0
            while i < n:
                b[i] = b[i] & 0x7F
                i += 1

        @micropython.viper
        def put(src, n: int, dst, off: int):
            s = ptr8(src)  # noqa: F821
            d = ptr8(dst)  # noqa: F821
            i = 0
            while i < n:
                d[off + i] = s[i]
                i += 1

        VIPER = True
    except (AttributeError, SyntaxError, NotImplementedError):
        pass
