"""A decision's history (h on the decisions screen): every revision of its text, who wrote it
and when, as kpireview.revisions words it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from kpireview.session import ERRORS
from kpireview.tui.widgets.keybar import KeyBar
from kpireview.tui.widgets.message import MessageLine

if TYPE_CHECKING:
    from kpireview.tui.app import ReviewApp


class DecisionHistory(Screen[None]):
    """The revisions of one decision, oldest first; read in a worker thread."""

    BINDINGS = [
        Binding("escape,h", "app.pop_screen", "Back", key_display="esc", id="history_back",
                tooltip="Back to the decisions"),
    ]  # fmt: skip

    def __init__(self, decision_id: int) -> None:
        super().__init__(id="decision-history")
        self.decision_id = decision_id

    @property
    def review_app(self) -> ReviewApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="history-scroll"):
            yield Static(Text("Loading…", "dim"), id="history-body")
        yield MessageLine(id="history-status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#history-scroll").focus()
        self.read()

    def show_review(self, review: object) -> None:
        """After any reload (another process may have edited the decision): read it again."""
        self.read()

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def read(self) -> None:
        app = self.review_app
        try:
            lines = app.session.decision_history(self.decision_id)
        except ERRORS as exc:
            app.call_from_thread(self.say, f"Cannot read the decision: {exc}", True)
            return
        app.call_from_thread(self._show, lines)

    def _show(self, lines: list[str]) -> None:
        text = Text()
        for i, line in enumerate(lines):
            style = "bold" if i == 0 or line.startswith("r") else ""
            text.append(f" {line}\n", style)
        self.query_one("#history-body", Static).update(text)

    def say(self, message: str, error: bool = False) -> None:
        self.query_one(MessageLine).say(message, error)
