"""UDP (AT#OUDP, AT#LUDPSTART/LUDPSTOP, UDPSERV/UDPPORT/UDPTXDELAY, AT#VUDP) end to end: the
modem on a real pty under both runtimes, real UDP peers on 127.0.0.1."""
import random
import socket
import time


from servers import dle_decode_at, dle_encode

OK = b"\r\nOK\r\n"
WAITING = b"\r\nOk_Info_WaitingForData\r\n"
CLOSED = b"\r\nOk_Info_SocketClosed\r\n\r\nOK\r\n"
ETX = b"\x03"


# The ports free_udp_port has handed out (to the modem, which binds them later): never a
# peer's, which would take one from under it between its test's commands.
_GIVEN = set()


def udp_peer(addr="127.0.0.1"):
    """A UDP socket bound to a free port below the ephemeral range, 10 s timeout."""
    while True:
        port = random.randrange(20000, 32768)
        if port in _GIVEN:
            continue
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind((addr, port))
        except OSError:
            s.close()
            continue
        s.settimeout(10)
        return s


def free_udp_port():
    s = udp_peer()
    port = s.getsockname()[1]
    s.close()
    _GIVEN.add(port)
    return port


def host_reads(line, n):
    """n payload bytes of the escaped stream the modem writes to the host."""
    got = b""
    raw = b""
    while len(got) < n:
        raw += line.s.read(1) + line.s.read(line.s.in_waiting)
        payload, etx, used = dle_decode_at(raw)
        assert not etx, raw
        got += payload
        raw = raw[used:]
    assert raw == b"" and len(got) == n, (raw, got)
    return got


def test_parameters_their_display_and_their_limits(up):
    s, line = up
    assert line.cmd("AT#VUDP") == (b'\r\n#UDPPORT: 0\r\n#UDPSERV: ""\r\n#UDPTXDELAY: 100\r\n'
                                   + OK)
    assert line.cmd('AT#UDPSERV="10.1.2.3"') == OK
    assert line.cmd("AT#UDPPORT=5000") == OK
    assert line.cmd("AT#UDPTXDELAY=40") == OK
    for bad in ("AT#UDPPORT=0", "AT#UDPPORT=65536", "AT#UDPTXDELAY=30", "AT#UDPTXDELAY=32780",
                'AT#UDPSERV="%s"' % ("h" * 121)):
        assert line.cmd(bad, until=b"\r\n") + line.read_until(b"\r\n") == (
            b"\r\n#CME ERROR: 36929\r\n"), bad
    assert line.cmd("AT#UDPPORT?") == b"\r\n#UDPPORT: 5000\r\n" + OK
    assert line.cmd("AT#VUDP") == (b'\r\n#UDPPORT: 5000\r\n#UDPSERV: "10.1.2.3"\r\n'
                                   b"#UDPTXDELAY: 40\r\n" + OK)
    vall = line.cmd("AT#VALL")
    assert (b'\r\n\r\n#UDPPORT: 5000\r\n#UDPSERV: "10.1.2.3"\r\n#UDPTXDELAY: 40\r\n\r\n'
            b"#PINGDELAY: ") in vall, vall  # after the physical layer, before PING


def test_oudp_groups_the_hosts_bytes_into_datagrams_and_escapes_the_peers(up):
    s, line = up
    peer = udp_peer()
    try:
        line.cmd('AT#UDPSERV="127.0.0.1"')
        line.cmd("AT#UDPPORT=%d" % peer.getsockname()[1])
        line.cmd("AT#UDPTXDELAY=2000")  # a wide window: the two writes are one datagram
        line.cmd("AT#DLEMODE=1,0")  # UDP is escaped whatever DLEMODE says
        assert line.cmd("AT#OUDP", until=WAITING) == WAITING
        line.s.write(dle_encode(b"id=7 \x10\x03 "))
        line.s.flush()
        time.sleep(0.3)  # read and held by now, as a rule (read later, it is one read anyway)
        line.s.write(dle_encode(b"temp=21"))
        got, addr = peer.recvfrom(4096)
        assert got == b"id=7 \x10\x03 temp=21"
        every = bytes(range(256)) * 5 + bytes(192)  # 1472 bytes: a whole Ethernet datagram
        peer.sendto(every, addr)
        peer.sendto(b"", addr)  # an empty datagram: nothing to the host, no end
        peer.sendto(b"ack\x03", addr)
        assert host_reads(line, len(every) + 4) == every + b"ack\x03"
        line.s.write(dle_encode(b"x" * 1000))  # more than a datagram holds: in order, split
        parts = []
        while sum(len(p) for p in parts) < 1000:
            parts.append(peer.recv(4096))
        assert b"".join(parts) == b"x" * 1000 and max(len(p) for p in parts) <= 512
        line.s.write(dle_encode(b"last"))  # held alone: it goes when UDPTXDELAY runs out
        assert peer.recv(4096) == b"last"
        line.s.write(ETX + ETX + ETX)  # as OpenDMTP ends: the extra ETXs are no command
        assert line.read_until(CLOSED) == CLOSED
        assert line.cmd("AT") == OK
    finally:
        peer.close()


