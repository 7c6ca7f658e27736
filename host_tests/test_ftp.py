"""FTP client through the in-process modem on a real pty, against pyftpdlib and a scripted
server on loopback; end to end under the MicroPython runtime with 16 MiB each way."""
import hashlib
import os
import socket
import threading
import time

import pytest

from conftest import CODE_HEAP
from ftpserver import PASSWORD, USER, Pyftpd, Scripted
from servers import BAD_NAME, dle_decode_at, dle_encode, free_port

OK = b"\r\nOK\r\n"
BEGIN = b"\r\nOk_Info_DataBegin\r\n"
DLE, ETX = b"\x10", b"\x03"
SPEC_LOCAL = b"0123456" + DLE + DLE + b"654321" + DLE + ETX + b"123456" + ETX  # 7.4.7
SPEC_REMOTE = b"0123456" + DLE + b"654321" + ETX + b"123456"
MIB = 1024 * 1024


def cme(code):
    return b"\r\n#CME ERROR: %d\r\n" % code


@pytest.fixture
def root(tmp_path):
    r = tmp_path / "root"
    (r / "sub").mkdir(parents=True)
    return r


@pytest.fixture
def srv(root):
    s = Pyftpd(root)
    yield s
    s.stop()


def configure(m, port, mode=1, ftype="I", host="127.0.0.1", user=USER, pw=PASSWORD,
              path=".", name="f.bin"):
    for cmd in ('AT#FTPSERV="%s"' % host, "AT#FTPPORT=%d" % port, 'AT#FTPUN="%s"' % user,
                'AT#FTPPW="%s"' % pw, "AT#FTPMODE=%d" % mode, "AT#FTPTYPE=%s" % ftype,
                'AT#FTPGETPATH="%s"' % path, 'AT#FTPGETFILENAME="%s"' % name,
                'AT#FTPPUTPATH="%s"' % path, 'AT#FTPPUTFILENAME="%s"' % name):
        assert m.at(cmd) == OK, cmd


def get(m, timeout=30):
    """AT#FTPGET: (what came between Ok_Info_DataBegin and the lone ETX, decoded; the raw
    bytes; what followed the ETX up to the final result)."""
    assert m.at("AT#FTPGET", BEGIN, timeout) == BEGIN
    raw = m.buf
    m.buf = b""
    body = b""
    tail = raw
    t = time.time() + timeout
    while True:
        got, done, used = dle_decode_at(tail)
        body += got
        tail = tail[used:]
        if done:
            break
        assert time.time() < t, "no ETX after %d bytes" % len(body)
        more = m.read_some(1)
        raw += more
        tail += more
    m.buf = tail
    used = len(raw) - len(tail)
    return body, raw[:used], m.read_until(b"\r\n", timeout) + m.read_until(b"\r\n", timeout)


def put(m, data, timeout=30, then=b""):
    assert m.at("AT#FTPPUT", BEGIN, timeout) == BEGIN
    m.write(dle_encode(data) + ETX + then)
    return m.read_until(b"\r\n", timeout) + m.read_until(b"\r\n", timeout)


def data_ok(m, srv, root, mode=1):
    """The modem still works: an AT command, then a small transfer each way."""
    assert m.at("AT") == OK
    configure(m, srv.port, mode=mode, name="check.bin")
    assert put(m, b"check\x03\x10") == OK
    assert (root / "check.bin").read_bytes() == b"check\x03\x10"
    assert get(m)[0::2] == (b"check\x03\x10", OK)


PAYLOADS = {
    "empty": b"",
    "one": b"x",
    "etx": ETX,
    "dle": DLE,
    "edges": ETX + DLE + b"middle" + DLE + ETX,
    "everywhere": (DLE + ETX + b"a" + ETX + ETX + DLE + DLE) * 300,
    "all_bytes": bytes(range(256)) * 64,
}


@pytest.mark.parametrize("mode", [1, 0], ids=["passive", "active"])
@pytest.mark.parametrize("what", sorted(PAYLOADS))
def test_get_and_put_round_trip_every_byte_exactly(m, srv, root, mode, what):
    data = PAYLOADS[what]
    configure(m, srv.port, mode=mode)
    assert put(m, data) == OK
    assert (root / "f.bin").read_bytes() == data
    body, raw, final = get(m)
    assert (body, final) == (data, OK)
    assert raw == dle_encode(data) + ETX


