"""`kpireview serve` as a process, and in a real browser: headless Chromium, driven through selenium, opens the
page, reads the terminal's screen (xterm.js draws in a canvas, so its buffer is read through
JavaScript), checks the review is drawn, changes the week with a key, downloads the notes and
saves a screenshot."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CONFIG, run
from tests.tui_helpers import copy_db

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
needs_chromium = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="needs Chromium and its driver (Debian: apt-get install chromium chromium-driver; "
    ".ci/run installs them)",
)
NOW = "2026-11-24T09:00:00+00:00"
WAIT = 20.0  # seconds: the most any step may take before the test fails

# textual-serve keeps its xterm.js terminal in a closure: keep a reference to it as the page
# stores it (`this.terminal = new Terminal(...)`), to read the screen from its buffer.
KEEP_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true});
    if (value && value.buffer && value.buffer.active) window.kpireviewTerminal = value;
  },
});
"""
READ_SCREEN = """
const term = window.kpireviewTerminal;
if (!term) return "";
const lines = [];
for (let row = 0; row < term.rows; row++) {
  const line = term.buffer.active.getLine(row);
  lines.push(line ? line.translateToString(true) : "");
}
return lines.join("\\n");
"""
WEEK = re.compile(r"\b\d{4}-W\d\d\b")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, condition: Callable[[], Any]) -> Any:
    """Poll until the condition gives something true; fail saying what did not happen."""
    end = time.monotonic() + WAIT
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def server(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[int, Path, Path]]:
    """`kpireview serve` on a free port and a copy of the sample: the port, the database and
    the server's working directory. The server's process group is always killed."""
    monkeypatch.setenv("KPIREVIEW_NOW", NOW)
    db = copy_db(sample, tmp_path)
    work = tmp_path / "server"
    work.mkdir()
    port = free_port()
    args = [sys.executable, "-m", "kpireview", "serve", "--db", str(db), "--config",
            str(CONFIG), "--port", str(port)]  # fmt: skip
    with (tmp_path / "server.out").open("w") as out, (tmp_path / "server.err").open("w") as err:
        proc = subprocess.Popen(args, cwd=work, stdout=out, stderr=err, start_new_session=True)
    try:
        wait_for("the server to listen", lambda: proc.poll() is not None or listening(port))
        assert proc.poll() is None, (tmp_path / "server.err").read_text()
        yield port, db, work
    finally:
        stop(proc)


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def stop(proc: subprocess.Popen[bytes]) -> None:
    """End the server and every tab's app (its process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """Headless Chromium that downloads into tmp_path/downloads and loads nothing remote."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=1280,800", "--no-first-run"):  # fmt: skip
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        driver.set_page_load_timeout(WAIT)
        driver.set_script_timeout(WAIT)
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*fonts.googleapis.com*"]})
        (tmp_path / "downloads").mkdir()
        driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior",
            {"behavior": "allow", "downloadPath": str(tmp_path / "downloads")},
        )
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": KEEP_TERMINAL})
        yield driver
    finally:
        driver.quit()


def test_the_page_uses_the_address_the_browser_asked(server) -> None:
    """Through a tunnel on another local port (ssh -L 9000:127.0.0.1:8000), the page's
    websocket and files are asked of the tunnel's end, not of the server's own address."""
    port = server[0]
    page = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": "localhost:9000"})
    with urllib.request.urlopen(page, timeout=WAIT) as response:
        html = response.read().decode()
    assert 'data-session-websocket-url="ws://localhost:9000/ws"' in html
    assert 'src="http://localhost:9000/static/js/textual.js"' in html
    assert f":{port}" not in html


@needs_chromium
def test_the_review_in_a_browser(server, browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    port, db, work = server
    browser.get(f"http://127.0.0.1:{port}/")

    def screen() -> str:
        return str(browser.execute_script(READ_SCREEN))

    def week_shown() -> str | None:
        found = WEEK.search(screen().partition("\n")[0])
        return found.group() if found and "Loading" not in screen() else None

    first = wait_for("the review to be drawn", week_shown)
    assert first == "2026-W47"
    drawn = screen()
    for pillar in ("Acquisition", "Activation", "Retention", "Revenue"):
        # a pane's title on its top border: "─ Acquisition ─" (the grid) or "━Acquisition━"
        assert re.search(rf"[─━] ?{pillar} ?[─━]", drawn), drawn

    keys = browser.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea")
    keys.send_keys("[")
    changed = wait_for("the week to change", lambda: (week_shown() or first) != first)
    assert changed and week_shown() == "2026-W46"

    keys.send_keys("e")
    notes = tmp_path / "downloads" / "kpireview-2026-W46.md"
    wait_for("the notes to download", notes.exists)
    expected = run("export", "--week", "2026-W46", "--db", db, "--config", CONFIG).stdout
    assert wait_for("the download to finish", lambda: notes.read_text("utf-8") == expected)
    assert list(work.iterdir()) == []  # nothing written beside the server

    shot = tmp_path / "serve.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    greeting = (tmp_path / "server.out").read_text()
    assert f"serving the review on http://127.0.0.1:{port}" in greeting
