"""The README's two commands in either order: the quick-start tour (decisions, notes) leaves
the committed sample.db as the generator wrote it, and its notes are not untracked files."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import pytest
from textual.pilot import Pilot

from kpireview.store import Store
from kpireview.tui.app import ReviewApp
from tests.conftest import CONFIG, ROOT, run
from tests.tui_helpers import USER, loaded, wait_until


@pytest.fixture
def clone(tmp_path: Path, sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory laid out as the repository: sample.db (the generator's) and the config."""
    home = tmp_path / "clone"
    (home / "config").mkdir(parents=True)
    shutil.copyfile(sample_db, home / "sample.db")
    shutil.copyfile(CONFIG, home / "config" / "kpis.yaml")
    monkeypatch.chdir(home)
    for name in ("KPIREVIEW_DB", "KPIREVIEW_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KPIREVIEW_USER", USER)
    return home


def _tui(monkeypatch: pytest.MonkeyPatch, script) -> list[ReviewApp]:  # noqa: ANN001
    """Make `kpireview` (the CLI, no options) run its app headless under a pilot script."""
    apps: list[ReviewApp] = []

    def run_app(self: ReviewApp, **kwargs: object) -> None:
        async def main() -> None:
            async with self.run_test(size=(120, 40)) as pilot:
                await loaded(pilot)
                await script(pilot)

        apps.append(self)
        asyncio.run(main())

    monkeypatch.setattr(ReviewApp, "run", run_app)
    return apps


def test_the_tour_leaves_the_committed_sample_as_it_was(
    clone: Path, sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = (clone / "sample.db").read_bytes()

    async def script(pilot: Pilot) -> None:
        app = pilot.app
        assert "sample copy" in app.screen.query_one("#header").render().plain
        await pilot.press("d", *"tour", "ctrl+s")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "DashboardScreen")
        await pilot.press("e")
        await wait_until(pilot, lambda: (clone / "kpireview-2026-W47.md").exists())

    apps = _tui(monkeypatch, script)
    result = run()
    assert result.exit_code == 0, result.output
    copy = clone / ".kpireview" / "sample.db"
    assert apps[0].db_path == Path(".kpireview/sample.db")
    assert (clone / "sample.db").read_bytes() == before  # byte for byte
    with Store(clone / "sample.db", read_only=True) as a, Store(sample_db, read_only=True) as b:
        assert [d.note for d in a.decisions()] == [d.note for d in b.decisions()]
    with Store(copy, read_only=True) as store:
        assert "tour" in [d.note for d in store.decisions()]
    listed = run("decisions")  # the shell sees what the TUI saved, without --db
    assert "tour" in listed.output


def test_notes_and_the_copy_are_ignored_by_git() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    names = [".kpireview/sample.db", "kpireview-2026-W47.md"]
    proc = subprocess.run(
        ["git", "check-ignore", *names], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert proc.stdout.split() == names


def test_a_decision_from_the_shell_shows_in_the_tui(
    clone: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = (clone / "sample.db").read_bytes()
    result = run("decide", "mrr", "--note", "from the shell")
    assert result.exit_code == 0, result.output
    assert ".kpireview/sample.db" in result.stderr  # says where it went, once

    async def script(pilot: Pilot) -> None:
        assert "from the shell" in [d.note for d in pilot.app.data.decisions]

    apps = _tui(monkeypatch, script)
    assert run().exit_code == 0
    assert len(apps) == 1
    assert "from the shell" in run("export").output
    assert (clone / "sample.db").read_bytes() == before


def test_read_commands_make_no_copy(clone: Path) -> None:
    for command in (["summary"], ["export"], ["decisions"], ["check"]):
        run(*command)
    assert not (clone / ".kpireview").exists()


def test_an_explicit_db_is_used_as_given(clone: Path) -> None:
    result = run("decide", "mrr", "--note", "here", "--db", "sample.db")
    assert result.exit_code == 0
    assert not (clone / ".kpireview").exists()
