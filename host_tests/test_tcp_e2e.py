"""TCP end to end: the modem under the MicroPython runtime on a real pty, real peers."""
import hashlib
import socket

import pytest

from conftest import CODE_HEAP, finish, online
from servers import TcpPeer, dle_encode, free_port, read_dle_stream, sink, source

WAITING = b"\r\nOk_Info_WaitingForData\r\n"
CLOSED = b"\r\nOk_Info_SocketClosed\r\n\r\nOK\r\n"
SIZE = 16 * 1024 * 1024


@pytest.fixture
def mp(tmp_path):
    s, line = online("micropython", tmp_path / "flash", heap=CODE_HEAP)
    yield s, line
    finish(s, line)


def data():
    return bytes(range(256)) * (SIZE // 256)


def test_16_mib_host_to_peer_with_every_byte_value(mp):
    s, line = mp
    payload = data()
    peer = TcpPeer(sink)
    try:
        line.cmd('AT#TCPSERV=1,"127.0.0.1"')
        line.cmd("AT#TCPPORT=1,%d" % peer.port)
        assert line.cmd("AT#OTCP=1", until=WAITING) == WAITING
        enc = dle_encode(payload)
        for i in range(0, len(enc), 1 << 20):
            line.s.write(enc[i:i + (1 << 20)])
        line.s.write(b"\x03")
        assert line.read_until(CLOSED, timeout=120).endswith(CLOSED)
        assert peer.wait(timeout=60) == [(hashlib.sha256(payload).hexdigest(), SIZE)]
    finally:
        peer.stop()


def test_16_mib_peer_to_host_with_every_byte_value(mp):
    s, line = mp
    payload = data()
    peer = TcpPeer(source(payload))
    try:
        line.cmd('AT#TCPSERV=1,"127.0.0.1"')
        line.cmd("AT#TCPPORT=1,%d" % peer.port)
        assert line.cmd("AT#OTCP=1", until=WAITING) == WAITING
        line.s.timeout = 10
        digest, n, tail = read_dle_stream(lambda: line.s.read(max(1, line.s.in_waiting)))
        assert (digest, n) == (hashlib.sha256(payload).hexdigest(), SIZE)
        tail = line.rest(tail, CLOSED)
        assert tail == CLOSED
    finally:
        peer.stop()


def test_listener_with_an_allowed_and_a_refused_peer(mp):
    s, line = mp
    port = free_port()
    line.cmd('AT#TCPSERV=2,"127.0.0.1"')
    line.cmd("AT#TCPPORT=2,%d" % port)
    assert line.cmd("AT#LTCPSTART=2") == b"\r\nOK\r\n"
    bad = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.2", 0))
    bad.settimeout(3)
    assert bad.recv(10) == b""
    bad.close()
    good = socket.create_connection(("127.0.0.1", port))
    try:
        assert line.read_until(WAITING) == WAITING
        good.sendall(b"ping\x03")
        assert line.read_until(b"ping\x10\x03") == b"ping\x10\x03"
        line.s.write(b"pong\x03AT\r")
        good.settimeout(3)
        assert good.recv(10) == b"pong"
        assert line.read_until(b"OK\r\n\r\nOK\r\n") == CLOSED + b"\r\nOK\r\n"
    finally:
        good.close()
