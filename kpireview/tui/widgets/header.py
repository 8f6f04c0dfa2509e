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
    """Two lines: 'title · 2026-W47 · 16–22 Nov 2026' (and, on the right, the decisions
    carried over into the week) and the week's counts."""

    def __init__(
        self, title: str, *, read_only: bool = False, copy: bool = False, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.title = title
        self.read_only = read_only
        self.copy = copy  # the sample's working copy (kpireview.workcopy)
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
        tail = Text()
        if self.review is not None:
            tail.append(f" · {self.review.label} · {self.review.span}", title_style)
        if self.read_only:
            tail.append("  read-only", tone(self, "tag"))
        if self.copy:
            tail.append("  sample copy", tone(self, "tag"))
        review = self.review
        carried = carried_text(self, review) if review is not None else Text()
        long_fits = width - tail.cell_len - carried.cell_len - 13 >= len(self.title) + 2
        if carried and review is not None and long_fits:
            carried = carried_text(self, review, "decisions ")  # room for the long form
        room = width - tail.cell_len - (carried.cell_len + 2 if carried else 0)  # the title's
        if carried and room < 9:
            carried, room = Text(), width - tail.cell_len  # too narrow: the week comes first
        title = Text(f" {self.title}", title_style)
        if title.cell_len > room:
            title = fit_text(title, max(room, 0))  # the title gives way to the week
        first = title + tail
        if carried:
            first.append(" " * max(width - first.cell_len - carried.cell_len, 2))
            first.append_text(carried)
        if self.error:
            second = Text(f" {self.error}", tone(self, "error"))
        elif self.review is None:
            second = Text(" Loading…")
        elif self.review.latest_week is None:
            second = Text(" No data yet: import a CSV file (kpireview import FILE.csv)")
        else:
            second = Text(f" {counts_text(self.review)}")
            if second.cell_len > width:  # the targets' counts by their symbols
                second = Text(f" {counts_text(self.review, short=True)}")
        return Text("\n").join([fit_text(first, width), fit_text(second, width)])


def counts_text(review: WeekReview, short: bool = False) -> str:
    """The week's counts; ``short`` names the target statuses by their symbols (● ✓ △ ✗)."""
    c = review.counts
    targets = (
        f"targets ●{c.met} ✓{c.on_track} △{c.at_risk} ✗{c.off_track}"
        if short
        else f"{c.met} met · {c.on_track} on track · {c.at_risk} at risk · {c.off_track} off track"
    )
    return (f"{review.partial} · " if review.partial else "") + (
        f"{c.flagged} flagged ({c.bad} bad) · {c.new} new · {c.continuing} continuing · "
        f"{targets} · {c.missing} missing"
    )


def carried_text(widget: Widget, review: WeekReview, noun: str = "") -> Text:
    """'2 [decisions ]carried over · ! 1 overdue ' (D lists them), or nothing."""
    carried = review.carried_over
    if not carried:
        return Text()
    text = Text(f"{len(carried)} {noun}carried over")
    overdue = sum(1 for c in carried if c.overdue)
    if overdue:
        text.append(" · ")
        text.append(f"! {overdue} overdue", tone(widget, "bad"))
    text.append(" ")
    return text
