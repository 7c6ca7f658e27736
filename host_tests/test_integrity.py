"""Integrity and security (issue 16): host data never becomes commands, no byte the host sent
is lost, no stranger gets in, never stuck. The modem on a real pty (in this process, ptyrig;
or under either runtime, sim), real peers and servers on 127.0.0.1."""
import os
import select
import socket
import threading
import time
import types

import pytest

from answers import BEGIN, CLOSED, ETX, OK, WAITING, cme
from ftpserver import Scripted
from servers import (ScriptedNtp, TcpPeer, dle_encode, echo, free_port, half_closed,
                     collect)

# What the host's data holds: were it read as commands, APNUN would be set.
ATTACK = b'sensor 42\r\nAT#APNUN="pwned"\r\n'


# ---- host data never becomes commands ----

class Closer:
    """A peer that reads what the host sends, then ends the connection as `how` says
    (close: FIN, then what still comes read and dropped; reset: RST) once it has `after`
    bytes; .closed is set then."""

    def __init__(self, how, after=2000):
        self.how, self.after = how, after
        self.closed = threading.Event()

    def __call__(self, c):
        got = 0
        while got < self.after:
            d = c.recv(65536)
            if not d:
                break
            got += len(d)
        if self.how == "reset":
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
            self.closed.set()
            return got
        c.shutdown(socket.SHUT_WR)  # a FIN; what comes after is read and dropped (a close
        self.closed.set()  # with unread bytes would be a reset)
        while c.recv(65536):
            pass
        return got


def stream_until_the_end(m, data, end_marker, ended, extra=0.3):
    """As a host streaming its data: chunk after chunk until the modem's end is seen
    (end_marker in what it sent, or the ended event), then `extra` seconds more of it, as
    a host that has not yet read what the modem said would; then silent. What the modem
    sent meanwhile."""
    stop_at = None
    for _ in range(20000):
        m.write(data)
        m.buf += m.read_some(0)
        if stop_at is None and ((end_marker and end_marker in m.buf) or ended()):
            stop_at = time.time() + extra
        if stop_at is not None and time.time() >= stop_at:
            break
    out, m.buf = m.buf, b""
    return out


def open_session(m, kind, dlemode, peer_behaviour):
    """A data session of kind client (AT#OTCP) or server (AT#LTCPSTART, the test's client
    connecting) with its peer running peer_behaviour; returns what to stop."""
    assert m.at("AT#DLEMODE=1,%d" % dlemode) == OK
    if kind == "client":
        peer = TcpPeer(peer_behaviour)
        assert m.at('AT#TCPSERV=1,"127.0.0.1"') == OK
        assert m.at("AT#TCPPORT=1,%d" % peer.port) == OK
        assert m.at("AT#OTCP=1", WAITING) == WAITING
        return peer.stop
    port = free_port()
    assert m.at('AT#TCPSERV=1,""') == OK
    assert m.at("AT#TCPPORT=1,%d" % port) == OK
    assert m.at("AT#LTCPSTART=1") == OK
    c = socket.create_connection(("127.0.0.1", port))
    m.read_until(WAITING)
    t = threading.Thread(target=lambda: (peer_behaviour(c), c.close()), daemon=True)
    t.start()
    return lambda: t.join(5)


@pytest.mark.parametrize("kind", ["client", "server"])
@pytest.mark.parametrize("dlemode", [1, 0])
@pytest.mark.parametrize("end", ["close", "reset", "link lost"])
def test_host_data_in_flight_when_the_network_ends_a_session_is_never_run(m, kind, dlemode,
                                                                           end):
    m.modem.quiet_ms = 300
    assert m.at("AT+CMEE=1") == OK
    peer = Closer("close" if end == "link lost" else end, 10 ** 9 if end == "link lost" else 2000)
    stop = open_session(m, kind, dlemode, peer)
    try:
        if end == "link lost":
            threading.Timer(0.3, lambda: setattr(m.modem.link.backend, "fault", "down")).start()
            ended = lambda: m.modem.link.backend.fault == "down"  # noqa: E731
        else:
            ended = peer.closed.is_set
        data = dle_encode(ATTACK) if dlemode else ATTACK
        out = stream_until_the_end(m, data * 20, ETX if dlemode else None, ended)
        want = {"close": CLOSED, "reset": cme(38016), "link lost": cme(35841)}[end]
        out += m.read_until(want, 10)
        assert out.endswith(want)
        if dlemode:
            assert out.count(ETX) == 1 and out.index(ETX) == len(out) - len(want) - 1
        assert b"ERROR" not in out.replace(want, b"")  # nothing of it ran as a command
    finally:
        m.modem.link.backend.fault = ""
        stop()
    m.quiet(0.2)
    assert m.at("AT#APNUN?") == b'\r\n#APNUN: ""\r\n' + OK


