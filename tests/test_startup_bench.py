"""The start-up bench's reading of the screen (bench/startup.py), on screens captured from tmux:
the dashboard counts as ready only when it is populated."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from kpireview import config
from tests.conftest import CONFIG

ROOT = Path(__file__).resolve().parent.parent
SCREENS = Path(__file__).parent / "fixtures" / "screens"
SIZES = ["80x24", "160x45"]


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("startup_bench", ROOT / "bench" / "startup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = load_bench()
LABELS = {m.label for m in config.load(CONFIG).metrics}


def screen(name: str) -> list[str]:
    return (SCREENS / f"{name}.txt").read_text(encoding="utf-8").splitlines()


def ready(lines: list[str]) -> bool:
    return bench.dashboard_ready(lines, LABELS)


@pytest.mark.parametrize("size", SIZES)
def test_the_populated_dashboard_is_ready(size: str) -> None:
    assert ready(screen(f"ready-{size}"))


@pytest.mark.parametrize("size", SIZES)
def test_the_loading_dashboard_is_not_ready(size: str) -> None:
    lines = screen(f"loading-{size}")
    assert any("Traffic" in line for line in lines)  # the rows are there, without numbers
    assert not ready(lines)


@pytest.mark.parametrize("size", SIZES)
def test_rows_without_numbers_are_not_ready_even_without_loading(size: str) -> None:
    lines = [line.replace("Loading…", "2026-W47") for line in screen(f"loading-{size}")]
    assert not ready(lines)


@pytest.mark.parametrize("size", SIZES)
def test_a_row_without_its_sparkline_is_not_ready(size: str) -> None:
    lines = screen(f"ready-{size}")
    churn = next(i for i, line in enumerate(lines) if "Churn" in line)
    lines[churn] = bench.BRAILLE.sub(" ", lines[churn])
    assert not ready(lines)


def test_a_label_cut_short_is_a_row() -> None:
    lines = screen("ready-80x24")
    cut = [line.replace("Net revenue retention ", "Net revenue re…       ") for line in lines]
    assert len(bench.kpi_rows(cut, LABELS)) == len(bench.kpi_rows(lines, LABELS))
    blank = [bench.BRAILLE.sub(" ", line) if "Net revenue" in line else line for line in cut]
    assert not ready(blank)


def test_every_kpi_row_on_screen_is_found() -> None:
    """16 rows fit at 80x24 (the fourth pane is below the screen); all 23 at 160x45 (the
    screens were captured on the sample of 23 KPIs, before it had its revenue tree)."""
    assert len(bench.kpi_rows(screen("ready-80x24"), LABELS)) == 16
    assert len(bench.kpi_rows(screen("ready-160x45"), LABELS)) == 23


def test_hello_world() -> None:
    hello = screen("hello-80x24")
    assert bench.hello_ready(hello)
    assert not ready(hello)
    assert not bench.hello_ready(screen("ready-80x24"))
    assert not bench.hello_ready([""] * 24)
    assert not ready([""] * 24)
