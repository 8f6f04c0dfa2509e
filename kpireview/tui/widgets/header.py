"""The review header: title, week and span; then the counts of the week."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widget import Widget

from kpireview.presentation import plural
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

    def _first_line(self, width: int) -> Text:
        """Title, week, span, tags and the decisions carried over. What matters less gives
        way first, so the title stays whole: the span of dates (the week says the same),
        then the long form of the decisions carried over; only then is the title cut."""
        style, review = tone(self, "title"), self.review
        tags = Text()
        if self.read_only:
            tags.append("  read-only", tone(self, "tag"))
        if self.copy:
            tags.append("  sample copy", tone(self, "tag"))
        week = Text(f" · {review.label}", style) if review is not None else Text()
        dated = week + Text(f" · {review.span}", style) if review is not None else week
        title = Text(f" {self.title}", style)
        long, short = (
            (carried_text(self, review, b) for b in (True, False)) if review else (Text(),) * 2
        )
        for tail, right in ((dated, long), (week, long), (week, short)):
            needed = title.cell_len + tail.cell_len + tags.cell_len
            if needed + (right.cell_len + 2 if right else 0) <= width:
                return _spread(title + tail + tags, right, width)
        right = short
        room = width - week.cell_len - tags.cell_len - (right.cell_len + 2 if right else 0)
        if right and room < 9:
            right, room = Text(), width - week.cell_len - tags.cell_len  # the week first
        return _spread(fit_text(title, max(room, 0)) + week + tags, right, width)

    def render(self) -> Text:
        width = self.size.width
        first = self._first_line(width)
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


def _spread(left: Text, right: Text, width: int) -> Text:
    """``left``, then ``right`` at the right edge (at least two spaces between)."""
    if right:
        left.append(" " * max(width - left.cell_len - right.cell_len, 2))
        left.append_text(right)
    return left


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


def carried_text(widget: Widget, review: WeekReview, long: bool = False) -> Text:
    """'2 [decisions ]carried over · ! 1 overdue ' (D lists them), or nothing."""
    carried = review.carried_over
    if not carried:
        return Text()
    count = plural(len(carried), "decision") if long else str(len(carried))
    text = Text(f"{count} carried over")
    overdue = sum(1 for c in carried if c.overdue)
    if overdue:
        text.append(" · ")
        text.append(f"! {overdue} overdue", tone(widget, "bad"))
    text.append(" ")
    return text
