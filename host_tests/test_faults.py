"""Network faults (issue 9): each gets its code (docs/decisions.md section 7), the modem is back
in command mode, every socket it opened is released, and the next AT#OTCP works. The modem
runs in this process on a real pty (ptyrig), so its open sockets are this process's file
descriptors; real peers and servers on 127.0.0.1."""
import gc
import os

import pytest

from ftpserver import Scripted
from servers import BAD_NAME, ScriptedNtp, TcpPeer, echo, resetting, silent_peer, sink

OK = b"\r\nOK\r\n"
WAITING = b"\r\nOk_Info_WaitingForData\r\n"
CLOSED = b"\r\nOk_Info_SocketClosed\r\n\r\nOK\r\n"
BEGIN = b"\r\nOk_Info_DataBegin\r\n"


def cme(code):
    return b"\r\n#CME ERROR: %d\r\n" % code


def fds():
    """What this process has open (each fd's target: a socket's is "socket:[inode]"), after
    a collection: a socket an earlier test left to the collector is closed before, not while
    a test counts (its fd going away was once taken for this test's)."""
    gc.collect()
    out = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            out.add(os.readlink("/proc/self/fd/" + fd))
        except OSError:
            pass  # (the listing's own fd, gone)
    return out


def tcp_to(m, host, port):
    assert m.at('AT#TCPSERV=1,"%s"' % host) == OK
    assert m.at("AT#TCPPORT=1,%d" % port) == OK


def peer_reset(m):
    peer = TcpPeer(resetting(after=b"hello"))
    try:
        tcp_to(m, "127.0.0.1", peer.port)
        assert m.at("AT#OTCP=1", WAITING) == WAITING
        m.write(b"x")
        return m.read_until(cme(38016))
    finally:
        peer.stop()


def peer_never_answers(m):
    m.modem.connect_ms = 700
    with silent_peer() as port:
        tcp_to(m, "127.0.0.1", port)
        m.write(b"AT#OTCP=1\r")
        return m.read_until(cme(38016))


def name_not_resolved(m):
    tcp_to(m, BAD_NAME, 1025)
    return m.at("AT#OTCP=1", cme(38027))


def link_lost(m):
    peer = TcpPeer(echo)
    try:
        tcp_to(m, "127.0.0.1", peer.port)
        assert m.at("AT#OTCP=1", WAITING) == WAITING
        m.modem.link.backend.fault = "down"
        got = m.read_until(cme(35841))
        m.modem.link.backend.fault = ""
        m.quiet(0.3)
        m.up()  # the network is back: the link again
        return got
    finally:
        peer.stop()


def ftp_server_dies(m):
    s = Scripted(bytes(range(256)) * 200, cut=10000, after="reset", verdict=None)
    try:
        for cmd in ('AT#FTPSERV="127.0.0.1"', "AT#FTPPORT=%d" % s.port, "AT#FTPMODE=1",
                    'AT#FTPGETFILENAME="f.bin"'):
            assert m.at(cmd) == OK
        assert m.at("AT#FTPGET", BEGIN) == BEGIN
        return m.read_until(cme(38016), timeout=30)
    finally:
        s.stop()


def ntp_silent(m):
    m.modem.sntp_ms = 50  # 10 s of the host's is half a second here
    srv = ScriptedNtp(behaviour="silent")
    try:
        assert m.at("AT+EGNTPPORT=%d" % srv.port) == OK
        return m.at('AT+EGNTP=2,"127.0.0.1",10', b"ERROR\r\n", timeout=15)
    finally:
        srv.stop()


# fault: (how it is made, how its answer ends)
FAULTS = {
    "peer reset mid-stream": (peer_reset, b"hello\x03" + cme(38016)),
    "peer never answers": (peer_never_answers, cme(38016)),
    "name not resolved": (name_not_resolved, cme(38027)),
    "link lost in a session": (link_lost, b"\x03" + cme(35841)),
    "FTP server dies mid-file": (ftp_server_dies, b"\x03" + cme(38016)),
    "silent NTP server": (ntp_silent, b"\r\nERROR\r\n"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_fault_gets_its_code_then_command_mode_no_socket_left_and_otcp_works(m, fault):
    make, ends = FAULTS[fault]
    before = fds()
    got = make(m)
    assert got.endswith(ends), got[-80:]
    assert m.at("AT") == OK  # command mode
    assert fds() - before == set()  # every socket of the fault released
    peer = TcpPeer(sink)  # (an echo could race the close: the echo unread, a reset)
    try:
        tcp_to(m, "127.0.0.1", peer.port)
        assert m.at("AT#OTCP=1", WAITING) == WAITING
        m.write(b"ping\x03")
        assert m.read_until(CLOSED).endswith(CLOSED)
        assert [n for _, n in peer.wait()] == [4]  # the peer had them, then saw the close
    finally:
        peer.stop()
    assert m.errors == []


def test_every_name_lookup_has_the_boards_hold_around_it(m, monkeypatch):
    """A lookup blocks inside the network stack, where the modem cannot feed a board's
    watchdog: TCP, FTP and SNTP call the board's hold (firmware/boot.py: a timer feeds it)
    before each lookup and the function it returns after, whether the name resolves or not."""
    events = []

    def hold():
        events.append("hold")
        return lambda: events.append("end")

    monkeypatch.setattr(m.modem.board, "hold", hold, raising=False)
    tcp_to(m, BAD_NAME, 1025)
    assert m.at("AT#OTCP=1", cme(38027)).endswith(cme(38027))
    assert events == ["hold", "end"]
    for cmd in ('AT#FTPSERV="%s"' % BAD_NAME, 'AT#FTPGETFILENAME="f.bin"'):
        assert m.at(cmd) == OK
    assert m.at("AT#FTPGET", cme(38027)).endswith(cme(38027))
    assert m.at('AT+EGNTP=2,"%s",10' % BAD_NAME, cme(38027)).endswith(cme(38027))
    assert events == ["hold", "end"] * 3
    peer = TcpPeer(sink)
    try:
        tcp_to(m, "localhost", peer.port)
        assert m.at("AT#OTCP=1", WAITING) == WAITING
        assert events == ["hold", "end"] * 4  # ended before the session began
        m.write(b"\x03")
        assert m.read_until(CLOSED).endswith(CLOSED)
    finally:
        peer.stop()
