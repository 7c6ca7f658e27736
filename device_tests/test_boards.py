"""The board data modules: each loads with modem.setup, names what a board needs, and its
UART settings reach machine.UART (a stand-in put in sys.modules: nothing imports machine);
DCD follows the data session and a DTR drop ends it (machine.Pin stand-ins); the watchdog is
fed inside the long waits (a machine.WDT stand-in that fires when it is not)."""
import sys

import unittest

from kit import Rig, SessionPort, listener, needs_loopback
from modem import clock, main as setup
from modem.compat import sleep_ms, ticks_diff, ticks_ms
from modem.link import Link, LinkError
from modem.net_host import HostBackend
from modem.net_ppp import PppBackend
from standins import WDT, Network, Pin, Sim7600

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

    def any(self):
        return 0  # nobody on the other end: a cellular module that is not there

    def readinto(self, buf, n=-1):
        return None

    def write(self, data):
        return len(data)


class RTC:
    def datetime(self, dt=None):
        return (2000, 1, 1, 5, 0, 0, 0, 0)


class Machine:
    """A `machine` module with UART, RTC, Pin and WDT."""

    UART = UART
    RTC = RTC
    Pin = Pin
    WDT = WDT


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
            # rp2 allows at most 8388 ms; an esp32 watchdog must outlast a name lookup
            top = 8388 if b.MPY_ARCH == "armv6m" else 60000
            self.assertTrue(w is None or (isinstance(w, int) and 1000 <= w <= top), name)

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
            self.assertFalse(pin in (23, 24, 25, 29), pin)
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
            # the esp32 boards: the receiver's idle timeout one character (the driver's
            # timeout_char // its character time in ms), at 115200 and after a change of
            # speed; rp2 left at its own (a longer one only makes its reads wait longer)
            if b.MPY_ARCH == "xtensawin":
                self.assertEqual(b.UART["timeout_char"], 1)
                self.assertEqual(port.uart.kw["timeout_char"], 12000 // 9600 + 1)
            else:
                self.assertFalse("timeout_char" in port.uart.kw)

    def test_the_ppp_board_opens_its_modem_uart_and_wlan_boards_open_none(self):
        for name in BOARDS:
            b = setup.load(name)
            UART.made = []
            with _Swap(machine=Machine, network=Network("esp32")):
                backend = setup.backend(b, None, "", None)
            if b.NETWORK == "ppp":
                self.assertEqual([u.kw for u in UART.made], [b.MODEM_UART])
                self.assertIs(backend.uart, UART.made[0])
            else:
                self.assertEqual(UART.made, [])
                self.assertEqual(type(backend).__name__, "WlanBackend")

    def test_boards_with_rtc_get_the_machine_rtc_clock(self):
        for name in BOARDS:
            with _Swap(machine=Machine):
                c = clock.Clock(setup.load(name))
            self.assertIsNotNone(c.rtc, name)  # machine.RTC


OK = b"\r\nOK\r\n"


def cme(code):
    return b"\r\n#CME ERROR: %d\r\n" % code


def link_up(r):
    """The computer's own network as the link of a modem made for a board, up."""
    r.modem.link = Link(HostBackend())
    r.send("AT+CGATT=1")
    r.modem.link.tick(r.modem.say)
    got = r.send("AT#CONNECTIONSTART")
    assert got.endswith(b"Ok_Info_GprsActivation\r\n"), got


class UartPortTest(unittest.TestCase):
    """uart.UartPort passes the pump's (buf, n) and (buf, off, n) to machine.UART, which
    takes them as every MicroPython stream does: checked against one (io.BytesIO)."""

    def test_readinto_takes_at_most_n_bytes_and_write_the_part_at_off(self):
        import io

        from modem.compat import MPY

        # In the test, not in setUp: micropython-lib's unittest runs setUp outside its try.
        if not MPY:
            self.skipTest("MicroPython's stream arguments: the unix port or a board")
        from modem.uart import UartPort

        line = io.BytesIO(b"abcdef")
        port = UartPort(line)
        buf = bytearray(4)
        self.assertEqual(port.readinto(buf, 2), 2)
        self.assertEqual(buf, b"ab\x00\x00")
        self.assertEqual(port.readinto(buf), 4)
        self.assertEqual(buf, b"cdef")
        self.assertEqual(port.write(memoryview(b"0123456789"), 3, 4), 4)
        self.assertEqual(port.write(b"xyz", 1), 2)
        self.assertEqual(line.getvalue(), b"abcdef3456yz")

    def test_the_pollers_flags_are_the_ones_the_pump_takes_as_constants(self):
        # modem.pump has POLLIN, POLLOUT, POLLERR and POLLHUP as const() (no name looked up
        # per chunk): 1, 4, 8, 16, as MicroPython's select gives them on every port
        import select

        self.assertEqual((select.POLLIN, select.POLLOUT, select.POLLERR, select.POLLHUP),
                         (1, 4, 8, 16))


class LinesTest(unittest.TestCase):
    """DCD (out) and DTR (in) of the boards that wire them, on machine.Pin stand-ins."""

    def setUp(self):
        Pin.made = {}
        self.swap = _Swap(machine=Machine, network=Network("rp2"))
        self.swap.__enter__()
        self.rigs = []

    def tearDown(self):
        for r in self.rigs:
            r.close()
        self.swap.__exit__()

    def rig(self, board="pico_w", port=None):
        """A modem made for board, on port: a MemPort if None (only a data session needs a
        SessionPort, and so loopback: the other tests run on a board without one)."""
        r = Rig(board=board, port=port)
        self.rigs.append(r)
        return r

    def test_dcd_is_an_output_left_off_and_dtr_a_pulled_up_input(self):
        for name in BOARDS:
            Pin.made = {}
            b = setup.load(name)
            r = self.rig(name)
            dcd, dtr = Pin.made[b.DCD], Pin.made[b.DTR]
            self.assertEqual((dcd.mode, dcd.levels), (Pin.OUT, [1]), name)  # high: off
            self.assertEqual((dtr.mode, dtr.pull), (Pin.IN, Pin.PULL_UP), name)
            self.assertFalse(r.modem.hangup())

    def test_dcd_follows_a_tcp_session_and_a_dtr_drop_ends_it_as_the_hosts_etx_would(self):
        needs_loopback(self)
        b = setup.load("pico_w")
        r = self.rig(port=SessionPort())
        link_up(r)
        lis, port = listener()
        try:
            r.send('AT#TCPSERV=1,"127.0.0.1"')
            r.send("AT#TCPPORT=1,%d" % port)
            dcd, dtr = Pin.made[b.DCD], Pin.made[b.DTR]
            dtr.script = [0] * 12 + [1]  # on (low) as the session starts, dropped ~1.2 s on
            wdt = WDT(timeout=500)
            r.modem.w.kick = wdt.feed
            out = r.feed(b"AT#OTCP=1\rhello")
            self.assertEqual(out, b"\r\nOk_Info_WaitingForData\r\n"
                             b"\r\nOk_Info_SocketClosed\r\n" + OK)
            self.assertEqual(dcd.levels, [1, 0, 1])  # off, on for the session, off
            self.assertTrue(wdt.check(), wdt.longest)  # the pump's loop fed it
            self.assertTrue(wdt.feeds >= 5, wdt.feeds)
            c, _ = lis.accept()
            c.settimeout(2)
            got = b""
            while True:
                x = c.recv(100)
                if not x:
                    break  # the socket was closed
                got += x
            c.close()
            self.assertEqual(got, b"hello")  # what the host sent before it hung up
            self.assertEqual(r.send("AT"), OK)
            self.assertEqual(dcd.levels, [1, 0, 1])
        finally:
            lis.close()

    def test_only_a_drop_hangs_up_a_host_that_never_raises_dtr_is_never_hung_up(self):
        b = setup.load("pico_w")
        m = self.rig().modem
        dtr = Pin.made[b.DTR]
        dtr.script = [1]  # never on (the cable has no DTR)
        m.lines.carrier(1)
        for _ in range(5):
            self.assertFalse(m.hangup())
        dtr.script = [0, 0, 1]  # raised during the session, then dropped
        self.assertEqual([m.hangup(), m.hangup(), m.hangup()], [False, False, True])
        m.lines.carrier(0)
        dtr.script = [0, 1]
        m.lines.carrier(1)  # on as a session starts: a drop hangs up
        self.assertTrue(m.hangup())
        m.lines.carrier(0)

    def test_no_lines_on_a_board_without_them(self):
        r = Rig()
        self.rigs.append(r)
        self.assertIsNone(r.modem.lines)
        self.assertFalse(r.modem.hangup())
        b = setup.load("pico_w")
        dtr = b.DTR
        b.DTR = None
        try:
            m = self.rig().modem
        finally:
            b.DTR = dtr
        self.assertFalse(dtr in Pin.made, Pin.made)
        m.lines.carrier(1)
        self.assertFalse(m.hangup())
        m.lines.carrier(0)


class WatchdogTest(unittest.TestCase):
    """machine.WDT fed inside the waits that outlast it, through the modem's wait."""

    def setUp(self):
        self.r = Rig()
        self.wdt = WDT(timeout=500)
        self.r.modem.w.kick = self.wdt.feed

    def tearDown(self):
        self.r.close()

    def fed(self, at_least):
        self.assertTrue(self.wdt.check(), "not fed for %d ms" % self.wdt.longest)
        self.assertTrue(self.wdt.feeds >= at_least, self.wdt.feeds)

    def test_the_standin_fires_when_not_fed_in_time(self):
        sleep_ms(600)
        self.assertFalse(self.wdt.check())

    def test_an_ftp_server_that_does_not_answer_is_waited_for_with_the_watchdog_fed(self):
        needs_loopback(self)
        r = self.r
        link_up(r)
        lis, port = listener()  # connects (the backlog), never says a word
        try:
            r.send('AT#FTPSERV="127.0.0.1"')
            r.send("AT#FTPPORT=%d" % port)
            r.modem.reply_ms = 1500
            t0 = ticks_ms()
            self.assertEqual(r.send("AT#FTPGET"), cme(38016))
            self.assertTrue(ticks_diff(ticks_ms(), t0) >= 1500)
        finally:
            lis.close()
        self.fed(10)

    def test_a_commands_wait_feeds_the_watchdog(self):
        import socket

        from modem.compat import POLLIN

        needs_loopback(self)
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(socket.getaddrinfo("127.0.0.1", 0)[0][-1])
        try:
            self.assertFalse(self.r.modem.wait(u, POLLIN, 1500))
        finally:
            u.close()
        self.fed(10)

    def test_ppp_coming_up_feeds_the_watchdog(self):
        class Board:
            kick = self.wdt.feed

        net = Network()
        net.ppp_ok = False  # PPP never comes up: the whole wait
        sim = Sim7600()
        b = PppBackend(Board, self.r.modem.params, sim, net)
        b.ppp_ms = 1500
        b.guard_ms = 300
        self.r.send('AT#APNSERV="internet"')
        b.attach()
        with self.assertRaises(LinkError):
            b.start(self.r.modem.params)
        self.fed(10)
