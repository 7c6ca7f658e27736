"""TCP sockets through the in-process modem on a real pty, against real peers on loopback."""
import hashlib
import socket
import time

import pytest

from servers import (BAD_NAME, TcpPeer, dle_decode, dle_encode, echo, free_port,
                     read_dle_stream, resetting, silent_peer, sink, source, stamps)

OK = b"\r\nOK\r\n"
WAITING = b"\r\nOk_Info_WaitingForData\r\n"
CLOSED = b"\r\nOk_Info_SocketClosed\r\n\r\nOK\r\n"
ALL_BYTES = bytes(range(256))


def configure(m, peer_port, sid=1, host="127.0.0.1"):
    assert m.at('AT#TCPSERV=%d,"%s"' % (sid, host)) == OK
    assert m.at("AT#TCPPORT=%d,%d" % (sid, peer_port)) == OK


def test_otcp_echo_with_dle_escaping_then_host_etx_closes_and_what_follows_is_a_command(m):
    peer = TcpPeer(echo)
    try:
        configure(m, peer.port)
        assert m.at("AT#OTCP=1", WAITING) == WAITING
        payload = ALL_BYTES * 4
        m.write(dle_encode(payload))
        got = b""
        while len(dle_decode(got)[0]) < len(payload):
            got += m.read_some(5)
        assert dle_decode(got) == (payload, False)
        m.write(b"\x03AT#VSTATE\r")
        assert m.read_until(CLOSED) == CLOSED
        assert m.read_until(b"OK\r\n") == b'\r\n#STATE: "CONNECTED"\r\n\r\nOK\r\n'
        assert peer.wait() == [len(payload)]  # the peer saw the socket close
    finally:
        peer.stop()


def test_peer_close_sends_all_its_bytes_then_a_lone_etx(m):
    data = ALL_BYTES * 100
    peer = TcpPeer(source(data))
    try:
        configure(m, peer.port)
        m.at("AT#OTCP=1", WAITING)
        got = m.read_until(b"\x03" + CLOSED)
        body = got[:-len(CLOSED)]
        assert dle_decode(body) == (data, True)
        assert body == dle_encode(data) + b"\x03"
        assert m.at("AT") == OK
    finally:
        peer.stop()


def test_a_reset_while_connected_gives_etx_then_38016(m):
    peer = TcpPeer(resetting(after=b"hello"))
    try:
        configure(m, peer.port)
        m.at("AT#OTCP=1", WAITING)
        m.write(b"x")
        got = m.read_until(b"#CME ERROR: 38016\r\n")
        assert got == b"hello\x03\r\n#CME ERROR: 38016\r\n"
        assert m.at("AT") == OK
    finally:
        peer.stop()


def test_connect_refused_answers_38016_and_the_next_otcp_works(m):
    configure(m, free_port())
    assert m.at("AT#OTCP=1", b"\r\n") + m.read_until(b"\r\n") == b"\r\n#CME ERROR: 38016\r\n"
    peer = TcpPeer(echo)
    try:
        configure(m, peer.port)
        assert m.at("AT#OTCP=1", WAITING) == WAITING
        m.write(b"\x03")
        assert m.read_until(CLOSED) == CLOSED
    finally:
        peer.stop()


def test_a_peer_that_never_accepts_times_out_with_38016(m):
    m.modem.connect_ms = 700
    with silent_peer() as port:
        configure(m, port)
        t0 = time.time()
        m.write(b"AT#OTCP=1\r")
        assert m.read_until(b"38016\r\n") == b"\r\n#CME ERROR: 38016\r\n"
        assert 0.5 < time.time() - t0 < 5


def test_errors_before_connecting_have_their_codes(m, tmp_path):
    configure(m, 1025, host=BAD_NAME)
    assert m.at("AT#OTCP=1", b"38027\r\n") == b"\r\n#CME ERROR: 38027\r\n"
    assert m.at("AT#OTCP=3", b"36929\r\n") == b"\r\n#CME ERROR: 36929\r\n"
    assert m.at("AT#OTCP=2", b"36929\r\n") == b"\r\n#CME ERROR: 36929\r\n"  # no server set
    # no id: socket 1 (the one-socket dialect), whose server's name does not resolve
    assert m.at("AT#OTCP", b"38027\r\n") == b"\r\n#CME ERROR: 38027\r\n"
    assert m.at("AT#OTCP=?", b"ERROR\r\n") == b"\r\nERROR\r\n"
    m.at("AT#CONNECTIONSTOP")
    assert m.at("AT#OTCP=1", b"35867\r\n") == b"\r\n#CME ERROR: 35867\r\n"
    assert m.at("AT#LTCPSTART=1", b"35867\r\n") == b"\r\n#CME ERROR: 35867\r\n"


