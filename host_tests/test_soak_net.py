"""Long network runs under the MicroPython unix port: AT#OTCP/ETX cycles against a real echo
peer and small AT#FTPPUT/AT#FTPGET transfers against pyftpdlib. Every answer checked, no
MemoryError or internal error in the log, no file descriptor left open, the heap flat.
Short forms in `make test`; SOAK=1: 10,000 cycles and 1,000 transfers (build/soak/*.json)."""
import time


from ftpserver import PASSWORD, USER, Pyftpd
from servers import TcpPeer, dle_encode, echo
from soakrec import soak
from conftest import CODE_HEAP
from test_pressure import faults, heaps, open_fds, probed_modem

HEAP = CODE_HEAP  # the MicroPython heap with the code in it (make deploy)
CYCLES, SOAK_CYCLES = 200, 10000
TRANSFERS, SOAK_TRANSFERS = 20, 1000
# bytes the heap may move over the sessions once warmed up: what moves with the heap's layout
# (a socket's objects, a poller's entry) stays well under it; a leak of even a small buffer
# per session (64 bytes over 20 transfers, 8 over 200 cycles) goes over
HEAP_SLACK = 1024
# sessions before the heap settles: every kind once (the first of each kind loads its code
# and interns its names), and FTP has four: put and get, passive and active
WARM = 4
WAITING = b"\r\nOk_Info_WaitingForData\r\n"
CLOSED = b"\r\nOk_Info_SocketClosed\r\n\r\nOK\r\n"
BEGIN = b"\r\nOk_Info_DataBegin\r\n"
OK = b"\r\nOK\r\n"
ETX = b"\x03"


def cycle_payload(i):
    """A fixed-length message per cycle, with every byte the DLE codec escapes."""
    return b"cycle %06d \x10\x03\x10\x10\x03\x03 end\r\n" % i


def otcp_cycles(tmp_path, cycles, f, heap=HEAP):
    """`cycles` AT#OTCP/echo/ETX sessions, every answer asserted; the figures go into f
    (also when an assertion fails)."""
    s, line = probed_modem(tmp_path, heap, baud=None)
    peer = TcpPeer(echo, backlog=16)
    t0 = time.time()
    f.update(done=0, bytes=0)
    try:
        line.cmd('AT#TCPSERV=1,"127.0.0.1"')
        line.cmd("AT#TCPPORT=1,%d" % peer.port)
        line.cmd("AT#TCPTXDELAY=1,0")
        for i in range(cycles):
            msg = cycle_payload(i)
            assert line.cmd("AT#OTCP=1", until=WAITING) == WAITING, i
            line.s.write(dle_encode(msg))
            back = dle_encode(msg)
            assert line.read_until(back) == back, i
            line.s.write(ETX)
            assert line.read_until(CLOSED) == CLOSED, i
            if i == 0:
                f["fds"] = [open_fds(s)]  # after the first session: what stays open
            f["done"] = i + 1
            f["bytes"] += 2 * len(msg)
        assert line.cmd("AT") == OK
        f["seconds"] = time.time() - t0
        got = peer.wait(cycles, timeout=10)
        f["fds"].append(open_fds(s))
    finally:
        f.setdefault("seconds", time.time() - t0)
        line.close()
        s.stop()
        peer.stop()
        f.update(heaps=heaps(s), faults=faults(s),
                 boot=[x for x in s.lines if x.startswith("modem: heap:")])
    assert got == [len(cycle_payload(0))] * cycles  # every peer saw its message, then EOF
    return f


def check(f, sessions, flat=True):
    h = f["heaps"] or [0]
    print("\n%d sessions in %.1f s (%.1f ms each); fds %r; heap after the sessions: first %s, "
          "last %s, min %s, max %s; %s"
          % (f["done"], f["seconds"], 1000 * f["seconds"] / max(1, f["done"]), f["fds"],
             h[0], h[-1], min(h), max(h), f["boot"]))
    assert f["faults"] == []
    assert f["done"] == sessions and len(f["heaps"]) == sessions
    assert f["fds"][0] == f["fds"][1]
    if flat:
        w = h[WARM:] or h
        assert w[-1] - w[0] <= HEAP_SLACK and max(w) - min(w) <= HEAP_SLACK, (h[:5], h[-5:])