def test_the_same_under_either_runtime_on_its_pty(modem):
    """The modem as `make run` starts it (firmware/main.py), MicroPython and CPython."""
    sim, line = modem
    closed = threading.Event()

    def peer(c):
        c.recv(100)
        closed.set()
        c.shutdown(socket.SHUT_WR)  # its end; what the host still sends is read and dropped
        while c.recv(65536):
            pass

    srv = TcpPeer(peer)
    try:
        line.cmd("ATE0")
        line.cmd("AT+CGATT=1")
        line.cmd("AT#CONNECTIONSTART", b"Ok_Info_GprsActivation\r\n")
        line.cmd('AT#TCPSERV=1,"127.0.0.1"')
        line.cmd("AT#TCPPORT=1,%d" % srv.port)
        line.cmd("AT#OTCP=1", WAITING)
        t_end = None
        out = b""
        while t_end is None or time.time() < t_end:
            line.s.write(dle_encode(ATTACK))
            out += line.s.read(line.s.in_waiting)
            if t_end is None and closed.is_set():
                t_end = time.time() + 0.3  # in flight, as the host has not looked yet
        out += line.read_until(CLOSED, 10)
        assert out.endswith(ETX + CLOSED)
        assert line.cmd("AT#APNUN?") == b'\r\n#APNUN: ""\r\n' + OK
    finally:
        srv.stop()


def test_a_line_with_an_unknown_command_runs_none_of_it(m):
    assert m.at('AT#APNUN="changed";#NOSUCH', b"ERROR\r\n") == b"\r\nERROR\r\n"
    assert m.at("AT#APNUN?") == b'\r\n#APNUN: ""\r\n' + OK


def test_a_line_runs_in_order_up_to_its_first_failing_command(m):
    """V.250: the commands before the failing one have run, the ones after it do not."""
    got = m.at('AT#APNUN="first";#GPRSCID=9;#APNPW="after"', b"36929\r\n")
    assert got == cme(36929)
    assert m.at("AT#APNUN?") == b'\r\n#APNUN: "first"\r\n' + OK
    assert m.at("AT#APNPW?") == b'\r\n#APNPW: ""\r\n' + OK


# ---- no byte the host sent is lost ----

def test_a_peer_that_only_shuts_its_sending_side_gets_every_byte(m):
    """Half-close: the peer sends its FIN but reads on. What the modem holds for TCPTXDELAY
    and what the host sends until its own ETX still reach it."""
    m.modem.quiet_ms = 2000
    srv = TcpPeer(half_closed)
    try:
        assert m.at('AT#TCPSERV=1,"127.0.0.1"') == OK
        assert m.at("AT#TCPPORT=1,%d" % srv.port) == OK
        assert m.at("AT#TCPTXDELAY=1,5000") == OK  # held far longer than the test takes
        assert m.at("AT#OTCP=1", WAITING) == WAITING
        m.write(b"request")
        assert m.read_until(ETX, 10) == ETX  # the peer's end, told at once
        m.write(dle_encode(b"more\x03\x10") + ETX)
        assert m.read_until(CLOSED) == CLOSED
        assert srv.wait(1, 10) == [b"request" + b"more\x03\x10"]
    finally:
        srv.stop()


def test_a_guarded_escape_sends_what_was_held_first(m):
    srv = TcpPeer(collect)
    m.modem.pump.guard_ms = 300
    try:
        assert m.at('AT#TCPSERV=1,"127.0.0.1"') == OK
        assert m.at("AT#TCPPORT=1,%d" % srv.port) == OK
        assert m.at("AT#DLEMODE=1,0") == OK
        assert m.at("AT#TCPTXDELAY=1,5000") == OK
        assert m.at("AT#OTCP=1", WAITING) == WAITING
        m.write(b"held")
        time.sleep(0.5)
        m.write(b"+++")
        assert m.read_until(CLOSED, 10) == CLOSED
        assert srv.wait(1, 10) == [b"held"]
    finally:
        srv.stop()


