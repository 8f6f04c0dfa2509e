"""summary and export on the sample database: the KPI tree, 80 columns, JSON fields, exit codes."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from kpireview import config, review
from kpireview.store import Store
from tests.conftest import CONFIG, ROOT, run

ANSI = re.compile(r"\x1b\[")


@pytest.fixture(scope="module")
def data(sample_db: Path) -> review.Data:
    with Store(sample_db) as store:
        return review.load(config.load(CONFIG), store)


def test_committed_sample_db_is_in_rollback_journal_mode() -> None:
    """The committed file stays as the generator leaves it: not in WAL mode, so that opening it
    to read makes no -wal and -shm files beside it (header bytes 18-19: 1 = rollback journal,
    2 = WAL)."""
    header = (ROOT / "sample.db").read_bytes()[:20]
    assert header.startswith(b"SQLite format 3\x00") and header[18:20] == b"\x01\x01"


def test_committed_sample_db_is_the_generators_output(sample_db: Path) -> None:
    committed = ROOT / "sample.db"
    with Store(committed, read_only=True) as a, Store(sample_db, read_only=True) as b:
        assert a.load_snapshots() == b.load_snapshots()
        assert [d.note for d in a.decisions()] == [d.note for d in b.decisions()]


def test_kpi_tree_week_by_week(data: review.Data) -> None:
    mrr, arr = data.get("mrr"), data.get("arr")
    assert set(arr) == set(mrr) and len(arr) > 100
    for week, value in mrr.items():
        assert arr[week] == pytest.approx(12 * value)
    ltv, cac, ratio = data.get("ltv"), data.get("cac"), data.get("ltv_cac")
    for week in ltv:
        assert ratio[week] == pytest.approx(ltv[week] / cac[week])


def test_story_is_caught_in_the_latest_week(data: review.Data) -> None:
    r = review.build(config.load(CONFIG), data)
    assert r.label == "2026-W47"
    churn = r.kpi("churn_rate")
    assert {"outside_limits", "target"} <= {f.rule for f in churn.flags}
    assert all(f.tone == "bad" for f in churn.flags)
    assert r.kpi("ltv_cac").target.status in ("at_risk", "off_track")
    mrr = r.kpi("mrr")  # growing as planned: inside its trend band
    assert mrr.limits.method == "trend" and not [f for f in mrr.flags if f.rule != "target"]


def test_summary_fits_80_columns_without_colour(sample_db: Path) -> None:
    result = run("summary", "--db", sample_db, "--config", CONFIG)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Zira weekly KPI review · 2026-W47 · 16–22 Nov 2026"
    assert max(len(line) for line in lines) <= 80
    assert not ANSI.search(result.stdout)
    for pillar in ("ACQUISITION", "ACTIVATION", "RETENTION", "REVENUE"):
        assert pillar in lines
    churn = next(line for line in lines if "Churn " in line and line.startswith("  "))
    assert churn.split()[0] == "!" and "2.7%" in churn and "off track" in churn


def test_fail_on_flags_exit_code(sample_db: Path) -> None:
    assert run("summary", "--db", sample_db, "--config", CONFIG, "--fail-on-flags").exit_code == 1


def test_fail_on_flags_is_zero_on_a_quiet_week(tmp_path: Path, write) -> None:
    db = tmp_path / "quiet.db"
    csv = "metric,week,value\n" + "".join(f"mrr,2026-W{w:02d},100\n" for w in range(30, 48))
    run("import", write("q.csv", csv), "--db", db, "--config", CONFIG)
    assert run("summary", "--db", db, "--config", CONFIG, "--fail-on-flags").exit_code == 0


def test_week_option_spellings(sample_db: Path) -> None:
    a = run("summary", "--db", sample_db, "--config", CONFIG, "--week", "2026-W40").stdout
    b = run("summary", "--db", sample_db, "--config", CONFIG, "--week", "2026-10-01").stdout
    assert a == b and "2026-W40" in a.splitlines()[0]


def test_bad_week_is_one_line_exit_2(sample_db: Path) -> None:
    result = run("summary", "--db", sample_db, "--config", CONFIG, "--week", "2026-W60")
    assert result.exit_code == 2
    assert result.stderr.strip() == "kpireview: error: --week: '2026-W60' is not a valid ISO week"


def test_json_export_has_documented_fields(sample_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "review.json"
    result = run("export", "--format", "json", "-o", out, "--db", sample_db, "--config", CONFIG)
    assert result.exit_code == 0
    doc = json.loads(out.read_text())
    assert doc["week"] == "2026-W47" and [p["id"] for p in doc["pillars"]] == [
        "acquisition", "activation", "retention", "revenue",
    ]  # fmt: skip
    kpi = next(k for p in doc["pillars"] for k in p["kpis"] if k["id"] == "churn_rate")
    for key in ("id", "label", "pillar", "unit", "direction", "value", "previous", "year_ago",
                "wow", "yoy", "history", "target", "limits", "flags"):  # fmt: skip
        assert key in kpi
    assert set(kpi["wow"]) == {"abs", "rel"} and set(kpi["yoy"]) == {"abs", "rel"}
    assert kpi["history"][-1]["week"] == "2026-11-16" and len(kpi["history"]) == 26
    assert kpi["history"][-1]["value"] == kpi["value"]
    assert {"centre", "lower", "upper"} <= set(kpi["limits"])
    assert kpi["target"]["value"] == 0.02 and kpi["target"]["status"] == "off_track"
    assert {"method", "since", "explanation"} <= set(kpi["limits"])
    assert {"rule", "tone", "message", "since", "new", "lead", "acknowledged", "proposed"} == set(
        kpi["flags"][0]
    )
    first, target = kpi["flags"][0], kpi["flags"][-1]
    assert (first["rule"], first["since"], first["lead"], first["proposed"]) == (
        "proposed_divider", "2026-W44", True, "2026-10-26",
    )  # fmt: skip
    assert (target["rule"], target["since"], target["new"], target["lead"]) == (
        "target", None, False, False,
    )  # fmt: skip
    leads = [f for p in doc["pillars"] for k in p["kpis"] for f in k["flags"] if f["lead"]]
    assert doc["counts"]["new"] == sum(f["new"] for f in leads)
    assert doc["counts"]["continuing"] == len(leads) - doc["counts"]["new"]
    assert all(set(d) == {"week", "reason", "author", "created_at"} for d in kpi["dividers"])
    assert kpi["wow"]["abs"] == pytest.approx(kpi["value"] - kpi["previous"])


def test_json_matches_the_model(sample_db: Path, data: review.Data) -> None:
    doc = json.loads(
        run("export", "--format", "json", "--db", sample_db, "--config", CONFIG).stdout
    )
    r = review.build(config.load(CONFIG), data)
    by_id = {k["id"]: k for p in doc["pillars"] for k in p["kpis"]}
    for kpi in r.kpis:
        assert by_id[kpi.id]["value"] == kpi.value
        assert [f["message"] for f in by_id[kpi.id]["flags"]] == [f.message for f in kpi.flags]


@pytest.fixture(scope="module")
def long_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seven years of the sample: longer than what one week's review reads."""
    path = tmp_path_factory.mktemp("long") / "long.db"
    assert run("sample", "-o", path, "--config", CONFIG, "--weeks", "360").exit_code == 0
    return path


