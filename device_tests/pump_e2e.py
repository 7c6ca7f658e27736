"""End-to-end pump on the unix port: stdin/stdout (a pty master, O_NONBLOCK) <-> TCP peer.

Run by host_tests/test_pump.py: micropython pump_e2e.py PORT [alloc [0]]. Exit status: the
pump's reason. With alloc, the session runs as a TCP session does in the modem (TCPTXDELAY
100 ms, a tick every 100 ms) with the collector off, and "alloc N" on stderr gives the bytes
it allocated; alloc 0: the same with TCPTXDELAY 0.
"""
import gc
import socket
import sys

from modem.compat import Stream
from modem.compat import FdPort
from modem.pump import BOTH, Pump


def tick():
    return 0


port = int(sys.argv[1])
alloc = sys.argv[2:3] == ["alloc"]
txdelay = 0 if sys.argv[3:4] == ["0"] else 100
s = socket.socket()
s.connect(socket.getaddrinfo("127.0.0.1", port)[0][-1])
pump = Pump(FdPort())
stream = Stream(s)
if alloc:
    gc.collect()
    gc.disable()
    before = gc.mem_alloc()
    reason = pump.run(stream, 1, BOTH, None, tick, txdelay)
    after = gc.mem_alloc()
    gc.enable()
    sys.stderr.write("alloc %d\n" % (after - before))
else:
    reason = pump.run(stream, 1, BOTH)
s.close()
sys.exit(reason)