def test_commands_typed_while_sntp_waits_all_run_after_it_in_order(m):
    srv = ScriptedNtp(behaviour="silent")
    try:
        assert m.at("AT+EGNTPPORT=%d" % srv.port) == OK
        m.write(b'AT+EGNTP=2,"127.0.0.1",300\rAT#APNUN="x"\r')
        for _ in range(200):
            m.write(b"AT\r")
        m.write(b"AT#APNUN?\rAT+EGNTP=0\r")
        want = (b"\r\nERROR\r\n" + OK + OK * 200 + b'\r\n#APNUN: "x"\r\n' + OK + OK)
        assert m.read_until(want, 15) == want
        assert m.quiet(0.3) == b""
    finally:
        srv.stop()


def test_a_stop_in_the_same_write_as_the_request_halts_it(m):
    srv = ScriptedNtp(behaviour="silent")
    try:
        assert m.at("AT+EGNTPPORT=%d" % srv.port) == OK
        t0 = time.time()
        m.write(b'AT+EGNTP=2,"127.0.0.1",300\rAT+EGNTP=0\r')
        assert m.read_until(OK, 10) == b"\r\nERROR\r\n" + OK
        assert time.time() - t0 < 5
    finally:
        srv.stop()


@pytest.mark.parametrize("cmd, after", [('AT#APNUN="new"', 1), ("AT&F", 40),
                                        ('AT#APNUN="new"', 1000)],
                         ids=["a-journal-record", "the-whole-file", "the-journal-written"])
def test_a_save_that_fails_in_any_way_changes_nothing(m, monkeypatch, cmd, after):
    """The heap runs out in the middle of a save (a change's journal record, or the whole
    file of AT&F), or the flash fails as the record is written: the answer is 34824, the
    value in use and the files in the flash are the old ones."""
    import json

    from modem import store

    assert m.at('AT#APNUN="old"') == OK
    folder = m.modem.params.folder

    def files():
        return dict((n, open(os.path.join(folder, n), "rb").read())
                    for n in sorted(os.listdir(folder)))

    saved = files()
    dumps = json.dumps
    calls = []

    def short_of_heap(x):  # well into the writing of the file, the heap runs out
        calls.append(x)
        if len(calls) > after:
            raise MemoryError("no heap for the rest")
        return dumps(x)

    monkeypatch.setattr(json, "dumps", short_of_heap)
    if after == 1000:  # the flash fails before a byte of the record is written
        def broken(path, mode="r"):
            raise OSError(5, "the flash failed")

        monkeypatch.setitem(store.Store.append.__globals__, "open", broken)
    assert m.at(cmd, b"34824\r\n") == cme(34824)  # the (flash) write failed
    monkeypatch.undo()
    assert len(calls) > min(after, 1)
    assert m.at("AT#APNUN?") == b'\r\n#APNUN: "old"\r\n' + OK
    assert files() == saved


# ---- no stranger gets in ----

FILE = bytes(range(256)) * 40


def ftp_config(m, port, mode=0):
    for cmd in ('AT#FTPSERV="127.0.0.1"', "AT#FTPPORT=%d" % port, "AT#FTPMODE=%d" % mode,
                'AT#FTPGETFILENAME="f"', 'AT#FTPPUTFILENAME="f"'):
        assert m.at(cmd) == OK


def test_an_active_data_connection_from_a_stranger_is_closed_and_the_servers_is_taken(m):
    s = Scripted(FILE, cut=len(FILE), after="close", verdict="226 ok", stranger=True)
    try:
        ftp_config(m, s.port)
        assert m.at("AT#FTPGET", BEGIN) == BEGIN
        got = m.read_until(ETX + OK, 10)
        assert got == dle_encode(FILE) + ETX + OK  # the server's file, not the stranger's
        assert s.stolen == b""  # connected, closed at once
        assert m.at("AT#FTPPUT", BEGIN) == BEGIN
        m.write(dle_encode(b"secret reading") + ETX)
        assert m.read_until(OK, 10) == OK
        assert s.stored == b"secret reading" and s.stolen == b""
    finally:
        s.stop()


def test_the_active_data_port_is_not_to_be_guessed(m):
    s = Scripted(b"x", cut=1, after="close", verdict="226 ok")
    ports = []
    try:
        ftp_config(m, s.port)
        for _ in range(10):
            assert m.at("AT#FTPGET", BEGIN) == BEGIN
            m.read_until(ETX + OK, 10)
            ports.append(s.active[1])
    finally:
        s.stop()
    # not one port, not counting up with the time (random ones are in order once in 10!)
    assert len(set(ports)) > 1 and ports != sorted(ports), ports


