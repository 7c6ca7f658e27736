"""The modem in this process on a real pty, its loop in a thread; the test is the host."""
import os
import select
import threading
import time
import tty

from modem.main import load, make
from modem.compat import FdPort


class PtyModem:
    def __init__(self, flash, board="host"):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        tty.setraw(self.master)
        self.modem = make(load(board), FdPort(self.master, self.master), str(flash), None)
        self.modem.start()
        self.link = self.modem.link
        self.link.check_ms = 50
        # the silence that ends the drain of a session the network ended: a test that is
        # about that silence sets its own
        self.modem.quiet_ms = 200
        self.errors = []
        self._stop = False
        self.buf = b""
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        self.read_until(b"+WIND: 13\r\n")
        self.read_until(b"+WIND: 4\r\n")  # ready (AT+WIND's default)

    def _loop(self):
        while not self._stop:
            try:
                self.modem.step(20)
            except Exception as e:  # the test fails on it
                self.errors.append(e)
                raise

    # ---- the host's side ----

    def write(self, data):
        view = memoryview(data)
        while view:
            select.select([], [self.slave], [], 5)
            n = os.write(self.slave, view)
            view = view[n:]

    def read_some(self, timeout):
        r, _, _ = select.select([self.slave], [], [], timeout)
        if not r:
            return b""
        return os.read(self.slave, 65536)

    def read_until(self, marker, timeout=20):
        t = time.time() + timeout
        while marker not in self.buf:
            left = t - time.time()
            if left <= 0:
                raise AssertionError("no %r in %r" % (marker, self.buf[-300:]))
            self.buf += self.read_some(left)
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def quiet(self, secs):
        """What arrives within secs (nothing expected, usually)."""
        t = time.time() + secs
        while time.time() < t:
            self.buf += self.read_some(max(0, t - time.time()))
        out, self.buf = self.buf, b""
        return out

    def at(self, cmd, until=b"OK\r\n", timeout=20):
        self.write(cmd.encode() + b"\r")
        return self.read_until(until, timeout)

    def up(self):
        self.at("ATE0")
        self.at("AT+CGATT=1")
        self.at("AT#CONNECTIONSTART", b"Ok_Info_GprsActivation\r\n")

    def close(self):
        self._stop = True
        self.thread.join(10)
        os.close(self.master)
        os.close(self.slave)
        assert not self.errors, self.errors
