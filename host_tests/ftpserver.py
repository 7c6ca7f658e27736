"""FTP servers the tests start on 127.0.0.1: pyftpdlib (a real one, in a thread) and a scripted
one for what a real server will not do (drop the data connection mid-file, never say 226)."""
import logging
import random
import socket
import threading
import warnings

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

USER = "modem"
PASSWORD = "s3cret"

logging.getLogger("pyftpdlib").setLevel(logging.WARNING)


class Pyftpd:
    """pyftpdlib on 127.0.0.1 serving root to USER/PASSWORD (or, anonymous, to anonymous
    only, any password), passive ports on loopback."""

    def __init__(self, root, banner=None, anonymous=False):
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
        handler = type("Handler", (FTPHandler,), attrs)
        self.server = FTPServer(("127.0.0.1", 0), handler)
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
                 greet=True, pasv=True, take=None):
        self.data, self.cut, self.after, self.verdict = data, cut, after, verdict
        self.take = take
        self.commands = []
        self.greet = greet  # False: never says a word
        self.pasv = pasv  # False: PASV refused (502), EPSV answered
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
                    d, _ = dl.accept()
                    say("150 here it comes")
                    d.sendall(self.data[:self.cut])
                    if self.after == "reset":
                        d.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
                    d.close()
                    if self.verdict is None:
                        return
                    say(self.verdict)
                elif verb == "STOR":
                    d, _ = dl.accept()
                    say("150 send it")
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

    def stop(self):
        self._stop = True
        self.thread.join(2)
        self.sock.close()
