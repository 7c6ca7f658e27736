"""FTP servers the tests start on 127.0.0.1: pyftpdlib (a real one, in a thread) and a scripted
one for what a real server will not do (drop the data connection mid-file, never say 226)."""
import logging
import random
import socket
import threading
import time
import warnings

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

from servers import collect

USER = "modem"
PASSWORD = "s3cret"

logging.getLogger("pyftpdlib").setLevel(logging.WARNING)


class Pyftpd:
    """pyftpdlib on 127.0.0.1 serving root to USER/PASSWORD (or, anonymous, to anonymous
    only, any password), passive ports on loopback."""

    def __init__(self, root, banner=None, anonymous=False, tls=None):
        """tls: (certificate, key) PEM files: explicit FTPS (AUTH TLS), required on the
        control and the data connections."""
        auth = DummyAuthorizer()
        if anonymous:
            with warnings.catch_warnings():  # write access for anonymous: wanted here
                warnings.simplefilter("ignore", RuntimeWarning)
                auth.add_anonymous(str(root), perm="elradfmwMT")
        else:
            auth.add_user(USER, PASSWORD, str(root), perm="elradfmwMT")
        base = random.randrange(30000, 60000, 100)
        attrs = {"authorizer": auth, "passive_ports": range(base, base + 100),
                 "auth_failed_timeout": 0.1}
        if banner:
            attrs["banner"] = banner
        base_handler = FTPHandler
        if tls:
            from pyftpdlib.handlers import TLS_FTPHandler

            base_handler = TLS_FTPHandler
            attrs.update(certfile=tls[0], keyfile=tls[1], tls_control_required=True,
                         tls_data_required=True)
        handler = type("Handler", (base_handler,), attrs)
        self.server = FTPServer(("127.0.0.1", 0), handler)
        logging.getLogger("pyftpdlib").setLevel(logging.WARNING)  # set again by the server
        self.port = self.server.socket.getsockname()[1]
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self._stop:
            self.server.ioloop.loop(0.05, blocking=False)
        self.server.close_all()

    def stop(self):
        self._stop = True
        self.thread.join(5)


class Scripted:
    """A passive-mode FTP server: logs in anyone (a multi-line 230), answers RETR with the
    first `cut` bytes of `data` then does `after` on the data connection: "reset" (RST),
    "close" (FIN); then on the control connection `verdict` (a reply line, or None: the
    control connection is closed without one). STOR is read to its end, kept in .stored, or
    with `take` only that many bytes, then `after` and `verdict` as for RETR. Every command
    line received is kept in .commands."""

    def __init__(self, data=b"", cut=0, after="reset", verdict="426 Connection closed.",
                 greet=True, pasv=True, take=None, trickle=0, pasv_reply=None,
                 stranger=False):
        self.data, self.cut, self.after, self.verdict = data, cut, after, verdict
        self.take = take
        self.commands = []
        self.greet = greet  # False: never says a word
        self.pasv = pasv  # False: PASV refused (502), EPSV answered
        self.trickle = trickle  # seconds between the bytes of the greeting
        self.pasv_reply = pasv_reply  # the reply to PASV/EPSV, in place of a good one
        # active mode: before the server's own data connection, one from 127.0.0.2 tries
        # to send a file of its own and to read the upload; what it got is kept in .stolen
        self.stranger = stranger
        self.stolen = None
        self.active = None  # the address PORT gave
        self.stored = None
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(2)
        self.port = self.sock.getsockname()[1]
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
            threading.Thread(target=self._session, args=(c,), daemon=True).start()

    def _session(self, c):
        f = c.makefile("rb")
        dl = None
        say = lambda text: c.sendall(text.encode() + b"\r\n")  # noqa: E731
        try:
            if not self.greet:
                c.recv(1)  # until the client gives up
                return
            if self.trickle:
                for b in b"220 scripted\r\n":
                    c.sendall(bytes([b]))
                    time.sleep(self.trickle)
            else:
                say("220 scripted")
            for line in f:
                cmd = line.decode().strip()
                self.commands.append(cmd)
                verb = cmd.split(" ")[0].upper()
                if verb == "USER":
                    say("331 password please")
                elif verb == "PASS":
                    say("230-Welcome.\r\n230-Second line.\r\n230 Logged in.")
                elif verb in ("TYPE", "CWD"):
                    say("200 ok" if verb == "TYPE" else "250 ok")
                elif verb in ("PASV", "EPSV") and self.pasv_reply:
                    say(self.pasv_reply)
                elif verb == "PORT":
                    n = [int(x) for x in cmd[5:].split(",")]
                    self.active = (".".join(map(str, n[:4])), n[4] << 8 | n[5])
                    say("200 port ok")
                elif verb in ("PASV", "EPSV") and (verb == "PASV") == self.pasv:
                    dl = socket.socket()
                    dl.bind(("127.0.0.1", 0))
                    dl.listen(1)
                    p = dl.getsockname()[1]
                    if verb == "PASV":
                        say("227 Entering Passive Mode (127,0,0,1,%d,%d)." % (p >> 8, p & 255))
                    else:
                        say("229 Entering Extended Passive Mode (|||%d|)" % p)
                elif verb == "RETR":
                    say("150 here it comes")
                    d = self._data(dl)
                    d.sendall(self.data[:self.cut])
                    if self.after == "stall":  # the data stops, the connection stays
                        d.settimeout(30)
                        try:
                            d.recv(1)  # until the client gives up
                        except OSError:
                            pass
                    if self.after == "reset":
                        d.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
                    d.close()
                    if self.verdict is None:
                        return
                    say(self.verdict)
                elif verb == "STOR":
                    say("150 send it")
                    d = self._data(dl)
                    got = b""
                    while self.take is None or len(got) < self.take:
                        x = d.recv(65536 if self.take is None else self.take - len(got))
                        if not x:
                            break
                        got += x
                    if self.take is not None and self.after == "reset":
                        d.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
                    d.close()
                    self.stored = got
                    if self.verdict is None:
                        return
                    say(self.verdict)
                elif verb == "QUIT":
                    say("221 bye")
                    return
                else:
                    say("502 not here")
        except OSError:
            pass
        finally:
            c.close()
            if dl is not None:
                dl.close()

    def _data(self, dl):
        """The data connection: accepted (passive), or made to the PORT address (active),
        after the stranger's try."""
        if self.active is None:
            return dl.accept()[0]
        if self.stranger:
            self.stolen = self._steal()
        d = socket.socket()
        d.bind(("127.0.0.1", 0))
        d.connect(self.active)
        return d

    def _steal(self):
        """From 127.0.0.2: connect to the modem's data port, offer a file, read what comes.
        What it read (b"" when the modem closed it at once), or None if it could not
        connect."""
        s = socket.socket()
        s.bind(("127.0.0.2", 0))
        s.settimeout(2)
        try:
            s.connect(self.active)
            try:
                s.sendall(b"EVIL FILE")
                return collect(s)
            except OSError:
                return b""  # reset: closed at once
        except OSError:
            return None
        finally:
            s.close()

    def stop(self):
        self._stop = True
        self.thread.join(2)
        self.sock.close()
