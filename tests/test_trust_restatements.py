"""Restated values: a re-import keeps every earlier value in snapshot_history, says what it
revised, and the history command, the review model, the detail screen and the notes show it."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from kpireview import config, export, review
from kpireview.store import SCHEMA_VERSION, Store
from tests.conftest import CONFIG, file_digest, run

W46, W47 = date(2026, 11, 9), date(2026, 11, 16)


def history_rows(db: Path) -> list[tuple]:
    with Store(db) as store:
        return store.conn.execute(
            "SELECT metric, week, segment, value, source FROM snapshot_history ORDER BY rowid"
        ).fetchall()


def import_csv(db: Path, tmp_path: Path, name: str, text: str, *more: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return run("import", path, "--db", db, "--config", CONFIG, *more)


FIRST = "metric,week,value,segment\nsignups,2026-W46,1204,\nsignups,2026-W47,1300,\n"
SECOND = "metric,week,value,segment\nsignups,2026-W46,1187,\nsignups,2026-W47,1300,\n"


# --- the store ---------------------------------------------------------------------------


def test_a_replaced_value_is_kept_with_its_source_and_load_time(db: Path) -> None:
    with Store(db) as store:
        store.upsert_snapshots([("signups", W46, "", 1204.0)], source="a.csv")
        store.conn.execute("UPDATE snapshots SET loaded_at = 'monday'")
        counts = store.upsert_snapshots(
            [("signups", W46, "", 1187.0), ("signups", W47, "", 5.0)], source="b.csv"
        )
        assert (counts.new, counts.changed) == (1, 1)
        assert [(r.metric, r.week, r.old, r.new) for r in counts.restated] == [
            ("signups", W46, 1204.0, 1187.0)
        ]
        rows = store.conn.execute(
            "SELECT metric, week, segment, value, source, loaded_at, replaced_at "
            "FROM snapshot_history"
        ).fetchall()
        assert rows[0][:6] == ("signups", "2026-11-09", "", 1204.0, "a.csv", "monday")
        assert rows[0][6] and len(rows) == 1
        assert store.load_snapshots()[("signups", "")][W46] == 1187.0


def test_the_same_value_again_adds_nothing_and_a_dry_run_keeps_nothing(db: Path) -> None:
    with Store(db) as store:
        store.upsert_snapshots([("signups", W46, "", 1.0)], source="a.csv")
        store.upsert_snapshots([("signups", W46, "", 1.0)], source="a.csv")
        dry = store.upsert_snapshots([("signups", W46, "", 2.0)], source="b.csv", dry_run=True)
        assert [r.new for r in dry.restated] == [2.0]
    assert history_rows(db) == []


def test_a_failed_import_keeps_no_history(db: Path) -> None:
    with Store(db) as store:
        store.upsert_snapshots([("signups", W46, "", 1.0)], source="a.csv")

        def rows():
            yield ("signups", W46, "", 2.0)
            raise RuntimeError("disk")

        with pytest.raises(RuntimeError):
            store.upsert_snapshots(rows(), source="b.csv")
    assert history_rows(db) == []


def make_v2(path: Path) -> None:
    """A database as schema version 2 wrote it: decisions edited twice (the editor written over
    the author, as version 2 did), no snapshot_history."""
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE snapshots (metric TEXT NOT NULL, week TEXT NOT NULL,
            segment TEXT NOT NULL DEFAULT '', value REAL NOT NULL, source TEXT, loaded_at TEXT,
            PRIMARY KEY (metric, week, segment)) WITHOUT ROWID;
        CREATE TABLE decisions (id INTEGER PRIMARY KEY, metric TEXT NOT NULL, week TEXT NOT NULL,
            note TEXT NOT NULL, decision TEXT, owner TEXT, due TEXT,
            status TEXT NOT NULL DEFAULT 'open', author TEXT,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL, expected TEXT);
        CREATE TABLE decision_revisions (
            id INTEGER PRIMARY KEY, decision_id INTEGER NOT NULL REFERENCES decisions(id),
            note TEXT, decision TEXT, owner TEXT, due TEXT, status TEXT, expected TEXT,
            author TEXT, revised_at TEXT NOT NULL);
        CREATE INDEX decisions_metric_week ON decisions(metric, week);
        CREATE INDEX decision_revisions_decision ON decision_revisions(decision_id);
        INSERT INTO snapshots VALUES ('signups', '2026-11-09', '', 1204, 'old.csv', '2026-11-10');
        INSERT INTO decisions (metric, week, note, author, created_at, updated_at)
            VALUES ('signups', '2026-11-09', 'third', 'cy', '2026-11-10', '2026-11-12');
        INSERT INTO decisions (metric, week, note, author, created_at, updated_at)
            VALUES ('signups', '2026-11-09', 'alone', 'ana', '2026-11-10', '2026-11-10');
        INSERT INTO decision_revisions (decision_id, note, status, author, revised_at)
            VALUES (1, 'first', 'open', 'ana', '2026-11-11');
        INSERT INTO decision_revisions (decision_id, note, status, author, revised_at)
            VALUES (1, 'second', 'open', 'bo', '2026-11-12');
        PRAGMA user_version = 2;
        """
    )
    conn.close()


