"""TLS under AT#OTCP (AT#TCPTLS, AT#TLSCA, AT#VTLS): the modem on a real pty under both
runtimes against a TLS echo server (Python's ssl, OpenSSL) with certificates of a test CA
that openssl makes here: the good one, one for another name, one signed by nobody known."""
import hashlib
import os
import shutil
import socket
import ssl
import subprocess
import threading

import pytest

from servers import dle_decode_at, dle_encode, free_port

OK = b"\r\nOK\r\n"
WAITING = b"\r\nOk_Info_WaitingForData\r\n"
CLOSED = b"\r\nOk_Info_SocketClosed\r\n\r\nOK\r\n"
UNTRUSTED = b"\r\n#CME ERROR: 38060\r\n"


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A test CA; server certificates for localhost (by it), for wrong.example (by it), for
    localhost expired yesterday (by it) and for localhost signed by itself."""
    if not shutil.which("openssl"):
        pytest.skip("no openssl here")
    d = str(tmp_path_factory.mktemp("pki"))
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
            "ca.pem", "-days", "3650", "-subj", "/CN=Modem Test CA", cwd=d)
    for name, alt in (("good", "DNS:localhost,IP:127.0.0.1"), ("wrong", "DNS:wrong.example"),
                      ("expired", "DNS:localhost")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out",
                name + ".csr", "-subj", "/CN=" + alt.split(",")[0][4:], cwd=d)
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write("subjectAltName=%s\nbasicConstraints=CA:FALSE\n" % alt)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", name + ".pem", "-days",
                "-1" if name == "expired" else "3650", "-extfile", name + ".ext", cwd=d)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "self.key", "-out",
            "self.pem", "-days", "3650", "-subj", "/CN=localhost", "-addext",
            "subjectAltName=DNS:localhost", cwd=d)
    return d


class TlsEcho:
    """A TLS server on 127.0.0.1 that echoes what it is sent; got: the bytes it was sent
    (all connections), handshakes: the ones that completed."""

    def __init__(self, pki, name):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(os.path.join(pki, name + ".pem"),
                                 os.path.join(pki, name + ".key"))
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.port = free_port()
        self.srv.bind(("127.0.0.1", self.port))
        self.srv.listen(4)
        self.got = b""
        self.handshakes = 0
        self.sni = []
        self.ctx.sni_callback = lambda s, n, c: self.sni.append(n)
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            try:
                c.settimeout(30)
                t = self.ctx.wrap_socket(c, server_side=True)
                self.handshakes += 1
                while True:
                    d = t.recv(65536)
                    if not d:
                        break
                    self.got += d
                    t.sendall(d)
                t.close()
            except (OSError, ssl.SSLError):
                c.close()

    def stop(self):
        self.srv.close()


def load_ca(line, pem_path):
    with open(pem_path, "rb") as f:
        pem = f.read()
    line.s.write(b"AT#TLSCA\r" + pem.replace(b"\n", b"\r\n") + b"\x1a")
    return line.read_until(b"\r\n", 20) + line.read_until(b"\r\n", 20)


def session(line, server, host="localhost"):
    line.cmd('AT#TCPSERV=1,"%s"' % host)
    line.cmd("AT#TCPPORT=1,%d" % server.port)
    line.cmd("AT#TCPTLS=1,1")
    line.s.write(b"AT#OTCP=1\r")
    return line.read_until(b"\r\n", 30) + line.read_until(b"\r\n", 30)


def test_the_ca_store_and_its_display(up, pki):
    s, line = up
    assert line.cmd("AT#VTLS") == (b"\r\n#TCPTLS: 1,0\r\n#TCPTLS: 2,0\r\n#FTPTLS: 0\r\n"
                                   b"#SMTPTLS: 0\r\n"
                                   b'#POP3TLS: 0\r\n#TLSPIN: ""\r\n#TLSCA: 0\r\n' + OK)
    assert load_ca(line, os.path.join(pki, "ca.pem")) == OK
    line.s.write(b"AT#TLSCA\rnot a certificate\x1a")
    assert line.read_until(b"\r\n", 20) + line.read_until(b"\r\n") == (
        b"\r\n#CME ERROR: 36929\r\n")
    assert line.cmd("AT#TCPTLS=2,1") == OK
    assert line.cmd("AT#VTLS") == (b"\r\n#TCPTLS: 1,0\r\n#TCPTLS: 2,1\r\n#FTPTLS: 0\r\n"
                                   b"#SMTPTLS: 0\r\n"
                                   b'#POP3TLS: 0\r\n#TLSPIN: ""\r\n#TLSCA: 1\r\n' + OK)
    assert b"TCPTLS" not in line.cmd("AT#VALL") + line.cmd("AT#VTCP")  # no GenPro display
    assert line.cmd("AT#TLSCA=0") == OK
    assert line.cmd("AT#TLSCA?") == b"\r\n#TLSCA: 0\r\n" + OK


def test_otcp_over_tls_moves_1_mib_each_way_unchanged_for_the_host(up, pki):
    s, line = up
    assert load_ca(line, os.path.join(pki, "ca.pem")) == OK
    server = TlsEcho(pki, "good")
    try:
        assert session(line, server) == WAITING
        payload = os.urandom(1 << 20)
        line.s.write(dle_encode(payload))
        line.s.timeout = 20
        got = b""
        data = b""
        while len(data) < len(payload):  # the echo, escaped: DLEMODE 1 as in plaintext
            more = line.s.read(max(1, line.s.in_waiting))
            assert more, len(data)
            got += more
            data, etx, used = dle_decode_at(got)
            assert not etx
        assert hashlib.sha256(data).digest() == hashlib.sha256(payload).digest()
        line.s.write(b"\x03")
        assert line.read_until(CLOSED).endswith(CLOSED)
        assert server.sni == ["localhost"]
    finally:
        server.stop()


# another name; expired; signed by nobody known
@pytest.mark.parametrize("cert", ["wrong", "expired", "self"])
def test_a_certificate_that_fails_gives_38060_and_nothing_is_sent(up, pki, cert):
    s, line = up
    assert load_ca(line, os.path.join(pki, "ca.pem")) == OK
    server = TlsEcho(pki, cert)
    try:
        assert session(line, server) == UNTRUSTED
        line.s.write(b"sensor 42\r\nAT\r")
        assert line.read_until(OK) == OK  # command mode: the AT answered, nothing sent
        assert server.got == b""
    finally:
        server.stop()


def test_no_ca_stored_means_no_session_and_no_plaintext(up, pki):
    s, line = up
    server = TlsEcho(pki, "good")
    try:
        assert session(line, server) == UNTRUSTED
        assert server.got == b"" and server.handshakes == 0
    finally:
        server.stop()


@pytest.mark.parametrize("mode", [1, 2])  # STARTTLS (587), implicit TLS (465)
def test_putmail_over_tls(up, pki, mode):
    from test_smtp import END, Mailbox, configure

    s, line = up
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(pki, "good.pem"), os.path.join(pki, "good.key"))
    box = Mailbox(**({"tls_context": ctx, "require_starttls": True} if mode == 1
                     else {"ssl_context": ctx}))
    try:
        configure(line.cmd, box.port)
        line.cmd('AT#SMTPSERV="localhost"')
        assert line.cmd("AT#SMTPTLS=%d" % mode) == OK
        assert load_ca(line, os.path.join(pki, "ca.pem")) == OK
        assert line.cmd("AT#PUTMAIL", until=WAITING) == WAITING
        line.s.write(b"\r\nSent over TLS." + END)
        assert line.read_until(OK) == OK
        assert box.got.wait(10)
        assert box.mails[0][2].endswith(b"\r\n\r\nSent over TLS.\r\n")
    finally:
        box.stop()


def test_putmail_to_a_server_with_a_certificate_that_fails_sends_nothing(up, pki):
    from test_smtp import Mailbox, configure

    s, line = up
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(pki, "self.pem"), os.path.join(pki, "self.key"))
    box = Mailbox(tls_context=ctx, require_starttls=True)
    try:
        configure(line.cmd, box.port)
        line.cmd('AT#SMTPSERV="localhost"')
        line.cmd("AT#SMTPTLS=1")
        assert load_ca(line, os.path.join(pki, "ca.pem")) == OK
        assert line.cmd("AT#PUTMAIL", until=b"38060\r\n") == UNTRUSTED
        assert box.mails == []
    finally:
        box.stop()


@pytest.mark.parametrize("mode", [1, 2])  # STLS (110), TLS from the start (995)
def test_getmail_over_tls(up, pki, mode):
    from servers import Pop3d
    from test_pop3 import END, HEAD, MAIL, configure

    s, line = up
    d = Pop3d(cert=os.path.join(pki, "good.pem"), key=os.path.join(pki, "good.key"))
    try:
        d.deliver("1.a", HEAD + b"\r\nSET 7\r\n")
        configure(line.cmd, d.tls_port if mode == 2 else d.port)
        line.cmd('AT#POP3SERV="localhost"')
        assert line.cmd("AT#POP3TLS=%d" % mode) == OK
        assert load_ca(line, os.path.join(pki, "ca.pem")) == OK
        line.cmd("AT#POP3HEADERMODE=0")
        assert line.cmd("AT#GETMAIL", until=END + OK) == MAIL + b"SET 7" + END + OK
        assert d.count() == 0
    finally:
        d.stop()


def test_refused_handshakes_leave_the_heap_where_it_was(tmp_path, pki):
    # the unix port's own figure (AT#VMEM, after a collection): twenty handshakes that fail
    # on the certificate keep nothing of theirs
    from conftest import Line, attach, start

    s = start("micropython", tmp_path / "flash", heap="256K")
    line = Line(s.name)
    server = TlsEcho(pki, "self")
    try:
        attach(line)
        assert load_ca(line, os.path.join(pki, "ca.pem")) == OK

        def used():
            got = line.cmd("AT#VMEM")
            return int(got.split(b": ")[1].split(b",")[0])

        assert session(line, server) == UNTRUSTED  # the first: modules loaded, names made
        before = used()
        for _ in range(20):
            line.s.write(b"AT#OTCP=1\r")
            assert line.read_until(b"\r\n") + line.read_until(b"\r\n") == UNTRUSTED
        after = used()
        assert after - before < 2048, (before, after)
    finally:
        server.stop()
        line.close()
        s.stop()


BEGIN = b"\r\nOk_Info_DataBegin\r\n"


def ftps_get(line):
    """AT#FTPGET's file, decoded, and what came after it (OK or an error)."""
    line.s.write(b"AT#FTPGET\r")
    assert line.read_until(BEGIN) == BEGIN
    got = b""
    data = b""
    etx = False
    line.s.timeout = 20
    while not etx:
        more = line.s.read(max(1, line.s.in_waiting))
        assert more, len(data)
        got += more
        data, etx, used = dle_decode_at(got)
    return data, answer(line, got[used:])


