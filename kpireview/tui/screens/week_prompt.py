"""Go to a week (`g`): a small prompt that reads '2026-W41', 'W41' or a date inside a week.

Text that names no week, or a week without data, gets a line in the prompt saying why; the
prompt stays for another try. enter goes, escape closes it.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from kpireview.errors import KpiError
from kpireview.text import safe_line
from kpireview.tui.jump import read_week, week_problem

if TYPE_CHECKING:
    from kpireview.tui.app import ReviewApp


class WeekPrompt(ModalScreen[date | None]):
    """Dismissed with the week to show, or None when closed."""

    APP_KEYS = False
    DEFAULT_CSS = """
    WeekPrompt { align: center middle; }
    #week-box {
        width: 64; max-width: 100%; height: auto; border: round $accent;
        background: $panel; padding: 0 1;
    }
    #week-input { border: none; height: 1; margin: 1 0 0 0; }
    #week-message { color: $text-muted; height: auto; }
    #week-message.-error { color: $error; text-style: bold; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close", key_display="esc", id="week_close", tooltip="Close"),
    ]

    @property
    def review_app(self) -> ReviewApp:
        return cast("ReviewApp", self.app)

    def compose(self) -> ComposeResult:
        review = self.review_app.review
        shown = f" (now {review.label})" if review is not None else ""
        with Vertical(id="week-box") as box:
            box.border_title = Text(f"Go to week{shown}")
            yield Input(placeholder="2026-W41, W41 or 2026-10-12", id="week-input")
            yield Static(Text("enter: go · esc: close"), id="week-message")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def go(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.tell("Type a week: 2026-W41, W41 or a date inside it.")
            return
        try:
            week = read_week(self.review_app, text)
        except KpiError as exc:
            self.tell(str(exc))
            return
        problem = week_problem(self.review_app, week)
        if problem:
            self.tell(problem)
        else:
            self.dismiss(week)

    def tell(self, message: str) -> None:
        """One line in the prompt (✗ first: not only colour)."""
        line = self.query_one("#week-message", Static)
        line.update(Text(f"✗ {safe_line(message)}"))
        line.add_class("-error")

    @property
    def message(self) -> str:
        content = self.query_one("#week-message", Static).content
        return content.plain if isinstance(content, Text) else str(content)

    def action_close(self) -> None:
        self.dismiss(None)