def test_a_version_2_file_is_migrated_keeping_data_and_revisions(db: Path) -> None:
    make_v2(db)
    with Store(db) as store:
        assert store.schema_version == SCHEMA_VERSION >= 3
        assert store.load_snapshots()[("signups", "")][W46] == 1204
        edited, alone = store.decisions()
        assert (edited.revision, edited.author, edited.edited_by) == (3, "ana", "cy")
        assert (alone.revision, alone.author, alone.edited_by) == (1, "ana", "")
        revs = store.revisions(1)
        assert [(r.revision, r.note, r.author, r.edited_by) for r in revs] == [
            (1, "first", "ana", ""),
            (2, "second", "ana", "bo"),
        ]
        assert [r.updated_at for r in revs] == ["2026-11-10", "2026-11-11"]
        store.upsert_snapshots([("signups", W46, "", 1187.0)], source="new.csv")
    assert history_rows(db) == [("signups", "2026-11-09", "", 1204.0, "old.csv")]


# --- the import command --------------------------------------------------------------------


def test_import_says_what_it_revised_and_twice_changes_nothing(db: Path, tmp_path: Path) -> None:
    assert import_csv(db, tmp_path, "w46.csv", FIRST).exit_code == 0
    dry = import_csv(db, tmp_path, "w47.csv", SECOND, "--dry-run")
    assert "signups 2026-W46 would revise 1,204 → 1,187" in dry.stdout
    assert history_rows(db) == []
    result = import_csv(db, tmp_path, "w47.csv", SECOND)
    assert result.exit_code == 0, result.output
    assert "signups 2026-W46 revised 1,204 → 1,187" in result.stdout
    assert history_rows(db) == [("signups", "2026-11-09", "", 1204.0, "w46.csv")]
    before = file_digest(db)
    again = import_csv(db, tmp_path, "w47.csv", SECOND)
    assert "revised" not in again.stdout
    assert file_digest(db) == before


def test_import_lists_ten_revisions_then_how_many_more(db: Path, tmp_path: Path) -> None:
    weeks = [f"2026-W{n:02d}" for n in range(1, 16)]
    old = "metric,week,value\n" + "".join(f"churn_rate,{w},0.02\n" for w in weeks)
    new = "metric,week,value\n" + "".join(f"churn_rate,{w},0.025\n" for w in weeks)
    import_csv(db, tmp_path, "a.csv", old)
    result = import_csv(db, tmp_path, "b.csv", new)
    revised = [line for line in result.stdout.splitlines() if " revised " in line]
    assert len(revised) == 10
    assert revised[0] == "churn_rate 2026-W01 revised 2.0% → 2.5%"
    assert "and 5 more" in result.stdout.splitlines()[-1]


# --- the history command -------------------------------------------------------------------


