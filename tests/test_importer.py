"""CSV import: both formats, cell spellings, daily roll-up, partial weeks, all-or-nothing."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from kpireview import config, importer
from kpireview.importer import ImportError_, parse_value
from kpireview.store import Store
from tests.conftest import CONFIG, WBR_CONFIG, file_digest, run

CFG = config.load(CONFIG)
W47 = date(2026, 11, 16)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1234", 1234.0),
        ("1,234", 1234.0),
        ("1,234,567.5", 1234567.5),
        ("12.5%", 0.125),
        ("$48.30", 48.3),
        ("-$1,200", -1200.0),
        ("-3e2", -300.0),
        ("  7 ", 7.0),
        ("", None),
        ("   ", None),
    ],
)
def test_parse_value(text: str, expected: float | None) -> None:
    assert parse_value(text) == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize("text", ["abc", "1,23", "1_000", "nan", "inf", "12%%", "1.2.3", "--1"])
def test_parse_value_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_value(text)


def test_long_format_with_segments_and_week_spellings(write) -> None:
    path = write(
        "long.csv",
        "metric,week,value,segment\n"
        "traffic,2026-W47,1200,paid\n"
        'traffic,2026-11-18,"3,400",organic\n'
        "churn_rate,2026-W47,2.6%,\n"
        'mrr,2026-W46,"$480,000",\n',
    )
    batch = importer.read(path, CFG)
    assert not batch.daily
    assert sorted(batch.rows) == sorted(
        [
            ("traffic", W47, "paid", 1200.0),
            ("traffic", W47, "organic", 3400.0),
            ("churn_rate", W47, "", pytest.approx(0.026)),
            ("mrr", date(2026, 11, 9), "", 480000.0),
        ]
    )


def test_wide_format_with_bom_and_segment_columns(write) -> None:
    path = write(
        "wide.csv",
        "\ufeffweek,mrr,churn_rate,traffic:paid\n2026-W46,470000,1.5%,900\n2026-W47,480000,,950\n",
    )
    rows = importer.read(path, CFG).rows
    assert ("mrr", W47, "", 480000.0) in rows
    assert ("traffic", W47, "paid", 950.0) in rows
    assert not any(r[0] == "churn_rate" and r[1] == W47 for r in rows)  # empty cell: no value


def daily_csv(write, days: int, start: date = date(2026, 11, 2)) -> Path:
    lines = ["date,signups,signup_conversion,mrr"]
    for i in range(days):
        d = start + timedelta(days=i)
        lines.append(f"{d.isoformat()},{10 + i},{(i + 1) / 100},{1000 + i}")
    return write("daily.csv", "\n".join(lines) + "\n")


def test_daily_rows_roll_up_by_each_metrics_rollup(write) -> None:
    batch = importer.read(daily_csv(write, 14), CFG)  # two whole Monday weeks
    assert batch.daily
    values = {(m, w): v for m, w, _, v in batch.rows}
    second = date(2026, 11, 9)
    assert values[("signups", second)] == sum(range(17, 24))  # sum
    assert values[("signup_conversion", second)] == pytest.approx(sum(range(8, 15)) / 700)  # mean
    assert values[("mrr", second)] == 1013  # last day of the week


def test_week_missing_days_is_reported_and_skipped(write) -> None:
    batch = importer.read(daily_csv(write, 10), CFG)  # one whole week + 3 days
    weeks = {w for _, w, _, _ in batch.rows}
    assert weeks == {date(2026, 11, 2)}
    assert {(p.metric, p.week, p.days) for p in batch.partial} == {
        ("signups", date(2026, 11, 9), 3),
        ("signup_conversion", date(2026, 11, 9), 3),
        ("mrr", date(2026, 11, 9), 3),
    }
    assert any("3 of 7 days" in line for line in batch.partial_lines())


def test_import_twice_changes_nothing(write, db: Path) -> None:
    path = daily_csv(write, 14)
    first = run("import", path, "--db", db, "--config", CONFIG)
    assert first.exit_code == 0, first.stderr
    assert "6 new, 0 changed, 0 unchanged" in first.stdout
    digest = file_digest(db)
    second = run("import", path, "--db", db, "--config", CONFIG)
    assert "0 new, 0 changed, 6 unchanged" in second.stdout
    assert file_digest(db) == digest


def test_dry_run_counts_but_writes_nothing(write, db: Path) -> None:
    result = run("import", daily_csv(write, 7), "--dry-run", "--db", db, "--config", CONFIG)
    assert result.exit_code == 0
    assert "Would import 3 values: 3 new" in result.stdout and "dry run" in result.stdout
    with Store(db) as store:
        assert store.load_snapshots() == {}


def test_summary_line_names_counts_metrics_weeks(write, db: Path) -> None:
    result = run("import", daily_csv(write, 10), "--db", db, "--config", CONFIG)
    assert result.stdout.strip() == (
        "Imported 3 values: 3 new, 0 changed, 0 unchanged; 3 metrics, weeks 2026-W45 to "
        "2026-W45; 1 partial week skipped."
    )
    assert "partial" not in result.stdout.splitlines()[0][:10]
    assert "signups: 1 week with missing days skipped" in result.stderr


def test_bad_rows_list_first_ten_lines_and_write_nothing(write, db: Path) -> None:
    run("import", daily_csv(write, 7), "--db", db, "--config", CONFIG)
    before = file_digest(db)
    lines = ["metric,week,value"] + [f"mrr,2026-W{i:02d},oops" for i in range(1, 13)]
    lines.append("mrr,2026-W30,5")
    path = write("bad.csv", "\n".join(lines) + "\n")
    result = run("import", path, "--db", db, "--config", CONFIG)
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert message == (
        f"kpireview: error: {path}:2: value: 'oops' is not a number (12 bad values, at lines "
        "2, 3, 4, 5, 6, 7, 8, 9, 10, 11, ...); nothing imported"
    )
    assert file_digest(db) == before


# --- the real WBR export --------------------------------------------------------------------


def hand_weekly(path: Path) -> dict[str, dict[date, list[float | None]]]:
    """The daily rows grouped into Sunday weeks by hand, for comparison."""
    weeks: dict[str, dict[date, list[float | None]]] = defaultdict(lambda: defaultdict(list))
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            from datetime import datetime

            day = datetime.strptime(row["Date"], "%a, %d-%b-%Y").date()
            sunday = day - timedelta(days=(day.weekday() + 1) % 7)
            for column, cell in row.items():
                if column != "Date":
                    cell = cell.replace(",", "").strip()
                    weeks[column][sunday].append(float(cell) if cell else None)
    return weeks


def test_wbr_export_imports_weekly_values_matching_hand_sums(wbr_csv: Path, db: Path) -> None:
    result = run("import", wbr_csv, "--db", db, "--config", WBR_CONFIG)
    assert result.exit_code == 0, result.stderr
    hand = hand_weekly(wbr_csv)
    with Store(db) as store:
        stored = store.load_snapshots()
    clicks = stored[("clicks", "")]
    full_weeks = {w: v for w, v in hand["Clicks"].items() if len(v) == 7 and None not in v}
    assert set(clicks) == set(full_weeks)
    for week, values in full_weeks.items():
        assert clicks[week] == pytest.approx(sum(values))  # rollup: sum
    defects = stored[("defects", "")]
    for week, values in hand["Defects/Million"].items():
        if len(values) == 7 and None not in values:
            assert defects[week] == pytest.approx(sum(values) / 7)  # rollup: mean
    # The file's first week starts on Sunday 5 Jan 2020; the last real values end on
    # Saturday 25 Sep 2021; the trailing empty weeks and the 2-day last week are skipped.
    assert min(clicks) == date(2020, 1, 5) and max(clicks) == date(2021, 9, 19)
    assert "clicks: 15 weeks with missing days skipped, 2021-W39 to 2022-W01" in result.stderr
    assert "customer_group_1: 1 week with missing days skipped, 2022-W01" in result.stderr
    assert date(2022, 1, 2) not in stored[("page_views_plan", "")]


def test_wbr_config_maps_every_column(wbr_csv: Path) -> None:
    batch = importer.read(wbr_csv, config.load(WBR_CONFIG))
    assert {r[0] for r in batch.rows} == {
        "impressions", "clicks", "defects", "page_views", "page_views_plan",
        "mobile_page_views", "customer_group_1", "customer_group_2", "customer_group_3",
    }  # fmt: skip


def test_unknown_column_is_named(write) -> None:
    path = write("wide.csv", "week,mrr,Revenue2\n2026-W47,1,2\n")
    with pytest.raises(ImportError_, match=r"wide.csv:1: column 'Revenue2': matches no metric"):
        importer.read(path, CFG)


def test_progress_bar_on_stderr_for_large_files(write, capsys) -> None:
    rows = "".join(f"mrr,2026-W{1 + i % 52:02d},{i},\n" for i in range(52))
    filler = "".join(
        f"signups,{1971 + i // 52 % 200}-W{1 + i % 52:02d},{i},s{i // 10_400}\n"
        for i in range(120_000)
    )  # weeks within the years a review holds: 200 years, then the next segment
    path = write("big.csv", "metric,week,value,segment\n" + rows + filler)
    assert path.stat().st_size > importer.PROGRESS_BYTES
    batch = importer.read(path, CFG, progress=True)
    err = capsys.readouterr().err
    assert "Reading" in err and len(batch.rows) == 52 + 120_000
    importer.read(path, CFG, progress=False)
    assert "Reading" not in capsys.readouterr().err
