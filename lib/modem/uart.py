"""A board's machine.UART as the modem's line (see ports.py for what a line has)."""


class UartPort:
    """A machine.UART (or anything with its read/write API) as the modem's line."""

    def __init__(self, uart):
        self.uart = uart
        self.pollable = uart
        self.wpollable = uart
        self.baud = 0

    def readinto(self, mv):
        return self.uart.readinto(mv) or 0

    def write(self, mv):
        return self.uart.write(mv) or 0

    def set_baud(self, baud):
        if baud != self.baud:
            self.uart.init(baudrate=baud)
            self.baud = baud
