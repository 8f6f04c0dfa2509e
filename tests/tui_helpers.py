"""Helpers for the TUI tests: a sample database, an app on it, waiting for the app."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

from textual.pilot import Pilot

from kpireview import config
from tests.conftest import CONFIG, run

SAMPLE_WEEK = date(2026, 11, 16)  # 2026-W47, the sample's last week
TODAY = date(2026, 11, 23)  # the Monday after it: the app's "today" in the tests
USER = "alice"  # KPIREVIEW_USER in the decision tests and snapshots


def make_sample(directory: Path) -> Path:
    """`kpireview sample` into a directory (deterministic: same bytes every time)."""
    path = directory / "s.db"
    result = run("sample", "-o", path, "--force", "--config", CONFIG)
    assert result.exit_code == 0, result.output
    return path


def copy_db(source: Path, directory: Path) -> Path:
    target = directory / "copy.db"
    shutil.copyfile(source, target)
    return target


def new_app(db: Path, **options):
    """The app on a database, its today fixed to TODAY unless given."""
    from kpireview.tui.app import ReviewApp

    options.setdefault("today", TODAY)
    return ReviewApp(config.load(CONFIG), db, **options)


def drive(app, size: tuple[int, int], script: Callable[[Pilot], Awaitable[None]]) -> None:
    """Run the app headless at a size and play a script against it."""

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await loaded(pilot)
            await script(pilot)

    asyncio.run(main())


async def wait_until(pilot: Pilot, condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Let the app run until the condition holds (workers included), or fail after timeout."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise AssertionError("the app did not get there in time")
        await pilot.pause(0.02)
    await settled(pilot)


async def settled(pilot: Pilot, attempts: int = 50) -> None:
    """Wait for the app's workers; an exclusive worker cancelled by the next of its group (a
    poll replaced by the following one) is not a failure, so look again."""
    from textual.worker import WorkerCancelled

    for _ in range(attempts):
        try:
            await pilot.app.workers.wait_for_complete()
            break
        except WorkerCancelled:
            await pilot.pause(0.02)
    await pilot.pause()


async def loaded(pilot: Pilot) -> None:
    """Wait for the first review to be on screen."""
    await wait_until(pilot, lambda: pilot.app.review is not None)


def static_text(widget) -> str:
    """The plain text of a Static's content, as Rich prints it 160 columns wide."""
    from rich.console import Console

    console = Console(width=160, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(widget.content)
    return console.export_text()
