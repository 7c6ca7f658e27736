"""E-mail out (AT#PUTMAIL and the SMTP parameters) against a real SMTP server, aiosmtpd, with
AUTH: the modem on a real pty under both runtimes; the failures in-process (ptyrig), where
the timeouts can be shortened."""
import hashlib
import threading
import time

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from servers import free_port, line_server

OK = b"\r\nOK\r\n"
WAITING = b"\r\nOk_Info_WaitingForData\r\n"
END = b"\r\n.\r\n"
USER, PASSWORD = "meter", "s3cret"


class Mailbox:
    """aiosmtpd on 127.0.0.1 that keeps what it is given: [(from, [to], message bytes)];
    AUTH (PLAIN, LOGIN) with USER/PASSWORD, not required."""

    def __init__(self, **tls):
        self.mails = []
        self.got = threading.Event()
        box = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                box.mails.append((envelope.mail_from, list(envelope.rcpt_tos),
                                  envelope.original_content))
                box.got.set()
                return "250 OK queued"

        def auth(server, session, envelope, mechanism, data):
            ok = data.login == USER.encode() and data.password == PASSWORD.encode()
            return AuthResult(success=ok, handled=False)  # failed: the server says 535

        self.c = Controller(Handler(), hostname="127.0.0.1", port=free_port(),
                            authenticator=auth, auth_require_tls=False,
                            data_size_limit=8 * 1024 * 1024, **tls)
        self.c.start()
        self.port = self.c.port

    def stop(self):
        self.c.stop()


@pytest.fixture
def box():
    b = Mailbox()
    yield b
    b.stop()


def configure(at, port, user=USER, password=PASSWORD):
    for cmd in ('AT#SMTPSERV="127.0.0.1"', "AT#SMTPPORT=%d" % port, 'AT#SMTPUN="%s"' % user,
                'AT#SMTPPW="%s"' % password, 'AT#DOMAIN="plant.example"',
                'AT#SENDERNAME="Meter 7"', 'AT#SENDERADDR="meter7@plant.example"',
                'AT#REC1="ops@example.com, log@example.com"', 'AT#CCREC1="boss@example.com"',
                'AT#SUBJ1="Alarm"'):
        assert at(cmd) == OK, cmd


def test_parameters_and_their_displays(up):
    s, line = up
    assert line.cmd("AT#VSMTP") == (
        b'\r\n#SMTPSERV: ""\r\n#SMTPPORT: 25\r\n#SMTPUN: ""\r\n#SMTPPW: ""\r\n#SMTPAUTH: 0\r\n'
        b'#DOMAIN: ""\r\n#SENDERNAME: ""\r\n#SENDERADDR: ""\r\n' + OK)
    configure(line.cmd, 2525)
    assert line.cmd("AT#SMTPAUTH=1") == OK
    assert line.cmd("AT#VMAIL1") == (b'\r\n#REC1: "ops@example.com, log@example.com"\r\n'
                                     b'#CCREC1: "boss@example.com"\r\n#SUBJ1: "Alarm"\r\n'
                                     b'#BODY1: ""\r\n' + OK)
    assert line.cmd("AT#VMAIL2") == (b'\r\n#REC2: ""\r\n#CCREC2: ""\r\n#SUBJ2: ""\r\n'
                                     b'#BODY2: ""\r\n' + OK)
    assert line.cmd("AT#SMTPPORT=0", until=b"\r\n") + line.read_until(b"\r\n") == (
        b"\r\n#CME ERROR: 36929\r\n")
    assert line.cmd("AT#SMTPPORT?") == b"\r\n#SMTPPORT: 2525\r\n" + OK


def test_putmail_sends_the_hosts_text_with_auth_dots_and_bare_lf(up, box):
    s, line = up
    configure(line.cmd, box.port)
    assert line.cmd("AT#PUTMAIL", until=WAITING) == WAITING
    text = (b"Content-Type: text/plain\n\nPump 3 stopped at 10:42.\r\n.leading dot\r\n"
            b"..two dots\n.\rX: a dot, a CR, more" + END)
    line.s.write(text[:20])
    line.s.flush()
    time.sleep(0.2)  # a host that types it in pieces
    line.s.write(text[20:] + b"AT\r")
    assert line.read_until(OK) == OK  # the mail taken
    assert line.read_until(OK) == OK  # then the AT typed after the end line
    assert box.got.wait(10)
    sender, rcpt, msg = box.mails[0]
    assert sender == "meter7@plant.example"
    assert rcpt == ["ops@example.com", "log@example.com", "boss@example.com"]
    assert msg.startswith(b'From: "Meter 7" <meter7@plant.example>\r\n'
                          b"To: ops@example.com, log@example.com\r\n"
                          b"Cc: boss@example.com\r\nSubject: Alarm\r\n")
    assert msg.endswith(b"Subject: Alarm\r\nContent-Type: text/plain\r\n\r\n"
                        b"Pump 3 stopped at 10:42.\r\n.leading dot\r\n..two dots\r\n"
                        b".\rX: a dot, a CR, more\r\n"), msg


