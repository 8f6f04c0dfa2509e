"""Reading dates: a day, a month and a four-digit year, in one day/month order per file.

A cell like ``01/02/2026`` is 1 Feb or 2 Jan; a file's cells are read with the one order its
other cells prove (``13/02/2026`` can only be day-first) or that a date format gives, and a file
whose cells never tell is refused with both readings. Cells without a year, with a two-digit
year (unless a format says so), bare numbers and months are refused, as are dates outside
1970-01-01 to 2200-12-31.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from kpireview.periods import MONTHS, WEEK_RE, WEEKDAYS, PeriodError, in_range

_TIME = re.compile(
    r"[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([AP]M)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$", re.IGNORECASE
)
_NUMERIC = re.compile(r"^(\d+)([-/.])(\d+)\2(\d+)$")
_YEAR_MONTH = re.compile(r"^(\d{4}[-/.]\d{1,2}|\d{1,2}[-/.]\d{4})$")
_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")
_TOKEN = re.compile(r"[^\W\d_]+|\d+")
_SEPARATORS = set(" ,-/.")
_MONTH_NAMES = (
    {m.lower(): i for i, m in enumerate(MONTHS, start=1)}
    | {
        name: i
        for i, name in enumerate(
            (
                "january",
                "february",
                "march",
                "april",
                "may",
                "june",
                "july",
                "august",
                "september",
                "october",
                "november",
                "december",
            ),
            start=1,
        )  # fmt: skip
    }
    | {"sept": 9}
)
_WEEKDAY_NAMES = {name[:3]: i for i, name in enumerate(WEEKDAYS)} | {
    name: i for i, name in enumerate(WEEKDAYS)
}
_ORDINALS = {"st", "nd", "rd", "th"}
DAY_FIRST, MONTH_FIRST = "%d/%m/%Y", "%m/%d/%Y"


@dataclass(frozen=True)
class Spelling:
    """A cell's date: ``day`` when its spelling says it alone, else both numeric readings."""

    day: date | None
    day_first: date | None = None
    month_first: date | None = None
    separator: str = "/"

    @property
    def proves(self) -> str | None:
        """The order this cell alone shows, if only one reading is a date."""
        if self.day is not None or (self.day_first and self.month_first):
            return None
        return DAY_FIRST if self.day_first else MONTH_FIRST

    @property
    def ambiguous(self) -> bool:
        both = self.day_first is not None and self.month_first is not None
        return self.day is None and both and self.day_first != self.month_first

    def read(self, order: str) -> date:
        day = self.day or (self.day_first if order == DAY_FIRST else self.month_first)
        assert day is not None
        return day

    def formats(self) -> str:
        return " or ".join(f.replace("/", self.separator) for f in (DAY_FIRST, MONTH_FIRST))


def spelling(text: str) -> Spelling:
    """What a cell says, without choosing a day/month order; PeriodError if it is no day."""
    s = text.strip()
    week = WEEK_RE.match(s)
    if week:
        return Spelling(_iso_week(s, week))
    if not any(c.isdigit() for c in s):
        raise PeriodError(f"'{s}' is not a date or a week like 2026-W47")
    if _NUMBER.match(s):
        raise PeriodError(f"'{s}' is not a date or a week like 2026-W47 (it is a bare number)")
    core = _TIME.sub("", s).strip() if ":" in s else s
    numeric = _NUMERIC.match(core)
    if numeric:
        return _numeric(s, numeric)
    if _YEAR_MONTH.match(core):
        raise PeriodError(f"'{s}' is a month, not a day or a week (write 2026-11-18 or 2026-W47)")
    return Spelling(_named(s, core))


def _iso_week(s: str, m: re.Match[str]) -> date:
    try:
        day = date.fromisocalendar(int(m[1]), int(m[2]), int(m[3] or 1))
    except ValueError:
        raise PeriodError(f"'{s}' is not a valid ISO week") from None
    return in_range(day, s)


def _numeric(s: str, m: re.Match[str]) -> Spelling:
    first, sep, second, third = m[1], m[2], m[3], m[4]
    if len(first) == 4 and len(second) <= 2 and len(third) <= 2:
        return Spelling(in_range(_make(s, int(first), int(second), int(third)), s))
    if len(third) != 4 or len(first) > 2 or len(second) > 2:
        if max(map(len, (first, second, third))) <= 2:
            raise PeriodError(
                f"'{s}' has a two-digit year (write 2026-11-18, or give a date format with %y)"
            )
        raise PeriodError(f"'{s}' is not a date or a week like 2026-W47")
    year, a, b = int(third), int(first), int(second)
    day_first, month_first = _try(year, b, a), _try(year, a, b)
    if day_first is None and month_first is None:
        raise PeriodError(f"'{s}' is not a date (no such day)")
    return Spelling(None, day_first, month_first, sep)


