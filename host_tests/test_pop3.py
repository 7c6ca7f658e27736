"""E-mail in (AT#GETMAIL and the POP3 parameters) against a real POP3 server, Debian's
dovecot: the modem on a real pty under both runtimes; the failures in-process (ptyrig)."""
import hashlib

import pytest

from servers import Pop3d, line_server

OK = b"\r\nOK\r\n"
MAIL = b"\r\nOk_Info_Mail\r\n"
NO_MAIL = b"\r\nOk_Info_NoMail\r\n" + OK
END = b"\r\n.\r\n"
HEAD = b"From: ops@example.com\r\nTo: meter7@plant.example\r\nSubject: command\r\n"


@pytest.fixture
def pop3d():
    d = Pop3d()
    yield d
    d.stop()


def configure(at, port, password=Pop3d.PASSWORD):
    for cmd in ('AT#POP3SERV="127.0.0.1"', "AT#POP3PORT=%d" % port,
                'AT#POP3UN="%s"' % Pop3d.USER, 'AT#POP3PW="%s"' % password):
        assert at(cmd) == OK, cmd


def test_parameters_and_their_display(up):
    s, line = up
    assert line.cmd("AT#VPOP3") == (b'\r\n#POP3SERV: ""\r\n#POP3PORT: 110\r\n#POP3UN: ""\r\n'
                                    b'#POP3PW: ""\r\n#POP3HEADERMODE: 1\r\n' + OK)
    configure(line.cmd, 1110)
    assert line.cmd("AT#POP3HEADERMODE=0") == OK
    assert line.cmd("AT#POP3HEADERMODE=2", until=b"\r\n") + line.read_until(b"\r\n") == (
        b"\r\n#CME ERROR: 36929\r\n")
    assert line.cmd("AT#VPOP3") == (b'\r\n#POP3SERV: "127.0.0.1"\r\n#POP3PORT: 1110\r\n'
                                    b'#POP3UN: "meter"\r\n#POP3PW: "s3cret"\r\n'
                                    b"#POP3HEADERMODE: 0\r\n" + OK)


def test_getmail_gives_the_first_mail_then_the_next_then_none(up, pop3d):
    s, line = up
    configure(line.cmd, pop3d.port)
    pop3d.deliver("1.a", HEAD + b"\r\nSET 5\r\n.hidden dot\r\nEND\r\n")
    pop3d.deliver("2.b", HEAD + b"\r\nSECOND\r\n")
    got = line.cmd("AT#GETMAIL", until=END + OK)
    assert got.startswith(MAIL + HEAD)
    assert got.endswith(b"\r\n\r\nSET 5\r\n..hidden dot\r\nEND" + END + OK), got
    assert pop3d.count() == 1  # the mail given is deleted from the box
    line.cmd("AT#POP3HEADERMODE=0")  # the body alone
    assert line.cmd("AT#GETMAIL", until=END + OK) == MAIL + b"SECOND" + END + OK
    assert line.cmd("AT#GETMAIL", until=NO_MAIL) == NO_MAIL
    assert line.cmd("AT") == OK


def test_a_one_mib_mail_is_streamed_to_the_host(up, pop3d):
    s, line = up
    configure(line.cmd, pop3d.port)
    body = b"".join(b"%06d %s\r\n" % (i, b"y" * (i % 70)) for i in range(25000))
    assert len(body) > 1 << 20
    pop3d.deliver("big", HEAD + b"\r\n" + body)
    line.cmd("AT#POP3HEADERMODE=0")
    line.s.write(b"AT#GETMAIL\r")
    got = b""
    line.s.timeout = 20
    while not got.endswith(END + OK):  # in large reads (pyserial's read_until: a byte each)
        more = line.s.read(max(1, line.s.in_waiting))
        assert more, got[-200:]
        got += more
    want = MAIL + body[:-2] + END + OK
    assert hashlib.sha256(got).hexdigest() == hashlib.sha256(want).hexdigest()


def test_getmail_needs_a_server_and_a_user_and_the_right_password(m, pop3d):
    assert m.at("AT#GETMAIL", b"36929\r\n") == b"\r\n#CME ERROR: 36929\r\n"
    configure(m.at, pop3d.port, password="wrong")
    pop3d.deliver("1.a", HEAD + b"\r\nkept\r\n")
    assert m.at("AT#GETMAIL", b"38016\r\n") == b"\r\n#CME ERROR: 38016\r\n"
    assert pop3d.count() == 1
    m.at('AT#POP3SERV="no.such.host.invalid"')
    assert m.at("AT#GETMAIL", b"38027\r\n") == b"\r\n#CME ERROR: 38027\r\n"


def scripted(answers, then="hang"):
    """A POP3 server that gives answers (bytes each) to what it is sent, one each after its
    greeting, then hangs or closes (then)."""
    left = list(answers)

    def answer(ln):
        a = left.pop(0)
        return a if left else (a,)  # the last: then it hangs or closes at once

    return line_server(b"+OK ready\r\n", answer, close=then == "close")


def test_a_silent_server_gets_38016_in_time(m):
    m.modem.reply_ms = 700
    srv = scripted([b"+OK\r\n"])  # USER answered, then nothing
    try:
        configure(m.at, srv.getsockname()[1])
        assert m.at("AT#GETMAIL", b"38016\r\n") == b"\r\n#CME ERROR: 38016\r\n"
        assert m.at("AT") == OK
    finally:
        srv.close()


def test_a_server_that_dies_in_a_mail_ends_it_then_says_38016(m):
    srv = scripted([b"+OK\r\n", b"+OK\r\n", b"+OK 1 99\r\n",
                    b"+OK 99 octets\r\nFrom: ops\r\n\r\nSET 5\r\nSET"], then="close")
    try:
        configure(m.at, srv.getsockname()[1])
        got = m.at("AT#GETMAIL", b"38016\r\n")
        assert got == MAIL + b"From: ops\r\n\r\nSET 5\r\nSET" + END + b"\r\n#CME ERROR: 38016\r\n"
        assert m.at("AT") == OK
    finally:
        srv.close()
