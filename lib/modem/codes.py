"""Result strings and error codes (spec 9.1, 9.2; docs/decisions.md), with their texts."""
from .compat import const

# Final result "ERROR" (unknown command, malformed line): not a CME code.
ERROR = const(0)

NO_SIM = const(10)  # 27.007's: AT+CIMI, AT+CCID on a board without a SIM
# The Wavecom IP stack's codes beyond the GenPro's table (docs/decisions.md section 9); its
# 34817, 34819, 34881 and 34882 have texts below, but this firmware answers those cases as
# the GenPro does (ERROR, 36929)
SAVE_FAILED = const(34824)  # the flash (EEPROM) write of a parameter failed
NO_ACTIVITY = const(35862)  # a data connection on which nothing moved in time
SERVICE_RUNNING = const(37123)  # a parameter of a service that runs cannot be set now

ALREADY_RUNNING = const(35840)  # CONNECTIONSTART while the link is up
SESSION_LOST = const(35841)  # link lost while up
NOT_ATTACHED = const(35865)  # CONNECTIONSTART before attach / no network
ACTIVATION_FAILED = const(35866)  # association / PPP negotiation failed
NO_LINK = const(35867)  # a command needs the link while it is down
CONNECTION_ABORTED = const(35868)  # refused by the network (credentials, APN)
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

# The text of each code for AT+CMEE=2 (spec 9.2), a line each.
TEXT = """10 SIM not inserted
34817 Unknown command
34819 Syntax error
34824 EEPROM write failed
34881 Command too long
34882 Bad argument value
35840 Modem is already running
35841 GPRS session lost
35865 Module is not attached to the network
35866 Invalid event during activation process
35867 Physical layer connection is currently not active
35862 Timeout, no activity on network connection
35868 GPRS connection aborted
36929 Bad parameter configuration attempt
37122 Another internal application is already running
37123 Service running, unable to set parameter
37964 SMTP server did not answer
37966 Session closed by peer
38016 Open session attempt failed
38022 Change Directory attempt failed
38027 No answer from DNS servers
38060 TLS: server certificate not trusted
49155 Internal error
"""


class ATError(Exception):
    """A command failed: code 0 prints ERROR, any other code #CME ERROR: <code>."""

    def __init__(self, code):
        self.code = code


def final(code, cmee):
    """The final result line of an error code under AT+CMEE=cmee (0 ERROR, 1 the code, 2 the
    code's text)."""
    if code == ERROR or cmee == 0:
        return "ERROR"
    if cmee == 2:
        return "#CME ERROR: " + text(code)
    return "#CME ERROR: %d" % code


def text(code):
    """The spec's words for an error code (AT+CMEE=2), or the code itself."""
    key = "%d " % code
    i = TEXT.find(key)
    if i < 0:
        return str(code)
    return TEXT[i + len(key):TEXT.find("\n", i)]
