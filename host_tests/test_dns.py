"""DNSSERV1 and DNSSERV2 (issue 18): every name the modem looks up (TCP, FTP, SNTP) goes through
them when they are set, against a real DNS server the tests start (dnsmasq on 127.0.0.1 at
an unprivileged port: the modem's DNS port is injectable, Modem.dns_port)."""
import os
import socket
import subprocess

import pytest

from answers import BEGIN, CLOSED, ETX, OK, WAITING, cme
from ftpserver import PASSWORD, USER, Pyftpd
from servers import Dnsmasq, ScriptedNtp, TcpPeer, echo


@pytest.fixture(scope="module")
def dnsmasq():
    d = Dnsmasq()
    yield d
    d.stop()


def servers(m, dnsmasq, first="127.0.0.1", second="0.0.0.0"):
    m.modem.dns_port = dnsmasq.port
    assert m.at('AT#DNSSERV1="%s"' % first) == OK
    assert m.at('AT#DNSSERV2="%s"' % second) == OK


def otcp(m, host, port):
    assert m.at('AT#TCPSERV=1,"%s"' % host) == OK
    assert m.at("AT#TCPPORT=1,%d" % port) == OK
    return m.at("AT#OTCP=1", b"\r\n", 15) + m.read_until(b"\r\n", 15)


def test_a_server_named_through_dnsserv1(m, dnsmasq):
    servers(m, dnsmasq)
    peer = TcpPeer(echo)
    try:
        assert otcp(m, "peer.test", peer.port) == WAITING
        m.write(b"ping")
        assert m.read_until(b"ping") == b"ping"  # through the peer's echo
        m.write(ETX)
        assert m.read_until(CLOSED) == CLOSED
    finally:
        peer.stop()


def test_the_second_server_is_asked_when_the_first_is_silent(m, dnsmasq):
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.2", dnsmasq.port))  # takes the query, never answers
    m.modem.dns_ms = 300
    servers(m, dnsmasq, "127.0.0.2", "127.0.0.1")
    peer = TcpPeer(echo)
    try:
        assert otcp(m, "peer.test", peer.port) == WAITING
        silent.settimeout(5)
        assert silent.recv(512)  # the first was asked
        m.write(ETX)
        assert m.read_until(CLOSED) == CLOSED
    finally:
        peer.stop()
        silent.close()


def test_a_name_no_server_resolves_is_38027(m, dnsmasq):
    servers(m, dnsmasq)
    assert otcp(m, "nosuch.test", 1025) == cme(38027)
    m.modem.dns_ms = 300
    servers(m, dnsmasq, "127.0.0.2", "127.0.0.3")  # nobody there at all
    assert otcp(m, "peer.test", 1025) == cme(38027)


def test_ftp_and_sntp_names_go_through_them_too(m, dnsmasq, tmp_path):
    servers(m, dnsmasq)
    srv = Pyftpd(tmp_path)
    ntp = ScriptedNtp()
    try:
        for cmd in ('AT#FTPSERV="ftp.test"', "AT#FTPPORT=%d" % srv.port, "AT#FTPMODE=1",
                    'AT#FTPUN="%s"' % USER, 'AT#FTPPW="%s"' % PASSWORD,
                    'AT#FTPPUTFILENAME="f"', "AT+EGNTPPORT=%d" % ntp.port):
            assert m.at(cmd) == OK
        assert m.at("AT#FTPPUT", BEGIN) == BEGIN
        m.write(b"named" + ETX)
        assert m.read_until(OK) == OK
        assert (tmp_path / "f").read_bytes() == b"named"
        assert m.at('AT+EGNTP=2,"ntp.test",10') == OK
    finally:
        srv.stop()
        ntp.stop()


def test_zero_is_the_networks_own_resolver(m):
    assert m.at('AT#DNSSERV1="0.0.0.0"') == OK
    peer = TcpPeer(echo)
    try:
        assert otcp(m, "localhost", peer.port) == WAITING
        m.write(ETX)
        assert m.read_until(CLOSED) == CLOSED
    finally:
        peer.stop()


def test_the_servers_are_dotted_quads_shown_by_vdns_and_set_by_the_uip_form(m):
    for bad in ('"1.2.3"', '"dns.example.com"', '"256.1.1.1"', "1.2.3.4.5", '""'):
        assert m.at("AT#DNSSERV1=" + bad, b"\r\n", 5) + m.read_until(b"\r\n") \
            == cme(36929), bad
    assert m.at('AT#DNS=1,"9.9.9.9","1.1.1.1"') == OK
    assert m.at("AT#VDNS") == b'\r\n#DNSSERV1: "9.9.9.9"\r\n#DNSSERV2: "1.1.1.1"\r\n' + OK
    assert m.at("AT#DNSSERV2=8.8.8.8") == OK  # bare, as some hosts send it
    assert m.at("AT#DNSSERV2?") == b'\r\n#DNSSERV2: "8.8.8.8"\r\n' + OK


def test_an_answer_to_another_query_is_not_taken():
    from modem import dns

    q = dns.query("peer.test", b"\x01\x02")
    reply = bytearray(q)
    reply[2] |= 0x80  # a response
    with pytest.raises(ValueError):
        dns.answer(bytes(reply), b"\x09\x09")  # not our id
    assert dns.answer(bytes(reply), b"\x01\x02") is None  # ours, with no address in it


# The modem's DNS client under the unix port (the real interpreter), against dnsmasq.
CLIENT = """
import select
import sys

from modem import dns


class M:
    dns_port = int(sys.argv[1])
    dns_ms = 2000

    def wait(self, s, mask, ms):
        p = select.poll()
        p.register(s, mask)
        return p.poll(ms)


print(dns.resolve(M(), "peer.test", ["127.0.0.1"]))
try:
    dns.resolve(M(), "nosuch.test", ["127.0.0.1"])
except OSError:
    print("no such name")
"""


def test_the_client_under_micropython(dnsmasq):
    from conftest import MICROPYTHON, ROOT

    env = dict(os.environ, MICROPYPATH=os.path.join(ROOT, "build", "x64"))
    out = subprocess.run([MICROPYTHON, "-c", CLIENT, str(dnsmasq.port)], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.stdout.split("\n")[:2] == ["127.0.0.1", "no such name"], out.stdout + out.stderr
