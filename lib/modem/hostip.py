"""The computer's own addresses, for AT#CONNECTIONSTART on the host backend."""
import socket


def local_address():
    """The address the computer would use to reach the outside (a UDP connect sends nothing),
    or 127.0.0.1 where that cannot be told (no route, no getsockname on the unix port)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(socket.getaddrinfo("192.0.2.1", 9)[0][-1])
        return s.getsockname()[0]
    except (OSError, AttributeError, IndexError):
        return "127.0.0.1"
    finally:
        s.close()


def gateway():
    """The default gateway from /proc/net/route (Linux), or 0.0.0.0."""
    try:
        with open("/proc/net/route") as f:
            for line in f.read().split("\n")[1:]:
                parts = line.split()
                if len(parts) > 2 and parts[1] == "00000000":
                    g = int(parts[2], 16)
                    return "%d.%d.%d.%d" % (g & 255, (g >> 8) & 255, (g >> 16) & 255, g >> 24)
    except (OSError, ValueError):
        pass
    return "0.0.0.0"