def test_link_lost_during_a_session_ends_it_with_etx_and_35841(m):
    peer = TcpPeer(echo)
    try:
        configure(m, peer.port)
        m.at("AT#OTCP=1", WAITING)
        m.modem.link.backend.fault = "down"
        got = m.read_until(b"35841\r\n", timeout=10)
        assert got == b"\x03\r\n#CME ERROR: 35841\r\n"
        assert m.at("AT#VSTATE") == b'\r\n#STATE: "NO SERVICE"\r\n' + OK
        m.modem.link.backend.fault = ""
        m.quiet(0.3)
        m.up()
        assert m.at("AT#OTCP=1", WAITING) == WAITING  # the socket was released
        m.write(b"\x03")
        m.read_until(CLOSED)
    finally:
        peer.stop()


def test_dlemode_0_passes_every_byte_untouched_and_a_peer_close_ends_it(m):
    data = ALL_BYTES * 8
    peer = TcpPeer(echo)
    try:
        configure(m, peer.port)
        m.at("AT#DLEMODE=1,0")
        m.at("AT#OTCP=1", WAITING)
        m.write(data)  # ETX and DLE are data here
        got = b""
        while len(got) < len(data):
            got += m.read_some(5)
        assert got == data
        peer.conns[0].shutdown(socket.SHUT_RDWR)
        assert m.read_until(CLOSED) == CLOSED
    finally:
        peer.stop()


def escape_session(m, guard_s=0.2):
    peer = TcpPeer(echo)
    configure(m, peer.port)
    m.at("AT#DLEMODE=1,0")
    m.modem.pump.guard_ms = int(guard_s * 1000)
    assert m.at("AT#OTCP=1", WAITING) == WAITING
    return peer


def test_dlemode_0_plus_plus_plus_alone_between_silences_closes_the_socket(m):
    peer = escape_session(m)
    try:
        m.write(b"data")
        assert m.read_until(b"data\x03\x10") == b"data\x03\x10"
        time.sleep(0.3)
        m.write(b"+++")
        assert m.read_until(CLOSED, timeout=10) == CLOSED
        assert peer.wait() == [6]  # the peer got the data, never the +++
        assert m.at("AT") == OK
    finally:
        peer.stop()


@pytest.mark.parametrize("sends,guard_s", [
    ([b"x+++"], 0.2),  # not alone
    ([b"+++x"], 0.2),  # bytes follow it at once
    ([b"y", b"+++"], 5),  # no silence before it (a guard no busy machine's pause reaches)
    ([b"++"], 0.2),  # two are data after the guard time
])
def test_dlemode_0_plus_signs_that_are_not_the_escape_are_data(m, sends, guard_s):
    peer = escape_session(m, guard_s)
    try:
        time.sleep(0.3)
        for chunk in sends:
            m.write(chunk)
            time.sleep(0.02)
        want = b"".join(sends)
        assert m.read_until(want, timeout=10).endswith(want)
        assert m.quiet(0.4) == b""  # and the session is still open
        peer.conns[0].shutdown(socket.SHUT_RDWR)
        assert m.read_until(CLOSED) == CLOSED
    finally:
        peer.stop()


def listen(m, sid=1, allowed="127.0.0.1"):
    port = free_port()
    configure(m, port, sid, allowed)
    assert m.at("AT#LTCPSTART=%d" % sid) == OK
    return port


