"""End-to-end pump on the unix port: stdin/stdout (a pty master, O_NONBLOCK) <-> TCP peer.

Run by host_tests/test_pump.py: micropython pump_e2e.py PORT. Exit status: the pump's reason.
"""
import socket
import sys

from modem.pump import Stream
from modem.ports import FdPort
from modem.pump import BOTH, Pump

port = int(sys.argv[1])
s = socket.socket()
s.connect(socket.getaddrinfo("127.0.0.1", port)[0][-1])
pump = Pump(FdPort())
reason = pump.run(Stream(s), 1, BOTH)
s.close()
sys.exit(reason)
