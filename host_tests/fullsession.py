"""A full session on the modem under the MicroPython runtime, as an installer would run one:
boot, parameters, the link, a TCP client and a TCP server session, FTP both ways in both
modes, SNTP, the clock. Used by test_heap.py (code in ROM at HEAP=72K, code in the heap at
160K) and by `make bench` (the smallest heap it passes in). Real servers on 127.0.0.1: an
echo peer, pyftpdlib, an NTP server.
"""
import hashlib
import os
import random
import socket
import tempfile

from conftest import Line, start
import sim  # tools/, on the path from conftest
from ftpserver import PASSWORD, USER, Pyftpd
from servers import (ScriptedNtp, TcpPeer, dle_decode_at, dle_encode, echo, free_port,
                     read_dle_stream)

OK = b"\r\nOK\r\n"
WAITING = b"\r\nOk_Info_WaitingForData\r\n"
CLOSED = b"\r\nOk_Info_SocketClosed\r\n\r\nOK\r\n"
BEGIN = b"\r\nOk_Info_DataBegin\r\n"
GPRS = b"Ok_Info_GprsActivation\r\n"


class Failed(Exception):
    """The session went wrong at a step: the step and what was seen."""


def vmem(line):
    """(in use, free) from AT#VMEM."""
    got = line.cmd("AT#VMEM")
    if not got.startswith(b"\r\n#VMEM: "):
        raise Failed("AT#VMEM: %r" % got)
    used, free = got[9:got.index(b"\r\n", 2)].split(b",")
    return int(used), int(free)


def expect(line, text, answer=OK, until=None):
    got = line.cmd(text, until=until or answer[-4:])
    if not got.endswith(answer):
        raise Failed("%s: %r" % (text, got))
    return got


def _tcp_client(line, size):
    """AT#OTCP to an echo peer: size bytes there and back, then the host's ETX."""
    peer = TcpPeer(echo)
    try:
        expect(line, 'AT#TCPSERV=1,"127.0.0.1"')
        expect(line, "AT#TCPPORT=1,%d" % peer.port)
        expect(line, "AT#OTCP=1", WAITING, until=WAITING)
        payload = random.Random(1).randbytes(size)
        line.s.write(dle_encode(payload))
        digest, n = _read_n(line, size)
        if (digest, n) != (hashlib.sha256(payload).hexdigest(), size):
            raise Failed("OTCP: %d of %d bytes came back, or not the same" % (n, size))
        line.s.write(b"\x03")
        got = line.read_until(CLOSED, timeout=10)
        if not got.endswith(CLOSED):
            raise Failed("OTCP end: %r" % got)
    finally:
        peer.stop()


def _read_n(line, size):
    """Read DLE-escaped data (no ETX comes) until size payload bytes: (sha256, count)."""
    h = hashlib.sha256()
    n = 0
    pend = b""
    line.s.timeout = 10
    while n < size:
        got = line.s.read(max(1, line.s.in_waiting))
        if not got:
            break
        body, _, used = dle_decode_at(pend + got)
        pend = (pend + got)[used:]
        h.update(body)
        n += len(body)
    return h.hexdigest(), n


def _tcp_server(line):
    """AT#LTCPSTART: the allowed peer connects, a few bytes each way, the host's ETX."""
    port = free_port()
    expect(line, 'AT#TCPSERV=2,"127.0.0.1"')
    expect(line, "AT#TCPPORT=2,%d" % port)
    expect(line, "AT#LTCPSTART=2")
    c = socket.create_connection(("127.0.0.1", port))
    try:
        if not line.read_until(WAITING).endswith(WAITING):
            raise Failed("LTCPSTART: no peer")
        c.sendall(b"ping\x03")
        if not line.read_until(b"ping\x10\x03").endswith(b"ping\x10\x03"):
            raise Failed("LTCPSTART: peer to host")
        line.s.write(b"pong\x03")
        c.settimeout(5)
        if c.recv(10) != b"pong":
            raise Failed("LTCPSTART: host to peer")
        if not line.read_until(CLOSED).endswith(CLOSED):
            raise Failed("LTCPSTART: end")
    finally:
        c.close()


