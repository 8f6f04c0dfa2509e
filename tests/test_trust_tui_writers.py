"""The TUI open while other processes write the same database, as the README's workflow has it:
the team's review on screen, engineers and cron running `kpireview decide` and `import` beside it.

Every save the TUI or a command acknowledges is in the database afterwards, the TUI keeps saving
after the commands ran, and every external change shows on screen.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.conftest import CONFIG
from tests.tui_helpers import SAMPLE_WEEK, USER, copy_db, drive, new_app

CLI = [sys.executable, "-c", "from kpireview.cli import main; main()"]
SHOWN_WITHIN = 20.0  # seconds: a generous bound for a poll every 2 s on a busy machine


@pytest.fixture
def db(sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KPIREVIEW_USER", USER)
    return copy_db(sample, tmp_path)


async def kpireview(*args: object) -> str:
    """Run the command line in another process, without stopping the app; its stdout."""
    proc = await asyncio.create_subprocess_exec(
        *CLI, *map(str, args), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def import_traffic(db: Path, value: int) -> None:
    csv = db.parent / f"traffic-{value}.csv"
    csv.write_text(f"metric,week,value\ntraffic,{SAMPLE_WEEK},{value}\n")
    await kpireview("import", csv, "--db", db, "--config", CONFIG)


async def shown(pilot: Pilot, value: float) -> None:
    """Wait until the review on screen has traffic at ``value``."""
    app = pilot.app
    await wait_until(pilot, lambda: app.review.kpi("traffic").value == value, timeout=SHOWN_WITHIN)
    assert app.screen.current.kpi.value == value  # the row on screen, not only the model


async def wait_until(pilot: Pilot, condition: Callable[[], bool], timeout: float = 15) -> None:
    """Let the app run until the condition holds, or fail after a generous timeout. (Unlike
    tests.tui_helpers.wait_until it does not wait for the workers: with processes writing
    beside the app, a poll may outlast its interval and be cancelled by the next one.)"""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise AssertionError("the app did not get there in time")
        await pilot.pause(0.05)
    await pilot.pause()


def said(app) -> str:
    from kpireview.tui.widgets.status import StatusLine

    return " ".join(app.screen.query_one(StatusLine).render().plain.split())


async def save_in_tui(pilot: Pilot, note: str) -> int:
    """Record a decision with the form; the id the app says it saved."""
    app = pilot.app
    await pilot.press("d", *note)
    form = app.screen
    status = form.query_one("#form-status")
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: app.screen is not form or "Not saved" in status.message)
    assert app.screen is not form, status.message
    message = said(app)
    assert message.startswith("Saved decision "), message
    return int(message.split()[2])


def test_tui_and_command_line_writers_side_by_side(db: Path) -> None:
    """Each round: a save in the TUI, a `decide` and an `import` in other processes."""
    app = new_app(db)
    acknowledged: dict[int, str] = {}

    async def script(pilot: Pilot) -> None:
        for n in range(3):
            acknowledged[await save_in_tui(pilot, f"tui{n}")] = f"tui{n}"
            out = await kpireview(
                "decide", "mrr", "--note", f"cli{n}", "--db", db, "--config", CONFIG
            )
            assert out.startswith("Recorded decision "), out
            acknowledged[int(out.split()[2])] = f"cli{n}"
            # The app's connections are still open: nobody may have tidied their WAL away.
            assert Path(f"{db}-wal").exists() and Path(f"{db}-shm").exists()
            await import_traffic(db, 50_000 + n)
            await shown(pilot, 50_000 + n)
        acknowledged[await save_in_tui(pilot, "last")] = "last"

    drive(app, (80, 24), script)
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = dict(conn.execute("SELECT id, note FROM decisions"))
        value = conn.execute(
            "SELECT value FROM snapshots WHERE metric = 'traffic' AND week = ? AND segment = ''",
            (SAMPLE_WEEK.isoformat(),),
        ).fetchone()[0]
    finally:
        conn.close()
    assert {i: stored.get(i) for i in acknowledged} == acknowledged
    assert len(set(acknowledged)) == 7
    assert value == 50_002


# In another process: take the write lock, say so, hold it until told, then commit a decision.
HOLD_WRITE_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute(
    "INSERT INTO decisions (metric, week, note, created_at, updated_at) "
    "VALUES ('mrr', '2026-11-16', 'holder', 'now', 'now')"
)
print("holding", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
conn.close()
"""


