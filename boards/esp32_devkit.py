"""ESP32 DevKit (ESP32-WROOM-32, Wi-Fi): the host's line on UART2, GPIO 16 to 19."""
NAME = "esp32_devkit"
MPY_ARCH = "xtensawin"  # mpy-cross -march for the ESP32 (Xtensa LX6, windowed)
NETWORK = "wlan"  # the ESP32's own radio, network.WLAN(STA_IF)
# machine.UART(**UART). The ESP32 routes any UART to almost any GPIO; 16/17 are UART2's
# usual pins, 18/19 are free on a DevKit (avoid 6 to 11, the flash, and 34 to 39, inputs
# only, for outputs). flow = UART.RTS | UART.CTS (1 | 2 on esp32), as an int so that this
# module imports nothing. rxbuf must be over 128 (the hardware FIFO); txbuf 0 or over 128.
# timeout_char 1 (ms): the esp32 port sets the receiver's idle timeout from it, one
# character here, and leaves the FIFO's threshold at ESP-IDF's 120 bytes, so the driver
# hands bytes on in bursts, at the burst's end; with 0 it sets both to 1 and every byte
# wakes the modem on its own (docs/boards.md). Reads do not wait for it (timeout 0).
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