def test_200_otcp_cycles_against_an_echo_peer(tmp_path):
    check(otcp_cycles(tmp_path, CYCLES, {}), CYCLES)


def ftp_payload(i):
    """About 1 KiB, different every time, every byte value in it."""
    return b"%06d" % i + bytes((j + i) & 255 for j in range(1024))


def ftp_transfers(tmp_path, transfers, f, heap=HEAP):
    """`transfers` transfers, AT#FTPPUT and AT#FTPGET in turn, passive and active mode in
    turn; every file and every answer asserted; the figures go into f."""
    root = tmp_path / "root"
    root.mkdir()
    srv = Pyftpd(root)
    s, line = probed_modem(tmp_path, heap, baud=None)
    t0 = time.time()
    f.update(done=0, bytes=0)
    try:
        for cmd in ('AT#FTPSERV="127.0.0.1"', "AT#FTPPORT=%d" % srv.port,
                    'AT#FTPUN="%s"' % USER, 'AT#FTPPW="%s"' % PASSWORD, "AT#FTPTYPE=I",
                    'AT#FTPGETFILENAME="soak.bin"', 'AT#FTPPUTFILENAME="soak.bin"'):
            assert line.cmd(cmd) == OK, cmd
        for i in range(transfers):
            k = i // 2  # PUT k then GET k, in mode k % 2
            data = ftp_payload(k)
            if i % 2 == 0:
                assert line.cmd("AT#FTPMODE=%d" % (1 - k % 2)) == OK
                assert line.cmd("AT#FTPPUT", until=BEGIN) == BEGIN, i
                line.s.write(dle_encode(data) + ETX)
                assert line.read_until(OK, timeout=10) == OK, i
                assert (root / "soak.bin").read_bytes() == data, i
            else:
                want = BEGIN + dle_encode(data) + ETX + OK
                assert line.cmd("AT#FTPGET", until=ETX + OK) == want, i
            if i == 0:
                f["fds"] = [open_fds(s)]
            f["done"] = i + 1
            f["bytes"] += len(data)
        assert line.cmd("AT") == OK
        f["seconds"] = time.time() - t0
        f["fds"].append(open_fds(s))
    finally:
        f.setdefault("seconds", time.time() - t0)
        line.close()
        s.stop()
        srv.stop()
        f.update(heaps=heaps(s), faults=faults(s),
                 boot=[x for x in s.lines if x.startswith("modem: heap:")])
    return f


def test_20_ftp_transfers_against_pyftpdlib_and_the_heap_flat(tmp_path):
    # (each load of modem.ftp leaked 32 bytes while it had viper code: now in dle.py)
    check(ftp_transfers(tmp_path, TRANSFERS, {}), TRANSFERS)


def run_soak(name, run, sessions, inputs):
    """Run a soak, record its figures (build/soak/<name>.json) whether it passes or not."""
    from soakrec import record

    f = {}
    err = None
    try:
        run(f)
        check(f, sessions)
    except BaseException as e:
        err = e
        raise
    finally:
        h = f.get("heaps") or [0]
        w = h[WARM:] or h
        record(name, inputs=dict(inputs, heap=HEAP, fds=f.get("fds"),
                                 heap_min_max=[min(h), max(h)],
                                 error=None if err is None else repr(err)[:300],
                                 log=f.get("faults", [])[:6]),
               faults=len(f.get("faults", [])) + (err is not None),
               sessions=f.get("done", 0), bytes_moved=f.get("bytes", 0), bytes_lost=0,
               heap_drift=w[-1] - w[0], seconds=round(f.get("seconds", 0), 1))


@soak
def test_soak_10000_otcp_cycles_against_an_echo_peer(tmp_path):
    run_soak("otcp_10000_cycles", lambda f: otcp_cycles(tmp_path, SOAK_CYCLES, f), SOAK_CYCLES,
         {"cycles": SOAK_CYCLES})


@soak
def test_soak_1000_ftp_transfers_against_pyftpdlib(tmp_path):
    run_soak("ftp_1000_transfers", lambda f: ftp_transfers(tmp_path, SOAK_TRANSFERS, f),
         SOAK_TRANSFERS, {"transfers": SOAK_TRANSFERS})
