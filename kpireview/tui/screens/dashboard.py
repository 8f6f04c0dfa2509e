"""The dashboard: header, four pillar panes of KPI rows, the status line with the flags."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from kpireview.config import Pillar
from kpireview.tui.widgets.filterbar import FilterBar
from kpireview.tui.widgets.header import ReviewHeader
from kpireview.tui.widgets.keybar import KeyBar
from kpireview.tui.widgets.rows import PillarPane, columns, min_width
from kpireview.tui.widgets.status import StatusLine
from kpireview.workcopy import copy_note, is_working_copy

if TYPE_CHECKING:
    from kpireview.config import Config
    from kpireview.review import Kpi, WeekReview

STAR_ID = "north_star"  # the North Star's pane: pane-north_star
STAR_SPARK_MAX = 52  # cells: two dot columns for each of the history's weeks, or fewer
CHROME = 2 + 1 + 2  # header, footer, and a status line of two lines
PANE = Binding.Group("Pane")
WEEK = Binding.Group("Week")
FLAG = Binding.Group("Flag")
# The decision keys of the dashboard and the detail screen.
DECISION_KEYS = [
    Binding("d", "decide", "Decide", id="decide",
            tooltip="Record a decision on the KPI for the week on screen"),
    Binding("D", "app.decisions", "Decisions", id="decisions",
            tooltip="All decisions, and the ones carried over into this week"),
    Binding("e", "app.notes", "Notes", id="notes",
            tooltip="Write the week's meeting notes to a file and the clipboard"),
]  # fmt: skip


class DashboardScreen(Screen[None]):
    """The week's review; the focused row is the current KPI."""

    BINDINGS = [
        *PillarPane.BINDINGS,
        Binding("tab", "pane(1)", "Pane", group=PANE, id="next_pane", tooltip="Next pane"),
        Binding("shift+tab", "pane(-1)", "Pane", group=PANE, key_display="⇧⇥",
                id="previous_pane", tooltip="Previous pane"),
        Binding("left_square_bracket", "app.week(-1)", "Week", group=WEEK, id="previous_week",
                tooltip="Previous week"),
        Binding("right_square_bracket", "app.week(1)", "Week", group=WEEK, id="next_week",
                tooltip="Next week"),
        Binding("f", "flag(1)", "Flag", group=FLAG, id="next_flag",
                tooltip="Next flagged KPI, with its lead flag in the status line: new bad "
                "signals first, then new good ones, then continuing ones"),
        Binding("F", "flag(-1)", "Flag", group=FLAG, id="previous_flag",
                tooltip="Previous flagged KPI"),
        Binding("H", "walk_handled", "Flag", group=FLAG, id="walk_handled",
                tooltip="Walk the handled KPIs too (a continuing signal with an open "
                "decision), or skip them again"),
        Binding("a", "acknowledge", "Ack", id="acknowledge",
                tooltip="Acknowledge the KPI's signals this week: the walk skips it until "
                "they change"),
        Binding("enter", "open_detail", "Detail", id="detail", tooltip="Open the KPI's detail"),
        Binding("t", "app.tree", "Tree", id="tree",
                tooltip="The KPI tree: derived KPIs, their inputs and each one's share"),
        Binding("i", "app.initiatives", "Bets", id="initiatives",
                tooltip="Initiatives: what their KPIs did since each began"),
        Binding("g", "app.go_to_week", "Go to", id="go_to_week",
                tooltip="Go to a week, typed as its label or a date inside it"),
        Binding("slash", "filter", "Filter", key_display="/", id="filter",
                tooltip="Filter the KPIs by name (label or id)"),
        Binding("escape", "clear_filter", "Clear filter", key_display="esc",
                id="clear_filter", tooltip="Clear the filter: every KPI again"),
        *DECISION_KEYS,
    ]  # fmt: skip

    COMPONENT_CLASSES = {
        "tone--good",
        "tone--bad",
        "tone--warn",
        "tone--dim",
        "tone--spark",
        "tone--title",
        "tone--tag",
        "tone--error",
    }

    def __init__(self, config: Config, *, read_only: bool = False) -> None:
        super().__init__(id="dashboard")
        self.config = config
        self.read_only = read_only
        self._walk = ""
        self._handled: frozenset[str] = frozenset()
        self.walk_handled = False  # whether f / F also visit the handled KPIs
        self._walked_to: tuple[str, int] | None = None  # where the walk's last step went
        self._here: tuple[str, int] | None = None
        self._told_copy = False
        self.acknowledging = False  # a save in a worker is under way

    def compose(self) -> ComposeResult:
        size = self.app.size
        self.set_class(self._wide(size.width, size.height), "-wide")  # before styling
        copy = is_working_copy(self.app.db_path)  # type: ignore[attr-defined]
        yield ReviewHeader(
            self.config.review.title, read_only=self.read_only, copy=copy, id="header"
        )
        star = self.config.review.north_star
        if star is not None:  # its own row above the pillars
            pane = PillarPane(Pillar(STAR_ID, "★ North Star"), [self.config.metric(star)])
            pane.spark_max = STAR_SPARK_MAX  # its chart takes the room the label leaves
            yield pane
        with VerticalScroll(id="panes", can_focus=False):
            for pillar in self.config.pillars:
                yield PillarPane(pillar, self.config.in_pillar(pillar.id))
        yield FilterBar(id="filter")
        yield StatusLine(id="status")
        yield KeyBar()

    def on_mount(self) -> None:
        panes = self.panes
        if panes:
            panes[0].focus()

    def on_resize(self, event: events.Resize) -> None:
        width, height = event.size
        grid = self._grid(width, height)
        self.set_class(grid is not None, "-wide")
        panes = self.query_one("#panes")
        if grid is None:
            panes.styles.grid_rows = None
            for pane in self.query(PillarPane):
                pane.set_row_height(1)
            return
        panes.styles.grid_size_rows = len(grid)
        panes.styles.grid_rows = " ".join(str(lines + 2) for lines in grid)  # with borders
        ids = [p.id for p in self.config.pillars]
        for pane in self.query(PillarPane):
            lines = grid[ids.index(pane.pillar_id) // 2] if pane.pillar_id in ids else 0
            pane.set_row_height(2 if lines and 2 * len(pane.metrics) <= lines else 1)

    def _grid(self, width: int, height: int) -> list[int] | None:
        """The lines inside each row of panes of the 2×2 grid, or None for one column: the
        grid needs each pane wide enough for a row with its sparkline, and every row of
        panes tall enough for its KPIs. The lines are shared as the KPIs need them, so that
        a pane with room shows two lines per KPI rather than empty lines."""
        if width // 2 - 2 < min_width():
            return None
        pillars = self.config.pillars
        needs = [
            max(len(self.config.in_pillar(p.id)) for p in pillars[i : i + 2])
            for i in range(0, len(pillars), 2)
        ]
        inner = height - CHROME - self._star_lines() - 2 * len(needs)  # borders
        if not needs or sum(needs) > inner:
            return None
        lines = [need * inner // sum(needs) for need in needs]
        lines[-1] += inner - sum(lines)  # what rounding left
        return lines

    def _wide(self, width: int, height: int) -> bool:
        return self._grid(width, height) is not None

    def _star_lines(self) -> int:
        """Lines the North Star's row takes above the grid (a border on each side)."""
        return 3 if self.config.review.north_star else 0

    def sparks_in_view(self) -> set[tuple[str, int, int]]:
        """(KPI id, width, height) of the sparklines on screen now (read from a worker); the
        others are drawn when they come into view."""
        sparks = set()
        for pane in self.panes:
            width = columns(pane.size.width, pane.spark_max).spark
            if width:
                for i in pane.rows_in_view():
                    sparks.add((pane.metrics[i].id, width, pane.row_height))
        return sparks

    @property
    def panes(self) -> list[PillarPane]:
        return [p for p in self.query(PillarPane) if p.metrics]

    @property
    def current(self) -> PillarPane | None:
        return self.focused if isinstance(self.focused, PillarPane) else None

    def show_review(self, review: WeekReview) -> None:
        """Put a review's numbers in the panes (built once, in compose) and the header."""
        self.query_one(ReviewHeader).show(review)
        self._handled = review.handled
        kpis, decided = {k.id: k for k in review.kpis}, review.decided
        for pane in self.query(PillarPane):
            pane.show(kpis, decided)
        self._show_status(keep=True)  # a message ("Saved decision 6") outlives a reload
        db = self.app.db_path  # type: ignore[attr-defined]
        if not self._told_copy and is_working_copy(db):
            self._told_copy = True
            self.say(copy_note(db))
        if review.latest_week is None:  # an empty database, after `kpireview init`
            from kpireview.cli import no_data_message

            self.say(no_data_message(self.app.db_path))  # type: ignore[attr-defined]

    def show_error(self, message: str) -> None:
        self.query_one(ReviewHeader).fail(message)

    def say(self, message: str, error: bool = False) -> None:
        self.query_one(StatusLine).say(message, error)

    def on_pillar_pane_moved(self, event: PillarPane.Moved) -> None:
        if event.pane is self.current:
            # Focus coming back from another screen is no move: a message said there stays.
            here = (event.pane.pillar_id, event.pane.cursor)
            self._show_status(self._walk, keep=here == self._here)
            self._here = here
            self._walk = ""

    def on_pillar_pane_edge(self, event: PillarPane.Edge) -> None:
        panes = self.panes
        index = panes.index(event.pane) + event.step
        if 0 <= index < len(panes):
            pane = panes[index]
            pane.cursor = 0 if event.step > 0 else len(pane.metrics) - 1
            pane.focus()

    def _show_status(self, walk: str = "", keep: bool = False) -> None:
        kpi = self.current.kpi if self.current else None
        handled = kpi is not None and kpi.id in self._handled
        self.query_one(StatusLine).show(kpi, walk, keep, handled)

    def action_pane(self, step: int) -> None:
        panes = self.panes
        pane = self.current
        index = panes.index(pane) if pane in panes else -step
        panes[(index + step) % len(panes)].focus()

    def action_flag(self, step: int) -> None:
        """Walk the flagged KPIs, wrapping: new bad signals, new good ones, then the others,
        each group in dashboard order; handled ones only when asked (``H``)."""
        order = [(p, i) for p in self.panes for i, _ in enumerate(p.metrics)]
        kpis = [p.row_kpis()[i] for p, i in order]
        walk = sorted(
            (n for n, kpi in enumerate(kpis) if self._walked(kpi)),
            key=lambda n: (_walk_group(kpis[n]), n),
        )
        if not walk:
            skipped = any(_has_flags(kpi) for kpi in kpis)
            self.say("Every flagged KPI is handled (H: walk them too)." if skipped
                     else "No flagged KPIs this week.")  # fmt: skip
            return
        pane = self.current
        here = order.index((pane, pane.cursor)) if pane in self.panes else -1
        walking = pane is not None and self._walked_to == (pane.pillar_id, pane.cursor)
        if walking and here in walk:  # the walk goes on from where it stopped
            n = walk[(walk.index(here) + step) % len(walk)]
        else:  # a new walk starts at its first (f) or last (F) KPI
            n = walk[0] if step > 0 else walk[-1]
        self._walk = f"[{walk.index(n) + 1}/{len(walk)}]"
        target, index = order[n]
        self._walked_to = (target.pillar_id, index)
        if target is pane:
            target.move_to(index)
        else:
            target.cursor = index
            target.focus()

    def _walked(self, kpi: Kpi | None) -> bool:
        if not _has_flags(kpi):
            return False
        return self.walk_handled or kpi.id not in self._handled  # type: ignore[union-attr]

    # --- the filter (/) -----------------------------------------------------------------

    @property
    def filter_text(self) -> str:
        """The filter on ('' for none), lower case."""
        bar = self.query_one(FilterBar)
        return bar.input.value.strip().lower() if bar.shown else ""

    def action_filter(self) -> None:
        self.query_one(FilterBar).open()

    def action_clear_filter(self) -> None:
        bar = self.query_one(FilterBar)
        here = self.current.kpi.id if self.current and self.current.kpi else None
        bar.close()
        self._filter("")
        self.select(here)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":  # esc: only while a filter is shown
            return self.query_one(FilterBar).shown
        return True

    @on(Input.Changed, "#filter-input")
    def _filter_typed(self, event: Input.Changed) -> None:
        event.stop()
        self._filter(self.filter_text)

    @on(Input.Submitted, "#filter-input")
    def _filter_kept(self, event: Input.Submitted) -> None:
        """enter: back to the rows the filter kept (the text stays until esc)."""
        event.stop()
        panes = self.panes
        if panes:
            panes[0].focus()
        else:
            self.say(f"No KPI matches '{event.value.strip()}' (esc clears the filter).", True)

    def _filter(self, needle: str) -> None:
        """Keep in every pane the KPIs whose label or id holds ``needle``."""
        panes = list(self.query(PillarPane))
        for pane in panes:
            pane.filter(needle)
            pane.display = bool(pane.metrics) or not needle
        kept = sum(len(p.metrics) for p in panes)
        self.query_one(FilterBar).count(kept, sum(len(p.all_metrics) for p in panes))
        self._show_status()
        self.refresh_bindings()

    def select(self, metric_id: str | None) -> None:
        """Put the cursor on a KPI's row (when shown) and focus its pane."""
        for pane in self.panes:
            ids = [m.id for m in pane.metrics]
            if metric_id in ids:
                pane.cursor = ids.index(metric_id)
                pane.focus()
                pane.move_to(pane.cursor)
                return
        if self.panes and not isinstance(self.focused, PillarPane):
            self.panes[0].focus()

    def action_walk_handled(self) -> None:
        self.walk_handled = not self.walk_handled
        self.say(
            "The flag walk visits the handled KPIs too (H: skip them)."
            if self.walk_handled
            else "The flag walk skips the handled KPIs (H: walk them too)."
        )

    def action_open_detail(self) -> None:
        pane = self.current
        if pane is None or pane.kpi is None:
            return
        from kpireview.tui.screens.detail import DetailScreen

        self.app.push_screen(DetailScreen(pane.kpi.id))

    def action_acknowledge(self) -> None:
        """Acknowledge the current KPI's signals for the week on screen (saved in a worker)."""
        app = self.app
        review = app.review  # type: ignore[attr-defined]
        kpi = self.current.kpi if self.current else None
        if kpi is None or review is None or self.acknowledging:
            return
        if self.read_only:
            self.say("read-only: acknowledgements are off")
            return
        from kpireview.periods import week_label

        label = week_label(review.week, self.config.review.week_starts)
        lead = kpi.lead
        if not kpi.flags:
            self.say(f"{kpi.label} has no signal in {label}: nothing to acknowledge.", True)
        elif lead is not None and lead.acknowledged is not None:
            self.say(f"{kpi.label}'s signals for {label} are already acknowledged.")
        else:
            self.acknowledging = True
            self.say(f"Acknowledging {kpi.label}'s signals for {label}…")
            self._acknowledge(kpi.id, kpi.label, review.week, label)

    @work(thread=True, exclusive=True, group="save", exit_on_error=False)
    def _acknowledge(self, metric: str, name: str, week: date, label: str) -> None:
        """Check and commit the acknowledgement off the event loop, then read the review again."""
        from kpireview.session import ERRORS

        app = self.app
        try:
            app.session.acknowledge(metric, week)  # type: ignore[attr-defined]
        except ERRORS as exc:
            app.call_from_thread(self._acknowledged, f"Not saved: {exc}", True)
            return
        said = f"Acknowledged {name}'s signals for {label} (the walk skips it until it changes)"
        app.call_from_thread(self._acknowledged, said, False)

    def _acknowledged(self, message: str, error: bool) -> None:
        self.acknowledging = False
        if not error:
            self.app.reload()  # type: ignore[attr-defined]
        self.say(message, error)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "save" and event.state == WorkerState.ERROR:
            error = event.worker.error
            self._acknowledged(f"Not saved: {type(error).__name__}: {error}", True)

    def action_decide(self) -> None:
        pane = self.current
        if pane is not None and pane.kpi is not None:
            self.app.decide(pane.kpi.id)  # type: ignore[attr-defined]


def _has_flags(kpi: Kpi | None) -> bool:
    return kpi is not None and bool(kpi.flags)


def _walk_group(kpi: Kpi | None) -> int:
    """0: a new bad lead signal, 1: a new good one, 2: the others (continuing, target only)."""
    lead = kpi.lead if kpi is not None else None
    if lead is None or not lead.new:
        return 2
    return 0 if lead.tone == "bad" else 1
