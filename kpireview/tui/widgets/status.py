"""The status line: the lead flag sentence of the current KPI (the meeting walk), or 'No flags'."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widget import Widget

from kpireview.text import safe
from kpireview.tui.widgets.rows import tone as tone_style
from kpireview.tui.widgets.text import ELLIPSIS

if TYPE_CHECKING:
    from textual.geometry import Size

    from kpireview.review import Kpi

MAX_LINES = 2
TONE_MARK = {"good": "+", "bad": "−"}
HANDLED = "handled · "
Line = tuple[str, str | None]


class StatusLine(Widget):
    """The KPI's lead flag sentence and its target miss, in a fixed MAX_LINES lines: a line
    each (or the lead's sentence over both), cut with an ellipsis; the grid never moves."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.kpi: Kpi | None = None
        self.walk = ""
        self.handled = False
        self.message = ""
        self.error = False
        self.max_lines = MAX_LINES

    def show(
        self, kpi: Kpi | None, walk: str = "", keep: bool = False, handled: bool = False
    ) -> None:
        """The flags of a KPI; ``keep`` keeps a message said before (until the next move);
        ``handled`` marks a KPI whose continuing signal has an open decision."""
        self.kpi, self.walk, self.handled = kpi, walk, handled
        if not keep:
            self.message = ""
        self.refresh()

    def say(self, message: str, error: bool = False) -> None:
        """A message in place of the flags (✗ first for an error: not only red)."""
        self.message, self.error = message, error
        self.refresh()

    def _lines(self, width: int) -> list[Line]:
        """(text, tone) lines for a width."""
        width = max(width, 10)
        if self.message:
            text = f"✗ {self.message}" if self.error else self.message
            wrapped = textwrap.wrap(text, width, break_on_hyphens=False)  # paths stay whole
            tone = "bad" if self.error else None
            return [(line, tone) for line in _cut(wrapped, self.max_lines, width)]
        kpi = self.kpi
        if kpi is None:
            return [("", None)]
        if not kpi.flags:
            extra = f": {kpi.reason}" if kpi.reason else ""
            return [(f"No flags for {kpi.label}{extra}", "dim")]
        prefix = f"{self.walk} " if self.walk else ""
        blocks = []
        for flag in kpi.headline:
            first = f"{prefix}{TONE_MARK.get(flag.tone, '·')} "
            if flag.lead and self.handled:
                first += HANDLED
            wrapped = textwrap.wrap(
                flag.message, width, initial_indent=first, subsequent_indent="  "
            )
            blocks.append((wrapped, flag.tone))
            prefix = ""
        if len(blocks) == 1:  # the one sentence may take every line
            wrapped, tone = blocks[0]
            return [(line, tone) for line in _cut(wrapped, self.max_lines, width)]
        return [((_cut(wrapped, 1, width) or [""])[0], tone) for wrapped, tone in blocks[:2]]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.max_lines

    def render(self) -> Text:
        lines = []
        for text, tone in self._lines(self.size.width):
            style = tone_style(self, tone)
            lines.append(Text(safe(text), style, no_wrap=True))
        return Text("\n").join(lines)


def _cut(lines: list[str], count: int, width: int) -> list[str]:
    """The first ``count`` lines; the last ends in an ellipsis when some were left out."""
    if len(lines) <= count:
        return lines
    last = lines[count - 1]
    return [*lines[: count - 1], last[: width - 1] + ELLIPSIS]
