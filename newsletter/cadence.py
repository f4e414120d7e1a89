"""When issues go out: a cadence ([schedule] in newsletter.toml) as send days and times.

A cadence is a first send day (`anchor`), a number of days between issues (`every`: 7 for
weekly, 1 for daily, N for "every N days") and a send time in a time zone. Every send
*slot* is `anchor + k * every` days at that local time, so the slots never drift with
daylight saving: 07:00 in Lisbon stays 07:00 in Lisbon. Each slot names one issue: the
ISO week of its day for a weekly cadence (`2026-W49`), its date otherwise (`2026-12-03`).

Pure functions over values; the caller passes the moment in (`newsletter run` its clock,
`newsletter build` its day). Standard library only: config.py validates with it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from newsletter.control_chars import quoted

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EVERY = re.compile(r"every\s+(\d{1,3})\s+days?")
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_MONDAY = dt.date(2024, 1, 1)  # a Monday: weekly anchors count from it


@dataclass(frozen=True, slots=True)
class Cadence:
    """The send slots of a schedule: `anchor + k * every` days, at `at` in `zone`."""

    kind: str  # weekly | daily | days
    every: int  # days between issues
    anchor: dt.date  # one send day
    at: dt.time
    zone: ZoneInfo

    @classmethod
    def parse(cls, cadence: str, day: str, start: str, time: str, timezone: str) -> Cadence:
        """The [schedule] values read; ValueError says which one is wrong and how to write it."""
        at = _parse_time(time)
        zone = _parse_zone(timezone)
        words = " ".join(cadence.lower().split())
        if words == "weekly":
            if day.lower() not in WEEKDAYS:
                raise ValueError(
                    f"day {quoted(day)} is not a weekday; write one of {', '.join(WEEKDAYS)}"
                )
            anchor = _MONDAY + dt.timedelta(days=WEEKDAYS.index(day.lower()))
            return cls("weekly", 7, anchor, at, zone)
        if words == "daily":
            return cls("daily", 1, _MONDAY, at, zone)
        m = _EVERY.fullmatch(words)
        if not m or not 1 <= int(m.group(1)) <= 366:
            raise ValueError(
                f'cadence \'{cadence}\': write "weekly", "daily" or "every N days" (N 1-366)'
            )
        try:
            anchor = dt.date.fromisoformat(start)
        except ValueError:
            raise ValueError(
                f'start \'{start}\': "every N days" needs the date of one issue, e.g. "2026-12-03"'
            ) from None
        return cls("days", int(m.group(1)), anchor, at, zone)

    def slot_on(self, day: dt.date) -> dt.datetime:
        """The send time on a given day (aware, in the schedule's zone)."""
        return dt.datetime.combine(day, self.at, tzinfo=self.zone)

    def _index(self, day: dt.date) -> int:
        return (day - self.anchor).days // self.every

    def slot_at_or_before(self, moment: dt.datetime) -> dt.datetime:
        """The last send slot at or before `moment` (an aware datetime)."""
        local = moment.astimezone(self.zone)
        day = self.anchor + dt.timedelta(days=self._index(local.date()) * self.every)
        slot = self.slot_on(day)
        if slot > moment:
            slot = self.slot_on(day - dt.timedelta(days=self.every))
        return slot

    def slot_after(self, moment: dt.datetime) -> dt.datetime:
        """The first send slot strictly after `moment`."""
        last = self.slot_at_or_before(moment)
        return self.slot_on(last.date() + dt.timedelta(days=self.every))

    def send_day_from(self, today: dt.date) -> dt.date:
        """The send day of the issue a build on `today` makes: the first send day on or after."""
        index = -((today - self.anchor).days // -self.every)  # ceiling division
        return self.anchor + dt.timedelta(days=index * self.every)

    def issue_id(self, day: dt.date) -> str:
        """The id of the issue sent on `day`: `2026-W49` weekly, `2026-12-03` otherwise."""
        if self.kind == "weekly":
            year, week, _ = day.isocalendar()
            return f"{year}-W{week:02d}"
        return day.isoformat()

    def describe(self) -> str:
        """`weekly on Thursday at 07:00 Europe/Lisbon`: for messages."""
        when = {
            "weekly": f"weekly on {WEEKDAYS[self.anchor.weekday()].capitalize()}",
            "daily": "daily",
            "days": f"every {self.every} days from {self.anchor.isoformat()}",
        }[self.kind]
        return f"{when} at {self.at.strftime('%H:%M')} {self.zone.key}"


def _parse_time(time: str) -> dt.time:
    m = _TIME.fullmatch(time.strip())
    if not m:
        raise ValueError(f'time {quoted(time)}: write the send time as HH:MM, e.g. "07:00"')
    return dt.time(int(m.group(1)), int(m.group(2)))


def _parse_zone(timezone: str) -> ZoneInfo:
    """The zone, or ValueError telling a wrong name from a machine with no zone database."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    if not zone_database_present():
        raise ValueError(
            f"timezone {quoted(timezone)}: this machine has no time zone database (zoneinfo finds "
            "no zone at all, not even UTC), so no name can be checked; install it: "
            "`pip install tzdata` (newsletter depends on it: reinstall newsletter), or the "
            "system's tzdata package"
        )
    close = difflib.get_close_matches(timezone, sorted(available_timezones()), n=1)
    hint = f"did you mean {quoted(close[0])}? " if close else ""
    raise ValueError(
        f"timezone {quoted(timezone)}: not a time zone name; {hint}write one like "
        '"Europe/Lisbon" or "UTC"'
    )


def zone_database_present() -> bool:
    """True when zoneinfo finds zones at all (the system's files, or the tzdata package)."""
    try:
        ZoneInfo("UTC")
    except ZoneInfoNotFoundError:
        return False
    return True
