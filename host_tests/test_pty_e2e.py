"""End to end: the modem process on a real pseudo-terminal, a serial program on the other side."""
import os
import select
import signal
import subprocess
import sys

from conftest import CODE_HEAP, ROOT, Line, start


def test_wind_13_is_the_first_thing_on_the_line_then_ready(runtime, tmp_path):
    s = start(runtime, tmp_path / "flash")
    try:
        got = b""
        while b"+WIND: 4\r\n" not in got:
            r, _, _ = select.select([s.slave], [], [], 20)
            assert r, got
            got += os.read(s.slave, 100)
        assert got == b"\r\n+WIND: 13\r\n\r\n+WIND: 4\r\n"  # then ready: AT+WIND's bit 8
    finally:
        s.stop()


def test_at_answers_ok_with_echo(modem):
    s, line = modem
    assert line.cmd("AT") == b"AT\r\r\nOK\r\n"
    assert line.cmd("ATE0") == b"ATE0\r\r\nOK\r\n"
    assert line.cmd("AT") == b"\r\nOK\r\n"


def test_commands_split_across_writes_and_sent_in_one_burst(modem):
    s, line = modem
    line.cmd("ATE0")
    for ch in b"AT#GPRSCID?":
        line.s.write(bytes([ch]))
    line.s.write(b"\r")
    assert line.read_until(b"OK\r\n") == b"\r\n#GPRSCID: 1\r\n\r\nOK\r\n"
    line.s.write(b"AT\rAT\rAT#VSTATE\r")
    got = line.read_until(b'"IDLE"\r\n\r\nOK\r\n')
    assert got == b'\r\nOK\r\n\r\nOK\r\n\r\n#STATE: "IDLE"\r\n\r\nOK\r\n'


def test_parameters_survive_a_restart(runtime, tmp_path):
    s = start(runtime, tmp_path / "flash")
    line = Line(s.name)
    assert line.cmd('AT#APNSERV="internet-entreprise"').endswith(b"\r\nOK\r\n")
    line.close()
    assert s.stop() == 0
    s = start(runtime, tmp_path / "flash")
    line = Line(s.name)
    try:
        got = line.cmd("AT#APNSERV?")
        assert got == b'AT#APNSERV?\r\r\n#APNSERV: "internet-entreprise"\r\n\r\nOK\r\n'
    finally:
        line.close()
        s.stop()


def test_a_host_can_close_and_reopen_the_port(modem):
    s, line = modem
    line.close()
    line2 = Line(s.name)
    try:
        assert line2.cmd("AT") == b"AT\r\r\nOK\r\n"
    finally:
        line2.close()


def test_the_modem_stops_when_its_line_has_gone(runtime, tmp_path):
    # The launcher killed (its copy of the slave gone with it): the modem's pty reads end
    # of file, and the modem stops where it would otherwise spin on the dead line.
    s = start(runtime, tmp_path / "flash")
    os.close(s.slave)
    s.slave = -1
    try:
        assert s.proc.wait(60) == 0
        s.reader.join(20)  # its last words read
        assert "modem: the line has gone: stopped" in s.lines
    finally:
        s.stop()


def test_the_modem_stops_on_sigint_when_started_with_sigint_ignored(runtime, tmp_path):
    # A script's background job (make run &, a CI runner) inherits SIGINT ignored; the
    # modem still takes the launcher's stop and ends cleanly.
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        s = start(runtime, tmp_path / "flash")  # it inherits SIGINT ignored
    finally:
        signal.signal(signal.SIGINT, old)
    assert s.stop() == 0  # not -9: killed when it did not stop; not -2: died of it


def test_every_answer_with_the_code_in_the_heap_including_vall(tmp_path):
    s = start("micropython", tmp_path / "flash", heap=CODE_HEAP)
    line = Line(s.name)
    try:
        line.cmd("ATE0")
        for c in ["AT#VALL", "AT#VGPRS", "AT#VFTP", "AT#VTCP", "ATI", "AT+CMEE=2",
                  'AT#APNSERV="' + "a" * 96 + '"', "AT#VALL"] + [
                      # every printable character, none of them seen before in this process
                      'AT#APNPW="%s"' % "".join(chr(c) for c in range(k, min(k + 60, 127))
                                               if c != 34) for k in range(32, 127, 60)]:
            assert line.cmd(c).endswith(b"\r\nOK\r\n"), c
        assert line.cmd("AT#GPRSCID=7", until=b"attempt\r\n").endswith(
            b"Bad parameter configuration attempt\r\n")
    finally:
        line.close()
        s.stop()
    assert not [x for x in s.lines if "Error" in x or "Traceback" in x], s.lines


def test_make_run_prints_the_pty_keeps_a_link_and_stops_cleanly_on_ctrl_c(tmp_path):
    link = tmp_path / "modem.tty"
    p = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "tools", "sim.py"), "--flash",
         str(tmp_path / "flash"), "--link", str(link)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
        env=dict(os.environ, PATH=os.path.dirname(sys.executable) + ":" + os.environ["PATH"]))
    try:
        first = p.stdout.readline().decode()
        assert first.startswith("modem ready on /dev/pts/"), first
        assert os.path.realpath(link) == first.split()[3]
        line = Line(str(link))
        assert line.cmd("AT") == b"AT\r\r\nOK\r\n"
        line.close()
        p.send_signal(signal.SIGINT)
        assert p.wait(10) == 0
        assert p.stdout.read().decode().strip() == "modem stopped"
        assert not link.exists()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()



def test_link_on_the_host_backend_with_a_fault_injected_through_the_control_file(
        runtime, tmp_path):
    flash = tmp_path / "flash"
    s = start(runtime, flash)
    line = Line(s.name)
    try:
        line.cmd("ATE0")
        # registered from power-up, as a GSM unit is; detached, it is not
        assert line.cmd("AT+CGREG?") == b"\r\n+CGREG: 0,1\r\n\r\nOK\r\n"
        line.cmd("AT+CGATT=0")
        assert line.cmd("AT#CONNECTIONSTART", until=b"35865\r\n") == b"\r\n#CME ERROR: 35865\r\n"
        line.cmd("AT+CGREG=1")
        assert line.cmd("AT+CGATT=1", until=b"+CGREG: 1\r\n") == (
            b"\r\nOK\r\n\r\n+CGREG: 2\r\n\r\n+CGREG: 1\r\n")
        got = line.cmd("AT#CONNECTIONSTART", until=b"Ok_Info_GprsActivation\r\n")
        ip = got.split(b"\r\n")[1].decode()
        assert len(ip.split(".")) == 4
        assert line.cmd("AT#VSTATE") == b'\r\n#STATE: "CONNECTED"\r\n\r\nOK\r\n'
        assert line.cmd("AT#DISPLAYIP").startswith(("\r\nMY IP: %s\r\nPEER IP: " % ip).encode())
        (flash / "link.fault").write_text("down\n")
        assert line.read_until(b"35841\r\n", timeout=10).endswith(b"#CME ERROR: 35841\r\n")
        assert line.cmd("AT#VSTATE") == b'\r\n#STATE: "NO SERVICE"\r\n\r\nOK\r\n'
        (flash / "link.fault").unlink()
        line.read_until(b"+CGREG: 1\r\n", timeout=10)
        assert line.cmd("AT#CONNECTIONSTART", until=b"Activation\r\n").endswith(
            b"\r\n\r\nOk_Info_GprsActivation\r\n")
    finally:
        line.close()
        s.stop()
