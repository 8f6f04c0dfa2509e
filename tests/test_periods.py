from datetime import date

import pytest

from kpireview.periods import (
    PeriodError,
    add_months,
    month_of,
    parse_day,
    parse_week,
    week_end,
    week_label,
    week_span_text,
    week_start,
)

SUNDAY = 6


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-18", date(2026, 11, 18)),
        ("2026-W47", date(2026, 11, 16)),
        ("2026W47", date(2026, 11, 16)),
        ("2026-W47-3", date(2026, 11, 18)),
        ("Sun, 05-Jan-2020", date(2020, 1, 5)),
        ("18 Nov 2026", date(2026, 11, 18)),
        ("11/18/2026", date(2026, 11, 18)),
    ],
)
def test_parse_day_spellings(text: str, expected: date) -> None:
    assert parse_day(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "2026-W54", "2026-13-45", "W47"])
def test_parse_day_rejects(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_day(text)


def test_week_start_monday_and_sunday() -> None:
    wednesday = date(2026, 11, 18)
    assert week_start(wednesday) == date(2026, 11, 16)
    assert week_start(wednesday, SUNDAY) == date(2026, 11, 15)
    assert week_end(date(2026, 11, 16)) == date(2026, 11, 22)


def test_parse_week_any_date_inside() -> None:
    assert parse_week("2026-11-22") == parse_week("2026-W47") == date(2026, 11, 16)


def test_label_round_trips_for_both_week_starts() -> None:
    for starts in (0, SUNDAY):
        start = parse_week("2026-W47", starts)
        assert week_label(start, starts) == "2026-W47"
        assert parse_week(week_label(start, starts), starts) == start


def test_iso_year_boundary_label() -> None:
    assert week_label(date(2020, 12, 28)) == "2020-W53"
    assert week_label(date(2024, 12, 30)) == "2025-W01"


def test_span_text() -> None:
    assert week_span_text(date(2026, 11, 16)) == "16–22 Nov 2026"
    assert week_span_text(date(2026, 11, 30)) == "30 Nov – 6 Dec 2026"
    assert week_span_text(date(2026, 12, 28)) == "28 Dec 2026 – 3 Jan 2027"


def test_months() -> None:
    assert month_of(date(2026, 11, 30)) == date(2026, 12, 1)  # 4 of its 7 days are December
    assert month_of(date(2026, 11, 23)) == date(2026, 11, 1)
    assert add_months(date(2026, 11, 1), 2) == date(2027, 1, 1)
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