@pytest.mark.parametrize("stranger", ["other port", "other address"])
def test_an_sntp_reply_from_anywhere_but_the_server_asked_is_not_taken(monkeypatch, stranger):
    """A stranger who learns the request (its transmit stamp) answers first, a year off;
    only the server asked sets the time."""
    from modem import sntp

    real = ScriptedNtp(behaviour="good")
    evil = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    evil.bind(("127.0.0.2" if stranger == "other address" else "127.0.0.1", 0))
    plain = socket.socket

    class Overheard(plain):
        """The modem's socket, its request overheard by the stranger, who answers first."""

        def sendto(self, data, addr):
            self.bind(("127.0.0.1", 0))  # its port known before the request goes
            reply = bytearray(48)
            reply[0] = 0x24  # LI 0, version 4, mode 4 (server)
            reply[1] = 2
            reply[24:32] = data[40:48]
            secs = int(time.time()) - 365 * 86400 + 2208988800
            reply[40:44] = secs.to_bytes(4, "big")
            evil.sendto(bytes(reply), self.getsockname())
            time.sleep(0.05)  # there before the server's answer
            return plain.sendto(self, data, addr)

    def readable(sock, ms):
        return bool(select.select([sock], [], [], ms / 1000)[0])

    monkeypatch.setattr(sntp.socket, "socket", Overheard)
    try:
        bare = types.SimpleNamespace(board=None)  # a dotted address: no lookup, no modem
        utc = sntp.request(bare, "127.0.0.1", real.port, 2000, readable)
    finally:
        monkeypatch.undo()
        real.stop()
        evil.close()
    assert utc is not None and abs(utc - time.time()) < 5


# ---- never stuck, never a reboot loop ----

def store_file(body):
    """A params.gpx with a good header (checksum and size) around body."""
    from binascii import crc32

    return b"GPX1 %08x %d\n" % (crc32(body) & 0xFFFFFFFF, len(body)) + body


BAD_FILES = {
    "64 KB of junk": lambda p: p.write_bytes(os.urandom(64 * 1024)),
    "10 MB of junk": lambda p: p.write_bytes(b"\0" * (10 * 1024 * 1024)),
    "a 30 KB value": lambda p: p.write_bytes(store_file(
        b'{"APNUN": "' + b"x" * 30000 + b'"}')),
    "deep nesting": lambda p: p.write_bytes(store_file(b"[" * 7000 + b"]" * 7000)),
    "a folder": lambda p: (p.mkdir(), (p / "inside").write_bytes(b"x")),
    "a FIFO": lambda p: os.mkfifo(p),
}


@pytest.mark.parametrize("bad", list(BAD_FILES))
def test_a_params_file_that_cannot_be_loaded_is_set_aside_and_the_modem_starts(runtime,
                                                                              tmp_path, bad):
    from conftest import Line, start

    flash = tmp_path / "flash"
    flash.mkdir()
    BAD_FILES[bad](flash / "params.gpx")
    s = start(runtime, flash, heap="64K", rom=runtime == "micropython")  # a board's heap
    line = Line(s.name)
    try:
        line.cmd("ATE0")
        assert line.cmd("AT#APNUN?") == b'\r\n#APNUN: ""\r\n' + OK  # the default
        assert line.cmd('AT#APNUN="kept"') == OK  # and a set is saved again
    finally:
        line.close()
        s.stop()
    assert (flash / "params.gpx.bad").exists()
    assert (flash / "params.gpx").is_file()
    s = start(runtime, flash)
    line = Line(s.name)
    try:
        assert line.cmd("AT#APNUN?").endswith(b'#APNUN: "kept"\r\n' + OK)
    finally:
        line.close()
        s.stop()


def test_a_greeting_trickled_byte_by_byte_still_times_out(m):
    m.modem.reply_ms = 600
    s = Scripted(trickle=0.15)  # each byte well within the time, the whole reply not
    try:
        ftp_config(m, s.port, 1)
        # (had the modem waited for the whole greeting, the empty file would come: OK)
        assert m.at("AT#FTPGET", b"\r\n", 15) + m.read_until(b"\r\n") == cme(38016)
    finally:
        s.stop()