@pytest.mark.parametrize("mode", [1, 0], ids=["passive", "active"])
def test_one_mib_of_random_bytes_each_way(m, srv, root, mode):
    data = os.urandom(MIB)
    configure(m, srv.port, mode=mode)
    t0 = time.time()
    assert put(m, data, 60) == OK
    t1 = time.time()
    assert hashlib.sha256((root / "f.bin").read_bytes()).digest() == hashlib.sha256(data).digest()
    body, _, final = get(m, 60)
    t2 = time.time()
    assert (body == data, final) == (True, OK)
    print("1 MiB %s: put %.2f s, get %.2f s" % (("active", "passive")[mode], t1 - t0, t2 - t1))


def test_spec_7_4_7_vectors_both_ways(m, srv, root):
    configure(m, srv.port)
    m.write(b"AT#FTPPUT\r")
    assert m.read_until(BEGIN) == BEGIN
    m.write(SPEC_LOCAL)
    assert m.read_until(OK) == OK
    assert (root / "f.bin").read_bytes() == SPEC_REMOTE
    assert m.at("AT#FTPGET", OK) == BEGIN + SPEC_LOCAL + OK


def test_put_data_sent_with_the_command_and_a_command_after_the_etx(m, srv, root):
    configure(m, srv.port)
    m.write(b"AT#FTPPUT\r" + SPEC_LOCAL + b"AT#VSTATE\r")
    assert m.read_until(b'"CONNECTED"\r\n\r\nOK\r\n') == (
        BEGIN + b'\r\nOK\r\n\r\n#STATE: "CONNECTED"\r\n\r\nOK\r\n')
    assert (root / "f.bin").read_bytes() == SPEC_REMOTE


def test_a_command_typed_during_a_get_runs_after_it(m, srv, root):
    (root / "f.bin").write_bytes(b"z" * 100000)
    configure(m, srv.port)
    m.write(b"AT#FTPGET\rAT#VSTATE\r")
    out = m.read_until(b'"CONNECTED"\r\n\r\nOK\r\n')
    assert out == BEGIN + b"z" * 100000 + ETX + OK + b'\r\n#STATE: "CONNECTED"\r\n\r\nOK\r\n'


def test_fttput_is_ftpput(m, srv, root):
    configure(m, srv.port)
    assert m.at("AT#FTTPUT", BEGIN) == BEGIN
    m.write(b"alias" + ETX)
    assert m.read_until(OK) == OK
    assert (root / "f.bin").read_bytes() == b"alias"


def test_path_is_changed_to(m, srv, root):
    configure(m, srv.port, path="sub", name="in_sub.txt")
    assert put(m, b"below") == OK
    assert (root / "sub" / "in_sub.txt").read_bytes() == b"below"
    configure(m, srv.port, path="/sub", name="in_sub.txt")
    assert get(m)[0::2] == (b"below", OK)


def test_ascii_get_of_a_text_file_comes_in_network_form(m, srv, root):
    (root / "t.txt").write_bytes(b"line one\nline two\n")
    configure(m, srv.port, ftype="A", name="t.txt")
    assert get(m)[0::2] == (b"line one\r\nline two\r\n", OK)


@pytest.mark.parametrize("mode", [1, 0], ids=["passive", "active"])
def test_ascii_put_sends_every_byte_7_bits_wide(m, srv, root, mode):
    data = bytes(range(256)) * 4
    configure(m, srv.port, mode=mode, ftype="A")
    assert put(m, data) == OK
    seven = bytes(b & 0x7F for b in data)
    assert (root / "f.bin").read_bytes() == seven.replace(b"\r\n", b"\n")  # server's ASCII
    configure(m, srv.port, mode=mode, ftype="I")
    assert put(m, data) == OK  # binary again: untouched
    assert (root / "f.bin").read_bytes() == data


def test_wrong_password_is_38016_and_then_all_is_well(m, srv, root):
    configure(m, srv.port, pw="wrong")
    assert m.at("AT#FTPGET", b"38016\r\n") == cme(38016)
    assert m.at("AT#FTPPUT", b"38016\r\n") == cme(38016)
    data_ok(m, srv, root)


def test_missing_file_is_38016(m, srv, root):
    configure(m, srv.port, name="nothere.bin")
    assert m.at("AT#FTPGET", b"38016\r\n") == cme(38016)
    data_ok(m, srv, root, mode=0)


def test_missing_directory_is_38022_both_ways(m, srv, root):
    configure(m, srv.port, path="/no/such/dir")
    assert m.at("AT#FTPGET", b"38022\r\n") == cme(38022)
    assert m.at("AT#FTPPUT", b"38022\r\n") == cme(38022)
    data_ok(m, srv, root)


def test_put_refused_is_38016(m, srv, root):
    configure(m, srv.port, name="sub")  # a directory: STOR refused
    assert m.at("AT#FTPPUT", b"38016\r\n") == cme(38016)
    data_ok(m, srv, root)


