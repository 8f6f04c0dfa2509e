"""Every decision (kpireview.decisions.listing: open first, then by due date), with the ones
carried over into the week on screen above them. enter edits, x marks done or open again,
/ filters by KPI or owner."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from kpireview.decisions import is_overdue
from kpireview.session import ERRORS
from kpireview.tui.screens.dashboard import DashboardScreen
from kpireview.tui.screens.decision_form import due_text
from kpireview.tui.widgets.decision_list import (
    OVERDUE,
    STATUS,
    DecisionDetail,
    DecisionList,
    first_line,
)
from kpireview.tui.widgets.keybar import KeyBar
from kpireview.tui.widgets.message import MessageLine
from kpireview.tui.widgets.rows import tone
from kpireview.tui.widgets.text import fit_text

if TYPE_CHECKING:
    from kpireview.records import Decision
    from kpireview.review import CarriedOver, WeekReview
    from kpireview.tui.app import ReviewApp


class DecisionsScreen(Screen[None]):
    """All decisions; the ones carried over into the week on screen first."""

    COMPONENT_CLASSES = DashboardScreen.COMPONENT_CLASSES
    BINDINGS = [
        Binding("escape", "back", "Back", key_display="esc", id="decisions_back",
                tooltip="Back (in the filter: clear it)"),
        Binding("enter", "edit", "Edit", id="edit_decision",
                tooltip="Edit the decision (its earlier text is kept)"),
        Binding("x", "toggle_done", "Done/open", id="toggle_decision",
                tooltip="Mark the decision done, or open again"),
        Binding("n", "note", "Note", id="decision_note",
                tooltip="Show the decision whole: what, why (the note), what is expected"),
        Binding("h", "history", "History", id="decision_history",
                tooltip="Every revision of the decision: who changed what, when"),
        Binding("slash", "filter", "Filter", key_display="/", id="filter_decisions",
                tooltip="Filter by KPI or owner (part of a name)"),
        Binding("e", "app.notes", "Notes", id="decisions_notes",
                tooltip="Write the week's meeting notes to a file and the clipboard"),
    ]  # fmt: skip

    def __init__(self) -> None:
        super().__init__(id="decisions")
        self.items: list[Decision] | None = None
        self.query_text = ""

    @property
    def review_app(self) -> ReviewApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(id="decisions-header")
        with VerticalScroll(id="decisions-body"):
            yield Static(id="carried")
            yield DecisionList(id="decision-list")
        yield DecisionDetail(id="decision-detail")
        yield Input(placeholder="KPI or owner (esc clears)", id="decisions-filter")
        yield MessageLine(id="decisions-status")
        yield KeyBar()

    def on_mount(self) -> None:
        app = self.review_app
        listing = self.query_one(DecisionList)
        listing.labels = {m.id: m.label for m in app.config.metrics}
        listing.starts = app.config.review.week_starts
        listing.today = app.today
        listing.focus()
        self.refresh_list()

    def on_resize(self) -> None:
        self._show()

    def show_review(self, review: WeekReview) -> None:
        """After any reload (a save here, or another process wrote): read the list again."""
        self.refresh_list()

    def say(self, message: str, error: bool = False) -> None:
        self.query_one(MessageLine).say(message, error)

    # --- data ----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="decisions", exit_on_error=False)
    def refresh_list(self) -> None:
        app = self.review_app
        try:
            items = app.session.decisions()
        except ERRORS as exc:
            app.call_from_thread(self.say, f"Cannot read the decisions: {exc}", True)
            return
        app.call_from_thread(self._listed, items)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """An unexpected error in reading or changing the decisions is said, not swallowed."""
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.say(f"Unexpected error: {type(error).__name__}: {error}", True)

    def _listed(self, items: list[Decision]) -> None:
        self.items = items
        self._show()

    def _matches(self, d: Decision) -> bool:
        q = self.query_text.strip().casefold()
        if not q:
            return True
        label = self.review_app.config.by_id.get(d.metric)
        names = (d.metric, label.label if label else "", d.owner)
        return any(q in name.casefold() for name in names)

    def _show(self) -> None:
        """The header, the carried-over section and the list, for the items and the filter."""
        app = self.review_app
        listing = self.query_one(DecisionList)
        if self.items is None:
            return
        shown = [d for d in self.items if self._matches(d)]
        keep = listing.current.id if listing.current else None
        empty = (
            f"No decision matches “{self.query_text.strip()}”."
            if self.query_text.strip()
            else "No decisions yet: press d on a KPI to record one."
        )
        listing.show(shown, keep, empty)
        self._show_header(shown)
        review = app.review
        carried = [c for c in review.carried_over if self._matches(c.decision)] if review else []
        self.query_one("#carried", Static).update(
            carried_text(self, review, carried, self.size.width or app.size.width)
        )

    def _show_header(self, shown: list[Decision]) -> None:
        app = self.review_app
        items = self.items or []
        opened = sum(1 for d in items if d.status == "open")
        overdue = sum(1 for d in items if is_overdue(d, app.today))
        first = Text.assemble((" Decisions", "bold"), f" · {opened} open of {len(items)}")
        if overdue:
            first.append(f" · ! {overdue} overdue", tone(self, "bad"))
        first.append(f" · today {due_text(app.today)}", tone(self, "dim"))
        q = self.query_text.strip()
        if q:
            second = Text(f" Filter “{q}”: {len(shown)} of {len(items)} shown · / changes it")
        else:
            second = Text(" All KPIs and owners · / filters by KPI or owner", tone(self, "dim"))
        width = self.size.width or app.size.width
        lines = [fit_text(first, width), fit_text(second, width)]
        self.query_one("#decisions-header", Static).update(Text("\n").join(lines))

    # --- actions -------------------------------------------------------------------------

    def action_back(self) -> None:
        field = self.query_one("#decisions-filter", Input)
        if field.has_focus:
            field.value = ""
            self._close_filter()
            return
        self.app.pop_screen()

    def action_filter(self) -> None:
        field = self.query_one("#decisions-filter", Input)
        field.add_class("-shown")
        field.focus()

    @on(Input.Changed, "#decisions-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        self._show()

    @on(Input.Submitted, "#decisions-filter")
    def _filter_done(self) -> None:
        self._close_filter()

    def _close_filter(self) -> None:
        field = self.query_one("#decisions-filter", Input)
        field.set_class(bool(field.value.strip()), "-shown")
        self.query_one(DecisionList).focus()

    def action_note(self) -> None:
        """Show or hide the current decision whole (hidden again with n)."""
        self.query_one(DecisionDetail).toggle_class("-shown")
        self._show_detail()

    def on_decision_list_moved(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        detail = self.query_one(DecisionDetail)
        if detail.has_class("-shown"):
            app = self.review_app
            d = self.query_one(DecisionList).current
            metric = app.config.by_id.get(d.metric) if d else None
            label = metric.label if metric else (d.metric if d else "")
            detail.show_decision(d, label, app.config.review.week_starts, app.today)

    def on_decision_list_chosen(self) -> None:
        self.action_edit()

    def action_edit(self) -> None:
        d = self.query_one(DecisionList).current
        if d is not None:
            self.review_app.edit_decision(d)

    def action_toggle_done(self) -> None:
        app = self.review_app
        if app.read_only:
            self.say(app.READ_ONLY)
            return
        d = self.query_one(DecisionList).current
        if d is not None:
            self.toggle(d.id, d.revision)

    def action_history(self) -> None:
        from kpireview.tui.screens.decision_history import DecisionHistory

        d = self.query_one(DecisionList).current
        if d is not None:
            self.app.push_screen(DecisionHistory(d.id))

    @work(thread=True, exclusive=True, group="toggle", exit_on_error=False)
    def toggle(self, decision_id: int, base: int) -> None:
        """Done or open again, unless the decision changed since the list was read."""
        from kpireview.records import DecisionConflict

        app = self.review_app
        try:
            status = app.session.toggle_done(decision_id, base)
        except ERRORS as exc:
            app.call_from_thread(self.say, f"Not changed: {exc}", True)
            if isinstance(exc, DecisionConflict):
                app.call_from_thread(self.refresh_list)  # show the decision as it is now
            return
        app.call_from_thread(self._toggled, decision_id, status)

    def _toggled(self, decision_id: int, status: str) -> None:
        self.say(f"Decision {decision_id} is {status} now")
        self.review_app.reload()


def carried_text(
    widget: Widget, review: WeekReview | None, carried: list[CarriedOver], width: int
) -> Text:
    """'Carried over into 2026-W47': each decision still open from an earlier week, with how
    its KPI moved since (the review's sentence), who owns it and when it is due."""
    if review is None:
        return Text("")
    bad, dim = tone(widget, "bad"), tone(widget, "dim")
    if not review.carried_over:
        return fit_text(Text(f" Nothing carried over into {review.label}.", dim), width)
    title = Text.assemble(
        (f" Carried over into {review.label}", "bold"),
        f": {len(review.carried_over)} still open from earlier weeks",
    )
    lines = [fit_text(title, width)]
    if not carried:
        lines.append(fit_text(Text("   (none matches the filter)", dim), width))
    for c in carried:
        d = c.decision
        mark = Text(f" {OVERDUE if c.overdue else 'open':<{STATUS}} ", bad if c.overdue else "")
        lines.append(fit_text(mark + Text(c.message), width))
        who = " · ".join(x for x in (d.owner, f"due {d.due.isoformat()}" if d.due else "") if x)
        what = first_line(d.decision or d.note)
        more = " · ".join(x for x in (who, what) if x)
        lines.append(fit_text(Text(" " * (STATUS + 2) + more, dim), width))
    lines.append(Text(""))
    return Text("\n").join(lines)