def test_listener_lets_only_the_allowed_peer_in_and_runs_the_data_mode(m):
    port = listen(m)
    refused = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.2", 0))
    refused.settimeout(2)
    assert refused.recv(10) == b""  # closed at once
    refused.close()
    assert m.quiet(0.3) == b""  # and the host never heard of it
    c = socket.create_connection(("127.0.0.1", port))
    try:
        assert m.read_until(WAITING) == WAITING
        c.sendall(b"\x10\x03ab")
        assert m.read_until(b"ab") == b"\x10\x10\x10\x03ab"
        m.write(b"\x10\x03cd")
        c.settimeout(2)
        assert c.recv(10) == b"\x03cd"
        c.close()
        assert m.read_until(b"\x03" + CLOSED) == b"\x03" + CLOSED
    finally:
        c.close()
    # listening stopped with the session: a new AT#LTCPSTART is needed (spec 7.3.4)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).recv(1)
    assert m.at("AT#LTCPSTART=1") == OK
    c = socket.create_connection(("127.0.0.1", port))
    assert m.read_until(WAITING) == WAITING
    m.write(b"\x03")
    assert m.read_until(CLOSED) == CLOSED
    c.close()


def test_any_peer_values_let_every_peer_in(m):
    for value in ("255.255.255.255", "0", ""):
        port = listen(m, 2, value)
        c = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.2", 0))
        assert m.read_until(WAITING) == WAITING
        m.write(b"\x03")
        assert m.read_until(CLOSED) == CLOSED
        c.close()


def test_etx_aborts_the_wait_and_ltcpstop_stops_listening(m):
    port = listen(m)
    m.write(b"\x03")
    assert m.read_until(OK) == OK
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).recv(1)
    port = listen(m)
    assert m.at("AT#LTCPPORT=1") == OK
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).recv(1)
    assert m.at("AT#LTCPSTOP=2") == OK


def test_a_second_session_while_a_listener_waits_answers_37122(m):
    listen(m)
    peer = TcpPeer(echo)
    try:
        configure(m, peer.port, 2)
        assert m.at("AT#OTCP=2", b"37122\r\n") == b"\r\n#CME ERROR: 37122\r\n"
        assert m.at("AT#LTCPSTART=2", b"37122\r\n") == b"\r\n#CME ERROR: 37122\r\n"
        assert m.at("AT#LTCPSTOP=1") == OK
        assert m.at("AT#OTCP=2", WAITING) == WAITING
        m.write(b"\x03")
        m.read_until(CLOSED)
    finally:
        peer.stop()


@pytest.mark.parametrize("delay", [0, 100, 300])
def test_tcptxdelay_holds_a_partial_segment_that_long(m, delay):
    peer = TcpPeer(stamps)
    try:
        configure(m, peer.port)
        m.at("AT#TCPTXDELAY=1,%d" % delay)
        m.at("AT#OTCP=1", WAITING)
        time.sleep(0.2)
        t0 = time.time()
        m.write(b"0123456789")
        time.sleep(delay / 1000 + 1.0)
        t_etx = time.time()
        m.write(b"\x03")  # would send what is still held
        m.read_until(CLOSED)
        got = peer.wait()[0]
        assert b"".join(d for _, d in got) == b"0123456789"
        # held at least that long, and sent by the delay's end, not by the ETX (a busy
        # machine may be late by much, never early)
        assert delay - 5 <= (got[0][0] - t0) * 1000, got
        assert got[0][0] < t_etx, (got, t_etx)
    finally:
        peer.stop()


def test_2_mib_each_way_with_every_byte_value(m):
    # 2 MiB in this process (CPython, the codec's pure-Python twin); 16 MiB each way under the
    # unix port in test_tcp_e2e.py
    size = 2 * 1024 * 1024
    data = (ALL_BYTES * (size // 256))
    want = hashlib.sha256(data).hexdigest()
    peer = TcpPeer(sink)
    try:
        configure(m, peer.port)
        m.at("AT#OTCP=1", WAITING)
        enc = dle_encode(data)
        for i in range(0, len(enc), 1 << 20):
            m.write(enc[i:i + (1 << 20)])
        m.write(b"\x03")
        m.read_until(CLOSED, timeout=120)
        assert peer.wait(timeout=60) == [(want, size)]
    finally:
        peer.stop()
    peer = TcpPeer(source(data))
    try:
        configure(m, peer.port)
        m.at("AT#OTCP=1", WAITING)
        early = [m.buf]  # what came with Ok_Info_WaitingForData is data already
        m.buf = b""
        digest, n, m.buf = read_dle_stream(lambda: (early.pop() if early else b"")
                                           or m.read_some(10))
        assert (digest, n) == (want, size)
        assert m.read_until(CLOSED) == CLOSED
    finally:
        peer.stop()
