"""The clock's calendar arithmetic and the board clock over machine.RTC (a stand-in)."""
import unittest

from modem import clock


class FakeRTC:
    """machine.RTC: datetime() gets, datetime(tuple) sets (year, month, day, weekday,
    hours, minutes, seconds, subseconds)."""

    def __init__(self):
        self.dt = (2000, 1, 1, 5, 0, 0, 0, 0)

    def datetime(self, dt=None):
        if dt is None:
            return self.dt
        self.dt = tuple(dt)


class ClockTest(unittest.TestCase):
    def test_civil_and_days_from_civil_agree_across_the_calendar(self):
        for secs in (0, 86399, 951782400, 951868800, 1700000000, 4102444799, 1709168523):
            y, mo, d, h, mi, s = clock.civil(secs)
            self.assertEqual(clock.days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s,
                             secs)
        self.assertEqual(clock.civil(951782400), (2000, 2, 29, 0, 0, 0))
        self.assertEqual(clock.text(1700000000), "23/11/14,22:13:20")

    def test_parse_takes_the_3gpp_form_and_refuses_impossible_dates(self):
        self.assertEqual(clock.parse("23/11/14,22:13:20+00"), (1700000000, 0))
        self.assertEqual(clock.parse("23/11/14,22:13:20-14"), (1700000000, -14))
        for bad in ("23/11/14 22:13:20", "23/02/29,00:00:00", "23/11/14,24:00:00", "x"):
            self.assertIsNone(clock.parse(bad), bad)

    def test_rtc_clock_sets_the_board_rtc_with_the_weekday(self):
        rtc = FakeRTC()
        c = clock.Clock(None)
        c.rtc = rtc
        c.set(1700000000, 4)  # a Tuesday
        self.assertEqual(rtc.dt, (2023, 11, 14, 1, 22, 13, 20, 0))
        self.assertEqual(c.now(), 1700000000)
        self.assertEqual(c.zone, 4)


if __name__ == "__main__":
    unittest.main()