def test_a_one_mib_mail_is_streamed(up, box):
    s, line = up
    configure(line.cmd, box.port)
    assert line.cmd("AT#PUTMAIL", until=WAITING) == WAITING
    lines = [b"%06d .dotted and plain %s" % (i, b"x" * (i % 60)) for i in range(20000)]
    body = b"\r\n" + b"\r\n".join(b"." + x if i % 7 == 0 else x for i, x in enumerate(lines))
    assert len(body) > 1 << 20
    for i in range(0, len(body), 65536):
        line.s.write(body[i:i + 65536])
    line.s.write(END)
    assert line.read_until(OK, timeout=60) == OK
    assert box.got.wait(10)
    msg = box.mails[0][2]
    got = msg[msg.index(b"Subject: Alarm\r\n") + 16:]
    assert hashlib.sha256(got).hexdigest() == hashlib.sha256(body + b"\r\n").hexdigest()
    assert len(box.mails) == 1


def test_putmail_needs_a_server_a_sender_and_a_recipient(up):
    s, line = up
    assert line.cmd("AT#PUTMAIL", until=b"36929\r\n") == b"\r\n#CME ERROR: 36929\r\n"
    configure(line.cmd, 2525)
    assert line.cmd('AT#REC1=""') == OK
    assert line.cmd("AT#PUTMAIL", until=b"36929\r\n") == b"\r\n#CME ERROR: 36929\r\n"
    line.cmd('AT#REC1="ops@example.com"')
    line.cmd('AT#SMTPSERV="no.such.host.invalid"')
    assert line.cmd("AT#PUTMAIL", until=b"38027\r\n") == b"\r\n#CME ERROR: 38027\r\n"


def test_a_wrong_password_is_refused_before_the_data(m, box):
    configure(m.at, box.port, password="wrong")
    assert m.at("AT#PUTMAIL", b"\r\n", 20) + m.read_until(b"\r\n") == (
        b"\r\n#CME ERROR: 38016\r\n")
    assert m.at("AT") == OK
    assert box.mails == []


def silent_server(greet, close=False):
    """A server that accepts and then says nothing (greet: after its 220 and every reply up
    to DATA, it goes silent at the end of the text; close: it closes there instead)."""
    state = {"data": False}

    def answer(ln):
        if state["data"]:
            return None
        state["data"] = ln.startswith(b"DATA")
        return b"354 go on\r\n" if state["data"] else b"250 ok\r\n"

    return line_server(b"220 hi\r\n" if greet else None, answer, close)


def test_a_silent_server_gets_37964_and_the_hosts_text_is_no_command(m):
    m.modem.mail_ms = 700
    srv = silent_server(False)
    try:
        configure(m.at, srv.getsockname()[1], user="")
        assert m.at("AT#PUTMAIL", b"\r\n", 20) + m.read_until(b"\r\n") == (
            b"\r\n#CME ERROR: 37964\r\n")
    finally:
        srv.close()
    srv = silent_server(True)
    try:
        configure(m.at, srv.getsockname()[1], user="")
        assert m.at("AT#PUTMAIL", WAITING) == WAITING
        m.write(b"AT#SUBJ1=\"pwned\"\r\n" + END)  # text, then the end: the server says nothing
        assert m.read_until(b"37964\r\n") == b"\r\n#CME ERROR: 37964\r\n"
        assert m.at("AT#SUBJ1?") == b'\r\n#SUBJ1: "Alarm"\r\n' + OK
    finally:
        srv.close()


