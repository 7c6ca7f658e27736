"""Raspberry Pi Pico W (RP2040 + CYW43 Wi-Fi): the host's line on UART0, GPIO 0 to 3."""
NAME = "pico_w"
MPY_ARCH = "armv6m"  # mpy-cross -march for the RP2040 (Cortex-M0+)
NETWORK = "wlan"  # the CYW43 radio, network.WLAN(STA_IF)
# machine.UART(**UART). rp2 takes pin numbers; UART0's pins are TX 0/12/16, RX 1/13/17,
# CTS 2/14/18, RTS 3/15/19. flow = UART.CTS | UART.RTS (1 | 2 on rp2), as an int so that
# this module imports nothing. Buffers: 32 to 32766 bytes (256 by default). No timeout_char:
# rp2 reads on while bytes keep coming, up to what is asked, until the line has been quiet
# that long, at least 1 ms (its floor at 115200); more would only lengthen it.
UART = {
    "id": 0,
    "baudrate": 115200,
    "tx": 0,
    "rx": 1,
    "cts": 2,
    "rts": 3,
    "flow": 3,
    "txbuf": 1024,
    "rxbuf": 1024,
    "timeout": 0,
}
DCD = 6  # output: carrier detect to the host (None: not wired)
DTR = 7  # input: data terminal ready from the host (None: not wired)
RI = None  # ring indicator: not wired
RTC = True  # the clock is machine.RTC
FLASH_DIR = ""  # the parameters at the root of the littlefs filesystem
WIND = True  # +WIND: 13 at start-up
WDT_MS = 8000  # machine.WDT timeout in ms (rp2: at most 8388); None: no watchdog
SNTP_SERVERS = ("pool.ntp.org", "time.google.com", "time.cloudflare.com")
# VERSION is left to the default; a board may set the exact string of the unit it replaces:
# VERSION = "..."
