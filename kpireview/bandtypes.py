"""The expected bands' value types: per-KPI options, a band, and a signal on a band
(see :mod:`kpireview.bands`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kpireview import signals

AUTO, FLAT, TREND, SEASONAL, OFF = "auto", "flat", "trend", "seasonal", "off"
METHODS = (AUTO, FLAT, TREND, SEASONAL, OFF)


@dataclass(frozen=True)
class Options:
    """Per-KPI settings: ``lock`` is (first week, last week) of locked limits."""

    method: str = AUTO
    baseline_weeks: int = 20
    lock: tuple[date, date] | None = None

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}; expected one of {METHODS}")
        if self.baseline_weeks < signals.MIN_BASELINE:
            raise ValueError(f"baseline_weeks must be at least {signals.MIN_BASELINE}")
        if self.lock is not None and self.lock[0] > self.lock[1]:
            raise ValueError("lock: the first week is after the last")


@dataclass(frozen=True)
class Band:
    """The expected band at ``week``. Lines are None when there is no band (settling, off,
    too little data). ``slope`` is the trend per week at the week, in value units; ``factor``
    the seasonal factor (1 without one); ``mr_bar`` is of the values about the line (divided
    by their factors when seasonal). ``first``/``last``: the range of weeks fitted on.
    ``lower_half``/``upper_half``: the lines of the near-limit rule (halfway for a flat band;
    further out for a trend or seasonal one whose values stick together, see NEAR_RHO).
    Private fields hold the line in the units it was fitted in (logs when all values are
    positive, divided by the seasonal factors)."""

    week: date
    method: str
    centre: float | None = None
    lower: float | None = None
    upper: float | None = None
    lower_half: float | None = None
    upper_half: float | None = None
    mr_bar: float | None = None
    slope: float = 0.0
    factor: float = 1.0
    weeks: int = 0
    first: date | None = None
    last: date | None = None
    divider: date | None = None
    locked: bool = False
    scale: float = 1.0  # the spread widened to match the band's record (trend, seasonal)
    run_length: int = signals.RUN_LENGTH  # weeks on one side of the line that make a run
    explanation: str = ""
    _level: float = 0.0  # the line at the week, divided by the factor
    _step: float = 0.0  # the line's slope, divided by the factor
    _spread: float = 0.0  # from the line to a limit, divided by the factor
    _near: float = 0.5  # the near-limit lines' share of the way from the line to a limit


@dataclass(frozen=True)
class BandSignal:
    """A rule firing on the band at ``week``. ``since``: the first week of the unbroken stretch
    of weeks on which this rule (same side) fired, so it is new when ``since == week``.
    ``began``: the first week of its evidence (the run's first week, for a run)."""

    rule: str
    side: str
    tone: str
    value: float
    limit: float
    run: int
    since: date
    began: date
