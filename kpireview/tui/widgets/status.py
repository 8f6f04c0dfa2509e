"""The status line: the flag sentences of the current KPI (the meeting walk), or 'No flags'."""

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

MAX_LINES = 4
TONE_MARK = {"good": "+", "bad": "−"}
Line = tuple[str, str | None]


class StatusLine(Widget):
    """Each flag of the KPI on its own line, wrapped; at most MAX_LINES, cut with an ellipsis."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.kpi: Kpi | None = None
        self.walk = ""
        self.message = ""
        self.error = False
        self.max_lines = MAX_LINES

    def show(self, kpi: Kpi | None, walk: str = "", keep: bool = False) -> None:
        """The flags of a KPI; ``keep`` keeps a message said before (until the next move)."""
        self.kpi, self.walk = kpi, walk
        if not keep:
            self.message = ""
        self.refresh(layout=True)

    def say(self, message: str, error: bool = False) -> None:
        """A message in place of the flags (✗ first for an error: not only red)."""
        self.message, self.error = message, error
        self.refresh(layout=True)

    def _lines(self, width: int) -> list[Line]:
        """(text, tone) lines for a width."""
        width = max(width, 10)
        if self.message:
            text = f"✗ {self.message}" if self.error else self.message
            wrapped = textwrap.wrap(text, width, break_on_hyphens=False)  # paths stay whole
            return [(line, "bad" if self.error else None) for line in wrapped][: self.max_lines]
        kpi = self.kpi
        if kpi is None:
            return [("", None)]
        if not kpi.flags:
            extra = f": {kpi.reason}" if kpi.reason else ""
            return [(f"No flags for {kpi.label}{extra}", "dim")]
        prefix = f"{self.walk} " if self.walk else ""
        blocks = []
        for flag in kpi.flags:
            first = f"{prefix}{TONE_MARK.get(flag.tone, '·')} "
            wrapped = textwrap.wrap(
                flag.message, width, initial_indent=first, subsequent_indent="  "
            )
            blocks.append([(line, flag.tone) for line in wrapped])
            prefix = ""
        return _fit_blocks(blocks, self.max_lines, width)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Text:
        lines = []
        for text, tone in self._lines(self.size.width):
            style = tone_style(self, tone)
            lines.append(Text(safe(text), style, no_wrap=True))
        return Text("\n").join(lines)


def _fit_blocks(blocks: list[list[Line]], max_lines: int, width: int) -> list[Line]:
    """Whole flags while they fit; then a line saying how many more there are."""
    lines: list[Line] = []
    for i, block in enumerate(blocks):
        left = len(blocks) - i
        if len(lines) + len(block) > max_lines or (
            left > 1 and len(lines) + len(block) == max_lines
        ):
            if not lines:  # one long flag: as much of it as fits
                kept = block[: max_lines - 1]
                text, tone = block[max_lines - 1]
                return kept + [(text[: width - 1] + ELLIPSIS, tone)]
            more = f"{ELLIPSIS} {left} more flag{'s' if left > 1 else ''} (enter: detail)"
            return lines + [(more, "dim")]
        lines += block
    return lines
