"""The review header: title, week and span; then the counts of the week."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widget import Widget

from kpireview.tui.widgets.rows import tone
from kpireview.tui.widgets.text import fit_text

if TYPE_CHECKING:
    from kpireview.review import WeekReview


class ReviewHeader(Widget):
    """Two lines: 'title · 2026-W47 · 16–22 Nov 2026' and the week's counts."""

    def __init__(self, title: str, *, read_only: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = title
        self.read_only = read_only
        self.review: WeekReview | None = None
        self.error = ""

    def show(self, review: WeekReview) -> None:
        self.review, self.error = review, ""
        self.refresh()

    def fail(self, message: str) -> None:
        self.error = message
        self.refresh()

    def render(self) -> Text:
        width = self.size.width
        title_style = tone(self, "title")
        first = Text(f" {self.title}", title_style)
        if self.review is not None:
            first.append(f" · {self.review.label} · {self.review.span}", title_style)
        if self.read_only:
            first.append("  read-only", tone(self, "tag"))
        if self.error:
            second = Text(f" {self.error}", tone(self, "error"))
        elif self.review is None:
            second = Text(" Loading…")
        else:
            second = Text(f" {counts_text(self.review)}")
        return Text("\n").join([fit_text(first, width), fit_text(second, width)])


def counts_text(review: WeekReview) -> str:
    c = review.counts
    return (
        f"{c.flagged} flagged ({c.bad} bad) · {c.met} met · {c.on_track} on track · "
        f"{c.at_risk} at risk · {c.off_track} off track · {c.missing} missing"
    )
