"""The TUI's decision loop driven by keys: the form (d), the decisions screen (D), the notes (e),
and --read-only refusing the writes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from textual.pilot import Pilot

from kpireview import export
from kpireview.store import Store
from tests.conftest import file_digest
from tests.tui_helpers import (
    SAMPLE_WEEK,
    USER,
    copy_db,
    drive,
    new_app,
    static_text,
    wait_until,
)

SIZES = [(80, 24), (160, 45)]


@pytest.fixture
def db(sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the sample to write to; decisions by USER."""
    monkeypatch.setenv("KPIREVIEW_USER", USER)
    return copy_db(sample, tmp_path)


def stored(db: Path):
    with Store(db) as store:
        return store.decisions()


def screen_name(app) -> str:
    return type(app.screen).__name__


def said(app) -> str:
    """The current screen's status or message line, on one line."""
    from kpireview.tui.widgets.message import MessageLine
    from kpireview.tui.widgets.status import StatusLine

    line = app.screen.query(StatusLine) or app.screen.query(MessageLine)
    widget = line.first()
    text = widget.render().plain if isinstance(widget, StatusLine) else widget.message
    return " ".join(text.split())


def field(app, name: str):
    return app.screen.query_one(f"#{name}")


def shown(app, selector: str) -> str:
    """The plain text a Static shows now."""
    return static_text(app.screen.query_one(selector)).rstrip("\n")


async def settle(pilot: Pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


# --- the form ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_d_opens_the_form_and_ctrl_s_commits_it(db: Path, size) -> None:
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        await pilot.press("down", "d")
        assert screen_name(app) == "DecisionForm"
        form = app.screen
        assert form.metric_id == "signups" and form.week == SAMPLE_WEEK
        assert "New decision · Sign-ups · 2026-W47" in shown(app, "#form-header")
        assert field(app, "owner").value == USER  # the user, unless changed
        await pilot.press(*"Launch")  # short texts: each key press costs the tests time
        await pilot.press("tab", *"Keep", "tab", "tab", *"fri")
        assert shown(app, "#due-hint") == "→ Fri 27 Nov 2026"  # as it is typed
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen_name(app) == "DashboardScreen")
        new = [d for d in stored(db) if d.id == 6]
        assert new, "the decision is in the database"
        d = new[0]
        assert (d.metric, d.week, d.owner, d.author) == ("signups", SAMPLE_WEEK, USER, USER)
        assert d.due == date(2026, 11, 27) and d.status == "open"
        assert (d.note, d.decision) == (
            "Launch",
            "Keep",
        )
        assert said(app).startswith("Saved decision 6 (Sign-ups, 2026-W47)")
        await pilot.press("enter")  # the detail lists it and marks it on the chart, at once
        await pilot.pause()
        assert "Launch" in shown(app, "#more")
        chart = app.screen.query_one("#chart-weeks").chart
        assert len(chart.markers) == 1 and chart.markers[0] == chart.points - 1

    drive(app, size, script)


def test_d_on_the_detail_screen_decides_about_its_kpi(db: Path) -> None:
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        await pilot.press("down", "down", "down", "enter")  # Cost per acquisition
        await pilot.pause()
        await pilot.press("d", *"Still high", "ctrl+s")
        await wait_until(pilot, lambda: screen_name(app) == "DetailScreen")
        assert said(app).startswith("Saved decision 6 (Cost per acquisition, 2026-W47)")
        more = shown(app, "#more")
        assert "Still high" in more and "this week" in more
        assert stored(db)[-1].metric == "cpa"

    drive(app, (80, 24), script)


def test_the_form_refuses_a_draft_with_errors_and_saves_nothing(db: Path) -> None:
    before = file_digest(db)
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        await pilot.press("d", "ctrl+s")  # no note
        assert screen_name(app) == "DecisionForm"
        assert "Say what moved and why (required)" in shown(app, "#note-error")
        assert said(app) == "✗ Not saved: see the field marked ✗."
        await pilot.press(*"Up", "tab", "tab", "tab", *"soon")
        assert "'soon' is not a due date" in shown(app, "#due-error")  # as it is typed
        assert shown(app, "#due-hint") == ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen_name(app) == "DecisionForm" and app.focused is field(app, "due")
        assert field(app, "note").text == "Up"  # nothing typed is lost

    drive(app, (80, 24), script)
    assert file_digest(db) == before