@pytest.mark.parametrize("weeks_back", [0, 5, 40])
def test_windowed_load_gives_the_same_review(
    long_sample: Path, weeks_back: int, tmp_path: Path
) -> None:
    from datetime import timedelta

    from kpireview import export

    cfg = config.load(CONFIG)
    db = tmp_path / "copy.db"
    shutil.copy(long_sample, db)
    with Store(db) as store:
        first = store.load_snapshots()[("cpa", "")]
        store.add_decision("cpa", min(first), "an old open decision", owner="x")
        full = review.load(cfg, store)
        week = full.weeks[-1] - timedelta(weeks=weeks_back)
        windowed = review.load(cfg, store, around=week)
    assert len(windowed.weeks) < len(full.weeks)  # it did read less
    a, b = review.build(cfg, windowed, week), review.build(cfg, full, week)
    assert _same(export.to_json(a)) == _same(export.to_json(b))
    assert _same(export.markdown(a)) == _same(export.markdown(b))


def _same(text: str) -> str:
    """The bands' numbers to 10 digits (sums over a longer series round differently), and
    their words without the count of earlier years, which counts every year read."""
    text = re.sub(r"of \d+ earlier years?", "of earlier years", text)
    return re.sub(r"\d+\.\d{6,}(e-?\d+)?", lambda m: f"{float(m[0]):.10g}", text)


def test_unknown_command_is_named_and_options_open_the_review(monkeypatch) -> None:
    result = run("nosuch")
    assert result.exit_code == 2 and "No such command 'nosuch'" in result.stderr
    seen = {}
    monkeypatch.setattr("kpireview.cli.tui_command.callback", lambda **kw: seen.update(kw))
    assert run("--week", "2026-W40").exit_code == 0 and seen["week_text"] == "2026-W40"
    assert "Commands:" in run("--help").stdout


def test_the_sample_is_one_file_that_reading_leaves_alone(tmp_path: Path) -> None:
    """`kpireview sample` leaves a rollback-journal file: reading it (as the quick start's
    read commands do) makes no -wal or -shm beside it, in the repository or anywhere."""
    out = tmp_path / "s.db"
    assert run("sample", "-o", out, "--config", CONFIG, "--weeks", "60").exit_code == 0
    with sqlite3.connect(out) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    before = sorted(p.name for p in tmp_path.iterdir())
    for command in (["summary"], ["export"], ["check"], ["decisions"]):
        run(*command, "--db", out, "--config", CONFIG)
    assert sorted(p.name for p in tmp_path.iterdir()) == before == ["s.db"]