def answer(line, got=b"", timeout=30):
    """The modem's final answer (\\r\\nOK\\r\\n, \\r\\n#CME ERROR: n\\r\\n), got: its start."""
    while not got.endswith(b"\r\n") or not got.strip(b"\x03\r\n"):
        got += line.read_until(b"\r\n", timeout)
    return got


def ftps_put(line, payload):
    """AT#FTPPUT of payload: the modem's answer after the host's end."""
    assert line.cmd("AT#FTPPUT", until=BEGIN) == BEGIN
    line.s.write(dle_encode(payload) + b"\x03")
    return answer(line)


@pytest.mark.parametrize("mode", [1, 0])  # passive, active
def test_ftps_get_and_put_1_mib(up, pki, tmp_path, mode):
    from ftpserver import PASSWORD, USER, Pyftpd

    s, line = up
    root = tmp_path / "ftp"
    root.mkdir()
    payload = os.urandom(1 << 20)
    (root / "in.bin").write_bytes(payload)
    srv = Pyftpd(root, tls=(os.path.join(pki, "good.pem"), os.path.join(pki, "good.key")))
    try:
        assert load_ca(line, os.path.join(pki, "ca.pem")) == OK
        for cmd in ('AT#FTPSERV="localhost"', "AT#FTPPORT=%d" % srv.port,
                    'AT#FTPUN="%s"' % USER, 'AT#FTPPW="%s"' % PASSWORD, "AT#FTPMODE=%d" % mode,
                    'AT#FTPGETFILENAME="in.bin"', 'AT#FTPPUTFILENAME="out.bin"',
                    "AT#FTPTLS=1"):
            assert line.cmd(cmd) == OK, cmd
        data, tail = ftps_get(line)
        assert hashlib.sha256(data).digest() == hashlib.sha256(payload).digest()
        assert tail == OK, tail
        assert ftps_put(line, payload) == OK
        assert hashlib.sha256((root / "out.bin").read_bytes()).digest() == \
            hashlib.sha256(payload).digest()
    finally:
        srv.stop()


