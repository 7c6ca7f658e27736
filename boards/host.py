"""The computer itself: the modem on a pseudo-terminal (make run) and in the tests."""
NAME = "host"
NETWORK = "host"  # the computer's own network stack
UART = None  # the pty master handed over as stdin/stdout
FLASH_DIR = ".flash"  # overridden by MODEM_FLASH / make run FLASH=
SNTP_SERVERS = ("pool.ntp.org", "time.google.com", "time.cloudflare.com")
