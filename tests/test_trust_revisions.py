"""Decisions carry a revision: an edit made from an older revision is refused with the other
edit shown, never silently replaced; edits keep the author and record who edited; the history
of a decision shows in `decisions --id N --history` and in the TUI."""

from __future__ import annotations

import json
import multiprocessing
from datetime import date
from pathlib import Path

import pytest
from textual.pilot import Pilot

from kpireview.decisions import Draft, save_draft, toggle_done
from kpireview.errors import KpiError
from kpireview.store import DecisionConflict, Store
from tests.conftest import CONFIG, run
from tests.tui_helpers import USER, copy_db, drive, new_app, static_text, wait_until

W47 = date(2026, 11, 16)
TODAY = date(2026, 11, 23)


def new_decision(db: Path, author: str = "ana") -> int:
    with Store(db) as store:
        return store.add_decision("churn_rate", W47, "Churn jumped", owner="ana", author=author)


# --- the store -----------------------------------------------------------------------------


def test_second_editor_from_the_same_base_is_refused_and_the_first_kept(db: Path) -> None:
    did = new_decision(db)
    with Store(db) as one, Store(db) as two:
        base = one.decision(did).revision
        assert base == two.decision(did).revision == 1
        assert one.update_decision(did, editor="bo", base=base, note="Churn up: pricing") == 2
        with pytest.raises(DecisionConflict) as caught:
            two.update_decision(did, editor="cy", base=base, note="Churn up: a bad week")
    err = caught.value
    assert isinstance(err, KpiError)
    message = str(err)
    assert "bo" in message and "revision 2" in message
    assert "Churn jumped" in message and "Churn up: pricing" in message
    assert err.by == "bo" and err.revision == 2 and err.at
    assert [c[0] for c in err.changes] == ["note"]
    with Store(db) as store:
        kept = store.decision(did)
        assert (kept.note, kept.revision, kept.edited_by) == ("Churn up: pricing", 2, "bo")
        assert [(r.revision, r.note) for r in store.revisions(did)] == [(1, "Churn jumped")]


def test_edits_keep_the_author_and_record_edited_by(db: Path, monkeypatch) -> None:
    did = new_decision(db, author="ana")
    monkeypatch.setenv("KPIREVIEW_USER", "bo")
    with Store(db) as store:
        save_draft(store, "churn_rate", W47, Draft(note="edited"), TODAY, did, base=1)
        d = store.decision(did)
        assert (d.author, d.edited_by, d.revision, d.note) == ("ana", "bo", 2, "edited")
        with pytest.raises(DecisionConflict):
            save_draft(store, "churn_rate", W47, Draft(note="stale"), TODAY, did, base=1)
        assert store.decision(did).note == "edited"


def test_a_done_toggle_keeps_the_author(db: Path, monkeypatch) -> None:
    did = new_decision(db, author="ana")
    monkeypatch.setenv("KPIREVIEW_USER", "cy")
    with Store(db) as store:
        assert toggle_done(store, did) == "done"
        d = store.decision(did)
        assert (d.author, d.edited_by, d.status, d.revision) == ("ana", "cy", "done", 2)
        with pytest.raises(DecisionConflict, match="status open → done"):
            toggle_done(store, did, base=1)  # toggled from a stale list: refused
        assert store.decision(did).status == "done"


def _edit_in_another_process(db: str, did: int, note: str, barrier, results) -> None:
    with Store(db) as store:
        base = store.decision(did).revision
        barrier.wait()  # both have read the same revision before either writes
        try:
            store.update_decision(did, editor=note, base=base, note=note)
            results.put((note, "saved"))
        except DecisionConflict as exc:
            results.put((note, str(exc)))


