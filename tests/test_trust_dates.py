"""Dates are read with one format per file, never guessed cell by cell; far dates are refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kpireview import config, importer
from kpireview.periods import PeriodError, parse_day
from tests.conftest import CONFIG, run
from tests.test_bad_input import assert_one_line

HEAD = "pillars:\n  - {id: revenue, label: Revenue}\nmetrics:\n"
MRR = "  - {id: mrr, label: MRR, pillar: revenue}\n"


def days(path: Path, cfg_path: Path = CONFIG, date_format: str | None = None) -> list[date]:
    batch = importer.read(path, config.load(cfg_path), date_format=date_format)
    return sorted(r[1] for r in batch.rows)


def fails(path: Path, fragment: str, *extra: str | Path) -> str:
    result = run("import", path, "--db", path.with_suffix(".db"), "--config", CONFIG, *extra)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert_one_line(result.stderr, fragment)
    assert not path.with_suffix(".db").exists()
    return result.stderr


def test_one_day_month_order_for_the_whole_file(write) -> None:
    # 13/02 can only be day-first, so 01/02 is 1 February, not 2 January
    path = write("f.csv", "metric,week,value\nmrr,01/02/2026,1\nmrr,13/02/2026,2\n")
    assert days(path) == [date(2026, 1, 26), date(2026, 2, 9)]
    path = write("g.csv", "metric,week,value\nmrr,02/01/2026,1\nmrr,02/13/2026,2\n")
    assert days(path) == [date(2026, 1, 26), date(2026, 2, 9)]


def test_ambiguous_file_gives_both_readings(write) -> None:
    path = write("f.csv", "metric,week,value\nmrr,01/02/2026,1\nmrr,03/04/2026,2\n")
    fails(path, f"{path}:2: week: '01/02/2026' could be 1 Feb or 2 Jan 2026; give --date-format")


def test_both_orders_in_one_file_are_refused(write) -> None:
    path = write("f.csv", "metric,week,value\nmrr,13/02/2026,1\nmrr,02/14/2026,2\n")
    fails(path, f"{path}:3: week: '02/14/2026'")


def test_date_format_option_and_config_key(write) -> None:
    path = write("f.csv", "metric,week,value\nmrr,01/02/2026,1\nmrr,03/04/2026,2\n")
    assert days(path, date_format="%m/%d/%Y") == [date(2025, 12, 29), date(2026, 3, 2)]
    db = path.with_suffix(".db")
    result = run("import", path, "--db", db, "--config", CONFIG, "--date-format", "%d/%m/%Y")
    assert result.exit_code == 0, result.stderr
    assert "weeks 2026-W05 to 2026-W14" in result.stdout
    cfg = write("c.yaml", "review: {date_format: '%m/%d/%Y'}\n" + HEAD + MRR)
    assert days(path, cfg) == [date(2025, 12, 29), date(2026, 3, 2)]
    two_digit = write("y.csv", "metric,week,value\nmrr,26-11-16,1\n")
    assert days(two_digit, date_format="%y-%m-%d") == [date(2026, 11, 16)]


def test_a_cell_that_does_not_match_the_format(write) -> None:
    path = write("f.csv", "metric,week,value\nmrr,01/02/2026,1\nmrr,2026-13-01,2\n")
    fails(path, f"{path}:3: week: '2026-13-01' does not match --date-format %d/%m/%Y",
          "--date-format", "%d/%m/%Y")  # fmt: skip


@pytest.mark.parametrize(
    "cell, fragment",
    [
        ("Nov 16th", "'Nov 16th' has no year"),
        ("26-11-16", "'26-11-16' has a two-digit year"),
        ("2026", "'2026' is not a date or a week like 2026-W47 (it is a bare number)"),
        ("8", "'8' is not a date or a week like 2026-W47 (it is a bare number)"),
        ("2026-09", "'2026-09' is a month"),
        ("Sep 2026", "'Sep 2026' is a month"),
    ],
)
def test_dates_that_are_not_days(write, cell: str, fragment: str) -> None:
    path = write("f.csv", f"metric,week,value\nmrr,{cell},1\n")
    fails(path, f"{path}:2: week: {fragment}")


def test_row_ids_in_the_date_column_of_a_wide_file(write) -> None:
    path = write("f.csv", "id,mrr\n1,5\n8,6\n15,7\n")
    fails(path, f"{path}:2: id: '1' is not a date or a week like 2026-W47 (it is a bare number)")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-18", date(2026, 11, 18)),
        ("2026-W47", date(2026, 11, 16)),
        ("Sun, 05-Jan-2020", date(2020, 1, 5)),
        ("18 Nov 2026", date(2026, 11, 18)),
        ("November 18, 2026", date(2026, 11, 18)),
        ("2026/11/18", date(2026, 11, 18)),
        ("18.11.2026", date(2026, 11, 18)),
        ("2026-11-18T00:00:00", date(2026, 11, 18)),
        ("2026-11-18 10:00:00 UTC", date(2026, 11, 18)),
        ("11/18/2026 10:00 AM", date(2026, 11, 18)),
        ("Wednesday, November 18, 2026", date(2026, 11, 18)),
    ],
)
def test_readme_spellings_still_read(text: str, expected: date) -> None:
    assert parse_day(text) == expected


@pytest.mark.parametrize("week", ["47", "", "01/02/2026", "Nov 16th", "2026-09"])
def test_week_option_refuses_what_is_not_a_week(write, week: str) -> None:
    db = write("x.db", "")
    db.unlink()
    result = run("summary", "--week", week, "--db", db, "--config", CONFIG)
    assert result.exit_code == 2, result.stdout
    assert_one_line(result.stderr, "--week: ")


# --- far dates -------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["9999-12-31", "1969-12-31", "0001-01-01", "2201-01-01"])
def test_far_dates_refused_at_import(write, cell: str) -> None:
    path = write("f.csv", f"metric,week,value\nmrr,{cell},1\n")
    fails(path, f"{path}:2: week: '{cell}' is outside 1970-01-01 to 2200-12-31")


@pytest.mark.parametrize("week", ["0001-01-01", "9999-W52", "9999-12-31"])
def test_far_weeks_refused(tmp_path: Path, week: str) -> None:
    db = tmp_path / "kpi.db"
    for args in (
        ("summary", "--week", week),
        ("export", "--week", week),
        ("decide", "mrr", "--note", "n", "--week", week),
        ("sample", "--end", week, "--weeks", "4"),
    ):
        result = run(*args, "--db", db, "--config", CONFIG)
        assert result.exit_code == 2, (args, result.stdout)
        assert_one_line(result.stderr, "is outside 1970-01-01 to 2200-12-31")
        assert not db.exists()


def test_far_due_date_refused(tmp_path: Path) -> None:
    db, csv = tmp_path / "kpi.db", tmp_path / "f.csv"
    csv.write_text("metric,week,value\nmrr,2026-W47,1\n")
    assert run("import", csv, "--db", db, "--config", CONFIG).exit_code == 0
    for due in ("9999-12-31", "+9999w"):
        result = run("decide", "mrr", "--note", "n", "--due", due, "--db", db, "--config", CONFIG)
        assert result.exit_code == 2, result.stdout
        assert_one_line(result.stderr, "outside 1970-01-01 to 2200-12-31")


@pytest.mark.parametrize("when", ["9999-12-31", "'9999-12-31'", "1900-01-01"])
def test_far_target_dates_refused(write, when: str) -> None:
    text = HEAD + (
        f"  - {{id: mrr, label: MRR, pillar: revenue, "
        f"target: {{value: 5, by: {when}, from: 1969-01-01}}}}\n"
    )
    path = write("c.yaml", text)
    with pytest.raises(config.ConfigError, match=r":4: metrics\[0\]\.target\.(by|from): .*outside"):
        config.load(path)


def test_parse_day_range() -> None:
    with pytest.raises(PeriodError, match="outside 1970-01-01 to 2200-12-31"):
        parse_day("9999-W52")


def test_sample_weeks_reaching_before_1970_refused(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    result = run("sample", "-o", db, "--end", "1971-01-01", "--weeks", "200", "--config", CONFIG)
    assert result.exit_code == 2, result.stdout
    assert_one_line(result.stderr, "--weeks 200 before --end 1971-01-01 start on 1967-03-06")
    assert not db.exists()


def test_two_spellings_of_one_day_conflict(write) -> None:
    path = write("f.csv", "metric,date,value\nmrr,2026-11-16,1\nmrr,16 Nov 2026,2\n")
    fails(path, f"{path}:3: date: a second value for mrr on 2026-11-16 (first at line 2);")
