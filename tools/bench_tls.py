"""The heap of a TLS session on the MicroPython unix port: figures, not pass/fail.
Run: .venv/bin/python tools/bench_tls.py (make bench runs it)

A test CA and a server certificate are made with openssl in a temporary folder; a TLS echo
server (Python's ssl) serves it on 127.0.0.1. Under the unix port, modem.tls.wrap opens
sessions to it as AT#OTCP with AT#TCPTLS does, the certificate verified against the CA:
gc.mem_alloc() after a collection before the connection, with the session open, and after
it is closed (the first session also loads modem.tls and the tls module)."""
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")

SCRIPT = r"""
import gc
import socket
import sys

from modem import tls


def mem(tag):
    gc.collect()
    print(tag, gc.mem_alloc())


class Params:
    folder = sys.argv[1]

    def get(self, name):
        return ""  # TLSPIN: none, the CA list


class Board:
    pass


class M:
    params = Params()
    board = Board()
    connect_ms = 10000


port = int(sys.argv[2])
m = M()
for i in range(3):
    mem("before")
    s = socket.socket()
    s.connect(socket.getaddrinfo("127.0.0.1", port)[0][-1])
    ss = tls.wrap(m, s, "localhost")
    ss.setblocking(True)
    ss.write(b"ping")
    ss.read(4)
    mem("open")
    ss.close()
    mem("closed")
"""


def openssl(d, *args):
    subprocess.run(["openssl"] + list(args), cwd=d, check=True, capture_output=True)


def main():
    with tempfile.TemporaryDirectory() as d:
        openssl(d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
                "-out", "ca.pem", "-days", "30", "-subj", "/CN=Bench CA")
        openssl(d, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out",
                "srv.csr", "-subj", "/CN=localhost")
        with open(os.path.join(d, "ext"), "w") as f:
            f.write("subjectAltName=DNS:localhost\n")
        openssl(d, "x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", "srv.pem", "-days", "30", "-extfile", "ext")
        openssl(d, "x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.der")
        with open(os.path.join(d, "ca.der"), "rb") as f:
            der = f.read()
        with open(os.path.join(d, "tlsca.der"), "wb") as f:  # as AT#TLSCA stores it
            f.write(bytes((len(der) >> 8, len(der) & 255)) + der)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(d, "srv.pem"), os.path.join(d, "srv.key"))
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(4)

        def serve():
            while True:
                try:
                    c, _ = srv.accept()
                except OSError:
                    return
                try:
                    t = ctx.wrap_socket(c, server_side=True)
                    t.sendall(t.recv(4))
                    t.recv(1)
                except (OSError, ssl.SSLError):
                    pass
                c.close()

        threading.Thread(target=serve, daemon=True).start()
        env = dict(os.environ, MICROPYPATH=os.path.join(ROOT, "build", "x64"))
        p = subprocess.run([MICROPYTHON, "-X", "heapsize=256K", "-c", SCRIPT, d,
                            str(srv.getsockname()[1])], env=env, capture_output=True,
                           text=True, timeout=60)
        srv.close()
    print("TLS session (AT#TCPTLS, RSA 2048, the CA verified), MicroPython unix port:"
          " the GC heap in use after a collection, bytes. mbedTLS's own buffers are not in"
          " it here (the unix port gives mbedTLS the C allocator); on an RP2040 they come"
          " from the MicroPython heap, on an ESP32 from ESP-IDF's.")
    print("  session   before      open (held)      closed")
    rows = [int(x.split()[1]) for x in p.stdout.split("\n") if x.strip()]
    for i in range(0, len(rows) - 2, 3):
        b, o, c = rows[i:i + 3]
        print("  %-7d %8d %8d (%+6d) %8d (%+d)" % (i // 3 + 1, b, o, o - b, c, c - b))
    if p.returncode:
        print("  failed:", p.stderr[-500:])


if __name__ == "__main__":
    main()