@pytest.mark.parametrize("strict", [False, True])
def test_ftps_with_vsftpd_1_mib_each_way(up, pki, runtime, strict):
    """Debian's vsftpd, anonymous, FTPS required. Strict (vsftpd's defaults): a data
    connection must take up the control connection's TLS session, and an upload must end
    with the client's close_notify. CPython's ssl does both; MicroPython's tls can do
    neither (no session API, no close_notify), so there the server refuses the data
    connections (522), and the host gets 38016 each time, with none of its upload taken as
    commands. Both off, the board's settings
    (README), both runtimes move the file each way."""
    from servers import Vsftpd

    s, line = up
    payload = os.urandom(1 << 20)
    srv = Vsftpd(os.path.join(pki, "good.pem"), os.path.join(pki, "good.key"), strict)
    srv.put("in.bin", payload)
    try:
        assert load_ca(line, os.path.join(pki, "ca.pem")) == OK
        for cmd in ('AT#FTPSERV="localhost"', "AT#FTPPORT=%d" % srv.port,
                    'AT#FTPGETFILENAME="in.bin"', 'AT#FTPPUTPATH="up"',
                    'AT#FTPPUTFILENAME="out.bin"', "AT#FTPTLS=1"):
            assert line.cmd(cmd) == OK, cmd
        data, tail = ftps_get(line)
        if strict and runtime == "micropython":
            assert (data, tail) == (b"", b"\r\n#CME ERROR: 38016\r\n"), srv.log()
            assert ftps_put(line, payload) == b"\x03\r\n#CME ERROR: 38016\r\n", srv.log()
            assert "No SSL session reuse on data channel" in srv.log()
            assert line.cmd("AT") == OK  # none of the upload was taken as commands
            return
        assert hashlib.sha256(data).digest() == hashlib.sha256(payload).digest()
        assert tail == OK, (tail, srv.log())
        assert ftps_put(line, payload) == OK, srv.log()
        assert hashlib.sha256(srv.uploaded("out.bin")).digest() == \
            hashlib.sha256(payload).digest()
    finally:
        srv.stop()


