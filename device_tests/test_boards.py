"""The board data modules: each loads with modem.setup, names what a board needs, and its
UART settings reach machine.UART (a stand-in put in sys.modules: nothing imports machine)."""
import sys

import unittest

from modem import clock, setup
from standins import Network

BOARDS = ("pico_w", "esp32_devkit", "esp32_sim7600")
ARCHS = {"pico_w": "armv6m", "esp32_devkit": "xtensawin", "esp32_sim7600": "xtensawin"}
UART_PINS = ("tx", "rx", "rts", "cts")
FLOW = 3  # UART.RTS | UART.CTS, on rp2 (2 | 1) and on esp32 (1 | 2)


class UART:
    """machine.UART: keeps the keyword arguments it was made with."""

    made = []

    def __init__(self, **kw):
        self.kw = kw
        UART.made.append(self)

    def init(self, **kw):
        self.kw.update(kw)


class RTC:
    def datetime(self, dt=None):
        return (2000, 1, 1, 5, 0, 0, 0, 0)


class Machine:
    """A `machine` module with UART and RTC only."""

    UART = UART
    RTC = RTC


class _Swap:
    """sys.modules entries replaced for the length of a test."""

    def __init__(self, **mods):
        self.mods = mods
        self.saved = {}

    def __enter__(self):
        for k, v in self.mods.items():
            self.saved[k] = sys.modules.get(k)
            sys.modules[k] = v
        return self

    def __exit__(self, *exc):
        for k, v in self.saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
        return False


def pins(board):
    """Every GPIO the board uses, by what it is for."""
    out = {}
    for k in UART_PINS:
        out["UART." + k] = board.UART[k]
    for k in UART_PINS:
        if getattr(board, "MODEM_UART", None):
            out["MODEM_UART." + k] = board.MODEM_UART[k]
    for k in ("DCD", "DTR", "RI"):
        if getattr(board, k) is not None:
            out[k] = getattr(board, k)
    return out


class BoardsTest(unittest.TestCase):
    def setUp(self):
        UART.made = []

    def test_every_board_names_its_settings_with_the_types_a_board_needs(self):
        for name in BOARDS:
            b = setup.load(name)
            self.assertEqual(b.NAME, name)
            self.assertIn(b.NETWORK, ("wlan", "ppp"))
            self.assertEqual(b.MPY_ARCH, ARCHS[name])
            self.assertIs(b.RTC, True)
            self.assertIs(b.WIND, True)
            self.assertEqual(b.FLASH_DIR, "")
            self.assertEqual(b.VERSION, setup.VERSION)  # left to the default
            self.assertTrue(len(b.SNTP_SERVERS) > 0)
            for s in b.SNTP_SERVERS:
                self.assertTrue(isinstance(s, str) and s, name)
            self.assertIsNone(b.RI)
            for k in ("DCD", "DTR"):
                v = getattr(b, k)
                self.assertTrue(v is None or isinstance(v, int), name + " " + k)
            w = getattr(b, "WDT_MS", None)
            self.assertTrue(w is None or (isinstance(w, int) and 1000 <= w <= 8388), name)

    def test_every_uart_has_hardware_flow_control_and_int_pins(self):
        for name in BOARDS:
            b = setup.load(name)
            uarts = [b.UART] + ([b.MODEM_UART] if b.NETWORK == "ppp" else [])
            for u in uarts:
                self.assertEqual(u["flow"], FLOW, name)
                for k in ("id", "baudrate") + UART_PINS:
                    self.assertTrue(isinstance(u[k], int), "%s %s" % (name, k))

    def test_no_board_uses_a_pin_twice(self):
        for name in BOARDS:
            used = pins(setup.load(name))
            gpios = list(used.values())
            for g in gpios:
                self.assertEqual(gpios.count(g), 1, "%s: GPIO %d twice in %r" % (name, g, used))

    def test_pico_w_uart_pins_are_ones_rp2040_routes_to_that_uart(self):
        # ports/rp2/machine_uart.c: GPIO n is UART ((n + 4) & 8) >> 3, function n & 3
        # (0 TX, 1 RX, 2 CTS, 3 RTS); the CYW43 radio has GPIO 23, 24, 25 and 29.
        b = setup.load("pico_w")
        for fn, k in enumerate(("tx", "rx", "cts", "rts")):
            pin = b.UART[k]
            self.assertEqual(pin & 3, fn, k)
            self.assertEqual(((pin + 4) & 8) >> 3, b.UART["id"], k)
        for pin in pins(b).values():
            self.assertNotIn(pin, (23, 24, 25, 29))
            self.assertTrue(0 <= pin <= 28)

    def test_esp32_pins_avoid_the_flash_and_outputs_avoid_input_only_pins(self):
        for name in ("esp32_devkit", "esp32_sim7600"):
            b = setup.load(name)
            used = pins(b)
            for what, pin in used.items():
                self.assertFalse(6 <= pin <= 11, "%s %s on the flash" % (name, what))
                self.assertTrue(0 <= pin <= 39, name)
                out = what.endswith(".tx") or what.endswith(".rts") or what == "DCD"
                if out:
                    self.assertFalse(34 <= pin <= 39, "%s %s input only" % (name, what))
            self.assertIn(b.UART["id"], (1, 2))  # UART0 is the USB console

    def test_the_at_line_is_a_machine_uart_made_with_the_board_kwargs(self):
        for name in BOARDS:
            b = setup.load(name)
            UART.made = []
            with _Swap(machine=Machine):
                port = setup.line(b)
            self.assertEqual(len(UART.made), 1)
            self.assertIs(port.uart, UART.made[0])
            self.assertEqual(port.uart.kw, b.UART)
            self.assertEqual(port.uart.kw["flow"], FLOW)
            port.set_baud(9600)
            self.assertEqual(port.uart.kw["baudrate"], 9600)

    def test_the_ppp_board_opens_its_modem_uart_and_wlan_boards_open_none(self):
        for name in BOARDS:
            b = setup.load(name)
            UART.made = []
            with _Swap(machine=Machine, network=Network("esp32")):
                backend = setup.backend(b, None, "")
            if b.NETWORK == "ppp":
                self.assertEqual([u.kw for u in UART.made], [b.MODEM_UART])
                self.assertIs(backend.uart, UART.made[0])
            else:
                self.assertEqual(UART.made, [])
                self.assertEqual(type(backend).__name__, "WlanBackend")

    def test_boards_with_rtc_get_the_machine_rtc_clock(self):
        for name in BOARDS:
            with _Swap(machine=Machine):
                c = clock.state(setup.load(name))
            self.assertIsNotNone(c[0], name)  # machine.RTC
