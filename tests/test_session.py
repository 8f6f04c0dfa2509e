"""The review session (kpireview.session): every read and write a view needs, without Textual."""

from __future__ import annotations

import sqlite3
import sys
from datetime import date
from pathlib import Path

import pytest

from kpireview import config, export
from kpireview.decisions import Draft
from kpireview.errors import KpiError
from kpireview.records import DecisionConflict
from kpireview.session import ERRORS, NoData, ReviewSession
from tests.conftest import CONFIG, file_digest, run

TODAY = date(2026, 11, 23)


@pytest.fixture
def db(sample_db: Path, tmp_path: Path) -> Path:
    target = tmp_path / "s.db"
    target.write_bytes(sample_db.read_bytes())
    return target


def session(db: Path, **options) -> ReviewSession:  # type: ignore[no-untyped-def]
    return ReviewSession(config.load(CONFIG), db, today=lambda: TODAY, **options)


def test_the_first_screen_and_every_week_give_the_same_review(db: Path) -> None:
    s = session(db)
    window, first = s.open_week(None)
    full = s.read_all()
    assert export.to_json(s.build(full, first.week)) == export.to_json(first)
    assert set(window.weeks) <= set(full.weeks)
    assert export.to_json(s.review(None)) == export.to_json(first)
    s.close()


def test_a_commit_by_another_process_is_seen_once(db: Path) -> None:
    s = session(db)
    s.open_week(None)
    assert not s.changed()
    assert (
        run("decide", "churn_rate", "--note", "look", "--db", db, "--config", CONFIG).exit_code == 0
    )
    assert s.changed()
    assert not s.changed()
    s.close()


def test_decisions_saved_listed_toggled_and_a_stale_toggle_refused(db: Path) -> None:
    s = session(db)
    _, model = s.open_week(None)
    draft = Draft(note="churn up after pricing", decision="call 10 churned accounts")
    did = s.save_decision("churn_rate", model.week, draft)
    found = {d.id: d for d in s.decisions()}
    assert found[did].decision == "call 10 churned accounts"
    assert s.toggle_done(did, found[did].revision) == "done"
    with pytest.raises(DecisionConflict):
        s.toggle_done(did, found[did].revision)  # the list on screen is out of date
    assert len(s.decision_history(did)) > 1  # the first version and the toggle
    s.close()


def test_dividers_and_acknowledgements_through_the_session(db: Path) -> None:
    s = session(db)
    _, model = s.open_week(None)
    said = s.divide("nps", model.week, "survey changed")
    assert "nps" in said.lower() or "NPS" in said
    assert [d.week for d in s.dividers("nps")] == [model.week]
    s.remove_divider("nps", model.week)
    assert s.dividers("nps") == []
    assert len(s.dividers("nps", removed=True)) == 1
    assert s.acknowledge("churn_rate", model.week)
    s.close()


def test_a_read_only_session_reads_without_changing_a_byte_and_refuses_writes(
    db: Path,
) -> None:
    before = file_digest(db)
    size = db.stat().st_size
    s = session(db, read_only=True)
    _, model = s.open_week(None)
    s.decisions()
    s.dividers()
    with pytest.raises(ERRORS):
        s.acknowledge("churn_rate", model.week)
    s.close()
    assert file_digest(db) == before
    assert db.stat().st_size == size


def test_an_empty_database_says_so(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    assert run("init", "--db", db, "--config", CONFIG).exit_code == 0
    with pytest.raises(NoData):
        session(db).review(None)
    assert issubclass(NoData, KpiError)


def test_a_file_that_is_not_a_database_is_one_error(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    db.write_text("not a database\n" * 100)
    with pytest.raises(ERRORS) as caught:
        session(db).open_week(None)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, KpiError | sqlite3.Error)


def test_the_session_module_needs_no_textual() -> None:
    """Imported in a fresh interpreter, it loads neither Textual nor the TUI."""
    import subprocess

    code = (
        "import sys, kpireview.session, kpireview.review\n"
        "bad = [m for m in sys.modules if m.startswith(('textual', 'kpireview.tui'))]\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
