"""AT#PING (PINGREMOTE, PINGNUM, PINGDELAY, AT#VPING) end to end: the modem on a real pty under
both runtimes, ICMP echo to 127.0.0.1 through the system's own stack."""
import re

import pytest

from conftest import Line, attach, finish, start

OK = b"\r\nOK\r\n"
ALIVE = re.compile(rb'^"(.*)" is alive : time = (\d+) ms$')


@pytest.fixture
def up(runtime, tmp_path):
    """(sim, line), echo off, the link not up yet (attach() brings it up)."""
    s = start(runtime, tmp_path / "flash")
    line = Line(s.name)
    line.cmd("ATE0")
    yield s, line
    finish(s, line)


def lines(reply):
    assert reply.startswith(b"\r\n") and reply.endswith(OK), reply
    return reply[2:-len(OK)].split(b"\r\n")[:-1]


def error(line, cmd):
    return line.cmd(cmd, until=b"\r\n") + line.read_until(b"\r\n")


def test_parameters_their_display_and_their_limits(up):
    s, line = up
    assert line.cmd("AT#VPING") == (b'\r\n#PINGDELAY: 1\r\n#PINGNUM: 4\r\n#PINGREMOTE: ""\r\n'
                                    + OK)
    for bad in ("AT#PINGDELAY=0", "AT#PINGDELAY=256", "AT#PINGNUM=0", "AT#PINGNUM=256",
                'AT#PINGREMOTE="%s"' % ("h" * 121)):
        assert error(line, bad) == b"\r\n#CME ERROR: 36929\r\n", bad
    assert line.cmd("AT#PINGNUM=3") == OK
    assert line.cmd('AT#PINGREMOTE="localhost"') == OK
    assert line.cmd("AT#VPING") == (b'\r\n#PINGDELAY: 1\r\n#PINGNUM: 3\r\n'
                                    b'#PINGREMOTE: "localhost"\r\n' + OK)
    assert (b'#UDPTXDELAY: 100\r\n\r\n#PINGDELAY: 1\r\n#PINGNUM: 3\r\n'
            b'#PINGREMOTE: "localhost"\r\n\r\n#SMTPSERV: ') in line.cmd("AT#VALL")


def test_ping_needs_the_link_a_remote_and_a_name_that_resolves(up):
    s, line = up
    assert error(line, "AT#PING") == b"\r\n#CME ERROR: 35867\r\n"
    attach(line)
    assert error(line, "AT#PING") == b"\r\n#CME ERROR: 36929\r\n"
    line.cmd('AT#PINGREMOTE="no.such.host.invalid"')
    assert error(line, "AT#PING") == b"\r\n#CME ERROR: 38027\r\n"


def test_ping_of_the_loopback_answers_each_request(up):
    s, line = up
    attach(line)
    line.cmd('AT#PINGREMOTE="127.0.0.1"')
    line.cmd("AT#PINGNUM=3")
    got = lines(line.cmd("AT#PING", until=OK))
    assert len(got) == 3, got
    for g in got:
        m = ALIVE.match(g)
        # the time is a number of ms; no upper bound (a busy machine may take its time)
        assert m and m.group(1) == b"127.0.0.1" and int(m.group(2)) >= 0, got
    line.cmd('AT#PINGREMOTE="localhost"')  # printed as set, the name
    line.cmd("AT#PINGNUM=1")
    got = lines(line.cmd("AT#PING", until=OK))
    assert len(got) == 1 and ALIVE.match(got[0]).group(1) == b"localhost", got


def test_a_remote_that_does_not_answer_gets_a_line_per_request(up):
    s, line = up
    attach(line)
    # TEST-NET-2 (RFC 5737): documentation only, routed nowhere (TEST-NET-1 is where some
    # sandboxes put their own gateway, which answers)
    line.cmd('AT#PINGREMOTE="198.51.100.1"')
    line.cmd("AT#PINGNUM=2")
    got = lines(line.cmd("AT#PING", until=OK))
    assert got == [b'NO answer from "198.51.100.1"'] * 2, got
    assert line.cmd("AT") == OK


def test_without_an_icmp_socket_ping_says_38016_and_the_log_says_why(tmp_path):
    # A system that grants neither a raw socket (no CAP_NET_RAW: a container's default,
    # or a user's) nor an unprivileged ICMP one (net.ipv4.ping_group_range): the modem
    # under setpriv without CAP_NET_RAW.
    import shutil
    import subprocess
    import sys

    import sim
    from conftest import MICROPYTHON

    drop = ["setpriv", "--bounding-set=-net_raw", "--inh-caps=-net_raw"]
    probe = ("import socket\nfor k in (3, 2):\n    try:\n        socket.socket(2, k, 1)\n"
             "        print('open')\n    except OSError:\n        pass\n")
    if not shutil.which("setpriv"):
        pytest.skip("no setpriv here")
    p = subprocess.run(drop + [sys.executable, "-c", probe], capture_output=True, text=True)
    if p.returncode or "open" in p.stdout:
        pytest.skip("this system gives an ICMP socket anyway, or setpriv cannot drop it")
    wrapper = tmp_path / "micropython"
    wrapper.write_text('#!/bin/sh\nexec %s "%s" "$@"\n' % (" ".join(drop), MICROPYTHON))
    wrapper.chmod(0o755)
    s = sim.Sim("micropython", "256K", str(tmp_path / "flash"), micropython=str(wrapper))
    try:
        s.wait_ready()
        line = Line(s.name)
        line.cmd("ATE0")
        attach(line)
        line.cmd('AT#PINGREMOTE="127.0.0.1"')
        assert error(line, "AT#PING") == b"\r\n#CME ERROR: 38016\r\n"
        assert line.cmd("AT") == OK
        line.close()
    finally:
        s.stop()
    assert [x for x in s.lines if "no ICMP socket here" in x], s.lines