def test_name_not_resolved_is_38027(m, srv, root):
    configure(m, srv.port, host=BAD_NAME)
    assert m.at("AT#FTPGET", b"38027\r\n") == cme(38027)
    assert m.at("AT#FTPPUT", b"38027\r\n") == cme(38027)
    data_ok(m, srv, root)


def test_no_server_listening_is_38016(m, srv, root):
    port = free_port()
    configure(m, port)
    assert m.at("AT#FTPGET", b"38016\r\n") == cme(38016)
    data_ok(m, srv, root)


def test_no_link_is_35867_and_not_an_action_is_error(m, srv, root):
    assert m.at("AT#FTPGET=1", b"ERROR\r\n") == b"\r\nERROR\r\n"
    assert m.at("AT#FTPGET?", b"ERROR\r\n") == b"\r\nERROR\r\n"
    m.at("AT#CONNECTIONSTOP")
    configure(m, srv.port)
    assert m.at("AT#FTPGET", b"35867\r\n") == cme(35867)
    assert m.at("AT#FTPPUT", b"35867\r\n") == cme(35867)
    m.up()
    data_ok(m, srv, root)


def test_a_waiting_listener_makes_it_37122(m, srv, root):
    m.at('AT#TCPSERV=1,""')
    m.at("AT#TCPPORT=1,%d" % free_port())
    assert m.at("AT#LTCPSTART=1") == OK
    configure(m, srv.port)
    assert m.at("AT#FTPGET", b"37122\r\n") == cme(37122)
    m.at("AT#LTCPSTOP=1")
    data_ok(m, srv, root)


def test_multi_line_greeting_is_read_to_its_end(m, tmp_path):
    s = Pyftpd(tmp_path, banner="x" * 100)  # pyftpdlib sends a long banner as 220-...
    try:
        (tmp_path / "f.bin").write_bytes(b"hello")
        configure(m, s.port)
        assert get(m)[0::2] == (b"hello", OK)
    finally:
        s.stop()


@pytest.mark.parametrize("after", ["reset", "close"])
def test_data_connection_dropped_mid_file_gives_etx_then_38016(m, srv, root, after):
    data = bytes(range(256)) * 200
    s = Scripted(data, cut=10000, after=after)
    try:
        configure(m, s.port)
        body, raw, final = get(m)
        assert data.startswith(body) and len(body) <= 10000
        assert final == cme(38016)
    finally:
        s.stop()
    data_ok(m, srv, root)


def test_no_226_after_the_data_is_38016(m, srv, root):
    s = Scripted(b"abc", cut=3, after="close", verdict=None)
    try:
        configure(m, s.port)
        assert get(m)[0::2] == (b"abc", cme(38016))
        assert put(m, b"up") == cme(38016)
        assert s.stored == b"up"
    finally:
        s.stop()
    data_ok(m, srv, root)


# ---- anonymous login ----

def test_an_empty_ftpun_logs_in_as_anonymous(m, tmp_path):
    s = Pyftpd(tmp_path, anonymous=True)  # no named user at all
    try:
        configure(m, s.port, user="", pw="")
        assert put(m, b"anonymous upload") == OK
        assert (tmp_path / "f.bin").read_bytes() == b"anonymous upload"
        assert get(m)[0::2] == (b"anonymous upload", OK)
    finally:
        s.stop()


@pytest.mark.parametrize("user,pw,sent", [
    ("", "", ["USER anonymous", "PASS anonymous@"]),
    ("", "plc@plant.example", ["USER anonymous", "PASS plc@plant.example"]),
    (USER, PASSWORD, ["USER " + USER, "PASS " + PASSWORD]),
], ids=["anonymous", "anonymous_with_ftppw", "named"])
def test_the_login_sent_for_ftpun_and_ftppw(m, user, pw, sent):
    s = Scripted(verdict="226 stored")
    try:
        configure(m, s.port, user=user, pw=pw)
        assert put(m, b"x") == OK
        assert s.commands[:2] == sent
    finally:
        s.stop()


# ---- an upload that fails mid-file ----

# File data that would do harm if it were read as commands: echo on, factory defaults.
HARMFUL = b"\rATE1\rAT&F\rAT#FTPSERV=\"elsewhere\"\r" + bytes(range(256))


def upload_until_refused(m, chunk, limit=5000):
    """As a host streaming a file: chunk after chunk until the modem's lone ETX says the
    upload failed; returns what the modem sent (the ETX: the result comes once the host
    has ended its file, with its own ETX or by falling silent)."""
    for _ in range(limit):
        m.write(chunk)
        m.buf += m.read_some(0)
        if ETX in m.buf:
            break
    return m.read_until(ETX)


