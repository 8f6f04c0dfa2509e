"""The dashboard's acknowledge key (a): the KPI's signals of the week stored with who and when,
the KPI then handled and skipped by the flag walk; refused in --read-only and without a signal."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from kpireview.store import Store
from tests.conftest import file_digest
from tests.test_tui import current, status_text
from tests.tui_helpers import SAMPLE_WEEK, USER, copy_db, drive, new_app, wait_until


@pytest.fixture
def db(sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KPIREVIEW_USER", USER)
    return copy_db(sample, tmp_path)


def _stored(db: Path) -> list:
    with Store(db, must_exist=True) as store:
        return store.acknowledgements()


async def _walk(app, pilot: Pilot) -> list[str]:
    """The KPIs the flag walk visits, in order, once round."""
    ids: list[str] = []
    while True:
        await pilot.press("f")
        if ids and current(app)[1] == ids[0]:
            return ids
        ids.append(current(app)[1])


async def _to_unflagged(app, pilot: Pilot) -> str:
    """Move the cursor down to the first KPI without a signal this week; its id."""
    for _ in range(len(app.review.kpis)):
        kpi = app.screen.current.kpi
        if not kpi.flags:
            return kpi.id
        await pilot.press("down")
    raise AssertionError("every KPI has a signal")


def test_a_acknowledges_the_kpis_signals_and_the_walk_skips_it(db: Path) -> None:
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        assert "csat" in await _walk(app, pilot)
        while current(app)[1] != "csat":
            await pilot.press("f")
        rules = [f.rule for f in app.review.kpi("csat").flags]
        assert rules and "csat" not in app.review.handled
        await pilot.press("a")
        await wait_until(pilot, lambda: "csat" in app.review.handled)
        stored = _stored(db)
        assert [(a.metric, a.week, a.author, a.note) for a in stored] == [
            ("csat", SAMPLE_WEEK, USER, "")
        ] * len(set(rules))
        assert [a.rule for a in stored] == list(dict.fromkeys(rules))
        assert status_text(app) == (
            "Acknowledged CSAT's signals for 2026-W47 (the walk skips it until it changes)"
        )
        assert app.review.kpi("csat").lead.acknowledged.author == USER
        await pilot.press("down")  # off the walk
        assert "csat" not in await _walk(app, pilot)

    drive(app, (160, 45), script)


def test_a_again_on_an_acknowledged_kpi_writes_nothing(db: Path) -> None:
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        while current(app)[1] != "csat":
            await pilot.press("f")
        await pilot.press("a")
        await wait_until(pilot, lambda: "csat" in app.review.handled)
        count = len(_stored(db))
        await pilot.press("a")
        await pilot.pause()
        assert "already acknowledged" in status_text(app)
        assert len(_stored(db)) == count

    drive(app, (160, 45), script)


def test_read_only_refuses_and_writes_nothing(db: Path) -> None:
    before = file_digest(db)
    app = new_app(db, read_only=True)

    async def script(pilot: Pilot) -> None:
        await pilot.press("f")
        assert app.screen.current.kpi.flags
        await pilot.press("a")
        await pilot.pause()
        assert status_text(app) == "read-only: acknowledgements are off"
        assert not app.review.handled & {current(app)[1]}

    drive(app, (80, 24), script)
    assert file_digest(db) == before


def test_a_kpi_without_a_signal_is_refused(db: Path) -> None:
    before = file_digest(db)
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        metric = await _to_unflagged(app, pilot)
        label = app.review.kpi(metric).label
        await pilot.press("a")
        await pilot.pause()
        assert status_text(app) == f"✗ {label} has no signal in 2026-W47: nothing to acknowledge."

    drive(app, (80, 24), script)
    assert file_digest(db) == before


def test_a_save_refused_at_saving_is_shown_and_writes_nothing(db: Path) -> None:
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        while current(app)[1] != "csat":
            await pilot.press("f")
        app.config.by_id.pop("csat")  # the check at saving refuses it: nothing is written
        await pilot.press("a")
        await wait_until(pilot, lambda: not app.screen.acknowledging)
        assert status_text(app).startswith("✗ Not saved: acknowledge: unknown metric 'csat'")
        assert _stored(db) == []

    drive(app, (160, 45), script)
