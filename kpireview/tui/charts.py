"""Charts as text: the dashboard's sparklines (drawn directly, :mod:`kpireview.tui.spark`)
and the detail charts (plotext).

plotext draws on one global figure, so every build holds a lock (builds run in worker threads
and on the event loop). Sparklines are cached by their values and width. Nothing here computes
a KPI number: it only scales given values onto a grid of characters.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from kpireview.tui.spark import braille

_LOCK = threading.Lock()
_BACKGROUND = re.compile(
    r"\x1b\[48;(?:5;\d+|2;\d+;\d+;\d+)m"
)  # the terminal's own background stays
_TERMINAL: Any = None

# 16-colour codes, so that charts stay readable on terminals with 16 colours.
VALUE_COLOUR = 12  # bright blue
TARGET_COLOUR = 3  # yellow
LIMIT_COLOUR = 1  # red
CENTRE_COLOUR = 8  # grey
DECISION_COLOUR = 5  # magenta
DIVIDER_COLOUR = 6  # cyan
YEAR_AGO_COLOUR = 8
SMALL = 12  # charts of this many points or fewer get room around the first and last


def _import_terminal_class() -> Any:
    """plotext's terminal class, imported without plotext's documentation and demo modules.

    ``import plotext`` also builds its interactive documentation, which costs about 100 ms of
    start-up; the plotting modules alone take about 20 ms. The package is set up empty, the
    plotting modules imported, and the empty package removed again, so that a later
    ``import plotext`` still runs the real one. Any failure falls back to ``import plotext``.
    """
    if "plotext" not in sys.modules:
        try:
            spec = importlib.util.find_spec("plotext")
            assert spec is not None and spec.loader is not None
            sys.modules["plotext"] = importlib.util.module_from_spec(spec)
            try:
                from plotext._kernel.terminal import terminal
            finally:
                del sys.modules["plotext"]
            return terminal
        except Exception:  # noqa: BLE001 - any problem: the ordinary import below
            sys.modules.pop("plotext", None)
    import plotext

    return type(plotext.terminal)


def _figure(width: int, height: int, theme: str = "colorless") -> Any:
    """A new plotext figure of a size, not limited by the real terminal; hold the lock."""
    global _TERMINAL
    if _TERMINAL is None:
        _TERMINAL = _import_terminal_class()
    fig = _TERMINAL().limit(False, False)._master
    fig.plot_size(width, height)
    fig.theme(theme)
    fig.legend(False)
    return fig


def warm_up() -> None:
    """Import plotext now (from a worker thread), so the first chart does not wait for it."""
    with _LOCK:
        _figure(4, 1)


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Consecutive present values as (index, value) runs; gaps split the runs."""
    runs: list[list[tuple[int, float]]] = []
    previous = -2
    for i, v in enumerate(values):
        if v is None:
            continue
        if i != previous + 1 or not runs:
            runs.append([])
        runs[-1].append((i, v))
        previous = i
    return runs


def _span(values: Sequence[float | None]) -> tuple[float, float] | None:
    present = [v for v in values if v is not None]
    if not present:
        return None
    lo, hi = min(present), max(present)
    if lo == hi:
        pad = abs(lo) * 0.05 or 1.0
        return lo - pad, hi + pad
    return lo, hi


@lru_cache(maxsize=4096)
def sparkline(values: tuple[float | None, ...], width: int, height: int = 1) -> tuple[str, ...]:
    """A braille sparkline: ``height`` lines of exactly ``width`` characters.

    Cached by its arguments as given: call it with all three, positionally, everywhere.
    """
    span = _span(values)
    if span is None or width < 2 or len(values) < 2:
        return (" " * max(width, 0),) * height
    return braille(values, width, height, span)


# --- detail charts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One series by x position: a solid braille line, or dots (``mark``) at each value."""

    values: tuple[float | None, ...]
    colour: int
    mark: str = ""