@pytest.mark.parametrize("after", ["reset", "close"])
def test_the_rest_of_an_upload_cut_mid_file_is_drained_to_its_etx_not_run(m, srv, root, after):
    s = Scripted(take=5000, after=after)  # reads 5000 bytes of the file, then hangs up
    try:
        configure(m, s.port)
        assert m.at("AT#FTPPUT", BEGIN) == BEGIN
        assert upload_until_refused(m, dle_encode(HARMFUL)) == ETX
        # the rest of the file, its ETX, then AT, written while the answer is read (were
        # the file read as commands, the echo of it would fill the line)
        rest = dle_encode(HARMFUL * 1000) + ETX + b"AT\r"
        w = threading.Thread(target=m.write, args=(rest,), daemon=True)
        w.start()
        assert m.read_until(OK, 30) == cme(38016) + OK  # no echo, no ERROR: no command
        w.join(10)
        assert len(s.stored) == 5000
        assert m.at("AT#FTPSERV?") == b'\r\n#FTPSERV: "127.0.0.1"\r\n' + OK
        assert m.quiet(0.3) == b""
    finally:
        s.stop()
    data_ok(m, srv, root)


def test_the_drain_carries_on_the_uploads_pending_dle(tmp_path):
    from kit import SessionPort
    from modem import dle, pump as P

    port = SessionPort()
    try:
        p = P.Pump(port)
        p.state[dle.ST_DLE] = 1  # the upload's last read ended with a DLE
        port.rx += ETX + b"\rATE1\r" + DLE + DLE + DLE + ETX + ETX + b"AT\r"
        assert bytes(p.drain(None, 1000)) == b"AT\r"
        assert port.take() == b""  # nothing echoed, nothing answered
    finally:
        port.close()


def test_no_drain_when_the_upload_failed_after_the_hosts_etx_was_read(tmp_path):
    from kit import SessionPort
    from modem import pump as P
    from modem.compat import Stream

    port = SessionPort()
    try:
        p = P.Pump(port)
        a, b = socket.socketpair()
        port.rx += b"x\x03AT\r"
        b.close()  # the data connection is gone: the upload fails on its last bytes
        why = p.run(Stream(a), 1, P.UP)
        port.rx += b"AT#VSTATE\r"  # typed later: not the upload's, not to be dropped
        assert why in (P.HOST_ETX, P.ERROR)
        assert bytes(p.drain(None, 1000)) == b"AT\r"
        assert bytes(port.rx) == b"AT#VSTATE\r"
        a.close()
    finally:
        port.close()


def test_a_host_that_stops_without_its_etx_is_heard_again_after_a_silence(m):
    m.modem.quiet_ms = 500
    s = Scripted(take=5000, after="reset")
    try:
        configure(m, s.port)
        assert m.at("AT#FTPPUT", BEGIN) == BEGIN
        assert upload_until_refused(m, b"y" * 1000) == ETX
        m.write(b"y" * 1000 + b"\rATE1\r")  # still the file: dropped
        assert m.read_until(cme(38016), 10) == cme(38016)  # once the host is silent
        assert m.at("AT") == OK  # no echo: ATE1 was not run
    finally:
        s.stop()


# ---- DTR: the host hangs up ----

class Lines:
    """Modem.lines as uart.Lines gives it (the real one runs in device_tests/test_boards.py):
    carrier() calls recorded, dropped() as the test sets it."""

    def __init__(self):
        self.dcd = []
        self.drop = False

    def carrier(self, on):
        self.dcd.append(on)

    def dropped(self):
        return self.drop


def test_dtr_dropped_during_an_upload_ends_the_file_as_its_etx_would(m, srv, root):
    lines = m.modem.lines = Lines()
    configure(m, srv.port)
    assert m.at("AT#FTPPUT", BEGIN) == BEGIN
    m.write(b"before the hang-up")
    time.sleep(0.3)
    lines.drop = True
    assert m.read_until(OK) == OK  # the file as far as it came: stored, 226
    lines.drop = False
    assert (root / "f.bin").read_bytes() == b"before the hang-up"
    assert m.at("AT") == OK  # the session is over: DCD was dropped after its result
    assert lines.dcd == [1, 0]


