"""Result strings and error codes (spec 9.1, 9.2; DECISIONS.md section 7)."""
from .compat import const

# Final result "ERROR" (unknown command, malformed line): not a CME code.
ERROR = const(0)

ALREADY_RUNNING = const(35840)  # CONNECTIONSTART while the link is up
SESSION_LOST = const(35841)  # link lost while up
NOT_ATTACHED = const(35865)  # CONNECTIONSTART before attach / no network
ACTIVATION_FAILED = const(35866)  # association / PPP negotiation failed
CONNECTION_ABORTED = const(35868)  # refused by the network (credentials, APN)
NO_LINK = const(35867)  # a command needs the link while it is down
BAD_PARAMETER = const(36929)  # illegal value, bad id, GPRSMODE 0 at start
BUSY = const(37122)  # a second transfer or socket while one runs
OPEN_FAILED = const(38016)  # TCP connect refused/timed out; FTP login/file refused
CWD_FAILED = const(38022)  # FTP change of directory refused
DNS_FAILED = const(38027)  # name resolution failed
INTERNAL = const(49155)  # anything unforeseen inside the firmware

OK_GPRS = "Ok_Info_GprsActivation"
OK_WAITING = "Ok_Info_WaitingForData"
OK_CLOSED = "Ok_Info_SocketClosed"
OK_DATA = "Ok_Info_DataBegin"


class ATError(Exception):
    """A command failed: code 0 prints ERROR, any other code #CME ERROR: <code>."""

    def __init__(self, code):
        self.code = code