@dataclass(frozen=True)
class Rule:
    """A horizontal line at a value from x = ``start`` to the end, drawn with ``mark``."""

    value: float
    colour: int
    start: int = 0
    mark: str = "─"


@dataclass(frozen=True)
class Chart:
    """A chart to draw: lines, horizontal rules, vertical markers and x tick labels."""

    lines: tuple[Line, ...]
    rules: tuple[Rule, ...] = ()
    markers: tuple[int, ...] = ()
    dividers: tuple[int, ...] = ()  # process changes: a heavy vertical line
    x_ticks: tuple[tuple[int, str], ...] = ()
    points: int = 0


def build_chart(chart: Chart, width: int, height: int, fmt: Callable[[float], str]) -> str:
    """The chart drawn by plotext as text with ANSI colours (a frame, y and x ticks)."""
    every = [v for line in chart.lines for v in line.values] + [r.value for r in chart.rules]
    span = _span(every)
    if span is None or width < 20 or height < 4:
        return ""
    lo, hi = span
    last = max(chart.points - 1, 1)
    with _LOCK:
        fig = _figure(width, height, "simple")
        fig.axes(True)
        pad = 0.5 if chart.points <= SMALL else 0  # room for the first and last tick labels
        fig.ruler("x").lim(-pad, last + pad)
        fig.ruler("y").lim(lo, hi)
        count = 5 if height >= 16 else 3 if height >= 8 else 2
        ticks = [lo + (hi - lo) * i / (count - 1) for i in range(count)]
        fig.ruler("y").ticks(ticks, [fmt(t) for t in ticks])
        ticks_x = _thin(chart.x_ticks, width)
        fig.ruler("x").ticks([p for p, _ in ticks_x], [t for _, t in ticks_x])
        for x in chart.markers:
            fig.line(x, orientation="v", style="dotted", pixel=_pixel(DECISION_COLOUR))
        for x in chart.dividers:
            fig.line(x, orientation="v", style="heavy", pixel=_pixel(DIVIDER_COLOUR))
        for rule in chart.rules:
            xs = list(range(max(rule.start, 0), last + 1))
            fig.draw(fig.signal(xs, [rule.value] * len(xs), marker=_marker(rule.mark, rule.colour)))
        for line in chart.lines:
            _draw_line(fig, line)
        text = fig.build().string()
    return _BACKGROUND.sub("", text).rstrip("\n")


def _thin(ticks: tuple[tuple[int, str], ...], width: int) -> tuple[tuple[int, str], ...]:
    """Every k-th tick, counted back from the last, so the labels do not run into each other."""
    if not ticks:
        return ticks
    need = sum(len(label) + 2 for _, label in ticks)
    step = max(1, -(-need // max(width - 8, 1)))
    return ticks[::-1][::step][::-1]


def _draw_line(fig: Any, line: Line) -> None:
    for run in _runs(line.values):
        xs, ys = [p[0] for p in run], [p[1] for p in run]
        signal = fig.signal(xs, ys, marker=_marker(line.mark or "braille", line.colour))
        fig.draw(signal.lines() if len(run) > 1 and not line.mark else signal)


def _pixel(colour: int) -> Any:
    from plotext._primitives.pixel import pixel

    return pixel(foreground=colour)


def _marker(symbol: str, colour: int) -> Any:
    from plotext._primitives.marker import marker

    return marker(symbol, _pixel(colour))


def week_ticks(weeks: Sequence[date], count: int) -> tuple[tuple[int, str], ...]:
    """About ``count`` x ticks over weeks, labelled with the month and year."""
    if not weeks:
        return ()
    step = max(1, (len(weeks) - 1) // max(count - 1, 1))
    positions = list(range(0, len(weeks), step))
    if positions[-1] != len(weeks) - 1:
        positions[-1] = len(weeks) - 1
    return tuple((i, f"{weeks[i]:%b %Y}") for i in positions)