def test_escape_asks_before_discarding_what_was_typed(db: Path) -> None:
    before = file_digest(db)
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        await pilot.press("d", "escape")  # nothing typed: closes at once
        assert screen_name(app) == "DashboardScreen"
        await pilot.press("d", *"Half", "escape")
        assert screen_name(app) == "Confirm"
        assert "Discard what you typed? y/n" in shown(app, "#confirm-text")
        await pilot.press("q")  # not a way out that loses the text
        assert not app._exit and screen_name(app) == "Confirm"
        await pilot.press("n")
        assert screen_name(app) == "DecisionForm"
        assert field(app, "note").text == "Half"
        await pilot.press("escape", "y")
        assert screen_name(app) == "DashboardScreen"

    drive(app, (80, 24), script)
    assert file_digest(db) == before


def test_a_failed_save_keeps_the_form_and_the_text(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpireview import decisions
    from kpireview.store import StoreError

    def locked(*args, **kwargs):
        raise StoreError(f"{db}: database is locked")

    monkeypatch.setattr(decisions, "save_draft", locked)
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        await pilot.press("d", *"Key", "ctrl+s")
        await settle(pilot)
        assert screen_name(app) == "DecisionForm"
        assert said(app).startswith("✗ Not saved:") and "database is locked" in said(app)
        assert field(app, "note").text == "Key"
        assert not app.screen.saving  # ctrl+s again tries again

    drive(app, (80, 24), script)


# --- the decisions screen ----------------------------------------------------------------


def listed(app) -> list[int]:
    return [d.id for d in app.screen.query_one("#decision-list").items]


def list_text(app) -> str:
    return app.screen.query_one("#decision-list").render().plain


@pytest.mark.parametrize("size", SIZES)
def test_D_lists_open_first_overdue_marked_carried_over_on_top(db: Path, size) -> None:
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        await pilot.press("D")
        await wait_until(pilot, lambda: listed(app) == [5, 4, 1, 2, 3])  # open, then by due
        rows = list_text(app).splitlines()
        wide = size[0] >= 100  # the id and the week of the decision from 100 columns
        names = ["owner", "decision", "KPI", "status", "due"]
        assert rows[0].split() == (["#", *names, "week"] if wide else names)
        assert rows[1].split()[: 2 if wide else 1] == (["5", "growth"] if wide else ["growth"])
        assert "! overdue" in rows[1] and "2026-11-20" in rows[1]
        assert "Pause the two worst" in rows[1]  # the decision (the action), not the note
        assert "CPA above the" not in rows[1]
        assert ("2026-W45" in rows[1]) == wide
        assert " open " in rows[2] and " done " in rows[3]
        header = shown(app, "#decisions-header")
        assert "2 open of 5 · ! 1 overdue · today Mon 23 Nov 2026" in header
        carried = shown(app, "#carried")
        assert "Carried over into 2026-W47: 2 still open from earlier weeks" in carried
        assert "! overdue Cost per acquisition $49.04 → $47.54 since 2026-W45" in carried
        assert "open      Churn 1.6% → 2.7% since 2026-W41; target 2.0%" in carried
        await pilot.press("escape")
        assert screen_name(app) == "DashboardScreen"
        assert "carried over · ! 1 overdue" in app.screen.query_one("#header").render().plain

    drive(app, size, script)


def test_x_toggles_done_and_enter_edits_keeping_a_revision(db: Path) -> None:
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        await pilot.press("D")
        await wait_until(pilot, lambda: listed(app) == [5, 4, 1, 2, 3])
        await pilot.press("x")  # decision 5 is done
        await wait_until(pilot, lambda: listed(app) == [4, 1, 2, 3, 5])  # done: by due
        assert said(app) == "Decision 5 is done now"
        assert app.screen.query_one("#decision-list").current.id == 5  # the cursor follows it
        assert {d.id: d.status for d in stored(db)}[5] == "done"
        assert "1 still open" in shown(app, "#carried")  # the review was read again
        await pilot.press("x")
        await wait_until(pilot, lambda: listed(app) == [5, 4, 1, 2, 3])
        await pilot.press("down", "enter")  # decision 4, in the form, filled in
        assert screen_name(app) == "DecisionForm" and app.screen.decision_id == 4
        assert "Decision 4 · Churn · 2026-W41" in shown(app, "#form-header")
        old = field(app, "note").text
        assert old.startswith("The pricing change ships in three weeks")
        assert field(app, "owner").value == "success" and field(app, "due").value == "2026-12-04"
        await pilot.press("end", *" Ok", "ctrl+s")
        await wait_until(pilot, lambda: screen_name(app) == "DecisionsScreen")
        assert said(app) == "Saved decision 4 (Churn, 2026-W41)"
        with Store(db) as store:
            assert store.decision(4).note == old + " Ok"
            assert store.decision(4).week == date(2026, 10, 5)  # the decision keeps its week
            assert store.revisions(4)[-1].note == old  # the earlier text is kept
            assert len(store.revisions(5)) == 2  # each toggle keeps one too
        assert len(stored(db)) == 5  # an edit, not a new decision

    drive(app, (80, 24), script)


def test_slash_filters_by_kpi_or_owner(db: Path) -> None:
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        await pilot.press("D")
        await wait_until(pilot, lambda: len(listed(app)) == 5)
        await pilot.press("slash", *"cost")  # a KPI's label
        assert listed(app) == [5, 1]
        assert "Filter “cost”: 2 of 5 shown" in shown(app, "#decisions-header")
        assert "Churn" not in shown(app, "#carried")
        await pilot.press("enter")  # keeps the filter, back to the list
        assert listed(app) == [5, 1] and app.focused.id == "decision-list"
        await pilot.press("slash", *["backspace"] * 4, *"FIN")  # an owner, any case
        assert listed(app) == [2]
        await pilot.press("escape")  # in the filter: clears it
        assert listed(app) == [5, 4, 1, 2, 3] and app.focused.id == "decision-list"
        await pilot.press("escape")
        assert screen_name(app) == "DashboardScreen"

    drive(app, (80, 24), script)


# --- notes and read-only -----------------------------------------------------------------


def test_e_writes_the_notes_and_copies_them(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "meeting"
    work.mkdir()
    monkeypatch.chdir(work)
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        await pilot.press("left_square_bracket")  # the week on screen, not the latest
        await wait_until(pilot, lambda: app.review.label == "2026-W46")
        await pilot.press("e")
        path = work / "kpireview-2026-W46.md"
        await wait_until(pilot, path.exists)
        text = export.markdown(app.review)
        assert path.read_text(encoding="utf-8") == text
        assert app.clipboard == text
        message = f"Notes written to {path} and copied to the clipboard"
        assert "".join(said(app).split()) == "".join(message.split())  # wrapped to the width

    drive(app, (80, 24), script)


def test_read_only_refuses_decisions_but_writes_notes(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = copy_db(sample, tmp_path)
    before = file_digest(db)
    monkeypatch.chdir(tmp_path)
    app = new_app(db, read_only=True)

    async def script(pilot: Pilot) -> None:
        await pilot.press("d")
        assert screen_name(app) == "DashboardScreen"
        assert said(app) == "read-only: decisions are off"
        await pilot.press("enter", "d")
        await pilot.pause()
        assert screen_name(app) == "DetailScreen" and said(app) == "read-only: decisions are off"
        await pilot.press("D")
        await wait_until(pilot, lambda: len(listed(app)) == 5)
        for key in ("x", "enter"):
            await pilot.press(key)
            await settle(pilot)
            assert screen_name(app) == "DecisionsScreen"
            assert said(app) == "read-only: decisions are off"
        await pilot.press("e")
        await wait_until(pilot, (tmp_path / "kpireview-2026-W47.md").exists)

    drive(app, (80, 24), script)
    assert file_digest(db) == before


def test_keys_typed_just_before_ctrl_s_are_all_saved(db: Path) -> None:
    """Over SSH or from a paste, the typed keys and ctrl+s arrive in one burst: the save waits
    for every key before it, so the decision holds the whole text (a priority binding would
    save what the field held when ctrl+s arrived: 'To' of 'Tour note')."""
    from textual import events

    async def script(pilot: Pilot) -> None:
        await pilot.press("d")
        await wait_until(pilot, lambda: screen_name(pilot.app) == "DecisionForm")
        text = "Tour note, typed fast"
        for ch in text:  # posted at once, as the terminal driver does with a burst of input
            pilot.app.post_message(events.Key(ch if ch != " " else "space", ch))
        pilot.app.post_message(events.Key("ctrl+s", None))
        await wait_until(pilot, lambda: screen_name(pilot.app) == "DashboardScreen")
        await wait_until(pilot, lambda: any(d.note == text for d in stored(db)))

    drive(new_app(db), (80, 24), script)
    assert [d.note for d in stored(db)][-1] == "Tour note, typed fast"


def test_escape_just_after_typing_still_asks(db: Path) -> None:
    """Keys and escape in one burst: escape sees the typed text and asks before discarding."""
    from textual import events

    async def script(pilot: Pilot) -> None:
        await pilot.press("d")
        await wait_until(pilot, lambda: screen_name(pilot.app) == "DecisionForm")
        for ch in "Half":
            pilot.app.post_message(events.Key(ch, ch))
        pilot.app.post_message(events.Key("escape", "\x1b"))
        await wait_until(pilot, lambda: screen_name(pilot.app) == "Confirm")
        await pilot.press("n")
        assert field(pilot.app, "note").text == "Half"

    drive(new_app(db), (80, 24), script)


@pytest.mark.parametrize("size", SIZES)
def test_n_shows_the_decision_whole_and_follows_the_cursor(db: Path, size) -> None:
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        await pilot.press("D")
        await wait_until(pilot, lambda: listed(app) == [5, 4, 1, 2, 3])
        detail = app.screen.query_one("#decision-detail")
        assert not detail.display  # the note on demand
        await pilot.press("down", "n")  # decision 4
        assert detail.display
        text = " ".join(shown(app, "#decision-detail").split())
        assert text.startswith("#4 Success calls every cancelling account over $500 MRR; churn")
        assert "reviewed weekly." in text  # the whole decision, wrapped, not cut
        assert "success · due 2026-12-04 · open · Churn · recorded 2026-W41 by ana" in text
        assert "Why: The pricing change ships in three weeks; watch cancellations." in text
        assert "Expected: Churn stays under 2%" in text
        await pilot.press("up")  # decision 5
        assert shown(app, "#decision-detail").lstrip().startswith("#5 Pause the two worst")
        await pilot.press("n")
        assert not detail.display

    drive(app, size, script)


def test_the_decision_pane_shows_control_characters_and_never_markup(db: Path) -> None:
    with Store(db) as store:
        store.add_decision(
            "mrr", date(2026, 11, 16), "[bold]note[/bold] \x1b[31mred",
            decision="[red]Raise[/red] prices\x1b]0;title\x07", owner="fin",
            due=date(2026, 12, 1), expected="", author="t", status="open",
        )  # fmt: skip
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        await pilot.press("D")
        await wait_until(pilot, lambda: len(listed(app)) == 6)
        await pilot.press("down", "n")  # open ones by due: 5, then the new one
        text = shown(app, "#decision-detail")
        assert "[red]Raise[/red] prices␛]0;title␇" in text
        assert "Why: [bold]note[/bold] ␛[31mred" in text
        assert "\x1b" not in text and "\x07" not in text
        assert "[red]Raise[/red]" in list_text(app)

    drive(app, (80, 24), script)
