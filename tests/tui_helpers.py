"""Helpers for the TUI tests: a sample database, an app on it, waiting for the app."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

from textual.pilot import Pilot

from kpireview import config
from tests.conftest import CONFIG, run

SAMPLE_WEEK = date(2026, 11, 16)  # 2026-W47, the sample's last week


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
    from kpireview.tui.app import ReviewApp

    return ReviewApp(config.load(CONFIG), db, **options)


async def wait_until(pilot: Pilot, condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Let the app run until the condition holds (workers included), or fail after timeout."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise AssertionError("the app did not get there in time")
        await pilot.pause(0.02)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def loaded(pilot: Pilot) -> None:
    """Wait for the first review to be on screen."""
    await wait_until(pilot, lambda: pilot.app.review is not None)
