"""The dashboard's panes: one per pillar, a line per KPI, a cursor on the current KPI.

A pane draws its rows itself (one widget, not one per KPI), line by line and only the lines
on screen: a row scrolled into view is drawn (its sparkline too) when it comes into view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from kpireview import presentation, units
from kpireview.text import safe
from kpireview.tui import charts
from kpireview.tui.widgets.text import (
    STATE_TONE,
    TARGET_FORMS,
    fit,
    foreground,
    rules_text,
    target_text,
)

if TYPE_CHECKING:
    from textual.geometry import Size
    from textual.selection import Selection

    from kpireview.config import Metric, Pillar
    from kpireview.review import Kpi

VALUE, WOW, STATUS = 8, 8, 9
FIXED = 3 + 1 + VALUE + 1 + WOW + 2 + STATUS + 1  # symbol, gaps and the fixed columns
SPARK_MAX, SPARK_MIN = 52, 20  # a sparkline shorter than SPARK_MIN cells is not drawn
LABEL_MIN, LABEL_FLOOR = 22, 16  # the label gives up cells down to LABEL_FLOOR for one
DECIDED = "✎"  # after the label of a KPI with an open decision
KPI = Binding.Group("KPI")


@dataclass(frozen=True)
class Columns:
    """Widths of a row's flexible columns for a row width."""

    label: int
    spark: int


def columns(width: int, spark_max: int = SPARK_MAX) -> Columns:
    """The label gets LABEL_MIN cells, or down to LABEL_FLOOR to keep a sparkline of
    SPARK_MIN; the sparkline what is left, up to ``spark_max`` (a pane's own: the North
    Star's line takes all the room). Too narrow for both: no sparkline."""
    room = width - FIXED
    spark = min(spark_max, room - LABEL_MIN - 1)
    if spark < SPARK_MIN:
        spark = SPARK_MIN if room - SPARK_MIN - 1 >= LABEL_FLOOR else 0
    if not spark:
        return Columns(max(room, 1), 0)
    return Columns(room - spark - 1, spark)


def min_width() -> int:
    """The narrowest row with a label of LABEL_FLOOR and a sparkline of SPARK_MIN cells."""
    return FIXED + LABEL_FLOOR + 1 + SPARK_MIN


def tone(widget: Widget, name: str | None) -> Style:
    """The style of a tone (good, bad, warn, dim, spark, title, tag, error) from the screen.

    The tones are component classes of the dashboard screen, looked up once, not of each
    widget that uses them.
    """
    if not name:
        return Style()
    try:
        return foreground(widget.screen.get_component_rich_style(f"tone--{name}"))
    except KeyError:
        return Style()


def row_lines(
    widget: Widget, kpi: Kpi, width: int, height: int = 1, decided: bool = False
) -> list[Text]:
    """One KPI: symbol, label (marked when it has an open decision), value, WoW, target
    status, sparkline; on a second line (when ``height`` is 2) its YoY, target and signals,
    beside a sparkline two lines high."""
    cols = columns(width, getattr(widget, "spark_max", SPARK_MAX))
    state = presentation.state(kpi)
    status = kpi.target.status if kpi.target else None
    wow = units.change(kpi.wow.abs, kpi.wow.rel, kpi.unit)
    wow_tone = {"good": "good", "bad": "bad"}.get(presentation.wow_tone(kpi) or "")
    first = Text(no_wrap=True, end="")
    first.append(f" {presentation.SYMBOLS[state]} ", tone(widget, STATE_TONE[state]))
    label = f"{fit(kpi.label, cols.label - 2)} {DECIDED}" if decided else fit(kpi.label, cols.label)
    first.append(f"{label:<{cols.label}} ")
    first.append(f"{fit(kpi.fmt(kpi.value), VALUE):>{VALUE}} ", "bold")
    first.append(f"{fit(wow, WOW):>{WOW}}  ", tone(widget, wow_tone))
    first.append(
        f"{presentation.STATUS_TEXT[status]:<{STATUS}} ", tone(widget, STATE_TONE.get(status))
    )
    lines = [first]
    if height > 1:
        room = width - 3 - (cols.spark + 1 if cols.spark else 0)
        second = Text(
            f"   {fit(_more(kpi, room), room):<{room}} ", tone(widget, "dim"), no_wrap=True
        )
        lines.append(second)
    if cols.spark:
        values = tuple(p.value for p in kpi.history)
        for line, spark in zip(lines, charts.sparkline(values, cols.spark, height), strict=True):
            line.append(spark, tone(widget, "spark"))
    for line in lines:
        line.truncate(width, pad=True)
    return lines


