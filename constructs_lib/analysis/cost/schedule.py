"""How many hours a week a scheduled capacity runs: Application Auto Scaling ``cron(...)`` schedules.

A service with scheduled actions (office hours: "min 1 at 07:00 MON-FRI", "min 0 at 19:00 MON-FRI") runs
at the minimum capacity of the last action that fired. Over one week of minutes that gives a capacity
per minute; the estimate multiplies the weekly average by the hours of a month. The week is read in the
actions' own time zone, so daylight-saving shifts do not change it.

Only ``cron(minutes hours day-of-month month day-of-week year)`` with ``*``/``?`` for day of month, month
and year is understood (what recurs every week). ``at(...)``, ``rate(...)`` and calendar dates raise
:class:`ScheduleError`; the estimator then assumes the unscheduled capacity and says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MINUTES_PER_WEEK = 7 * 24 * 60
HOURS_PER_WEEK = 7 * 24
#: Day-of-week names as AWS cron accepts them; AWS numbers days 1 (SUN) to 7 (SAT).
_DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_CRON = re.compile(r"cron\((?P<body>[^)]*)\)")


class ScheduleError(ValueError):
    """A schedule expression the estimate cannot turn into weekly hours."""


@dataclass(frozen=True)
class ScheduledCapacity:
    """One scheduled action: from ``schedule`` on, at least ``min_capacity`` tasks run."""

    schedule: str
    min_capacity: int


def weekly_minutes(expression: str) -> list[int]:
    """The minutes of the week (0 = Sunday 00:00) at which ``expression`` fires, sorted."""
    match = _CRON.fullmatch(expression.strip())
    if not match:
        raise ScheduleError(f"{expression!r}: only cron(...) schedules are understood")
    fields = match["body"].split()
    if len(fields) != 6:
        raise ScheduleError(f"{expression!r}: cron needs 6 fields (minutes hours day-of-month month day-of-week year)")
    minutes_field, hours_field, day_of_month, month, day_of_week, year = fields
    for name, field in (("day-of-month", day_of_month), ("month", month), ("year", year)):
        if field not in ("*", "?"):
            raise ScheduleError(f"{expression!r}: {name} {field!r} does not recur weekly")
    minutes = _values(minutes_field, 0, 59, expression)
    hours = _values(hours_field, 0, 23, expression)
    days = range(7) if day_of_week in ("*", "?") else _days(day_of_week, expression)
    return sorted(day * 1440 + hour * 60 + minute for day in days for hour in hours for minute in minutes)


def weekly_capacity_profile(base_capacity: int, actions: Sequence[ScheduledCapacity]) -> dict[int, float]:
    """Hours per week at each capacity: the capacity of the last action that fired, minute by minute.

    Without actions that is ``base_capacity`` all week. With actions, the state at the start of the week is
    the one the last action of the previous week left (the schedule repeats).
    """
    events = sorted((minute, action.min_capacity) for action in actions for minute in weekly_minutes(action.schedule))
    if not events:
        return {base_capacity: float(HOURS_PER_WEEK)}
    profile: dict[int, float] = {}
    for index, (minute, capacity) in enumerate(events):
        following = events[index + 1][0] if index + 1 < len(events) else events[0][0] + MINUTES_PER_WEEK
        profile[capacity] = profile.get(capacity, 0.0) + (following - minute) / 60
    return profile


def weekly_capacity_hours(base_capacity: int, actions: Sequence[ScheduledCapacity]) -> float:
    """Task-hours per week (see :func:`weekly_capacity_profile`)."""
    return sum(capacity * hours for capacity, hours in weekly_capacity_profile(base_capacity, actions).items())


def _values(field: str, low: int, high: int, expression: str) -> list[int]:
    values: set[int] = set()
    for part in field.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = _integer(step_text, 1, high, expression)
        if part == "*":
            start, end = low, high
        elif "-" in part:
            start_text, end_text = part.split("-", 1)
            start, end = _integer(start_text, low, high, expression), _integer(end_text, low, high, expression)
        else:
            start = end = _integer(part, low, high, expression)
        if start > end:
            raise ScheduleError(f"{expression!r}: range {part!r} runs backwards")
        values.update(range(start, end + 1, step))
    return sorted(values)


def _days(field: str, expression: str) -> list[int]:
    days: set[int] = set()
    for part in field.split(","):
        if "-" in part:
            start_text, end_text = part.split("-", 1)
            start, end = _day(start_text, expression), _day(end_text, expression)
            if start > end:
                raise ScheduleError(f"{expression!r}: day range {part!r} runs backwards")
            days.update(range(start, end + 1))
        else:
            days.add(_day(part, expression))
    return sorted(days)


def _day(text: str, expression: str) -> int:
    name = text.upper()
    if name in _DAY_NAMES:
        return _DAY_NAMES.index(name)
    return _integer(text, 1, 7, expression) - 1


def _integer(text: str, low: int, high: int, expression: str) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        raise ScheduleError(f"{expression!r}: {text!r} is not a value from {low} to {high}")
    return int(text)