def test_two_processes_editing_one_decision_never_lose_an_edit(db: Path) -> None:
    did = new_decision(db)
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=_edit_in_another_process, args=(str(db), did, n, barrier, results))
        for n in ("one", "two")
    ]
    for p in procs:
        p.start()
    outcome = dict(results.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    saved = [n for n, how in outcome.items() if how == "saved"]
    assert len(saved) == 1
    [refused] = [how for how in outcome.values() if how != "saved"]
    assert f"changed by {saved[0]}" in refused
    with Store(db) as store:
        d = store.decision(did)
        assert (d.note, d.revision) == (saved[0], 2)
        assert [r.note for r in store.revisions(did)] == ["Churn jumped"]


# --- the command line ----------------------------------------------------------------------


def test_decisions_history_command_text_and_json(db: Path, monkeypatch) -> None:
    did = new_decision(db, author="ana")
    with Store(db) as store:
        store.update_decision(did, editor="bo", base=1, note="Churn up after pricing")
        store.update_decision(did, editor="cy", base=2, status="done")
    args = ("decisions", "--id", str(did), "--history", "--db", db, "--config", CONFIG)
    text = run(*args)
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    assert lines[0].startswith(f"Decision {did} · Churn · 2026-W47 · revision 3")
    blocks = [line for line in lines if line.startswith("r")]
    assert blocks[0].split()[0] == "r1" and "ana" in blocks[0]
    assert blocks[1].split()[0] == "r2" and "bo" in blocks[1]
    assert blocks[2].split()[0] == "r3" and "cy" in blocks[2] and "(current)" in blocks[2]
    assert "note: Churn jumped" in text.stdout and "note: Churn up after pricing" in text.stdout
    assert "status: done" in text.stdout
    doc = json.loads(run(*args, "--format", "json").stdout)
    assert doc["id"] == did and doc["revision"] == 3 and doc["author"] == "ana"
    assert [(r["revision"], r["by"]) for r in doc["revisions"]] == [
        (1, "ana"),
        (2, "bo"),
        (3, "cy"),
    ]
    assert doc["revisions"][1]["changed"] == ["note"] and doc["revisions"][2]["status"] == "done"


def test_decisions_history_needs_an_id_and_a_known_one(db: Path) -> None:
    new_decision(db)
    no_id = run("decisions", "--history", "--db", db, "--config", CONFIG)
    assert no_id.exit_code == 2 and "--id" in no_id.stderr
    unknown = run("decisions", "--id", "99", "--history", "--db", db, "--config", CONFIG)
    assert unknown.exit_code == 2 and "no decision with id 99" in unknown.stderr
    assert len(unknown.stderr.splitlines()) == 1


# --- the TUI -------------------------------------------------------------------------------


@pytest.fixture
def sample_copy(sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KPIREVIEW_USER", USER)
    return copy_db(sample, tmp_path)


def listed(app) -> list[int]:
    return [d.id for d in app.screen.query_one("#decision-list").items]


def said(app) -> str:
    return " ".join(app.screen.query_one("#form-status").message.split())


def test_a_conflicting_save_keeps_the_typed_text_and_shows_the_other_edit(
    sample_copy: Path,
) -> None:
    app = new_app(sample_copy)

    async def script(pilot: Pilot) -> None:
        await pilot.press("D")
        await wait_until(pilot, lambda: listed(app) == [5, 4, 1, 2, 3])
        await pilot.press("down", "enter")  # decision 4 in the form
        assert type(app.screen).__name__ == "DecisionForm"
        with Store(sample_copy) as other:  # meanwhile, someone else edits it
            base = other.decision(4).revision
            other.update_decision(4, editor="bob", base=base, note="Bob's view of it")
        await pilot.press("end", *" Mine", "ctrl+s")
        await wait_until(pilot, lambda: "Not saved" in said(app))
        form = app.screen
        assert type(form).__name__ == "DecisionForm"
        assert form.query_one("#note").text.endswith("Mine")  # what was typed stays
        assert "changed by bob" in said(app)
        conflict = static_text(form.query_one("#conflict"))
        assert "bob" in conflict and "Bob's view of it" in conflict
        with Store(sample_copy) as store:
            assert store.decision(4).note == "Bob's view of it"  # not replaced silently
        await pilot.press("ctrl+s")  # saved again, knowing of the other edit: it is saved
        await wait_until(pilot, lambda: type(app.screen).__name__ == "DecisionsScreen")
        with Store(sample_copy) as store:
            assert store.decision(4).note.endswith("Mine")
            assert store.revisions(4)[-1].note == "Bob's view of it"

    drive(app, (100, 30), script)


def test_h_shows_a_decisions_history(sample_copy: Path) -> None:
    with Store(sample_copy) as store:
        store.update_decision(4, editor="bob", base=store.decision(4).revision, note="New text")
    app = new_app(sample_copy)

    async def script(pilot: Pilot) -> None:
        await pilot.press("D")
        await wait_until(pilot, lambda: listed(app) == [5, 4, 1, 2, 3])
        await pilot.press("down", "h")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "DecisionHistory")
        body = app.screen.query_one("#history-body")
        await wait_until(pilot, lambda: "r2" in static_text(body))
        text = static_text(body)
        assert "Decision 4" in text and "r1" in text and "bob" in text and "New text" in text
        assert "The pricing change ships" in text
        await pilot.press("escape")
        assert type(app.screen).__name__ == "DecisionsScreen"

    drive(app, (100, 30), script)