def _named(s: str, core: str) -> date:
    """A date with a month name: 'Sun, 05-Jan-2020', '18 Nov 2026', 'November 18th, 2026'."""
    rest = _TOKEN.sub("", core)
    if any(c not in _SEPARATORS for c in rest):
        raise PeriodError(f"'{s}' is not a date or a week like 2026-W47")
    months, weekdays, numbers = [], [], []
    for token in _TOKEN.findall(core):
        word = token.lower()
        if token.isdigit():
            numbers.append(token)
        elif word in _MONTH_NAMES:
            months.append(_MONTH_NAMES[word])
        elif word in _WEEKDAY_NAMES:
            weekdays.append(_WEEKDAY_NAMES[word])
        elif word not in _ORDINALS or not numbers:
            raise PeriodError(f"'{s}' is not a date or a week like 2026-W47")
    years = [n for n in numbers if len(n) == 4]
    days = [n for n in numbers if len(n) <= 2]
    if len(months) != 1 or len(weekdays) > 1 or len(years) + len(days) != len(numbers):
        raise PeriodError(f"'{s}' is not a date or a week like 2026-W47")
    if not years:
        what = "a two-digit year" if len(days) > 1 else "no year"
        raise PeriodError(f"'{s}' has {what} (write 2026-11-18 or 18 Nov 2026)")
    if not days:
        raise PeriodError(f"'{s}' is a month, not a day or a week (write 2026-11-18 or 2026-W47)")
    if len(years) > 1 or len(days) > 1:
        raise PeriodError(f"'{s}' is not a date or a week like 2026-W47")
    day = in_range(_make(s, int(years[0]), months[0], int(days[0])), s)
    if weekdays and weekdays[0] != day.weekday():
        actual = WEEKDAYS[day.weekday()].capitalize()
        raise PeriodError(f"'{s}': {day.day} {MONTHS[day.month - 1]} {day.year} is a {actual}")
    return day


def _try(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _make(s: str, year: int, month: int, day: int) -> date:
    made = _try(year, month, day)
    if made is None:
        raise PeriodError(f"'{s}' is not a date (no such day)")
    return made


def text_of(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]}"


def parse_with_format(text: str, fmt: str, source: str) -> date:
    """A cell read with a strftime format (week strings are still read as weeks)."""
    s = text.strip()
    week = WEEK_RE.match(s)
    if week:
        return _iso_week(s, week)
    try:
        day = datetime.strptime(s, fmt).date()
    except ValueError:
        raise PeriodError(f"'{s}' does not match {source} {fmt}") from None
    return in_range(day, s)


def check_format(fmt: str, source: str) -> str:
    """A date format must name a day, a month and a year."""
    parts = (("%d",), ("%m", "%b", "%B"), ("%Y", "%y"))
    if not all(any(p in fmt for p in options) for options in parts):
        raise PeriodError(
            f"{source}: '{fmt}' needs a day (%d), a month (%m, %b or %B) and a year (%Y or %y)"
        )
    return fmt


class ColumnError(PeriodError):
    """A file's date column that reads two ways; ``line`` is where it shows."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


class DateColumn:
    """A file's date cells: each spelling read once, the day/month order chosen for all."""

    def __init__(self, fmt: str | None = None, source: str = "--date-format") -> None:
        self.fmt, self.source = fmt, source
        self.cells: dict[str, Spelling | date] = {}
        self.lines: dict[str, int] = {}  # first line of each cell that needs the order
        self.keys: dict[str, str] = {}

    def add(self, text: str, line: int) -> str:
        """The cell's key (its stripped text); PeriodError if it is not a day."""
        key = text.strip()
        shared = self.keys.get(key)
        if shared is not None:
            return shared  # one string object per spelling, however many rows use it
        if self.fmt:
            known: Spelling | date = parse_with_format(key, self.fmt, self.source)
        else:
            cell = spelling(key)
            known = cell.day or cell
        self.cells[key] = known
        if isinstance(known, Spelling):
            self.lines[key] = line
        self.keys[key] = key
        return key

    def resolve(self) -> dict[str, date]:
        """Every cell's date under the file's one order; ColumnError when none or both fit."""
        order = self._order()
        out: dict[str, date] = {}
        for key, cell in self.cells.items():
            if isinstance(cell, Spelling):
                day = cell.read(order)
                try:
                    in_range(day, key)
                except PeriodError as exc:
                    raise ColumnError(self.lines[key], str(exc)) from None
                out[key] = day
            else:
                out[key] = cell
        return out

    def _order(self) -> str:
        proofs: dict[str, str] = {}
        ambiguous = None
        for key in self.lines:  # in line order
            cell = self.cells[key]
            assert isinstance(cell, Spelling)
            if cell.proves:
                proofs.setdefault(cell.proves, key)
            elif cell.ambiguous and ambiguous is None:
                ambiguous = key
        if len(proofs) == 2:
            first, second = sorted(proofs.values(), key=self.lines.__getitem__)
            cell = self.cells[second]
            assert isinstance(cell, Spelling)
            raise ColumnError(
                self.lines[second],
                f"'{second}' is {_order_name(proofs, second)} but '{first}' (line "
                f"{self.lines[first]}) is {_order_name(proofs, first)}; give "
                f"--date-format {cell.formats()}",
            )
        if proofs:
            return next(iter(proofs))
        if ambiguous is not None:
            cell = self.cells[ambiguous]
            assert isinstance(cell, Spelling) and cell.day_first and cell.month_first
            a, b = cell.day_first, cell.month_first
            raise ColumnError(
                self.lines[ambiguous],
                f"'{ambiguous}' could be {text_of(a)} or {text_of(b)} {a.year}; give "
                f"--date-format {cell.formats()}",
            )
        return DAY_FIRST  # every numeric cell reads the same both ways


def _order_name(proofs: dict[str, str], key: str) -> str:
    return "day-first" if proofs.get(DAY_FIRST) == key else "month-first"