def _more(kpi: Kpi, room: int) -> str:
    """YoY, target and signals in ``room`` cells: the signals go first, then the target's date
    and words get shorter, then YoY, so that the value expected by now is never cut."""
    yoy = f"YoY {units.change(kpi.yoy.abs, kpi.yoy.rel, kpi.unit)}"
    targets = [f"target {target_text(kpi, form)}" for form in TARGET_FORMS] if kpi.target else []
    candidates = [_joined(yoy, *targets[:1], rules_text(kpi))]
    candidates += [_joined(yoy, t) for t in targets] + targets
    fitting = [c for c in candidates if len(c) <= room]
    return fitting[0] if fitting else min(candidates, key=len)


def _joined(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


def matches(metric: Metric, needle: str) -> bool:
    """Whether a KPI's label or id holds ``needle`` (lower case)."""
    return needle in metric.label.lower() or needle in metric.id.lower()


class PillarPane(Widget, can_focus=True):
    """A pillar's KPIs under its label; the cursor row is the current KPI when focused.

    The arrows are bound here, ahead of the scrolling container's own arrow keys; past the
    first or last row they move to the pane before or after.
    """

    BINDINGS = [
        Binding("up", "cursor(-1)", "KPI", group=KPI, id="previous_kpi", tooltip="Previous KPI"),
        Binding("down", "cursor(1)", "KPI", group=KPI, id="next_kpi", tooltip="Next KPI"),
    ]

    class Moved(Message):
        """The current KPI changed (cursor moved or pane focused)."""

        def __init__(self, pane: PillarPane) -> None:
            super().__init__()
            self.pane = pane

    class Edge(Message):
        """The cursor tried to move past the pane's first (-1) or last (+1) row."""

        def __init__(self, pane: PillarPane, step: int) -> None:
            super().__init__()
            self.pane, self.step = pane, step

    def __init__(self, pillar: Pillar, metrics: list[Metric]) -> None:
        super().__init__(id=f"pane-{pillar.id}", classes="pane")
        self.border_title = Text(safe(pillar.label))  # text, never markup
        self.pillar_id = pillar.id
        self.all_metrics = metrics
        self.metrics = metrics  # those the dashboard's filter keeps (all without one)
        self.kpis: dict[str, Kpi] = {}
        self.decided: frozenset[str] = frozenset()  # KPIs with an open decision
        self.cursor = 0
        self.row_height = 1
        self.spark_max = SPARK_MAX
        self._last_row: tuple[tuple[object, ...], list[Text]] | None = None
        self._base: Style | None = None

    @property
    def kpi(self) -> Kpi | None:
        """The KPI under the cursor (None before the review is loaded)."""
        if not self.metrics:
            return None
        return self.kpis.get(self.metrics[self.cursor].id)

    def row_kpis(self) -> list[Kpi | None]:
        return [self.kpis.get(m.id) for m in self.metrics]

    def show(self, kpis: dict[str, Kpi], decided: frozenset[str] = frozenset()) -> None:
        self.kpis, self.decided = kpis, decided
        self.refresh()

    def filter(self, needle: str) -> None:
        """Keep the KPIs whose label or id holds ``needle`` (lower case; '' keeps all); the
        cursor stays on its KPI when kept."""
        here = self.metrics[self.cursor].id if self.metrics else None
        self.metrics = [m for m in self.all_metrics if matches(m, needle)]
        ids = [m.id for m in self.metrics]
        self.cursor = ids.index(here) if here in ids else 0
        self._last_row = None
        self.refresh(layout=True)

    def set_row_height(self, height: int) -> None:
        """1 line per KPI, or 2 with more numbers (when the panes have the room)."""
        if height != self.row_height:
            self.row_height = height
            self.refresh(layout=True)

    def move_to(self, index: int) -> None:
        """Put the cursor on a row, show it, and tell the screen."""
        self.cursor = max(0, min(index, len(self.metrics) - 1))
        self.refresh()
        self.scroll_cursor_visible()
        self.post_message(self.Moved(self))

    def scroll_cursor_visible(self) -> None:
        container = self.parent
        if isinstance(container, Widget) and container.is_scrollable:
            top = self.virtual_region.y + self.styles.gutter.top + self.cursor * self.row_height
            row = Region(0, top, self.size.width, self.row_height)
            container.scroll_to_region(row, animate=False, immediate=True)

    def action_cursor(self, step: int) -> None:
        index = self.cursor + step
        if 0 <= index < len(self.metrics):
            self.move_to(index)
        else:
            self.post_message(self.Edge(self, step))

    def on_focus(self) -> None:
        self.refresh()
        self.scroll_cursor_visible()
        self.post_message(self.Moved(self))

    def on_blur(self) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and offset.y // self.row_height < len(self.metrics):
            self.focus()
            self.move_to(offset.y // self.row_height)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.metrics) * self.row_height

    def rows_in_view(self) -> range:
        """The rows (indices) inside the scrolling container's view now."""
        count = len(self.metrics)
        container = self.parent
        if not isinstance(container, Widget) or not container.is_scrollable:
            return range(count)
        top = self.virtual_region.y + self.styles.gutter.top - container.scroll_offset.y
        height = container.scrollable_content_region.height
        first = max(0, -top // self.row_height)
        end = min(count, -(-(height - top) // self.row_height))
        return range(first, max(first, end))

    def row(self, index: int, width: int) -> list[Text]:
        """The lines of one row: its KPI's numbers and sparkline, or its label before the
        review is in; reversed under the cursor of the focused pane."""
        kpi = self.kpis.get(self.metrics[index].id)
        if kpi is None:
            label = Text(
                f"   {fit(self.metrics[index].label, columns(width, self.spark_max).label)}"
            )
            rows = [label] + [Text("")] * (self.row_height - 1)
        else:
            rows = row_lines(self, kpi, width, self.row_height, kpi.id in self.decided)
        if index == self.cursor and self.has_focus:
            for line in rows:
                line.stylize("reverse")
        return rows

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines in ``crop``, the pane's base style looked up once for all of them (it
        walks every ancestor's styles)."""
        self._base = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._base = None

    def render_line(self, y: int) -> Strip:
        """One line of the pane, asked for by Textual only while it is on screen.

        Drawn straight from Rich's segments: Textual's general text pipeline (content,
        link styles) costs several times more per line, and start-up draws every line."""
        width = self.size.width
        base = self._base or self.rich_style
        index, line = divmod(y, self.row_height)
        if index >= len(self.metrics):
            return Strip.blank(width, base)
        text = self._row_lines(index, width)[line].copy()
        text.no_wrap, text.end = True, ""
        text.stylize_before(base)
        selection = self.text_selection
        span = selection.get_span(y) if selection is not None else None
        if span is not None:  # text selected with the mouse, on this line
            start, end = span
            style = self.screen.get_component_rich_style("screen--selection")
            text.stylize(style, start, len(text) if end == -1 else end)
        return Strip(text.render(self.app.console), text.cell_len).crop_extend(0, width, base)

    def _row_lines(self, index: int, width: int) -> list[Text]:
        """`row`, kept for the row's other lines (Textual asks for one line at a time)."""
        kpi = self.kpis.get(self.metrics[index].id)
        key = (index, width, id(kpi), self.cursor, self.has_focus, self.decided)
        cached = self._last_row
        if cached is None or cached[0] != key:
            cached = self._last_row = (key, self.row(index, width))
        return cached[1]

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The text selected with the mouse (every row drawn, for the copy)."""
        width = self.size.width
        lines = [line.plain for i in range(len(self.metrics)) for line in self.row(i, width)]
        return selection.extract("\n".join(lines)), "\n"
