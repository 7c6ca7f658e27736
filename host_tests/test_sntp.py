"""AT+EGNTP against a real NTP server (chrony) and a scripted one; AT+CCLK."""
import calendar
import time
import types

import pytest

from kit import Rig
from modem import clock, sntp
from servers import BAD_NAME, Chrony, ScriptedNtp

OK = b"\r\nOK\r\n"


@pytest.fixture(scope="module")
def chrony():
    c = Chrony()
    yield c
    c.stop()


@pytest.fixture
def rig():
    r = Rig()
    r.send("AT+CGATT=1")
    r.modem.link.tick(r.modem.say)
    assert r.send("AT#CONNECTIONSTART").endswith(b"Ok_Info_GprsActivation\r\n")
    r.port.take()
    yield r
    r.close()


def shown_seconds(line):
    """Seconds since 1970 of a yy/MM/dd,hh:mm:ss display."""
    return clock.parse(line + "+00")[0]


def expect(minutes):
    return int(time.time()) + minutes * 60


def test_egntp_2_sets_the_clock_from_chrony_with_the_utc_offset_and_displays_it(rig, chrony):
    assert rig.send("AT+EGNTPPORT=%d" % chrony.port) == OK
    assert rig.send("AT+EGNTPUTC=9,30") == OK
    got = rig.lines('AT+EGNTP=2,"127.0.0.1",10,1')
    assert got[1] == "OK"
    assert abs(shown_seconds(got[0]) - expect(9 * 60 + 30)) <= 1
    assert abs(rig.modem.clock.now() - expect(570)) <= 1
    cclk = rig.lines("AT+CCLK?")[0]
    assert cclk.startswith('+CCLK: "') and cclk.endswith('+38"')
    assert abs(shown_seconds(cclk[8:25]) - expect(570)) <= 1


def test_a_negative_offset_counts_its_minutes_backwards(rig, chrony):
    rig.send("AT+EGNTPPORT=%d" % chrony.port)
    rig.send("AT+EGNTPUTC=-3,30")
    assert rig.send('AT+EGNTP=2,"127.0.0.1",10') == OK
    assert abs(rig.modem.clock.now() - expect(-210)) <= 1
    assert rig.lines("AT+CCLK?")[0].endswith('-14"')


def test_egntp_1_tries_the_default_servers_in_order_past_a_kiss_of_death(rig):
    kod = ScriptedNtp("127.0.0.2", behaviour="kod")
    good = ScriptedNtp("127.0.0.3", kod.port, offset=3600)
    try:
        rig.modem.board.SNTP_SERVERS = (BAD_NAME, "127.0.0.2", "127.0.0.3")
        rig.send("AT+EGNTPPORT=%d" % kod.port)
        got = rig.lines("AT+EGNTP=1,1")
        assert got[1] == "OK"
        assert abs(shown_seconds(got[0]) - expect(60)) <= 1
        assert kod.requests == 1 and good.requests == 1
    finally:
        kod.stop()
        good.stop()


@pytest.mark.parametrize("behaviour", ["kod", "leap3", "mode3"])
def test_a_reply_not_to_trust_answers_error_and_leaves_the_clock(rig, behaviour):
    srv = ScriptedNtp(behaviour=behaviour, offset=7200)
    try:
        rig.send("AT+EGNTPPORT=%d" % srv.port)
        rig.send("AT+CCLK?")  # the clock exists from its first use
        before = rig.modem.clock.now()
        t0 = time.time()
        assert rig.send('AT+EGNTP=2,"127.0.0.1",10,1') == b"\r\nERROR\r\n"
        assert time.time() - t0 < 5  # answered at once, not after the timeout
        assert abs(rig.modem.clock.now() - before) <= 1
    finally:
        srv.stop()


@pytest.mark.parametrize("behaviour", ["silent", "wrong_origin"])
def test_request_waits_out_its_timeout_for_a_silent_or_foreign_reply(behaviour):
    srv = ScriptedNtp(behaviour=behaviour)
    waits = []

    def wait(sock, ms):
        import select
        waits.append(ms)
        return bool(select.select([sock], [], [], ms / 1000)[0])

    try:
        t0 = time.time()
        bare = types.SimpleNamespace(board=None)  # a dotted address: no lookup, no modem
        assert sntp.request(bare, "127.0.0.1", srv.port, 300, wait) is None
        assert 0.25 <= time.time() - t0 < 10  # its timeout waited out, not more
        assert srv.requests == 1
    finally:
        srv.stop()


