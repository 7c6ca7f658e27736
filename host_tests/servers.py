"""Real servers that the tests start on 127.0.0.x: chrony (NTP) and a scripted NTP server
for what a real one will not do (kiss-of-death, a wrong originate timestamp, leap 3,
silence). Names that fail to resolve without asking any DNS server: BAD_NAME."""
import contextlib
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time

NTP_DELTA = 2208988800
BAD_NAME = "-no-such-host-"  # refused by the resolver itself: no query leaves the machine


def free_udp_port(host="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def ntp_query(host, port, timeout=2.0):
    """(server UTC seconds, stratum) from one request, or None."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        pkt = bytearray(48)
        pkt[0] = 0x23
        pkt[40:48] = os.urandom(8)
        s.sendto(pkt, (host, port))
        r = s.recv(100)
        return struct.unpack("!I", r[40:44])[0] - NTP_DELTA, r[1]
    except OSError:
        return None
    finally:
        s.close()


class Chrony:
    """chronyd serving NTP on 127.0.0.1 at an unprivileged port, never touching the clock."""

    def __init__(self):
        exe = shutil.which("chronyd") or "/usr/sbin/chronyd"
        if not os.path.exists(exe):
            raise RuntimeError("chronyd is not installed: `make test` installs it (Debian chrony)")
        self.dir = tempfile.mkdtemp(prefix="gpx-chrony-")
        self.port = free_udp_port()
        conf = os.path.join(self.dir, "chrony.conf")
        with open(conf, "w") as f:
            f.write("port %d\nbindaddress 127.0.0.1\nlocal stratum 8\nallow 127.0.0.1\n"
                    "cmdport 0\npidfile %s/pid\ndriftfile %s/drift\n"
                    % (self.port, self.dir, self.dir))
        self.proc = subprocess.Popen([exe, "-x", "-d", "-f", conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        t = time.time() + 10
        while ntp_query("127.0.0.1", self.port, 0.2) is None:
            if time.time() > t or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("chronyd did not answer on port %d" % self.port)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)


class Dnsmasq:
    """dnsmasq answering on 127.0.0.1 at an unprivileged port: each name of `names` is
    127.0.0.1, any other name does not resolve (no upstream server)."""

    def __init__(self, names=("peer.test", "ftp.test", "ntp.test")):
        exe = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
        if not os.path.exists(exe):
            raise RuntimeError("dnsmasq is not installed: `make test` installs it (Debian "
                               "dnsmasq-base)")
        self.dir = tempfile.mkdtemp(prefix="gpx-dns-")
        self.port = free_udp_port()
        self.proc = subprocess.Popen(
            [exe, "--no-daemon", "--no-resolv", "--no-hosts", "--conf-file=/dev/null",
             "--port=%d" % self.port, "--listen-address=127.0.0.1", "--bind-interfaces",
             "--pid-file=" + os.path.join(self.dir, "pid"), "--user=" + _user()]
            + ["--address=/%s/127.0.0.1" % n for n in names],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t = time.time() + 10
        while not _dns_answers(self.port, names[0]):
            if time.time() > t or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("dnsmasq did not answer on port %d" % self.port)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def _user():
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


def _dns_answers(port, name):
    """True when a DNS server on 127.0.0.1:port answers an A query for name."""
    from modem import dns

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.2)
    try:
        s.sendto(dns.query(name, b"\x00\x01"), ("127.0.0.1", port))
        return dns.answer(s.recv(512), b"\x00\x01") is not None
    except OSError:
        return False
    finally:
        s.close()


class ScriptedNtp:
    """An NTP server on host:port whose reply is what the test says:
    good, kod (stratum 0), leap3, mode3 (not a server reply), wrong_origin, silent."""

    def __init__(self, host="127.0.0.1", port=0, behaviour="good", offset=0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, port))
        self.port = self.sock.getsockname()[1]
        self.behaviour = behaviour
        self.offset = offset  # seconds added to the true time in a good reply
        self.requests = 0
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.sock.settimeout(0.1)
        while not self._stop:
            try:
                req, addr = self.sock.recvfrom(100)
            except OSError:
                continue
            self.requests += 1
            b = self.behaviour
            if b == "silent" or len(req) < 48:
                continue
            r = bytearray(48)
            li, mode, stratum = 0, 4, 2
            if b == "kod":
                stratum = 0
                r[12:16] = b"RATE"
            elif b == "leap3":
                li = 3
            elif b == "mode3":
                mode = 3
            r[0] = li << 6 | 4 << 3 | mode
            r[1] = stratum
            r[24:32] = req[40:48] if b != "wrong_origin" else os.urandom(8)
            now = time.time() + self.offset
            r[40:48] = struct.pack("!II", int(now) + NTP_DELTA, int((now % 1) * 2 ** 32))
            self.sock.sendto(r, addr)

    def stop(self):
        self._stop = True
        self.thread.join(2)
        self.sock.close()


class TcpPeer:
    """A TCP peer on host:port that the tests start; what it does with a connection is
    `behaviour(conn)`, run in a thread per connection."""

    def __init__(self, behaviour, host="127.0.0.1", port=0, backlog=5):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(backlog)
        self.port = self.sock.getsockname()[1]
        self.behaviour = behaviour
        self.conns = []
        self.results = []
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.sock.settimeout(0.1)
        while not self._stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            self.conns.append(c)
            threading.Thread(target=self._run, args=(c,), daemon=True).start()

    def _run(self, c):
        try:
            self.results.append(self.behaviour(c))
        except OSError as e:
            self.results.append(e)
        finally:
            try:
                c.close()
            except OSError:
                pass

    def wait(self, n=1, timeout=30):
        t = time.time() + timeout
        while len(self.results) < n and time.time() < t:
            time.sleep(0.01)
        return self.results

    def stop(self):
        self._stop = True
        self.thread.join(2)
        self.sock.close()


@contextlib.contextmanager
def silent_peer():
    """The port of a peer that never accepts: its backlog filled, SYNs to it go unanswered,
    so a connection to it neither opens nor is refused."""
    peer = socket.socket()
    peer.bind(("127.0.0.1", 0))
    peer.listen(0)
    fillers = []
    try:
        for _ in range(3):
            f = socket.socket()
            f.setblocking(False)
            f.connect_ex(peer.getsockname())
            fillers.append(f)
        yield peer.getsockname()[1]
    finally:
        for f in fillers:
            f.close()
        peer.close()


def echo(c):
    n = 0
    while True:
        d = c.recv(65536)
        if not d:
            return n
        c.sendall(d)
        n += len(d)


def collect(c):
    """Everything the peer receives until the other side closes."""
    data = b""
    while True:
        d = c.recv(65536)
        if not d:
            return data
        data += d


def half_closed(c):
    """Shuts its own sending side at once (a FIN), then collects what still comes."""
    c.shutdown(socket.SHUT_WR)
    return collect(c)


def free_port():
    """A TCP port nothing uses now, for the modem to listen on later: below the kernel's
    ephemeral range (32768 and up here), which the outgoing connections of every other test
    draw from (a port taken from that range may be some connection's by the time the modem
    binds it)."""
    import random

    while True:
        p = random.randrange(20000, 32768)
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", p))
            return p
        except OSError:
            continue
        finally:
            s.close()


def sink(c):
    """sha256 and length of everything the peer receives until the other side closes."""
    import hashlib
    h = hashlib.sha256()
    n = 0
    while True:
        d = c.recv(65536)
        if not d:
            return h.hexdigest(), n
        h.update(d)
        n += len(d)


def source(data, then_close=True):
    def run(c):
        c.sendall(data)
        if then_close:
            c.shutdown(socket.SHUT_WR)
            while c.recv(65536):
                pass
        return len(data)
    return run


def resetting(after=b""):
    def run(c):
        import struct as st
        if after:
            c.sendall(after)
        c.recv(1)  # wait for a byte from the modem's side, then reset
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, st.pack("ii", 1, 0))
        return "reset"
    return run


def stamps(c):
    """(arrival time, bytes) of every chunk received, until the other side closes."""
    got = []
    while True:
        d = c.recv(65536)
        if not d:
            return got
        got.append((time.time(), d))


def dle_encode(data):
    return data.replace(b"\x10", b"\x10\x10").replace(b"\x03", b"\x10\x03")


def dle_decode(data):
    """(payload, True) up to the lone ETX, or (payload so far, False)."""
    return dle_decode_at(data)[:2]


_ESCAPED = re.compile(rb"\x10([\s\S])")


def _dle_run(data, end):
    """How many DLE bytes stand right before data[end]."""
    j = end
    while j > 0 and data[j - 1] == 0x10:
        j -= 1
    return end - j


def dle_decode_at(data):
    """(payload, found ETX, bytes used including the ETX); a trailing DLE is left unused.
    data starts where an escape pair cannot be cut (the start of a stream, or after what
    the last call used). Whole-buffer work (bytes.find, re.sub), not a Python step a byte:
    a host that decodes fast enough not to be what a benchmark measures."""
    p = data.find(b"\x03")
    while p >= 0 and _dle_run(data, p) % 2:  # an escaped ETX: look further
        p = data.find(b"\x03", p + 1)
    if p >= 0:
        return _ESCAPED.sub(rb"\1", data[:p]), True, p + 1
    end = len(data) - _dle_run(data, len(data)) % 2  # a DLE whose byte has not come
    return _ESCAPED.sub(rb"\1", data[:end]), False, end


def read_dle_stream(read):
    """Read a DLE-escaped stream up to its lone ETX with read() (which returns b"" when it
    stalls): (sha256 hex of the payload, its length, the bytes that came after the ETX)."""
    import hashlib
    h = hashlib.sha256()
    n = 0
    tail = b""
    while True:
        got = read()
        assert got, "stalled after %d bytes" % n
        chunk = tail + got
        body, done, used = dle_decode_at(chunk)
        h.update(body)
        n += len(body)
        tail = chunk[used:]
        if done:
            return h.hexdigest(), n, tail


class Daemon:
    """A server program of Debian's run in the foreground from a folder of its own (self.dir,
    removed by stop()), its log in self.dir/log."""

    def _start(self, cmd, port, what):
        """cmd started; back once it takes connections on port (RuntimeError if it does not
        within 20 s, with its log)."""
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                if time.time() > t or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("%s did not start: %s" % (what, self.log()))
                time.sleep(0.05)

    def log(self):
        try:
            with open(os.path.join(self.dir, "log")) as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except Exception:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Pop3d(Daemon):
    """Debian's dovecot as a POP3 server on 127.0.0.1 (`make servers` installs
    dovecot-pop3d), run in the foreground from a folder of its own: one user whose Maildir
    the test fills with deliver(). stop() it."""

    USER = "meter"
    PASSWORD = "s3cret"

    def __init__(self, cert=None, key=None):
        """cert, key: PEM files of a server certificate: STLS on port, and TLS from the
        first byte on tls_port."""
        import pwd

        self.dir = tempfile.mkdtemp(prefix="pop3d-")  # short: dovecot's sockets are in it
        os.chmod(self.dir, 0o755)
        who = pwd.getpwnam("dovecot")
        self.uid, self.gid = who.pw_uid, who.pw_gid
        self.box = os.path.join(self.dir, "home", self.USER, "Maildir")
        for sub in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(self.box, sub))
        for root, dirs, _ in os.walk(os.path.join(self.dir, "home")):
            os.chown(root, self.uid, self.gid)
        self.port = free_port()
        self.tls_port = free_port() if cert else 0
        conf = os.path.join(self.dir, "dovecot.conf")
        with open(os.path.join(self.dir, "passwd"), "w") as f:
            f.write("%s:{PLAIN}%s\n" % (self.USER, self.PASSWORD))
        with open(conf, "w") as f:
            tls = ssl = ""
            if cert:
                for name, src in (("cert.pem", cert), ("key.pem", key)):
                    shutil.copy(src, os.path.join(self.dir, name))
                ssl = "ssl = yes\nssl_cert = <{0}/cert.pem\nssl_key = <{0}/key.pem".format(
                    self.dir)
                tls = "inet_listener pop3s {\n    port = %d\n    ssl = yes\n  }" % self.tls_port
            f.write(POP3D_CONF.format(dir=self.dir, port=self.port, ssl=ssl or "ssl = no",
                                      tls=tls))
        dovecot = shutil.which("dovecot") or "/usr/sbin/dovecot"
        self._start([dovecot, "-F", "-c", conf], self.port, "dovecot")

    def deliver(self, name, data):
        """A mail into the box, as a delivery agent puts it (new/, then seen by dovecot)."""
        tmp = os.path.join(self.box, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(data)
        os.chown(tmp, self.uid, self.gid)
        os.rename(tmp, os.path.join(self.box, "new", name))

    def count(self):
        return sum(len(os.listdir(os.path.join(self.box, d))) for d in ("new", "cur"))


POP3D_CONF = """\
protocols = pop3
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/log
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {dir}/passwd
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={dir}/home/%u
}}
mail_location = maildir:~/Maildir
first_valid_uid = 1
service pop3-login {{
  inet_listener pop3 {{
    port = {port}
  }}
  {tls}
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
}}
"""


class Vsftpd(Daemon):
    """Debian's vsftpd (`make servers` installs it) on 127.0.0.1, run in the foreground from a
    folder of its own: anonymous login (its system user ftp, which the package adds), files
    read from the top folder and uploads into up/. With cert and key, explicit FTPS
    required on the control and data connections; strict: vsftpd's defaults,
    require_ssl_reuse (a data connection must take up the control connection's TLS session)
    and strict_ssl_read_eof (an upload must end with the client's close_notify); else both
    off. Without, plain FTP. stop() it."""

    def __init__(self, cert=None, key=None, strict=True):
        import pwd
        import random

        self.dir = tempfile.mkdtemp(prefix="vsftpd-")
        self.root = os.path.join(self.dir, "root")
        up = os.path.join(self.root, "up")
        os.makedirs(up)
        os.makedirs(os.path.join(self.dir, "empty"))
        for d in (self.dir, self.root):
            os.chmod(d, 0o755)  # the anonymous root: not writable by its user, as vsftpd wants
        ftp = pwd.getpwnam("ftp")
        os.chown(up, ftp.pw_uid, ftp.pw_gid)
        self.port = free_port()
        base = random.randrange(20000, 32000, 50)
        conf = os.path.join(self.dir, "vsftpd.conf")
        with open(conf, "w") as f:
            f.write(VSFTPD_CONF.format(dir=self.dir, port=self.port, lo=base, hi=base + 49))
            if cert:
                f.write(VSFTPD_TLS.format(cert=cert, key=key, strict="YES" if strict else "NO"))
        vsftpd = shutil.which("vsftpd") or "/usr/sbin/vsftpd"
        self._start([vsftpd, conf], self.port, "vsftpd")

    def put(self, name, data):
        """A file the server gives (read-only for everyone but its owner)."""
        path = os.path.join(self.root, name)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o644)

    def uploaded(self, name):
        with open(os.path.join(self.root, "up", name), "rb") as f:
            return f.read()


# seccomp and the namespaces off: a container may refuse them to the server's children.
VSFTPD_CONF = """\
listen=YES
listen_address=127.0.0.1
listen_port={port}
background=NO
anonymous_enable=YES
local_enable=NO
anon_root={dir}/root
write_enable=YES
anon_upload_enable=YES
anon_other_write_enable=YES
anon_umask=022
ftp_username=ftp
pasv_enable=YES
pasv_min_port={lo}
pasv_max_port={hi}
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
secure_chroot_dir={dir}/empty
xferlog_enable=NO
vsftpd_log_file={dir}/log
dual_log_enable=YES
"""
VSFTPD_TLS = """\
ssl_enable=YES
allow_anon_ssl=YES
force_anon_logins_ssl=YES
force_anon_data_ssl=YES
rsa_cert_file={cert}
rsa_private_key_file={key}
ssl_ciphers=HIGH
require_ssl_reuse={strict}
strict_ssl_read_eof={strict}
"""


def line_server(greeting, answer, close=False):
    """A line-protocol server scripted by the test (a mail server that misbehaves): one
    connection on 127.0.0.1; greeting (bytes, or None: silent from the start), then
    answer(line) for each line it is sent, until answer gives None (or a last answer, as a
    1-tuple); then it hangs (30 s) or closes. The listening socket: close() it."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def run():
        try:
            c, _ = srv.accept()
        except OSError:
            return
        if greeting is not None:
            c.sendall(greeting)
            f = c.makefile("rb")
            for ln in f:
                a = answer(ln)
                if a is None:
                    break
                c.sendall(a[0] if isinstance(a, tuple) else a)
                if isinstance(a, tuple):
                    break  # (bytes,): the last answer, nothing more read
        if not close:
            time.sleep(30)
        c.close()

    threading.Thread(target=run, daemon=True).start()
    return srv
