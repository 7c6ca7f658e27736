"""The DLE codec in plain Python: the twins of dle's viper functions (same signatures and
results), bound in dle where the runtime has no viper (CPython), and the reference the
tests hold the viper versions to. encode is here only: the modem escapes with spread."""


def encode(src, n, dst):
    """Escape src[0:n] into dst (len(dst) >= 2 * n); bytes written. The tests' and the
    tools' (the modem escapes in place with spread)."""
    j = 0
    for i in range(n):
        c = src[i]
        if c == 0x10 or c == 0x03:
            dst[j] = 0x10
            j += 1
        dst[j] = c
        j += 1
    return j


def decode(src, n, dst, state):
    state[1] = 0
    state[2] = 0
    if n <= 0:
        return 0  # a pending DLE stays pending
    o = state[3]
    i = 0
    j = o
    if state[0]:
        dst[j] = src[0]
        i = 1
        j += 1
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
    return j - o


def spread(buf, off, n, base):
    i = off
    e = off + n
    j = base
    while i < e:
        c = buf[i]
        if c == 0x10 or c == 0x03:
            if j >= i:
                break  # no room for the pair yet
            buf[j] = 0x10
            j += 1
        buf[j] = c
        j += 1
        i += 1
    return ((i - off) << 16) | (j - base)


def mask7(buf, n):
    for i in range(n):
        buf[i] &= 0x7F


def put(src, n, dst, off):
    for i in range(n):
        dst[off + i] = src[i]


def take(src, span, dst, k):
    i = span >> 16
    n = span & 0xFFFF
    m = len(dst)
    while i < n and k < m:
        c = src[i]
        if c < 32 or c == 127 or (c == 47 and k == 1 and dst[0] | 32 == 97):
            break
        dst[k] = c
        k += 1
        i += 1
    return (i << 16) | k


def slot(src, j, table):
    n = j - 2
    if n < 1 or n > 15:
        return -1
    for k in range(len(table) >> 4):
        b = k << 4
        if table[b] == n:
            i = 0
            while i < n:
                c = src[2 + i]
                if 97 <= c <= 122:
                    c -= 32
                if c != table[b + 1 + i]:
                    break
                i += 1
            if i == n:
                return k
    return -1
