"""Legacy host programs, replayed (issue 18): the init and session sequences that six real host
programs written for Wavecom-based modems send (docs/decisions.md section 9), each step
waiting for the answer that host waits for, end to end on the pty (the modem as `make run`
starts it, under either runtime) against a real TCP peer. Their mail, UDP and PING steps
come with those services."""
import re

import pytest

from answers import ETX, OK
from servers import TcpPeer, collect, dle_encode

GPRS = b"Ok_Info_GprsActivation\r\n"
WAITING = b"Ok_Info_WaitingForData\r\n"
CLOSED = b"Ok_Info_SocketClosed\r\n"


class Host:
    """A host program on the modem's line: it writes a command with its own line ending and
    reads until the text it waits for, as the program does (its timeout: a failed test)."""

    def __init__(self, line, eol=b"\r"):
        self.line = line
        self.eol = eol

    def ask(self, cmd, wait_for=b"OK\r\n"):
        self.line.s.write(cmd.encode() + self.eol)
        return self.line.read_until(wait_for, timeout=20)

    def ok(self, cmd):
        got = self.ask(cmd)
        assert b"ERROR" not in got, (cmd, got)
        return got


@pytest.fixture
def peer():
    p = TcpPeer(collect)  # what the host sent, read to the end
    yield p
    p.stop()


def test_opendmtp_gprs_transport(modem, peer):
    """OpenDMTP's transport for a Wavecom-based BlueTree modem: ATZE0, Open AT started, a
    signal and registration waited for before any attach, the cell, the APN, DNS cleared,
    the PDP context; then a TCP session of the stack's first versions (no socket id) closed
    with three ETX, two of which land in command mode."""
    _, line = modem
    h = Host(line)
    assert h.ok("ATZE0").endswith(OK)
    h.ok("AT+CMEE=1")
    h.ok("AT+WOPEN=1")
    assert h.ok("AT+GMM").split(b"\r\n")[1]  # the model line
    rssi = int(re.search(rb"\+CSQ: (\d+),", h.ok("AT+CSQ")).group(1))
    assert 2 <= rssi <= 98  # it polls until then
    assert re.search(rb"\+CGREG: \d,[15]\r\n", h.ok("AT+CGREG?"))  # registered before attach
    assert re.search(rb"\+CCED: [^\r]*\r\n", h.ok("AT+CCED=0,1"))
    h.ok("AT#GPRSMODE=1")  # (ERROR would mean: the stack is not started, redo AT+WOPEN=1)
    h.ok('AT#APNSERV="internet"')
    h.ok('AT#APNUN=""')
    h.ok('AT#APNPW=""')
    h.ok('AT#DNSSERV1="0.0.0.0"')
    h.ok('AT#DNSSERV2="0.0.0.0"')
    assert h.ok("AT#VDNS") == (b'\r\n#DNSSERV1: "0.0.0.0"\r\n#DNSSERV2: "0.0.0.0"\r\n' + OK)
    h.ok('AT+CGDCONT=1,"IP","internet"')
    h.ok("AT+CGATT=1")
    got = h.ask("AT#CONNECTIONSTART", GPRS)
    assert re.match(rb"\r\n\d+\.\d+\.\d+\.\d+\r\n", got)  # the IP line first
    assert b"MY IP: " in h.ok("AT#DISPLAYIP")
    h.ok('AT#TCPSERV="127.0.0.1"')
    h.ok("AT#TCPPORT=%d" % peer.port)
    h.ask("AT#OTCP", WAITING)
    packet = bytes(range(256))
    line.s.write(dle_encode(packet) + ETX * 3)  # the whole packet, then three ETX
    line.read_until(CLOSED)
    line.read_until(OK)
    assert h.ok("AT#CONNECTIONSTOP") == OK  # the two spare ETX changed nothing
    assert peer.wait(1) == [packet]


