"""Weeks and months: parsing week strings and dates, week starts, labels.

A week is identified by the date of its first day. With ``week_starts: monday`` weeks are
ISO weeks; with another start day a week is labelled by the ISO week of the Monday inside it,
so "2026-W47" means the same seven-day stretch give or take the start day.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache

from kpireview.errors import KpiError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
YEAR_AGO = timedelta(days=364)
_WEEK_RE = re.compile(r"^\s*(\d{4})-?W(\d{1,2})(?:-?(\d))?\s*$", re.IGNORECASE)
WEEK_RE = _WEEK_RE
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTHS = tuple(_MONTHS)
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2200, 12, 31)


class PeriodError(KpiError):
    """A week or date string that cannot be read."""


class FarDateError(PeriodError):
    """A date outside the years a review can hold."""


def in_range(day: date, text: str) -> date:
    """``day``, if it lies in the years a review can hold (1970 to 2200)."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise FarDateError(f"'{text.strip()}' is outside {FIRST_DAY} to {LAST_DAY}")
    return day


def week_start(day: date, starts: int = 0) -> date:
    """First day of the week containing ``day`` for weeks starting on weekday ``starts``."""
    return day - timedelta(days=(day.weekday() - starts) % 7)


def week_end(start: date) -> date:
    """Last day of the week that begins on ``start``."""
    return start + timedelta(days=6)


@lru_cache(maxsize=8192)  # called per decision and per flag on every build
def week_label(start: date, starts: int = 0) -> str:
    """ISO-style label of a week, e.g. '2026-W47'."""
    monday = start + timedelta(days=(0 - starts) % 7)
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week_span_text(start: date) -> str:
    """Human text for a week's days, e.g. '16–22 Nov 2026' or '28 Dec 2026 – 3 Jan 2027'."""
    end = week_end(start)
    if start.year != end.year:
        return f"{_day(start)} {start.year} – {_day(end)} {end.year}"
    if start.month != end.month:
        return f"{_day(start)} – {_day(end)} {end.year}"
    return f"{start.day}–{_day(end)} {end.year}"


def _day(d: date) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]}"


@lru_cache(maxsize=65536)
def parse_day(text: str) -> date:
    """A date from common spellings ('2026-11-18', 'Sun, 05-Jan-2020', '2026-W47').

    A week string gives the Monday of that ISO week (or the given ISO weekday). A date needs
    a day, a month and a four-digit year; '01/02/2026', which reads two ways, is refused.
    """
    from kpireview.dates import spelling, text_of

    cell = spelling(text)
    if cell.day:
        return cell.day
    if cell.ambiguous:
        a, b = cell.day_first, cell.month_first
        assert a and b
        raise PeriodError(
            f"'{text.strip()}' could be {text_of(a)} or {text_of(b)} {a.year} "
            f"(write {a.isoformat()} or {b.isoformat()})"
        )
    return in_range(cell.day_first or cell.month_first, text)  # type: ignore[arg-type]


def parse_week(text: str, starts: int = 0) -> date:
    """Start of the week named by a week string or any date inside it."""
    return week_start(parse_day(text), starts)


_SHORT_WEEK_RE = re.compile(r"^\s*W(\d{1,2})\s*$", re.IGNORECASE)


def parse_week_near(text: str, starts: int, near: date) -> date:
    """Start of the week named by a week string, a date inside it, or a week number alone
    ('W41'): that week of ``near``'s year, or of the year before when it comes after ``near``."""
    short = _SHORT_WEEK_RE.match(text)
    if not short:
        return parse_week(text, starts)
    year = int(week_label(near, starts)[:4])
    found = None
    for y in (year, year - 1):
        try:
            found = parse_week(f"{y}-W{int(short[1]):02d}", starts)
        except PeriodError:
            continue  # no such week that year (a week 53)
        if found <= near:
            return found
    if found is None:
        raise PeriodError(f"'{text.strip()}' is not a week of {year - 1} or {year}")
    return found


def is_week_string(text: str) -> bool:
    return bool(_WEEK_RE.match(text))


def month_of(start: date) -> date:
    """The month a week belongs to: the month holding most of its days (its fourth day)."""
    mid = start + timedelta(days=3)
    return date(mid.year, mid.month, 1)


def add_months(month: date, n: int) -> date:
    """First day of the month ``n`` months after ``month``."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


_RELATIVE_RE = re.compile(r"^\s*\+\s*(\d{1,4})\s*([dw])\s*$", re.IGNORECASE)


def parse_due(text: str, today: date) -> date:
    """A due date: 'fri' (the next Friday after today), '+7d', '+2w', '2026-W49' (its
    Friday) or any date."""
    stripped = text.strip().lower()
    m = _RELATIVE_RE.match(stripped)
    if m:
        days = int(m[1]) * (7 if m[2].lower() == "w" else 1)
        return in_range(today + timedelta(days=days), text)
    for i, name in enumerate(WEEKDAYS):
        if len(stripped) >= 3 and name.startswith(stripped):
            return today + timedelta(days=(i - today.weekday() - 1) % 7 + 1)
    if stripped in ("today", "tomorrow"):
        return today + timedelta(days=0 if stripped == "today" else 1)
    week = _WEEK_RE.match(stripped)
    if week and not week[3]:
        return parse_day(text.strip()) + timedelta(days=4)  # errors quote it as typed
    try:
        return parse_day(text)
    except FarDateError:
        raise
    except PeriodError:
        raise PeriodError(
            f"'{text.strip()}' is not a due date (try 2026-11-27, fri, +7d or 2026-W49)"
        ) from None