def test_a_save_while_another_process_writes_is_refused_then_made(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While another process holds the write lock the TUI says "Not saved" and keeps the form;
    once the lock is free the same save is made. Never "Saved" for a row that is then lost."""
    monkeypatch.setenv("KPIREVIEW_BUSY_TIMEOUT_MS", "300")
    app = new_app(db)
    acknowledged: dict[int, str] = {}

    async def script(pilot: Pilot) -> None:
        acknowledged[await save_in_tui(pilot, "before")] = "before"
        out = await kpireview("decide", "mrr", "--note", "cli", "--db", db, "--config", CONFIG)
        acknowledged[int(out.split()[2])] = "cli"
        holder = await asyncio.create_subprocess_exec(
            sys.executable, "-c", HOLD_WRITE_LOCK, str(db),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert holder.stdin is not None and holder.stdout is not None
        try:
            assert (await holder.stdout.readline()).strip() == b"holding"
            await pilot.press("d", *"during")
            form = app.screen
            message = form.query_one("#form-status")
            await pilot.press("ctrl+s")
            await wait_until(
                pilot, lambda: app.screen is not form or "Not saved" in message.message
            )
            assert app.screen is form, f"acknowledged under another's write lock: {said(app)}"
            assert "locked" in message.message
        finally:
            holder.stdin.write(b"go\n")
            await holder.stdin.drain()
            assert await holder.wait() == 0
        await pilot.press("ctrl+s")  # the same form, saved now
        await wait_until(pilot, lambda: type(app.screen).__name__ == "DashboardScreen")
        message = said(app)
        assert message.startswith("Saved decision "), message
        acknowledged[int(message.split()[2])] = "during"

    drive(app, (80, 24), script)
    conn = sqlite3.connect(db)
    try:
        stored = dict(conn.execute("SELECT id, note FROM decisions"))
    finally:
        conn.close()
    assert {i: stored.get(i) for i in acknowledged} == acknowledged
    assert "holder" in stored.values()


def test_every_external_import_shows(db: Path) -> None:
    """Three imports in a row for the same week: each new value appears in turn."""
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        for value in (61_001, 61_002, 61_003, 61_004):
            await import_traffic(db, value)
            await shown(pilot, value)

    drive(app, (80, 24), script)


def test_every_change_by_another_connection_shows(db: Path) -> None:
    """The same with a connection in another thread of the process committing the changes."""
    app = new_app(db)

    def commit(value: int) -> None:
        conn = sqlite3.connect(db, isolation_level=None)
        try:
            conn.execute(
                "UPDATE snapshots SET value = ? WHERE metric = 'traffic' AND week = ? "
                "AND segment = ''",
                (value, SAMPLE_WEEK.isoformat()),
            )
        finally:
            conn.close()

    async def script(pilot: Pilot) -> None:
        for value in (71_001, 71_002, 71_003, 71_004):
            await asyncio.to_thread(commit, value)
            await shown(pilot, value)

    drive(app, (80, 24), script)


def test_the_watcher_looks_again_after_a_failed_look(db: Path) -> None:
    """A look that fails (its connection broke) is followed by a fresh connection, and counts
    as a change, so that nothing committed meanwhile is missed."""
    from kpireview.session import Watcher

    watcher = Watcher(db)
    try:
        assert watcher.changed() is False
        assert watcher._conn is not None
        watcher._conn.close()  # every look through it fails from now on
        with pytest.raises(sqlite3.Error):
            watcher.changed()
        assert watcher.changed() is True
        assert watcher.changed() is False
        conn = sqlite3.connect(db)
        with conn:
            conn.execute("UPDATE snapshots SET value = 1 WHERE metric = 'traffic'")
        conn.close()
        assert watcher.changed() is True
    finally:
        watcher.close()
