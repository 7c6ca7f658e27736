"""ESP32 DevKit + SIM7600 cellular module: the host on UART2, the module on UART1 (PPP)."""
NAME = "esp32_sim7600"
MPY_ARCH = "xtensawin"  # mpy-cross -march for the ESP32 (Xtensa LX6, windowed)
NETWORK = "ppp"  # the SIM7600 over PPP (lib/modem/net_ppp.py), network.PPP
# The host's line: as on esp32_devkit (timeout_char: see there). flow = UART.RTS | UART.CTS
# (1 | 2), as an int.
UART = {
    "id": 2,
    "baudrate": 115200,
    "tx": 17,
    "rx": 16,
    "rts": 18,
    "cts": 19,
    "flow": 3,
    "txbuf": 1024,
    "rxbuf": 1024,
    "timeout": 0,
    "timeout_char": 1,
}
# The cellular module's line: UART1 moved off its default pins (9/10 are the flash).
# The module's RTS/CTS are wired too: PPP bursts would overrun the receive buffer.
MODEM_UART = {
    "id": 1,
    "baudrate": 115200,
    "tx": 25,
    "rx": 26,
    "rts": 32,
    "cts": 33,
    "flow": 3,
    "txbuf": 1024,
    "rxbuf": 2048,
    "timeout": 0,
}
DCD = 21  # output: carrier detect to the host (None: not wired)
DTR = 22  # input: data terminal ready from the host (None: not wired)
RI = None  # ring indicator: not wired
RTC = True  # the clock is machine.RTC
FLASH_DIR = ""  # the parameters at the root of the littlefs filesystem
WIND = True  # +WIND: 13 at start-up
# machine.WDT timeout in ms; None: no watchdog. Longer than on rp2: the esp32 port's
# getaddrinfo blocks in ESP-IDF with no MicroPython code running, so boot.hold's timer
# cannot feed the watchdog during a name lookup; 30 s outlasts lwIP's DNS retries.
WDT_MS = 30000
SNTP_SERVERS = ("pool.ntp.org", "time.google.com", "time.cloudflare.com")
# VERSION is left to the default; a board may set the exact string of the unit it replaces:
# VERSION = "..."
