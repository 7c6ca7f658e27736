"""A board's machine.UART as the modem's line (see core.py for what a line has), and the
classic modem lines DCD and DTR of a board that wires them."""


class UartPort:
    """A machine.UART (or anything with its read/write API) as the modem's line. char: the
    board gives timeout_char (the esp32 boards: boards/esp32_devkit.py), kept at one
    character's time in the driver's terms (12 bits, in ms, rounded up) at every speed."""

    def __init__(self, uart, char=False):
        self.uart = uart
        self.char = char
        self.rx_stream = self.tx_stream = uart  # the pump calls the UART's own readinto and write
        self.pollable = uart
        self.wpollable = uart
        self.baud = 0

    def readinto(self, mv, n=-1):
        return self.uart.readinto(mv, n) or 0

    def write(self, mv, off=0, n=-1):
        return self.uart.write(mv, off, n) or 0

    def set_baud(self, baud):
        if baud != self.baud:
            if self.char:
                self.uart.init(baudrate=baud, timeout_char=12000 // baud + 1)
            else:
                self.uart.init(baudrate=baud)
            self.baud = baud


class Lines:
    """DCD (an output, asserted while a data session is open) and DTR (an input: the host
    hangs up by dropping it) on the board's GPIOs DCD and DTR (None: not wired). Both are
    active low: the RS-232 level shifter inverts (docs/boards.md)."""

    def __init__(self, board, pin=None):
        if pin is None:
            from machine import Pin as pin  # the board layer only
        self.dcd = None if board.DCD is None else pin(board.DCD, pin.OUT, value=1)
        # pulled up: a DTR line left unwired reads "off" and never ends a session
        self.dtr = None if board.DTR is None else pin(board.DTR, pin.IN, pin.PULL_UP)
        self.seen = False  # DTR seen on in this session: only then is "off" a drop

    def carrier(self, on):
        """DCD on at the start of a data session, off at its end."""
        if self.dcd is not None:
            self.dcd.value(0 if on else 1)
        self.seen = False
        if on:
            self.dropped()  # DTR on as the session starts: a drop from now on hangs up

    def dropped(self):
        """True when DTR, on earlier in this session, is off now (a host that never raises
        DTR is never hung up)."""
        if self.dtr is None:
            return False
        if not self.dtr.value():
            self.seen = True
            return False
        return self.seen
