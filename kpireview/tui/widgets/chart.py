"""A plotext chart that fills its widget and is redrawn when the widget's size changes."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.widget import Widget

from kpireview.tui import charts


class ChartView(Widget):
    """Draws a :class:`charts.Chart` with plotext at the widget's size (cached per size)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.chart: charts.Chart | None = None
        self.fmt: Callable[[float], str] = str
        self.empty = "No values to chart."
        self._cache: tuple[object, Text] | None = None

    def show(self, chart: charts.Chart, fmt: Callable[[float], str]) -> None:
        self.chart, self.fmt, self._cache = chart, fmt, None
        self.refresh()

    def render(self) -> Text:
        if self.chart is None:
            return Text("")
        key = (self.chart, self.size)
        if self._cache is None or self._cache[0] != key:
            drawn = charts.build_chart(self.chart, self.size.width, self.size.height, self.fmt)
            self._cache = (key, Text.from_ansi(drawn, no_wrap=True) if drawn else Text(self.empty))
        return self._cache[1]
