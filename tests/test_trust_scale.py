"""Numbers are read at the right scale, within their KPI's range, from the right columns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kpireview import config, importer
from tests.conftest import CONFIG, run
from tests.test_bad_input import assert_one_line

HEAD = (
    "pillars:\n  - {id: revenue, label: Revenue}\n  - {id: retention, label: Retention}\nmetrics:\n"
)
CHURN = "  - {id: churn, label: Churn, pillar: retention, unit: percent, direction: down"
MRR = "  - {id: mrr, label: MRR, pillar: revenue, unit: currency}\n"


def imported(path: Path, cfg: Path) -> dict[tuple[str, str], float]:
    batch = importer.read(path, config.load(cfg))
    return {(r[0], r[2]): r[3] for r in batch.rows}


def refused(path: Path, cfg: Path, fragment: str) -> None:
    db = path.with_suffix(".db")
    result = run("import", path, "--db", db, "--config", cfg)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert_one_line(result.stderr, fragment)
    assert not db.exists()


def test_percent_above_one_without_sign_is_refused(write) -> None:
    cfg = write("c.yaml", HEAD + CHURN + "}\n")
    path = write("f.csv", "metric,week,value\nchurn,2026-W47,28.9\n")
    refused(path, cfg, f"{path}:2: value: 28.9 for churn, a percent KPI")
    ok = write("g.csv", "metric,week,value\nchurn,2026-W47,28.9%\nchurn,2026-W46,0.289\n")
    assert imported(ok, cfg) == {("churn", ""): pytest.approx(0.289)}


def test_points_scale(write) -> None:
    cfg = write("c.yaml", HEAD + CHURN + ", scale: points}\n")
    path = write("f.csv", "metric,week,value\nchurn,2026-W47,28.9\nchurn,2026-W46,27%\n")
    batch = importer.read(path, config.load(cfg))
    assert sorted(r[3] for r in batch.rows) == [pytest.approx(0.27), pytest.approx(0.289)]


def test_values_outside_the_range_are_refused(write) -> None:
    cfg = write("c.yaml", HEAD + CHURN + "}\n  - {id: signups, label: S, pillar: revenue}\n")
    path = write("f.csv", "metric,week,value\nsignups,2026-W47,-5\n")
    refused(path, cfg, f"{path}:2: value: -5 for signups is below its minimum 0")
    path = write("g.csv", "metric,week,value\nchurn,2026-W47,150%\n")
    refused(path, cfg, f"{path}:2: value: 150% for churn is above its maximum 100%")
    wide = write("w.csv", "week,churn\n2026-W47,-1%\n")
    refused(wide, cfg, f"{wide}:2: churn: -1% for churn is below its minimum 0%")


def test_declared_range(write) -> None:
    nrr = "  - {id: nrr, label: NRR, pillar: revenue, unit: percent, range: [0.5, null]}\n"
    cfg = write("c.yaml", HEAD + nrr + MRR.replace("}", ", range: [1000, 2000]}"))
    ok = write(
        "f.csv", "metric,week,value\nnrr,2026-W47,150%\nnrr,2026-W46,1.2\nmrr,2026-W47,1500\n"
    )
    assert imported(ok, cfg)[("mrr", "")] == 1500
    low = write("g.csv", "metric,week,value\nmrr,2026-W47,999\n")
    refused(low, cfg, f"{low}:2: value: 999 for mrr is below its minimum 1,000")


@pytest.mark.parametrize(
    "metric, fragment",
    [
        (CHURN + ", target: {value: 30}}\n",
         "metrics[0].target.value: 30 is above the KPI's maximum 1 (percent values are "
         "fractions: 0.3 is 30%)"),
        (CHURN + ", target: {value: 0.02, tolerance: -0.1}}\n",
         "metrics[0].target.tolerance: must not be negative"),
        (CHURN + ", target: {value: .nan}}\n", "metrics[0].target.value: '.nan' is not a finite"),
        ("  - {id: mrr, label: .inf, pillar: revenue}\n", "'.inf' is not a finite number"),
        ("  - {id: mrr, label: M, pillar: revenue, range: [5, 1]}\n",
         "metrics[0].range: the minimum 5 is above the maximum 1"),
        ("  - {id: mrr, label: M, pillar: revenue, range: 5}\n", "metrics[0].range: expected"),
        ("  - {id: mrr, label: M, pillar: revenue, scale: huge}\n", "metrics[0].scale: unknown scale 'huge'"),
        ("  - {id: mrr, label: M, pillar: revenue, unit: count, target: {value: -3}}\n",
         "metrics[0].target.value: -3 is below the KPI's minimum 0"),
    ],
)  # fmt: skip
def test_config_scale_errors(write, tmp_path: Path, metric: str, fragment: str) -> None:
    cfg = write("c.yaml", HEAD + metric)
    result = run("check", "--db", tmp_path / "kpi.db", "--config", cfg)
    assert result.exit_code == 2, result.stdout
    assert_one_line(result.stderr, fragment)


def test_json_export_never_holds_nan(tmp_path: Path, write) -> None:
    db = tmp_path / "kpi.db"
    csv = write("f.csv", "metric,week,value\nmrr,2026-W47,5\n")
    assert run("import", csv, "--db", db, "--config", CONFIG).exit_code == 0
    nan = HEAD + "  - {id: mrr, label: M, pillar: revenue, target: {value: .nan}}\n"
    result = run("export", "--format", "json", "--db", db, "--config", write("c.yaml", nan))
    assert result.exit_code == 2, result.stdout[:300]
    assert_one_line(result.stderr, "metrics[0].target.value: '.nan' is not a finite number")
    result = run("export", "--format", "json", "--db", db, "--config", CONFIG)
    json.loads(result.stdout, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))


# --- weeks mistaken for days -------------------------------------------------------------------


def test_kpis_dated_on_different_days_of_a_week_are_weekly(write) -> None:
    cfg = write("c.yaml", HEAD + MRR + "  - {id: signups, label: S, pillar: revenue}\n")
    path = write(
        "f.csv",
        "metric,week,value\nmrr,2026-11-16,1\nsignups,2026-11-22,2\n"
        "mrr,2026-11-23,3\nsignups,2026-11-29,4\n",
    )
    db = path.with_suffix(".db")
    result = run("import", path, "--db", db, "--config", cfg)
    assert result.exit_code == 0, result.stderr
    assert "Imported 4 values" in result.stdout and "0 partial weeks" in result.stdout


def test_an_import_of_only_partial_weeks_fails(write) -> None:
    cfg = write("c.yaml", HEAD + MRR)
    path = write("f.csv", "metric,week,value\nmrr,2026-11-16,1\nmrr,2026-11-17,3\n")
    refused(path, cfg, f"{path}: nothing to import: every week misses days")


# --- delimiters --------------------------------------------------------------------------------


def test_semicolon_file_with_decimal_commas(write) -> None:
    cfg = write("c.yaml", HEAD + MRR + CHURN + "}\n")
    path = write("f.csv", "metric;week;value\nmrr;2026-W47;1.234,5\nchurn;2026-W47;0,289\n")
    assert imported(path, cfg) == {("mrr", ""): 1234.5, ("churn", ""): pytest.approx(0.289)}
    wide = write("w.csv", "week;mrr;churn\n2026-W47;12,5;2,6%\n")
    assert imported(wide, cfg) == {("mrr", ""): 12.5, ("churn", ""): pytest.approx(0.026)}


def test_tab_file(write) -> None:
    cfg = write("c.yaml", HEAD + MRR)
    path = write("f.tsv", "metric\tweek\tvalue\nmrr\t2026-W47\t1234.5\n")
    assert imported(path, cfg) == {("mrr", ""): 1234.5}


@pytest.mark.parametrize("cell", ["1.234", "12,500"])
def test_ambiguous_separator_in_a_semicolon_file(write, cell: str) -> None:
    cfg = write("c.yaml", HEAD + MRR)
    path = write("f.csv", f"metric;week;value\nmrr;2026-W47;{cell}\n")
    refused(path, cfg, f"{path}:2: value: '{cell}' is ambiguous in a ';'-separated file")


def test_unknown_header_names_the_delimiter(write) -> None:
    cfg = write("c.yaml", HEAD + MRR)
    path = write("f.csv", "metric|week|value\nmrr|2026-W47|1\n")
    refused(path, cfg, "the delimiter looks like '|'")