def test_a_data_connection_that_stops_mid_file_times_out(m):
    m.modem.reply_ms = 1000
    s = Scripted(FILE, cut=5000, after="stall")
    try:
        ftp_config(m, s.port, 1)
        assert m.at("AT#FTPGET", BEGIN) == BEGIN
        got = m.read_until(cme(35862), 10)  # no activity on the network connection
        assert got.endswith(ETX + cme(35862))
        assert m.at("AT") == OK
    finally:
        s.stop()


def test_the_hosts_etx_during_a_get_stops_it(m):
    s = Scripted(b"\0" * (1 << 20), cut=1 << 20, after="stall")  # more than the line takes
    try:
        ftp_config(m, s.port, 1)
        assert m.at("AT#FTPGET", BEGIN) == BEGIN
        m.read_some(1)
        m.write(ETX + b"AT\r")
        got = m.read_until(cme(38016) + OK, 10)
        assert got.endswith(ETX + cme(38016) + OK)  # the lone ETX, the code, then the AT
        assert got[:-len(ETX + cme(38016) + OK)].strip(b"\0") == b""
    finally:
        s.stop()


@pytest.mark.parametrize("reply", ["227 Entering Passive Mode (127,0,0,1,300,1).",
                                   "227 Entering Passive Mode (127,0,0,1,255,256).",
                                   "229 Entering Extended Passive Mode (|||70000|)",
                                   "229 Entering Extended Passive Mode (|||0|)"])
def test_a_passive_reply_with_no_port_in_it_is_38016(m, reply):
    s = Scripted(pasv=reply.startswith("227"), pasv_reply=reply)
    try:
        ftp_config(m, s.port, 1)
        assert m.at("AT#FTPGET", b"\r\n", 10) + m.read_until(b"\r\n") == cme(38016)
    finally:
        s.stop()


@pytest.mark.parametrize("reply", [
    "227 Entering Passive Mode (127,0,0,1,300,1).",
    "229 Entering Extended Passive Mode (|||1180591620717411303424|)"])
def test_a_passive_reply_with_no_port_in_it_is_38016_under_either_runtime(modem, reply):
    sim, line = modem
    s = Scripted(pasv=reply.startswith("227"), pasv_reply=reply)
    try:
        line.cmd("ATE0")
        line.cmd("AT+CGATT=1")
        line.cmd("AT#CONNECTIONSTART", b"Ok_Info_GprsActivation\r\n")
        for cmd in ('AT#FTPSERV="127.0.0.1"', "AT#FTPPORT=%d" % s.port, "AT#FTPMODE=1"):
            line.cmd(cmd)
        assert line.cmd("AT#FTPGET", b"\r\n") + line.read_until(b"\r\n") == cme(38016)
    finally:
        s.stop()


# ---- smaller ----

def test_a_utc_offset_of_minus_zero_hours_keeps_its_sign(m, tmp_path):
    from servers import Chrony

    assert m.at("AT+EGNTPUTC=-0,30") == OK
    assert m.at("AT+EGNTPUTC?") == b"\r\n+EGNTPUTC: -0,30\r\n" + OK
    c = Chrony()
    try:
        assert m.at("AT+EGNTPPORT=%d" % c.port) == OK
        assert m.at('AT+EGNTP=2,"127.0.0.1",10') == OK
    finally:
        c.stop()
    assert abs(m.modem.clock.now() - (time.time() - 30 * 60)) <= 2
    assert m.modem.clock.zone == -2  # the zone in quarter hours
    from kit import Rig

    r = Rig(m.modem.params.folder)  # saved with its sign
    try:
        assert r.send("AT+EGNTPUTC?") == b"\r\n+EGNTPUTC: -0,30\r\n" + OK
    finally:
        r.port = None


def test_a_link_lost_in_a_session_is_reported_to_cgreg_once_it_has_ended(m):
    m.modem.quiet_ms = 300
    peer = TcpPeer(echo)
    try:
        assert m.at("AT+CGREG=1") == OK
        assert m.at('AT#TCPSERV=1,"127.0.0.1"') == OK
        assert m.at("AT#TCPPORT=1,%d" % peer.port) == OK
        assert m.at("AT#OTCP=1", WAITING) == WAITING
        m.modem.link.backend.fault = "down"
        got = m.read_until(b"+CGREG: 0\r\n", 10)
        assert got == ETX + cme(35841) + b"\r\n+CGREG: 0\r\n"
    finally:
        m.modem.link.backend.fault = ""
        peer.stop()