def test_dtr_dropped_during_a_get_cuts_it_with_etx_then_38016(m, srv, root):
    (root / "big.bin").write_bytes(b"\0" * (64 * MIB))
    lines = m.modem.lines = Lines()
    configure(m, srv.port, name="big.bin")
    assert m.at("AT#FTPGET", BEGIN) == BEGIN
    m.read_some(1)
    lines.drop = True
    out = b""
    t = time.time() + 10
    while not out.endswith(cme(38016)):
        assert time.time() < t
        out += m.read_some(1)
    lines.drop = False
    assert out.endswith(ETX + cme(38016))
    m.quiet(0.3)
    assert m.at("AT") == OK
    assert lines.dcd == [1, 0]
    data_ok(m, srv, root)


def test_multi_line_login_and_a_good_scripted_put(m):
    s = Scripted(verdict="226 stored")
    try:
        configure(m, s.port)
        assert put(m, SPEC_REMOTE) == OK
        assert s.stored == SPEC_REMOTE
    finally:
        s.stop()


def test_epsv_when_pasv_is_refused(m):
    s = Scripted(b"extended", cut=8, after="close", verdict="226 done", pasv=False)
    try:
        configure(m, s.port)
        assert get(m)[0::2] == (b"extended", OK)
    finally:
        s.stop()


def test_a_silent_server_times_out_with_38016(m, srv, root):
    m.modem.reply_ms = 700
    s = Scripted(greet=False)
    try:
        configure(m, s.port)
        t0 = time.time()
        assert m.at("AT#FTPGET", b"38016\r\n") == cme(38016)
        assert 0.5 < time.time() - t0 < 5
    finally:
        s.stop()
    data_ok(m, srv, root)


def test_link_lost_during_a_get_is_etx_then_35841(m, srv, root):
    (root / "big.bin").write_bytes(b"\0" * (64 * MIB))
    configure(m, srv.port, name="big.bin")
    assert m.at("AT#FTPGET", BEGIN) == BEGIN
    m.modem.link.backend.fault = "down"
    out = b""
    t = time.time() + 10
    while not out.endswith(cme(35841)):
        assert time.time() < t
        out += m.read_some(1)
    assert out.endswith(ETX + cme(35841))
    m.modem.link.backend.fault = ""
    m.quiet(0.3)
    m.up()
    data_ok(m, srv, root)


# ---- end to end under the MicroPython runtime ----

SIZE = 16 * MIB


def mp_modem(tmp_path, heap):
    from conftest import online

    return online("micropython", tmp_path / "flash", heap)


@pytest.mark.parametrize("mode", [1, 0], ids=["passive", "active"])
def test_e2e_16_mib_each_way_under_micropython(tmp_path, root, srv, mode):
    payload = bytes(range(256)) * (SIZE // 256)
    digest = hashlib.sha256(payload).hexdigest()
    s, line = mp_modem(tmp_path, CODE_HEAP)  # code in the heap (make deploy), as on a board
    try:
        for cmd in ('AT#FTPSERV="127.0.0.1"', "AT#FTPPORT=%d" % srv.port,
                    'AT#FTPUN="%s"' % USER, 'AT#FTPPW="%s"' % PASSWORD, "AT#FTPMODE=%d" % mode,
                    'AT#FTPPUTFILENAME="big.bin"', 'AT#FTPGETFILENAME="big.bin"'):
            line.cmd(cmd)
        t0 = time.time()
        assert line.cmd("AT#FTPPUT", until=BEGIN).endswith(BEGIN)
        enc = dle_encode(payload)
        for i in range(0, len(enc), MIB):
            line.s.write(enc[i:i + MIB])
        line.s.write(ETX)
        assert line.read_until(OK, timeout=120).endswith(OK)
        t1 = time.time()
        assert hashlib.sha256((root / "big.bin").read_bytes()).hexdigest() == digest
        assert line.cmd("AT#FTPGET", until=BEGIN).endswith(BEGIN)
        h = hashlib.sha256()
        n = 0
        tail = b""
        line.s.timeout = 10
        while True:
            got = line.s.read(max(1, line.s.in_waiting))
            assert got, "stalled after %d bytes" % n
            body, done, used = dle_decode_at(tail + got)
            h.update(body)
            n += len(body)
            tail = (tail + got)[used:]
            if done:
                break
        t2 = time.time()
        assert (h.hexdigest(), n) == (digest, SIZE)
        tail = line.rest(tail, OK)
        assert tail == OK
        assert line.cmd("AT") == OK
        print("16 MiB %s: put %.1f MB/s, get %.1f MB/s" % (
            ("active", "passive")[mode], SIZE / 1e6 / (t1 - t0), SIZE / 1e6 / (t2 - t1)))
    finally:
        line.close()
        s.stop()
    assert not [x for x in s.lines if "internal error" in x], s.lines