def test_ftps_to_a_server_with_a_certificate_that_fails_logs_nothing_in(up, pki, tmp_path):
    from ftpserver import Pyftpd

    s, line = up
    srv = Pyftpd(tmp_path, tls=(os.path.join(pki, "self.pem"), os.path.join(pki, "self.key")))
    try:
        assert load_ca(line, os.path.join(pki, "ca.pem")) == OK
        for cmd in ('AT#FTPSERV="localhost"', "AT#FTPPORT=%d" % srv.port, 'AT#FTPUN="u"',
                    'AT#FTPPW="secret"', 'AT#FTPGETFILENAME="x"', "AT#FTPTLS=1"):
            assert line.cmd(cmd) == OK, cmd
        assert line.cmd("AT#FTPGET", until=b"38060\r\n") == UNTRUSTED
    finally:
        srv.stop()


def fingerprint(pki, name):
    der = subprocess.run(["openssl", "x509", "-in", os.path.join(pki, name + ".pem"),
                          "-outform", "DER"], check=True, capture_output=True).stdout
    return hashlib.sha256(der).hexdigest()


def test_a_pinned_certificate_is_trusted_as_it_is_and_no_other(up, pki):
    s, line = up
    server = TlsEcho(pki, "self")  # self-signed: no CA vouches for it
    try:
        assert line.cmd('AT#TLSPIN="%s"' % fingerprint(pki, "self").upper()) == OK
        assert session(line, server) == WAITING
        line.s.write(dle_encode(b"pinned \x10\x03 hello"))
        want = dle_encode(b"pinned \x10\x03 hello")
        assert line.read_until(want) == want
        line.s.write(b"\x03")
        assert line.read_until(CLOSED).endswith(CLOSED)
        assert line.cmd('AT#TLSPIN="%s"' % fingerprint(pki, "good")) == OK  # another one
        line.s.write(b"AT#OTCP=1\r")
        assert line.read_until(b"\r\n") + line.read_until(b"\r\n") == UNTRUSTED
        assert server.got == b"pinned \x10\x03 hello"
    finally:
        server.stop()