def test_oudp_to_a_port_nobody_listens_on_goes_on_until_the_hosts_etx(up):
    s, line = up
    line.cmd('AT#UDPSERV="127.0.0.1"')
    line.cmd("AT#UDPPORT=%d" % free_udp_port())
    line.cmd("AT#UDPTXDELAY=0")
    assert line.cmd("AT#OUDP", until=WAITING) == WAITING
    for _ in range(5):  # each refused (ICMP port unreachable): the datagram lost, no more
        line.s.write(b"ping")
        line.s.flush()
    line.s.write(ETX)
    assert line.read_until(CLOSED) == CLOSED
    assert line.cmd("AT") == OK


def test_oudp_needs_a_peer_and_a_name_that_resolves(up):
    s, line = up
    assert line.cmd("AT#OUDP", until=b"36929\r\n") == b"\r\n#CME ERROR: 36929\r\n"
    line.cmd("AT#UDPPORT=5000")
    assert line.cmd("AT#OUDP", until=b"36929\r\n") == b"\r\n#CME ERROR: 36929\r\n"
    line.cmd('AT#UDPSERV="no.such.host.invalid"')
    assert line.cmd("AT#OUDP", until=b"38027\r\n") == b"\r\n#CME ERROR: 38027\r\n"


def test_ludpstart_answers_the_first_allowed_sender(up):
    s, line = up
    port = free_udp_port()
    line.cmd('AT#UDPSERV="127.0.0.1"')
    line.cmd("AT#UDPPORT=%d" % port)
    assert line.cmd("AT#LUDPSTART") == OK
    assert line.cmd("AT#UDPTXDELAY=0", until=b"\r\n") + line.read_until(b"\r\n") == (
        b"\r\n#CME ERROR: 37123\r\n")  # its parameters are held while it waits
    stranger = udp_peer("127.0.0.2")
    peer = udp_peer()
    try:
        stranger.sendto(b"not for you", ("127.0.0.1", port))
        peer.sendto(b"hello \x10modem", ("127.0.0.1", port))
        assert line.read_until(WAITING) == WAITING
        assert host_reads(line, 12) == b"hello \x10modem"
        line.s.write(dle_encode(b"hi \x03 peer") + ETX)
        assert peer.recv(4096) == b"hi \x03 peer"
        assert line.read_until(CLOSED) == CLOSED
        assert line.cmd("AT#UDPTXDELAY=0") == OK  # no service runs any more
    finally:
        stranger.close()
        peer.close()


def test_ludpstop_and_the_hosts_etx_end_the_wait(up):
    s, line = up
    port = free_udp_port()
    line.cmd('AT#UDPSERV="255.255.255.255"')
    line.cmd("AT#UDPPORT=%d" % port)
    assert line.cmd("AT#LUDPSTART") == OK
    assert line.cmd("AT#LUDPSTOP") == OK
    peer = udp_peer()
    try:
        peer.sendto(b"late", ("127.0.0.1", port))  # nobody waits: no session
        assert line.cmd("AT") == OK
        assert line.cmd("AT#LUDPSTART") == OK
        assert line.cmd("AT#OTCP", until=b"\r\n") + line.read_until(b"\r\n") == (
            b"\r\n#CME ERROR: 37122\r\n")  # one service at a time
        line.s.write(ETX)  # the host gives up waiting
        assert line.read_until(OK) == OK
        assert line.cmd("AT#UDPSTOP") == OK  # the document's other name; nothing waits
        assert line.cmd("AT#LUDPSTART") == OK  # any sender (255.255.255.255)
        peer.sendto(b"x", ("127.0.0.1", port))
        assert line.read_until(WAITING) == WAITING
        assert host_reads(line, 1) == b"x"
        line.s.write(ETX)
        assert line.read_until(CLOSED) == CLOSED
    finally:
        peer.close()
