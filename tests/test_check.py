"""`kpireview check`: the config against the database, exit 0 / 1 / 2."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kpireview import check, config
from kpireview.store import Store
from tests.conftest import CONFIG, run

W45, W46, W47 = date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)
SMALL = """\
metrics:
  - {id: visits, label: Visits, pillar: acquisition, segments: [web, app]}
  - {id: signups, label: Sign-ups, pillar: acquisition}
  - {id: conversion, label: Conversion, pillar: acquisition, unit: percent, formula: signups / visits}
"""


@pytest.fixture
def small(write, db: Path) -> Path:
    """A three-KPI config; the database gets whatever rows a test stores."""
    Store(db).close()
    return write("small.yaml", SMALL)


def store_rows(db: Path, *rows: tuple[str, date, str, float]) -> None:
    with Store(db) as store:
        store.upsert_snapshots(rows)


def test_fresh_sample_is_clean(db: Path) -> None:
    assert run("sample", "-o", db, "--weeks", "30").exit_code == 0
    result = run("check", "--db", db, "--config", CONFIG)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[-1] == "OK: the config and the database agree."
    assert "traffic                2026-W18  2026-W47      150  ok" in lines
    assert "ltv_cac                2026-W18  2026-W47        -  derived" in lines
    assert all(len(line) <= 80 for line in lines)


def test_report_structure(small: Path, db: Path) -> None:
    store_rows(db, ("visits", W46, "", 10), ("visits", W47, "", 12), ("signups", W47, "", 2))
    with Store(db) as store:
        report = check.run(config.load(small), store)
    assert report.latest == W47 and report.stored_values == 3
    assert [(r.id, r.first, r.last, r.values, r.status) for r in report.rows] == [
        ("visits", W46, W47, 2, "ok"),
        ("signups", W47, W47, 1, "ok"),
        ("conversion", W47, W47, None, "derived"),
    ]
    assert report.issues == [] and report.exit_code == 0


def test_kpi_without_data_warns(small: Path, db: Path) -> None:
    store_rows(db, ("visits", W47, "", 10))
    result = run("check", "--db", db, "--config", small)
    assert result.exit_code == 1
    assert "warning: signups: no data in the database" in result.stdout
    assert "warning: conversion: derived (signups / visits), but no data for signups" in (
        result.stdout
    )
    assert result.stdout.splitlines()[-1] == "2 warnings."


def test_unknown_metric_in_the_database_warns(db: Path) -> None:
    assert run("sample", "-o", db, "--weeks", "12").exit_code == 0
    store_rows(db, ("mystery", W46, "", 1.0), ("mystery", W47, "", 2.0))
    result = run("check", "--db", db, "--config", CONFIG)
    assert result.exit_code == 1
    assert (
        "warning: mystery: 2 values in the database (2026-W46 to 2026-W47) but no KPI in the "
        "config" in " ".join(line.strip() for line in result.stdout.splitlines())
    )
    assert result.stdout.splitlines()[-1] == "1 warning."


def test_unknown_segment_warns(small: Path, db: Path) -> None:
    store_rows(
        db,
        ("visits", W47, "", 10),
        ("visits", W47, "web", 6),
        ("visits", W47, "tv", 4),
        ("signups", W47, "", 1),
    )
    with Store(db) as store:
        report = check.run(config.load(small), store)
    assert [i.message for i in report.warnings] == [
        "visits: segments 'tv' in the data are not in the config (listed: web, app)"
    ]


def test_stale_kpi_warns(small: Path, db: Path) -> None:
    store_rows(db, ("visits", W45, "", 9), ("visits", W47, "", 10), ("signups", W45, "", 1))
    with Store(db) as store:
        report = check.run(config.load(small), store)
    statuses = {r.id: r.status for r in report.rows}
    assert statuses == {"visits": "ok", "signups": "stale", "conversion": "stale"}
    assert [i.message for i in report.issues] == [
        "signups: stale, last value in 2026-W45, 2 weeks before the latest week 2026-W47"
    ]
    assert report.exit_code == 1


def test_many_unknown_metrics_are_summarised(small: Path, db: Path) -> None:
    store_rows(db, ("visits", W47, "", 1), ("signups", W47, "", 1))
    store_rows(db, *((f"extra_{i:02d}", W47, "", 1.0) for i in range(15)))
    with Store(db) as store:
        report = check.run(config.load(small), store)
    (issue,) = report.issues
    assert issue.message.startswith("15 metrics in the database have no KPI in the config")
    assert issue.message.endswith("extra_09 and 5 more")


def test_error_level_issue_gives_exit_2(small: Path, db: Path) -> None:
    with Store(db) as store:
        report = check.run(config.load(small), store)
    assert report.exit_code == 1  # three KPIs without data
    report.issues.append(check.Issue("error", "broken"))
    assert report.exit_code == 2
    assert check.render(report).splitlines()[-1] == "1 error, 3 warnings."


def test_bad_config_exits_2(write, db: Path) -> None:
    Store(db).close()
    bad = write("bad.yaml", "metrics:\n  - {id: visits, label: Visits, pillar: nowhere}\n")
    result = run("check", "--db", db, "--config", bad)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"kpireview: error: {bad}:2: metrics[0].pillar: unknown pillar")
    assert len(result.stderr.splitlines()) == 1


def test_missing_database_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    result = run("check", "--db", missing, "--config", CONFIG)
    assert result.exit_code == 2
    assert "no such database" in result.stderr
    assert not missing.exists()
