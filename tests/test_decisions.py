"""Decisions from the shell: decide, decisions (text and JSON), due dates, follow-up."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from kpireview import config, review
from kpireview.decisions import is_overdue, listing
from kpireview.periods import PeriodError, parse_due
from kpireview.store import Store
from tests.conftest import CONFIG, file_digest, run

MONDAY = date(2026, 11, 23)


@pytest.fixture
def db(tmp_path: Path, write) -> Path:
    path = tmp_path / "d.db"
    rows = "".join(
        f"churn_rate,2026-W{w:02d},{0.016 + (w >= 44) * 0.01:.3f}\n" for w in range(20, 48)
    )
    assert (
        run(
            "import", write("c.csv", "metric,week,value\n" + rows), "--db", path, "--config", CONFIG
        ).exit_code
        == 0
    )
    return path


@pytest.mark.parametrize(
    "text, expected",
    [
        ("fri", date(2026, 11, 27)),
        ("friday", date(2026, 11, 27)),
        ("mon", date(2026, 11, 30)),  # the next Monday, not today
        ("+7d", date(2026, 11, 30)),
        ("+2w", date(2026, 12, 7)),
        ("2026-W49", date(2026, 12, 4)),  # that week's Friday
        ("2026-12-01", date(2026, 12, 1)),
        ("1 Dec 2026", date(2026, 12, 1)),
    ],
)
def test_due_spellings(text: str, expected: date) -> None:
    assert parse_due(text, MONDAY) == expected


@pytest.mark.parametrize("text", ["someday", "+7x", "fr", "2026-W60"])
def test_bad_due(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_due(text, MONDAY)


def test_decide_records_at_latest_week_with_user_as_owner(db: Path, monkeypatch) -> None:
    monkeypatch.setenv("KPIREVIEW_USER", "maria")
    result = run("decide", "churn_rate", "--note", "Churn jumped", "--decision", "Call accounts",
                 "--due", "2026-12-04", "--expected", "back under 2%", "--db", db, "--config", CONFIG)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "Recorded decision 1 on churn_rate for 2026-W47."
    with Store(db) as store:
        [d] = store.decisions()
    assert (d.metric, d.week, d.owner, d.author) == (
        "churn_rate",
        date(2026, 11, 16),
        "maria",
        "maria",
    )
    assert (d.note, d.decision, d.expected, d.due) == (
        "Churn jumped",
        "Call accounts",
        "back under 2%",
        date(2026, 12, 4),
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["nope", "--note", "x"], "decide: unknown metric 'nope'"),
        (["churn_rate", "--note", "  "], "decide: --note: required"),
        (
            ["churn_rate", "--note", "x", "--due", "someday"],
            "decide: --due: 'someday' is not a due date",
        ),
        (["churn_rate", "--note", "x", "--week", "W47"], "--week: 'W47' is not a date"),
    ],
)
def test_decide_bad_input(db: Path, args: list[str], message: str) -> None:
    before = file_digest(db)
    result = run("decide", *args, "--db", db, "--config", CONFIG)
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert file_digest(db) == before


def add(db: Path, **kw) -> int:
    with Store(db) as store:
        return store.add_decision(
            **{"metric": "churn_rate", "week": date(2026, 11, 2), "note": "n", **kw}
        )


def test_listing_open_first_then_due(db: Path) -> None:
    done = add(db, status="done", due=date(2026, 1, 1))
    late = add(db, due=date(2026, 12, 20))
    soon = add(db, due=date(2026, 11, 20), owner="bo")
    undated = add(db)
    with Store(db) as store:
        assert [d.id for d in listing(store)] == [soon, late, undated, done]
        assert [d.id for d in listing(store, only_open=True)] == [soon, late, undated]
        assert [d.id for d in listing(store, owner="bo")] == [soon]
        assert is_overdue(store.decision(soon), MONDAY)
        assert not is_overdue(store.decision(done), MONDAY)


def test_decisions_text_and_json(db: Path) -> None:
    did = add(db, note="Churn | up\nsecond line", owner="ana", due=date(2026, 11, 20))
    text = run("decisions", "--db", db, "--config", CONFIG).stdout
    row = text.splitlines()[1]
    assert row.split()[:6] == [str(did), "2026-W45", "Churn", "overdue", "ana", "2026-11-20"]
    assert row.endswith("Churn | up second line")
    doc = json.loads(run("decisions", "--format", "json", "--db", db, "--config", CONFIG).stdout)
    assert (
        doc[0]["id"] == did
        and doc[0]["overdue"] is True
        and doc[0]["note"] == "Churn | up\nsecond line"
    )
    assert doc[0]["week_label"] == "2026-W45"


def test_carried_over_says_how_the_kpi_moved(db: Path) -> None:
    add(db, week=date(2026, 10, 26), note="watch churn", owner="ana", due=date(2026, 11, 20))
    add(db, week=date(2026, 11, 2), note="closed", status="done")
    cfg = config.load(CONFIG)
    with Store(db) as store:
        r = review.build(cfg, review.load(cfg, store))
    [item] = r.carried_over
    assert item.message == "Churn 2.6% → 2.6% since 2026-W44; target 2.0%"
    assert item.overdue  # due before the end of the reviewed week
    assert [d.note for d in r.open_actions] == ["watch churn"]


def test_edit_keeps_revisions(db: Path) -> None:
    did = add(db, note="first")
    with Store(db) as store:
        store.update_decision(did, note="second", editor="bo")
        store.update_decision(did, note="third")
        assert [r.note for r in store.revisions(did)] == ["first", "second"]
        assert store.decision(did).note == "third"


def test_draft_checks_fields() -> None:
    from kpireview.decisions import Draft, check_draft

    values, errors = check_draft(Draft(note="  ", due="someday"), MONDAY)
    assert set(errors) == {"note", "due"}
    values, errors = check_draft(Draft(note="Churn up", due="fri", owner=""), MONDAY)
    assert not errors and values["due"] == date(2026, 11, 27) and values["owner"]
    assert Draft().empty and not Draft(expected="x").empty


def test_save_draft_new_then_edit_keeps_revision(db: Path, monkeypatch) -> None:
    from kpireview.decisions import Draft, draft_of, save_draft, toggle_done

    monkeypatch.setenv("KPIREVIEW_USER", "lee")
    with Store(db) as store:
        did = save_draft(
            store, "churn_rate", date(2026, 11, 16), Draft(note="first", due="+7d"), MONDAY
        )
        saved = store.decision(did)
        assert (saved.note, saved.owner, saved.due) == ("first", "lee", date(2026, 11, 30))
        save_draft(store, "churn_rate", date(2026, 11, 16), Draft(note="second"), MONDAY, did)
        assert store.decision(did).note == "second" and store.decision(did).due is None
        assert [r.note for r in store.revisions(did)] == ["first"]
        assert draft_of(store.decision(did)).note == "second"
        assert toggle_done(store, did) == "done" and toggle_done(store, did) == "open"
