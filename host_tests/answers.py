"""What the modem answers, as bytes on the line: the results the tests wait for."""
OK = b"\r\nOK\r\n"
ERROR = b"\r\nERROR\r\n"
WAITING = b"\r\nOk_Info_WaitingForData\r\n"
CLOSED = b"\r\nOk_Info_SocketClosed\r\n\r\nOK\r\n"
BEGIN = b"\r\nOk_Info_DataBegin\r\n"
GPRS = b"Ok_Info_GprsActivation\r\n"
DLE, ETX = b"\x10", b"\x03"


def cme(code):
    return b"\r\n#CME ERROR: %d\r\n" % code