def _ftp(line, root, port, size):
    """FTPPUT then FTPGET of size random bytes, passive then active."""
    payload = random.Random(2).randbytes(size)
    digest = hashlib.sha256(payload).hexdigest()
    for cmd in ('AT#FTPSERV="127.0.0.1"', "AT#FTPPORT=%d" % port, 'AT#FTPUN="%s"' % USER,
                'AT#FTPPW="%s"' % PASSWORD):
        expect(line, cmd)
    for mode in (1, 0):
        name = "f%d.bin" % mode
        expect(line, "AT#FTPMODE=%d" % mode)
        expect(line, 'AT#FTPPUTFILENAME="%s"' % name)
        expect(line, 'AT#FTPGETFILENAME="%s"' % name)
        expect(line, "AT#FTPPUT", BEGIN, until=BEGIN)
        line.s.write(dle_encode(payload) + b"\x03")
        got = line.read_until(OK, timeout=30)
        if not got.endswith(OK):
            raise Failed("FTPPUT mode %d: %r" % (mode, got))
        with open(os.path.join(root, name), "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != digest:
                raise Failed("FTPPUT mode %d: the server's file differs" % mode)
        expect(line, "AT#FTPGET", BEGIN, until=BEGIN)
        line.s.timeout = 10
        got_digest, n, tail = read_dle_stream(lambda: line.s.read(max(1, line.s.in_waiting)))
        if (got_digest, n) != (digest, size):
            raise Failed("FTPGET mode %d: %d of %d bytes, or not the same" % (mode, n, size))
        tail = line.rest(tail, OK)
        if tail != OK:
            raise Failed("FTPGET mode %d end: %r" % (mode, tail))


def _sntp(line):
    ntp = ScriptedNtp()
    try:
        expect(line, "AT+EGNTPPORT=%d" % ntp.port)
        expect(line, "AT+EGNTPUTC=1,0")
        got = line.cmd('AT+EGNTP=2,"127.0.0.1",10,1', until=OK[-4:])
        if not got.endswith(OK) or got.count(b"/") != 2:
            raise Failed("EGNTP: %r" % got)
        got = line.cmd("AT+CCLK?")
        if not got.startswith(b'\r\n+CCLK: "') or not got.endswith(b'+04"\r\n' + OK):
            raise Failed("CCLK: %r" % got)
    finally:
        ntp.stop()


def run(heap, tcp_size=65536, ftp_size=262144, rom=False, rounds=1):
    """The session at heap ("64K"), `rounds` times over in the same modem: a dict with ok,
    step (the last one started), error, heap figures (boot: in use after boot, from the
    log; start: after ATE0; ends: after each round; all bytes in use, from AT#VMEM) and the
    modem's log. rom: the code in ROM (sim.py --rom); the figures leave out the pinned image
    (the interned names are in them: frozen firmware keeps them in flash, and sim.rom_heap
    adds room for them)."""
    pinned = sim.rom_pinned() if rom else 0
    work = tempfile.mkdtemp(prefix="gpx-full-")
    root = os.path.join(work, "ftp")
    os.mkdir(root)
    srv = Pyftpd(root)
    out = {"heap": heap, "ok": False, "step": "boot", "error": None, "steps": [], "ends": []}
    s = line = None

    def step(name):
        out["steps"].append((out["step"], vmem(line)[0] - pinned))
        out["step"] = name

    try:
        s = start("micropython", os.path.join(work, "flash"), heap=heap, rom=rom)
        line = Line(s.name)
        expect(line, "ATE0", until=b"OK\r\n")
        out["start"] = vmem(line)[0] - pinned
        for _ in range(rounds):
            out["step"] = "parameters"
            for cmd in ('AT#APNSERV="internet-entreprise"', 'AT#APNUN="meter"',
                        "AT#GPRSCID=2", "AT#DLEMODE=1,1", "AT#TCPTXDELAY=1,100",
                        'AT+EGNTPUTC=1,0', 'AT#FTPGETPATH="."', "AT#FTPTYPE=I", "AT+CMEE=2",
                        "AT+CMEE=1"):
                expect(line, cmd)
            for cmd in ("AT#VALL", "AT#VGPRS", "AT#VFTP", "AT#VTCP", "AT#VSTATE", "ATI",
                        "AT+CSQ", "AT+CGREG?"):
                expect(line, cmd)
            step("link")
            expect(line, "AT+CGATT=1")
            got = line.cmd("AT#CONNECTIONSTART", until=GPRS)
            if not got.endswith(GPRS):
                raise Failed("CONNECTIONSTART: %r" % got)
            expect(line, "AT#DISPLAYIP")
            step("tcp client")
            _tcp_client(line, tcp_size)
            step("tcp server")
            _tcp_server(line)
            step("ftp")
            _ftp(line, root, srv.port, ftp_size)
            step("sntp")
            _sntp(line)
            step("end")
            expect(line, "AT#CONNECTIONSTOP")
            expect(line, "AT")
            out["ends"].append(vmem(line)[0] - pinned)
        out["end"] = out["ends"][-1]
        out["ok"] = True
    except (Failed, AssertionError, OSError, RuntimeError) as e:
        out["error"] = "%s: %s" % (type(e).__name__, e)
    finally:
        if line is not None:
            line.close()
        if s is not None:
            s.stop()
            out["log"] = list(s.lines)
            boot = [x for x in s.lines if x.startswith("modem: heap: ")]
            if boot:
                out["boot"] = int(boot[0].split()[2]) - pinned
            bad = [x for x in s.lines if "internal error" in x or "MemoryError" in x]
            if bad and out["ok"]:
                out["ok"] = False
                out["error"] = bad[0]
        srv.stop()
    return out


def smallest(lo=40, hi=128, **kw):
    """The smallest heap in KiB (between lo and hi) at which the whole session passes,
    scanning down from hi: fragmentation makes the outcome not quite monotonic, so the
    answer is the smallest heap from which every larger one tried passes."""
    best = None
    k = hi
    while k >= lo:
        if not run("%dK" % k, **kw)["ok"]:
            break
        best = k
        k -= 2
    return best
