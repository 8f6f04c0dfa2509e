"""`kpireview serve`: where it listens, what it says, the command each browser tab runs, and
the notes as a download when the app runs in a browser. (The real browser: test_serve_browser.)"""

from __future__ import annotations

import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from textual.pilot import Pilot

from kpireview import export
from kpireview.cli import cli
from kpireview.commands import serve
from kpireview.tui.app import ReviewApp
from tests.conftest import CONFIG
from tests.tui_helpers import copy_db, drive, new_app, wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[str, int]]]:
    """What serve would run (the tab command and the socket's address), without serving."""
    calls: list[tuple[str, tuple[str, int]]] = []

    def run_server(command: str, sock: socket.socket) -> None:
        calls.append((command, sock.getsockname()[:2]))
        sock.close()

    monkeypatch.setattr(serve, "run_server", run_server)
    return calls


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["serve", *map(str, args)], catch_exceptions=False)


def test_serve_listens_on_loopback_and_says_how_to_tunnel(sample: Path, served) -> None:
    port = free_port()
    result = invoke("--db", sample, "--config", CONFIG, "--port", str(port))
    assert result.exit_code == 0, result.output
    assert served[0][1] == ("127.0.0.1", port)
    assert f"serving the review on http://127.0.0.1:{port}" in result.stdout
    tunnel = f"ssh -L {port}:127.0.0.1:{port} HOST, then open http://127.0.0.1:{port}"
    assert tunnel in result.stdout
    assert result.stderr == ""


def test_serve_elsewhere_warns_there_is_no_authentication(sample: Path, served) -> None:
    port = free_port()
    result = invoke("--db", sample, "--config", CONFIG, "--host", "0.0.0.0", "--port", port)
    assert result.exit_code == 0, result.output
    assert served[0][1] == ("0.0.0.0", port)
    warning = f"kpireview: warning: listening on 0.0.0.0:{port} without authentication"
    assert result.stderr.startswith(warning)
    assert "write to the database" in result.stderr
    assert "ssh -L" not in result.stdout


def test_each_tab_runs_the_review_on_the_same_files(sample: Path, tmp_path: Path, served) -> None:
    odd = tmp_path / "it's a $dir; `x`"
    odd.mkdir()
    db = copy_db(sample, odd)
    result = invoke("--db", db, "--config", CONFIG, "--port", free_port(), "--read-only")
    assert result.exit_code == 0, result.output
    args = shlex.split(served[0][0])
    assert args == [sys.executable, "-m", "kpireview", "tui", "--db", str(db), "--config",
                    str(CONFIG), "--read-only"]  # fmt: skip
    assert "read the review without" not in result.stderr  # loopback: no warning


def test_python_m_kpireview_is_the_command_line() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "kpireview", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0 and "0.1.0" in out.stdout


def test_a_port_in_use_is_one_line_and_exit_2(sample: Path, served) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = invoke("--db", sample, "--config", CONFIG, "--port", port)
    assert result.exit_code == 2
    assert result.stderr == (
        f"kpireview: error: --port {port}: 127.0.0.1:{port} is already in use; choose another\n"
    )
    assert served == [] and result.stdout == ""


@pytest.mark.parametrize("port", ["abc", "0", "65536", "-1", "80.5"])
def test_a_bad_port_is_one_line_and_exit_2(sample: Path, served, port: str) -> None:
    result = invoke("--db", sample, "--config", CONFIG, "--port", port)
    assert result.exit_code == 2
    assert result.stderr == f"kpireview: error: --port {port!r}: not a port number (1 to 65535)\n"
    assert served == []


def test_a_missing_database_is_said_before_listening(tmp_path: Path, served) -> None:
    result = invoke("--db", tmp_path / "none.db", "--config", CONFIG, "--port", free_port())
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert served == [] and not (tmp_path / "none.db").exists()


def test_e_in_a_browser_downloads_the_notes(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under textual-serve (its web driver) `e` delivers the notes to the browser and writes
    nothing on the server; the terminal path is test_tui_decisions' notes tests."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(ReviewApp, "is_web", property(lambda self: True))
    delivered: list[tuple[str, str | None, str | None]] = []

    def deliver_text(self, file, *, save_filename=None, mime_type=None, **_):
        delivered.append((file.read(), save_filename, mime_type))
        return "key"

    monkeypatch.setattr(ReviewApp, "deliver_text", deliver_text)
    db = copy_db(sample, tmp_path)
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        await pilot.press("e")
        await wait_until(pilot, lambda: bool(delivered))
        assert delivered == [
            (export.markdown(app.review), "kpireview-2026-W47.md", "text/markdown")
        ]

    drive(app, (100, 30), script)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.db"]