def test_a_server_that_closes_in_the_text_gets_37966_after_the_hosts_end(m):
    # the host's pause below is shorter than the silence that would end its text
    m.modem.quiet_ms = 5000
    srv = silent_server(True, close=True)
    try:
        configure(m.at, srv.getsockname()[1], user="")
        assert m.at("AT#PUTMAIL", WAITING) == WAITING
        time.sleep(0.3)  # the server has closed
        m.write(b"line one\r\nAT#SUBJ1=\"pwned\"\r\n")
        assert m.quiet(0.1) == b""  # nothing before the host's end
        m.write(END + b"AT\r")
        assert m.read_until(b"37966\r\n") == b"\r\n#CME ERROR: 37966\r\n"
        assert m.read_until(OK) == OK  # the AT after the end line
        assert m.at("AT#SUBJ1?") == b'\r\n#SUBJ1: "Alarm"\r\n' + OK
    finally:
        srv.close()


def test_predefined_mails_with_body_and_recipient_entry_and_sendmail(up, box):
    s, line = up
    configure(line.cmd, box.port)
    line.s.write(b"AT#REC2ADD\r")  # the list, an address a line, ended by Ctrl-Z
    line.s.write(b"a@example.com\r\nb@example.com\nc@example.com\r\n\x1aAT\r")
    assert line.read_until(OK) == OK
    assert line.read_until(OK) == OK  # the AT after the Ctrl-Z
    assert line.cmd('AT#SUBJ2="Daily"') == OK
    line.s.write(b"AT#BODY2\rAll pumps running.\r\n.dot line\x1a")
    assert line.read_until(OK) == OK
    assert line.cmd("AT#VMAIL2") == (
        b'\r\n#REC2: "a@example.com, b@example.com, c@example.com"\r\n#CCREC2: ""\r\n'
        b'#SUBJ2: "Daily"\r\n#BODY2: "All pumps running.\r\n.dot line"\r\n' + OK)
    line.s.write(b"AT#BODY3\rnever mind\x1b")  # ESC: nothing changes
    assert line.read_until(OK) == OK
    assert line.cmd("AT#BODY3?") == b'\r\n#BODY3: ""\r\n' + OK
    assert line.cmd('AT#BODY3="short one"') == OK  # the Universal IP dialect's form
    assert line.cmd("AT#BODY3?") == b'\r\n#BODY3: "short one"\r\n' + OK
    line.s.write(b"AT#BODY1\r" + b"x" * 121 + b"\x1a")  # too long: the old value kept
    assert line.read_until(b"36929\r\n") == b"\r\n#CME ERROR: 36929\r\n"
    assert line.cmd("AT#SENDMAIL2", until=OK) == OK
    assert box.got.wait(10)
    sender, rcpt, msg = box.mails[0]
    assert rcpt == ["a@example.com", "b@example.com", "c@example.com"]
    assert msg.endswith(b"Subject: Daily\r\n\r\nAll pumps running.\r\n.dot line\r\n"), msg
    assert line.cmd("AT#SENDMAIL=3", until=b"\r\n") + line.read_until(b"\r\n") == (
        b"\r\n#CME ERROR: 36929\r\n")  # REC3 empty: nobody to send to
    assert line.cmd("AT#SENDMAIL=4", until=b"\r\n") + line.read_until(b"\r\n") == (
        b"\r\n#CME ERROR: 36929\r\n")


def test_the_link_lost_in_the_text_leaves_the_rest_of_it_no_command(m, box):
    # the host's text that comes after the link has gone is read to its end line, never run
    m.modem.quiet_ms = 5000  # (the host's pauses here are shorter than its silence)
    configure(m.at, box.port)
    assert m.at("AT#PUTMAIL", WAITING) == WAITING
    m.write(b"\r\nfirst line\r\n")
    m.modem.link.backend.fault = "down"
    t = time.time() + 10
    while m.modem.link.up:
        assert time.time() < t
        time.sleep(0.02)
    time.sleep(0.5)  # some session ticks: the modem has seen it go
    m.write(b'AT#SUBJ1="pwned"\r\n' + END + b"AT\r")
    got = m.read_until(b"\r\n", 20) + m.read_until(b"\r\n", 20)
    # 35841 once the modem has seen the link go (had it not yet, the text went to the
    # server as the mail's, and OK): either way the text ran as no command
    assert got in (b"\r\n#CME ERROR: 35841\r\n", OK), got
    assert m.read_until(OK) == OK  # the AT after the end line
    m.modem.link.backend.fault = ""
    assert m.at("AT#SUBJ1?") == b'\r\n#SUBJ1: "Alarm"\r\n' + OK