def test_an_avr_tracker_in_lower_case_with_cr_lf(modem, peer):
    """An AVR tracker for a Q2406B: lower-case commands ended by CR LF, the attach waited for
    as +CGREG: 1, PPPMODE set, the port quoted, the session closed with one ETX."""
    _, line = modem
    h = Host(line, b"\r\n")
    h.ok("at")
    h.ok("ate0")
    h.ok("at+cgreg=1")
    h.ask("at+cgatt=1", b"+CGREG: 1\r\n")
    h.ok("at#gprsmode=1")
    h.ok('at#apnserv="internet"')
    h.ok("at#pppmode=1")
    h.ask("at#connectionstart", GPRS)
    h.ok('at#tcpserv="127.0.0.1"')
    h.ok('at#tcpport="%d"' % peer.port)
    assert h.ask("at#otcp", WAITING).endswith(b"\r\nOk_Info_WaitingForData\r\n")  # exactly
    line.s.write(b"$GPRMC,position\r\n" + ETX)
    line.read_until(CLOSED)
    line.read_until(OK)
    h.ok("at#connectionstop")
    assert peer.wait(1) == [b"$GPRMC,position\r\n"]


def test_an_email_camera_on_a_multitech_socketmodem(modem):
    """An Arduino camera for a Multi-Tech SocketModem GPRS: Open AT, a restart waited for as
    +WIND: 4, the attach waited for as +CGREG: 1, the connection."""
    _, line = modem
    h = Host(line)
    h.ok("ATE0")
    h.ok("AT+WOPEN=1")
    h.ask("AT+CFUN=1", b"+WIND: 4\r\n")
    h.ok("ATE0")  # the restart turned echo on again
    h.ok('AT#APNSERV="internet"')
    h.ok("AT+CGREG=1")
    h.ask("AT+CGATT=1", b"+CGREG: 1\r\n")
    h.ask("AT#CONNECTIONSTART", GPRS)
    h.ok("AT#CONNECTIONSTOP")


def test_a_tinyos_uplink_that_ends_its_lines_with_lf(modem):
    """A TinyOS e-mail uplink: every command ended by LF alone, results matched by prefix."""
    _, line = modem
    h = Host(line, b"\n")
    h.ok("ATE0")
    h.ok("AT+WOPEN=1")
    h.ok("AT+CGREG=1")
    h.ask("AT+CGATT=1", b"+CGREG: 1\r\n")
    assert b"Ok_Info" in h.ask("AT#CONNECTIONSTART", GPRS)
    h.ok("AT#CONNECTIONSTOP")


def test_a_repeater_monitor_with_lf_cr_and_no_socket_id(modem, peer):
    """A repeater monitor (uC/OS): LF CR line ends (ATO first, from its call handling), the
    TCP forms without a socket id."""
    _, line = modem
    h = Host(line, b"\n\r")
    h.ok("ATE0")
    assert h.ask("ATO", b"NO CARRIER\r\n").endswith(b"NO CARRIER\r\n")
    h.ok("AT+CGATT=1")
    h.ask("AT#CONNECTIONSTART", GPRS)
    h.ok('AT#TCPSERV="127.0.0.1"')
    h.ok("AT#TCPPORT=%d" % peer.port)
    h.ask("AT#OTCP", WAITING)
    line.s.write(b"repeater 1 ok" + ETX)
    line.read_until(CLOSED)
    line.read_until(OK)
    h.ok("AT#CONNECTIONSTOP")
    assert peer.wait(1) == [b"repeater 1 ok"]


def test_multitechs_mbed_library_in_the_universal_ip_dialect(modem, peer):
    """Multi-Tech's mbed socket-modem library (2013): +CREG? and +CSQ polled, DNS set in
    the Universal IP form, the connection checked with #VSTATE, the TCP forms with ids."""
    _, line = modem
    h = Host(line)
    h.ok("AT")
    h.ok("ATE0")
    assert re.search(rb"\+CREG: \d,[15]\r\n", h.ok("AT+CREG?"))
    assert re.search(rb"\+CSQ: \d+,", h.ok("AT+CSQ"))
    h.ok('AT#DNS=1,"0.0.0.0","0.0.0.0"')
    h.ok('AT#APNSERV="internet"')
    h.ask("AT#CONNECTIONSTART", GPRS)
    assert b"CONNECTED" in h.ok("AT#VSTATE")
    h.ok('AT#TCPSERV=1,"127.0.0.1"')
    h.ok("AT#TCPPORT=1,%d" % peer.port)
    h.ok("AT#DLEMODE=1,1")
    h.ask("AT#OTCP=1", WAITING)
    line.s.write(b"mbed" + ETX)
    line.read_until(CLOSED)
    line.read_until(OK)
    assert peer.wait(1) == [b"mbed"]
