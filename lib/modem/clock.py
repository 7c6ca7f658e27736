"""The modem's real-time clock: local time (UTC plus the EGNTPUTC offset) and its zone.

Seconds count from 1970-01-01 on every runtime (the calendar arithmetic is done here, not
by time.gmtime, whose epoch differs between ports). On the host the clock is an offset
kept by the modem over the computer's clock, which it never changes; on a board it is
machine.RTC.
"""
import time


def days_from_civil(y, m, d):
    """Days since 1970-01-01 of a Gregorian date (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil(secs):
    """(year, month, day, hour, minute, second) of seconds since 1970."""
    days, rem = divmod(secs, 86400)
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    y = yoe + era * 400 + (m <= 2)
    return y, m, d, rem // 3600, rem // 60 % 60, rem % 60


def text(secs):
    """yy/MM/dd,hh:mm:ss (the spec's SNTP display, and +CCLK without the zone)."""
    y, mo, d, h, mi, s = civil(secs)
    return "%02d/%02d/%02d,%02d:%02d:%02d" % (y % 100, mo, d, h, mi, s)


def parse(t):
    """Seconds since 1970 and the zone in quarter hours from "yy/MM/dd,hh:mm:ss+zz";
    None when it is not that."""
    b = t.encode()
    if len(b) not in (17, 20) or b[2] != 47 or b[5] != 47 or b[8] != 44 or b[11] != 58 \
            or b[14] != 58:
        return None
    try:
        y, mo, d = int(b[0:2]), int(b[3:5]), int(b[6:8])
        h, mi, s = int(b[9:11]), int(b[12:14]), int(b[15:17])
        z = int(b[17:20]) if len(b) == 20 else 0
    except ValueError:
        return None
    if len(b) == 20 and b[17] not in b"+-":
        return None
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h < 24 and mi < 60 and s < 60 and -48 <= z <= 56):
        return None
    days = days_from_civil(2000 + y, mo, d)
    if civil(days * 86400)[1:3] != (mo, d):
        return None  # 31 April, 30 February
    return days * 86400 + h * 3600 + mi * 60 + s, z


class Clock:
    """The modem's clock: machine.RTC where the board says it has one, else (the host) an
    offset in seconds over the computer's clock, which is never changed; and the zone, in
    quarter hours, that the host or SNTP gave with the time."""

    def __init__(self, board):
        self.rtc = None
        if getattr(board, "RTC", False):
            from machine import RTC  # the board layer only

            self.rtc = RTC()
        self.offset = 0
        self.zone = 0

    def now(self):
        """Local time in seconds since 1970."""
        if self.rtc is None:
            return int(time.time()) + self.offset
        y, mo, d, _, h, mi, s, _ = self.rtc.datetime()
        return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s

    def set(self, secs, zone):
        if self.rtc is None:
            self.offset = secs - int(time.time())
        else:
            y, mo, d, h, mi, s = civil(secs)
            wd = (secs // 86400 + 3) % 7  # 1970-01-01 was a Thursday; RTC weekday 0 = Monday
            self.rtc.datetime((y, mo, d, wd, h, mi, s, 0))
        self.zone = zone
