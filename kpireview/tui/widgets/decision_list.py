"""The decisions screen's list (a line per decision: who, what, on which KPI, status, due) and
the pane that shows the current decision whole: the action, why (the note), what is expected.

Every text comes from the database: it is drawn as Rich text (never markup) through `fit` and
`fit_text`, which show control characters rather than send them.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from kpireview.decisions import is_overdue
from kpireview.periods import week_label
from kpireview.text import safe
from kpireview.tui.widgets.rows import tone
from kpireview.tui.widgets.text import ELLIPSIS, fit, fit_text

if TYPE_CHECKING:
    from datetime import date

    from textual.geometry import Size

    from kpireview.records import Decision

ROW = Binding.Group("Decision")
WEEK, STATUS, DUE = 8, 9, 10
WIDE = 100  # from this width the list shows each decision's id and week
OVERDUE = "! overdue"


@dataclass(frozen=True)
class Columns:
    """Widths of the list's columns for a width (0: not shown)."""

    id: int
    owner: int
    decision: int
    kpi: int
    week: int


def columns(width: int) -> Columns:
    """The decision (the action) takes the room the others leave; the id and the week of the
    decision only from ``WIDE`` columns (the pane below shows them at any width)."""
    wide = width >= WIDE
    ident, week = (4, WEEK) if wide else (0, 0)
    fixed = STATUS + DUE + sum(w + 1 for w in (ident, week) if w)
    room = width - 1 - fixed - 4  # the gaps after owner, decision, KPI and status
    owner = max(6, min(12, room // 7))
    kpi = max(10, min(22, room // 4))
    return Columns(ident, owner, max(room - owner - kpi, 12), kpi, week)


def status_word(d: Decision, today: date) -> str:
    return OVERDUE if is_overdue(d, today) else d.status


def first_line(text: str) -> str:
    """The first line of a text, with an ellipsis when there is more."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    return lines[0].strip() + (f" {ELLIPSIS}" if len(lines) > 1 else "")


def action_of(d: Decision) -> str:
    """What was decided; a decision recorded with only a note shows the note."""
    return d.decision.strip() or d.note.strip()


class DecisionList(Widget, can_focus=True):
    """The decisions, a line each under a line of column names; a cursor on the current one."""

    BINDINGS = [
        Binding("up", "cursor(-1)", "Decision", group=ROW, id="previous_decision",
                tooltip="Previous decision"),
        Binding("down", "cursor(1)", "Decision", group=ROW, id="next_decision",
                tooltip="Next decision"),
        Binding("home", "cursor(-9999)", show=False),
        Binding("end", "cursor(9999)", show=False),
        Binding("pageup", "cursor(-10)", show=False),
        Binding("pagedown", "cursor(10)", show=False),
    ]  # fmt: skip

    class Chosen(Message):
        """A decision was clicked twice (the same as enter)."""

    class Moved(Message):
        """The current decision changed (the cursor moved, or the list was read again)."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: list[Decision] = []
        self.labels: dict[str, str] = {}
        self.starts = 0
        self.today: date | None = None
        self.empty = "Loading…"
        self.cursor = 0

    @property
    def current(self) -> Decision | None:
        return self.items[self.cursor] if self.items else None

    def show(self, items: list[Decision], keep: int | None, empty: str) -> None:
        """New items; the cursor stays on the decision ``keep`` when it is still listed."""
        ids = [d.id for d in items]
        self.items, self.empty = items, empty
        if keep in ids:
            self.cursor = ids.index(keep)
        self.cursor = max(0, min(self.cursor, len(items) - 1))
        self.refresh(layout=True)
        self.call_after_refresh(self.scroll_cursor_visible)
        self.post_message(self.Moved())

    def action_cursor(self, step: int) -> None:
        if self.items:
            self.move_to(self.cursor + step)

    def move_to(self, index: int) -> None:
        self.cursor = max(0, min(index, len(self.items) - 1))
        self.refresh()
        self.scroll_cursor_visible()
        self.post_message(self.Moved())

    def scroll_cursor_visible(self) -> None:
        container = self.parent
        if isinstance(container, Widget) and container.is_scrollable:
            row = Region(0, self.virtual_region.y + 1 + self.cursor, self.size.width, 1)
            container.scroll_to_region(row, animate=False, immediate=True)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not 0 < offset.y <= len(self.items):
            return
        self.focus()
        if self.cursor == offset.y - 1 and event.chain > 1:
            self.post_message(self.Chosen())
        self.move_to(offset.y - 1)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 1 + max(len(self.items), 1)

    def render(self) -> Text:
        width = self.size.width
        cols = columns(width)
        dim = tone(self, "dim")
        names = [
            ("#", cols.id), ("owner", cols.owner), ("decision", cols.decision),
            ("KPI", cols.kpi), ("status", STATUS), ("due", DUE), ("week", cols.week),
        ]  # fmt: skip
        head = " " + " ".join(
            f"{name:>{w}}" if name == "#" else f"{name:<{w}}" for name, w in names if w
        )
        lines = [fit_text(Text(head, "bold"), width)]
        if not self.items:
            lines.append(fit_text(Text(f" {self.empty}", dim), width))
        for i, d in enumerate(self.items):
            lines.append(self._row(d, cols, width, i == self.cursor and self.has_focus))
        return Text("\n", no_wrap=True).join(lines)

    def _row(self, d: Decision, cols: Columns, width: int, cursor: bool) -> Text:
        status = status_word(d, self.today) if self.today else d.status
        style = {OVERDUE: tone(self, "bad"), "open": None}.get(status, tone(self, "dim"))
        line = Text(" ", no_wrap=True, end="")
        if cols.id:
            line.append(f"{d.id:>{cols.id}} ", tone(self, "dim"))
        line.append(f"{fit(d.owner or '–', cols.owner):<{cols.owner}} ")
        line.append(f"{fit(first_line(action_of(d)), cols.decision):<{cols.decision}} ")
        line.append(f"{fit(self.labels.get(d.metric, d.metric), cols.kpi):<{cols.kpi}} ")
        line.append(f"{status:<{STATUS}} ", style)
        line.append(f"{d.due.isoformat() if d.due else '–':<{DUE}}")
        if cols.week:
            line.append(f" {week_label(d.week, self.starts):<{cols.week}}")
        line = fit_text(line, width)
        if cursor:
            line.stylize("reverse")
        return line


class DecisionDetail(Static):
    """The current decision whole, wrapped: what was decided, why (the note), what is
    expected, and who, when and on which KPI (shown on demand, with n)."""

    def show_decision(self, d: Decision | None, label: str, starts: int, today: date) -> None:
        width = max(24, (self.size.width or self.app.size.width) - 1)
        if d is None:
            self.update(Text(" No decision selected.", tone(self, "dim")))
            return
        dim = tone(self, "dim")
        prefix = f" #{d.id} "
        lines = wrapped(action_of(d), width, prefix, " " * len(prefix))
        lines[0].stylize(dim, 0, len(prefix))
        due = f"due {d.due.isoformat()}" if d.due else "no due date"
        recorded = f"recorded {week_label(d.week, starts)}" + (
            f" by {d.author}" if d.author else ""
        )
        facts = (d.owner or "no owner", due, status_word(d, today), label, recorded)
        lines += wrapped(" · ".join(facts), width, " ", " ", dim)
        if d.note.strip() and d.decision.strip():
            lines += wrapped(d.note, width, " Why: ", "      ")
        if d.expected.strip():
            lines += wrapped(d.expected, width, " Expected: ", "           ")
        self.update(Text("\n").join(lines))


def wrapped(text: str, width: int, first: str, rest: str, style: str | Style = "") -> list[Text]:
    """Every line of ``text`` (control characters shown, not sent) wrapped to ``width``
    cells, the first line after ``first``, the others after ``rest``."""
    room = max(10, width - max(len(first), len(rest)))
    lines = [
        line
        for para in safe(text).splitlines()
        if para.strip()
        for line in textwrap.wrap(para.strip(), room)
    ]
    return [Text((rest if i else first) + line, style) for i, line in enumerate(lines or [""])]
