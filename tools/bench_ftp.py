"""FTPGET and FTPPUT of 16 MiB through the modem (MicroPython unix port, on a pty) against
Python's ftplib fetching and storing the same file directly from the same server
(pyftpdlib on 127.0.0.1). Prints MB/s of both and the ratio; goal: at least 0.5."""
import ftplib
import hashlib
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [HERE, os.path.join(ROOT, "host_tests")]

import serial  # noqa: E402

import sim  # noqa: E402
from ftpserver import PASSWORD, USER, Pyftpd  # noqa: E402
from servers import dle_encode, read_dle_stream  # noqa: E402

SIZE = 16 * 1024 * 1024
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")


def cmd(line, text, until=b"OK\r\n"):
    line.write(text.encode() + b"\r")
    got = line.read_until(until)
    if not got.endswith(until):
        raise RuntimeError("%s: %r" % (text, got))
    return got


def through_modem(port, payload, tmp):
    s = sim.Sim("micropython", "256K", os.path.join(tmp, "flash"), micropython=MICROPYTHON)
    s.wait_ready()
    line = serial.Serial(s.name, 115200, timeout=30)
    try:
        for c in ("ATE0", "AT+CGATT=1"):
            cmd(line, c)
        cmd(line, "AT#CONNECTIONSTART", b"Ok_Info_GprsActivation\r\n")
        for c in ('AT#FTPSERV="127.0.0.1"', "AT#FTPPORT=%d" % port, 'AT#FTPUN="%s"' % USER,
                  'AT#FTPPW="%s"' % PASSWORD, "AT#FTPMODE=1", 'AT#FTPPUTFILENAME="m.bin"',
                  'AT#FTPGETFILENAME="m.bin"'):
            cmd(line, c)
        enc = dle_encode(payload)
        t0 = time.perf_counter()
        cmd(line, "AT#FTPPUT", b"Ok_Info_DataBegin\r\n")
        for i in range(0, len(enc), 1 << 20):
            line.write(enc[i:i + (1 << 20)])
        line.write(b"\x03")
        cmd_end = line.read_until(b"OK\r\n")
        put = time.perf_counter() - t0
        if not cmd_end.endswith(b"OK\r\n"):
            raise RuntimeError("FTPPUT: %r" % cmd_end)
        t0 = time.perf_counter()
        cmd(line, "AT#FTPGET", b"Ok_Info_DataBegin\r\n")
        digest, n, tail = read_dle_stream(lambda: line.read(max(1, line.in_waiting)))
        get = time.perf_counter() - t0
        if (digest, n) != (hashlib.sha256(payload).hexdigest(), SIZE):
            raise RuntimeError("FTPGET: the file came back different")
        return put, get
    finally:
        line.close()
        s.stop()


def direct(port, payload, tmp):
    path = os.path.join(tmp, "d.bin")
    with open(path, "wb") as f:
        f.write(payload)
    f = ftplib.FTP()
    f.connect("127.0.0.1", port)
    f.login(USER, PASSWORD)
    t0 = time.perf_counter()
    with open(path, "rb") as src:
        f.storbinary("STOR d.bin", src)
    put = time.perf_counter() - t0
    h = hashlib.sha256()
    t0 = time.perf_counter()
    f.retrbinary("RETR d.bin", h.update)
    get = time.perf_counter() - t0
    f.quit()
    if h.hexdigest() != hashlib.sha256(payload).hexdigest():
        raise RuntimeError("ftplib: the file came back different")
    return put, get


def main():
    import logging

    logging.getLogger("pyftpdlib").setLevel(logging.WARNING)
    payload = os.urandom(SIZE)
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "root")
        os.mkdir(root)
        srv = Pyftpd(root)
        try:
            m_put, m_get = through_modem(srv.port, payload, tmp)
            d_put, d_get = direct(srv.port, payload, tmp)
        finally:
            srv.stop()
    mb = SIZE / 1e6
    print("FTP, 16 MiB random, passive mode, pyftpdlib on 127.0.0.1 (MB/s):")
    print("%-8s %10s %10s %8s" % ("", "modem", "ftplib", "ratio"))
    for name, m, d in (("FTPPUT", m_put, d_put), ("FTPGET", m_get, d_get)):
        print("%-8s %10.1f %10.1f %8.2f" % (name, mb / m, mb / d, d / m))
    print("goal: ratio at least 0.5. The modem's figures include the pty (a raw pty pair moves "
          "about 100 MB/s here)\nand, for FTPGET, the host's DLE decoding in Python; ftplib "
          "talks to the server over loopback directly.")


if __name__ == "__main__":
    main()