def test_a_silent_server_answers_error_after_the_timeout(rig):
    rig.modem.sntp_ms = 50  # the host's seconds, 50 ms each here: 10 s is half a second
    srv = ScriptedNtp(behaviour="silent")
    try:
        rig.send("AT+EGNTPPORT=%d" % srv.port)
        t0 = time.time()
        assert rig.send('AT+EGNTP=2,"127.0.0.1",10') == b"\r\nERROR\r\n"
        assert time.time() - t0 >= 0.45  # its timeout waited out (less a tick: ms clocks)
    finally:
        srv.stop()


def test_the_host_can_halt_a_request_that_is_waiting(rig):
    srv = ScriptedNtp(behaviour="silent")
    try:
        rig.send("AT+EGNTPPORT=%d" % srv.port)
        rig.port.rx += b"AT+EGNTP=0\rAT\r"
        t0 = time.time()
        got = rig.send('AT+EGNTP=2,"127.0.0.1",300')
        assert time.time() - t0 < 20  # not the 300 s
        assert got == b"\r\nERROR\r\n" + OK + OK  # the request, the stop, then the AT
    finally:
        srv.stop()


def test_egntp_0_with_nothing_running_answers_ok(rig):
    assert rig.send("AT+EGNTP=0") == OK
    assert rig.send("AT+EGNTPT=0") == OK


def test_a_name_that_does_not_resolve_answers_38027(rig):
    assert rig.send('AT+EGNTP=2,"%s",10' % BAD_NAME) == b"\r\n#CME ERROR: 38027\r\n"
    rig.modem.board.SNTP_SERVERS = (BAD_NAME,)
    assert rig.send("AT+EGNTP=1") == b"\r\n#CME ERROR: 38027\r\n"


def test_bad_arguments_answer_36929(rig):
    for bad in ('2,"127.0.0.1",9', '2,"127.0.0.1",301', '2,"127.0.0.1"', "3", "1,2",
                '2,"127.0.0.1",x', '2,"",10', "1,1,1"):
        assert rig.send("AT+EGNTP=" + bad) == b"\r\n#CME ERROR: 36929\r\n", bad


def test_no_link_answers_35867():
    r = Rig()
    try:
        assert r.send("AT+EGNTP=1") == b"\r\n#CME ERROR: 35867\r\n"
    finally:
        r.close()


def test_cclk_sets_and_reads_the_clock_with_its_zone(rig):
    assert rig.send('AT+CCLK="07/06/01,12:08:02+08"') == OK
    got = rig.lines("AT+CCLK?")[0]
    assert got[:8] == '+CCLK: "' and got.endswith('+08"')
    t = calendar.timegm((2007, 6, 1, 12, 8, 2))
    assert abs(shown_seconds(got[8:25]) - t) <= 1
    for bad in ('"07/13/01,12:08:02+08"', '"07/02/30,12:00:00"', '"garbage"', "1"):
        assert rig.send("AT+CCLK=" + bad) == b"\r\n#CME ERROR: 36929\r\n", bad


def test_the_host_clock_is_never_the_computers():
    before = time.time()
    c = clock.Clock(None)
    c.set(0, 0)
    assert abs(time.time() - before) < 5
    assert abs(c.now()) <= 1


def test_end_to_end_on_a_pty_under_micropython(chrony, tmp_path):
    from conftest import online

    s, line = online("micropython", tmp_path / "flash")
    try:
        line.cmd("AT+EGNTPPORT=%d" % chrony.port)
        line.cmd("AT+EGNTPUTC=9,30")
        got = line.cmd('AT+EGNTP=2,"127.0.0.1",10,1').decode().split("\r\n")
        assert got[-2] == "OK"
        assert abs(shown_seconds(got[1]) - expect(570)) <= 1
        cclk = line.cmd("AT+CCLK?").decode().split("\r\n")[1]
        assert cclk.endswith('+38"') and abs(shown_seconds(cclk[8:25]) - expect(570)) <= 1
        assert line.cmd('AT+EGNTP=2,"%s",10' % BAD_NAME, until=b"\r\n") is not None
        line.read_until(b"38027\r\n")
    finally:
        line.close()
        s.stop()
    assert not [x for x in s.lines if "internal error" in x], s.lines
