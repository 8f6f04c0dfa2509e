"""The Textual app: loads the review in a worker thread and keeps it fresh; writes decisions
(through kpireview.decisions) and the meeting notes, each in a worker thread.

Every read and write goes through one :class:`kpireview.session.ReviewSession`.

Set KPIREVIEW_EXIT_WHEN_READY=1 to exit as soon as the first review is on screen (to profile
start-up, e.g. under cProfile; bench/startup.py reads the screen instead).
"""

from __future__ import annotations

import gc
import os
import sqlite3
import threading
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from kpireview import codecache
from kpireview.session import ERRORS, ReviewSession
from kpireview.text import safe
from kpireview.tui.jump import JumpCommands
from kpireview.tui.notes import NotesApp
from kpireview.tui.screens.dashboard import DashboardScreen
from kpireview.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from kpireview.config import Config
    from kpireview.records import Decision
    from kpireview.review import Data, WeekReview
    from kpireview.tui.screens.decision_form import DecisionForm

EXIT_WHEN_READY = "KPIREVIEW_EXIT_WHEN_READY"


def started() -> None:
    """Resume garbage collection, leaving out the objects made while starting."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
    codecache.save()  # the app may be killed rather than exit


class ReviewApp(NotesApp):
    """The weekly review: a dashboard of the week, a detail per KPI, a help screen."""

    class Ready(Message):
        """A worker built a review: show it (``painted`` is set once it is on screen)."""

        def __init__(self, data: Data, model: WeekReview) -> None:
            super().__init__()
            self.data, self.model = data, model
            self.painted = threading.Event()

    class AllWeeksRead(Message):
        """Every week was read, after a first screen read from a window of them."""

        def __init__(self, data: Data, window: Data) -> None:
            super().__init__()
            self.data, self.window = data, window
            self.kept = threading.Event()

    class Failed(Message):
        """A worker could not read or build: one line for the header and a notification."""

        def __init__(self, text: str, title: str = "Cannot read the database") -> None:
            super().__init__()
            self.text, self.title = text, title

    COMMANDS = NotesApp.COMMANDS | {JumpCommands}
    CSS_PATH = "app.tcss"
    TITLE = "kpireview"
    POLL_SECONDS = 2.0
    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?", id="help",
                tooltip="Keys and symbols"),
        Binding("q", "quit", "Quit", id="quit", tooltip="Quit"),
    ]  # fmt: skip
    READ_ONLY = "read-only: decisions are off"

    def __init__(
        self,
        config: Config,
        db_path: Path,
        *,
        week: date | None = None,
        read_only: bool = False,
        today: date | None = None,
    ) -> None:
        super().__init__()
        self.config = config
        self.db_path = Path(db_path)
        self.week = week
        self.read_only = read_only
        self._today = today
        self.data: Data | None = None
        self.review: WeekReview | None = None
        self.session = ReviewSession(
            config, self.db_path, read_only=read_only, today=lambda: self.today
        )
        self.exit_when_ready = os.environ.get(EXIT_WHEN_READY) == "1"
        self.keymap: dict[str, str] = {}
        if config.keys:  # remapped keys (ConfigError for an id no binding has)
            from kpireview.tui.keys import keymap

            self.keymap = keymap(config)
            self.set_keymap(self.keymap)

    def get_default_screen(self) -> Screen:
        return DashboardScreen(self.config, read_only=self.read_only)

    def on_mount(self) -> None:
        self.load(self.week)
        self.set_interval(self.POLL_SECONDS, self.poll)

    def on_unmount(self) -> None:
        self.session.close()
        started()

    @property
    def today(self) -> date:
        """The day decisions are due from and overdue by (fixed by tests, else the clock)."""
        from kpireview.records import today

        return self._today or today()

    # --- loading -------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load(self, week: date | None) -> None:
        """Read the database and build the week's review, off the event loop."""
        self._load(week)

    def _load(self, week: date | None) -> None:
        first = self.data is None
        try:
            if first:
                data, model = self.session.open_week(week)
            else:
                data = self.session.read_all()
                model = self.session.build(data, week, keep=False)
        except ERRORS as exc:
            self.post_message(self.Failed(str(exc)))
            return
        self._prepare_sparklines(model)
        shown = self.Ready(data, model)
        self.post_message(shown)
        if first and not self.exit_when_ready:
            shown.painted.wait(2.0)  # what follows must not hold the first review back
            self.session.keep_bands(data)  # once the review is on screen
            self._load_history(data)
        else:
            self.session.keep_bands(data)

    def _load_history(self, window: Data) -> None:
        """Read every week, for moving between weeks (the first screen read only a window);
        then compute the bands of the weeks before the one shown."""
        from kpireview.tui import charts

        charts.warm_up()  # plotext, for the detail charts: not needed by the first screen
        shown = self.review
        try:
            data = self.session.read_all(shown.week if shown else None)
        except ERRORS as exc:
            self.post_message(self.Failed(str(exc)))
            return
        read = self.AllWeeksRead(data, window)
        self.post_message(read)
        read.kept.wait(2.0)
        if shown is not None:
            self.session.build_before(data, shown.week, lambda: self._still_shows(data, shown))

    def _still_shows(self, data: Data, shown: WeekReview) -> bool:
        return self.data is data and self.review is not None and self.review.week == shown.week

    def on_review_app_ready(self, message: Ready) -> None:
        self.show(message.data, message.model)
        self.call_after_refresh(message.painted.set)

    def on_review_app_all_weeks_read(self, message: AllWeeksRead) -> None:
        if self.data is message.window:  # unless a reload has already read everything again
            self.data = message.data
        message.kept.set()

    def on_review_app_failed(self, message: Failed) -> None:
        """The one place a worker's error reaches the screen."""
        self.show_error(message.text, message.title)

    @work(thread=True, exclusive=True, group="build", exit_on_error=False)
    def build_week(self, week: date) -> None:
        """Build another week's review from the data already read."""
        assert self.data is not None
        data = self.data
        try:
            model = self.session.build(data, week, keep=False)
        except ERRORS as exc:
            self.post_message(self.Failed(str(exc)))
            return
        self._prepare_sparklines(model)
        self.post_message(self.Ready(data, model))
        self.session.keep_bands(data)

    def _prepare_sparklines(self, model: WeekReview) -> None:
        """Draw here in the worker the sparklines on screen, for the widths the panes have
        now (the others are drawn when they come into view)."""
        from kpireview.tui import charts

        screen = self.screen_stack[0] if self.screen_stack else None
        sparks = screen.sparks_in_view() if isinstance(screen, DashboardScreen) else set()
        kpis = {kpi.id: kpi for kpi in model.kpis}
        for metric_id, width, height in sparks:
            kpi = kpis.get(metric_id)
            if kpi is not None:
                charts.sparkline(tuple(p.value for p in kpi.history), width, height)

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def check(self) -> None:
        """Reload when another process wrote to the database (or it appeared, or was replaced)."""
        try:
            changed = self.session.changed()
        except sqlite3.Error:
            return
        if changed:
            self._load(self.review.week if self.review else self.week)

    def poll(self) -> None:
        self.check()

    def reload(self) -> None:
        """Read the database again, for the week on screen (after the app wrote to it)."""
        self.load(self.review.week if self.review else self.week)

    def show(self, data: Data, model: WeekReview) -> None:
        """Show a review on every screen that renders one; keep the week and the selection."""
        first = self.review is None
        self.data, self.review, self.week = data, model, model.week
        if first:
            started()
        for screen in self.screen_stack:
            show = getattr(screen, "show_review", None)
            if show is not None:
                show(model)
        if first and self.exit_when_ready:
            self.call_after_refresh(self.exit)

    def show_error(self, message: str, title: str = "Cannot read the database") -> None:
        message = safe(message)
        self.notify(message, title=title, severity="error", timeout=8, markup=False)
        short = message.replace(str(self.db_path), self.db_path.name)  # fits the header
        for screen in self.screen_stack:
            if isinstance(screen, DashboardScreen):
                screen.show_error(short)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """An unexpected error in a worker (reading, building, writing notes) is shown on the
        dashboard's header and in a notification: never a screen left on "Loading…"."""
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.show_error(f"{type(error).__name__}: {error}", title="Unexpected error")

    # --- actions ---------------------------------------------------------------------------

    def action_quit(self) -> None:  # type: ignore[override]
        """Quit, unless a decision form holds text not saved yet."""
        from kpireview.tui.screens.decision_form import DecisionForm

        if any(isinstance(s, DecisionForm) and s.changed for s in self.screen_stack):
            self.notify("Save the decision (ctrl+s) or cancel it (esc) first.", timeout=4)
            return
        self.exit()

    def decide(self, metric_id: str) -> None:
        """The decision form for a KPI in the week on screen."""
        if self.read_only:
            self.say(self.READ_ONLY)
            return
        if self.review is None:
            return
        from kpireview.decisions import Draft, current_user
        from kpireview.tui.screens.decision_form import DecisionForm

        draft = Draft(owner=current_user())
        self._open_form(DecisionForm(metric_id, self.review.week, draft, today=self.today))

    def edit_decision(self, decision: Decision) -> None:
        """The decision form, filled in with a decision's text; saving keeps the old text."""
        if self.read_only:
            self.say(self.READ_ONLY)
            return
        from dataclasses import replace

        from kpireview.decisions import draft_of
        from kpireview.tui.screens.decision_form import DecisionForm

        # The fields show control characters as text (the terminal must not act on them).
        draft = draft_of(decision)
        draft = replace(draft, **{k: safe(v) for k, v in vars(draft).items() if isinstance(v, str)})
        form = DecisionForm(
            decision.metric, decision.week, draft, today=self.today,
            decision_id=decision.id, base=decision.revision,
        )  # fmt: skip
        self._open_form(form)

    def _open_form(self, form: DecisionForm) -> None:
        """Show the form; once it saved, read the database again and say what was saved."""
        from kpireview.periods import week_label

        metric = self.config.by_id.get(form.metric_id)
        what = f"{metric.label if metric else form.metric_id}, "
        what += week_label(form.week, self.config.review.week_starts)

        def closed(decision_id: int | None) -> None:
            if decision_id is not None:
                self.reload()
                self.say(f"Saved decision {decision_id} ({what})")

        self.push_screen(form, callback=closed)

    def action_decisions(self) -> None:
        from kpireview.tui.screens.decisions import DecisionsScreen

        if not isinstance(self.screen, DecisionsScreen):
            self.push_screen(DecisionsScreen())

    def action_week(self, step: int) -> None:
        """Go to the previous (-1) or next (+1) week with data."""
        if self.review is None:
            return
        week = self.review.previous_week if step < 0 else self.review.next_week
        if week is None:
            self.notify("No earlier week with data." if step < 0 else "This is the latest week.")
            return
        self.build_week(week)

    def action_tree(self, metric_id: str | None = None) -> None:
        """The KPI tree of the week on screen (a KPI's subtree from its detail)."""
        from kpireview.tui.screens.tree import TreeScreen

        if not isinstance(self.screen, TreeScreen):
            self.push_screen(TreeScreen(metric_id))

    def action_initiatives(self) -> None:
        """The initiatives as of the week on screen."""
        from kpireview.tui.screens.initiatives import InitiativesScreen

        if not isinstance(self.screen, InitiativesScreen):
            self.push_screen(InitiativesScreen())

    def action_dashboard(self) -> None:
        from kpireview.tui.jump import back_to_dashboard

        back_to_dashboard(self)

    def action_go_to_week(self) -> None:
        """The "go to week" prompt; the review moves to the week typed there."""
        from kpireview.tui.jump import go_to_week
        from kpireview.tui.screens.week_prompt import WeekPrompt

        def chosen(week: date | None) -> None:
            if week is not None:
                go_to_week(self, week)

        if self.review is not None and not isinstance(self.screen, WeekPrompt):
            self.push_screen(WeekPrompt(), chosen)

    def action_help(self) -> None:
        from kpireview.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette lists every key of the current screen, then Textual's own."""
        seen = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            name = binding.tooltip or binding.description
            if not name or name in seen or binding.system:
                continue
            if self.read_only and binding.id in KeyBar.WRITES:
                continue
            seen.add(name)
            yield SystemCommand(
                f"{name} ({self.get_key_display(binding)})",
                binding.description,
                lambda node=active.node, action=binding.action: self._run(node, action),
            )
        yield from super().get_system_commands(screen)

    def _run(self, node: object, action: str) -> None:
        self.call_later(self.run_action, action, node)
