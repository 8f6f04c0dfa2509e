"""Marking a process change (a divider) on a KPI at the week on screen, with its reason.

enter (or ctrl+s) saves, committed at once in a worker thread; escape cancels. The checks are
kpireview.dividers' (the same as `kpireview divide`): a refusal shows in the form, as text.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from kpireview.periods import week_label
from kpireview.session import ERRORS
from kpireview.text import safe

if TYPE_CHECKING:
    from kpireview.tui.app import ReviewApp


class DividerForm(ModalScreen[str | None]):
    """The reason for a divider; dismissed with what was saved, or None when cancelled."""

    APP_KEYS = False
    DEFAULT_CSS = """
    DividerForm { align: center middle; }
    #divider-box {
        width: 72; height: auto; border: round $accent; background: $panel; padding: 0 1;
    }
    #divider-reason { border: none; height: 1; margin: 1 0 0 0; }
    #divider-error { color: $error; height: auto; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="divider_save",
                tooltip="Save the divider (committed at once)"),
        Binding("escape", "cancel", "Cancel", key_display="esc", id="divider_cancel",
                tooltip="Cancel"),
    ]  # fmt: skip

    def __init__(self, metric_id: str, week: date) -> None:
        super().__init__(id="divider-form")
        self.metric_id = metric_id
        self.week = week
        self.saving = False

    @property
    def review_app(self) -> ReviewApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        app = self.review_app
        metric = app.config.by_id.get(self.metric_id)
        label = metric.label if metric else self.metric_id
        when = week_label(self.week, app.config.review.week_starts)
        with Vertical(id="divider-box"):
            yield Static(
                Text.assemble("Process change · ", (safe(label), "bold"), f" · from {when}"),
                id="divider-title",
            )
            yield Static(
                Text("Limits restart from this week; new ones after 8 weeks.", style="dim")
            )
            yield Input(placeholder="reason, e.g. pricing change (required)", id="divider-reason")
            yield Static(id="divider-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#divider-reason")
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        if self.saving:
            return
        reason = self.query_one(Input).value
        if not reason.strip():
            self._error("Say what changed in the process (required).")
            return
        self.saving = True
        self._error("Saving…")
        self.save(reason)

    @work(thread=True, exclusive=True, group="save", exit_on_error=False)
    def save(self, reason: str) -> None:
        """Check and commit the divider, off the event loop."""
        app = self.review_app
        try:
            said = app.session.divide(self.metric_id, self.week, reason)
        except ERRORS as exc:
            app.call_from_thread(self._not_saved, str(exc))
            return
        app.call_from_thread(self.dismiss, said)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self._not_saved(f"{type(error).__name__}: {error}")

    def _not_saved(self, message: str) -> None:
        self.saving = False
        self._error(f"Not saved: {message}")

    def _error(self, message: str) -> None:
        self.query_one("#divider-error", Static).update(Text(safe(message)))  # never markup

    def action_cancel(self) -> None:
        if not self.saving:
            self.dismiss(None)