def test_history_command_lists_restatements(db: Path, tmp_path: Path) -> None:
    import_csv(db, tmp_path, "w46.csv", FIRST)
    assert run("history", "signups", "--db", db, "--config", CONFIG).stdout == "No restatements.\n"
    import_csv(db, tmp_path, "w47.csv", SECOND)
    import_csv(db, tmp_path, "fix.csv", FIRST.replace("1204", "1190"))
    out = run("history", "signups", "--db", db, "--config", CONFIG).stdout
    lines = [line for line in out.splitlines() if "→" in line]
    assert len(lines) == 2
    assert "2026-W46" in lines[0] and "1,204 → 1,187" in lines[0] and "w47.csv" in lines[0]
    assert "1,187 → 1,190" in lines[1] and "fix.csv" in lines[1]
    week = run("history", "signups", "--week", "2026-W47", "--db", db, "--config", CONFIG)
    assert week.stdout == "No restatements.\n"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [(["nope"], "unknown metric 'nope'"), (["signups", "--week", "2026-W60"], "--week")],
)
def test_history_command_bad_input_is_one_line(
    db: Path, tmp_path: Path, args: list[str], fragment: str
) -> None:
    import_csv(db, tmp_path, "w46.csv", FIRST)
    result = run("history", *args, "--db", db, "--config", CONFIG)
    assert result.exit_code == 2
    assert fragment in result.stderr and len(result.stderr.splitlines()) == 1


# --- the review model, the notes, the JSON -------------------------------------------------


def restated_review(db: Path, tmp_path: Path, week: date) -> review.WeekReview:
    import_csv(db, tmp_path, "w46.csv", FIRST)
    import_csv(db, tmp_path, "w47.csv", SECOND)
    cfg = config.load(CONFIG)
    with Store(db) as store:
        data = review.load(cfg, store, around=week)
    return review.build(cfg, data, week)


def test_the_review_model_carries_the_weeks_restatements(db: Path, tmp_path: Path) -> None:
    model = restated_review(db, tmp_path, W46)
    [r] = model.kpi("signups").restatements
    assert (r.week, r.old, r.new, r.source, r.old_source) == (W46, 1204, 1187, "w47.csv", "w46.csv")
    assert model.kpi("mrr").restatements == ()
    cfg = config.load(CONFIG)
    with Store(db) as store:
        data = review.load(cfg, store)
    assert review.build(cfg, data, W47).kpi("signups").restatements == ()
    detail = review.detail(cfg, data, W47, "signups")
    assert [x.week for x in detail.restatements] == [W46]


def test_notes_and_json_list_the_weeks_restatements(db: Path, tmp_path: Path) -> None:
    model = restated_review(db, tmp_path, W46)
    notes = export.markdown(model)
    assert "## Restatements" in notes
    assert "- Sign-ups: 1,204 → 1,187 (w47.csv, " in notes
    doc = json.loads(export.to_json(model))
    signups = next(k for p in doc["pillars"] for k in p["kpis"] if k["id"] == "signups")
    [r] = signups["restatements"]
    assert (r["week"], r["old"], r["new"], r["source"]) == ("2026-11-09", 1204, 1187, "w47.csv")
    assert all("restatements" in k for p in doc["pillars"] for k in p["kpis"])


# --- the TUI -------------------------------------------------------------------------------


def test_the_detail_screen_shows_the_kpis_restatements(sample: Path, tmp_path: Path) -> None:
    from textual.pilot import Pilot

    from tests.tui_helpers import copy_db, drive, new_app, static_text

    db = copy_db(sample, tmp_path)
    with Store(db) as store:
        old = store.load_snapshots()[("signups", "")]
        store.upsert_snapshots([("signups", W47, "", 1187.0)], source="fix-w47.csv")
        store.upsert_snapshots([("signups", W46, "", 1204.0)], source="fix-w46.csv")
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.screen.metric_id == "signups"
        more = static_text(app.screen.query_one("#more"))
        assert "Restated" in more
        lines = [line.strip() for line in more.splitlines() if "→" in line]
        assert lines[0].startswith(f"2026-W47 {old[W47]:,.0f} → 1,187 · fix-w47.csv")
        assert lines[1].startswith(f"2026-W46 {old[W46]:,.0f} → 1,204 · fix-w46.csv")
        await pilot.press("escape", "up", "enter")  # a KPI never restated: no section
        await pilot.pause()
        assert "Restated" not in static_text(app.screen.query_one("#more"))

    drive(app, (160, 45), script)
