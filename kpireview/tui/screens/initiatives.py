"""The initiatives screen: each initiative and what its KPIs did since it began, against what
it expects, as `kpireview initiatives` prints it (:mod:`kpireview.bets`). Follows the week on
screen."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from kpireview import bets
from kpireview.text import safe_line
from kpireview.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from kpireview.review import WeekReview
    from kpireview.tui.app import ReviewApp


class InitiativesScreen(Screen[None]):
    """The initiatives as of the week on screen; escape goes back."""

    BINDINGS = [
        Binding("escape,i", "app.pop_screen", "Back", key_display="esc", id="initiatives_back",
                tooltip="Back"),
        Binding("left_square_bracket", "app.week(-1)", "Week", id="initiatives_previous_week",
                group=Binding.Group("Week"), tooltip="Previous week"),
        Binding("right_square_bracket", "app.week(1)", "Week", id="initiatives_next_week",
                group=Binding.Group("Week"), tooltip="Next week"),
    ]  # fmt: skip

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="initiatives-body"):
            yield Static(id="initiatives-text")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#initiatives-body").focus()
        app = cast("ReviewApp", self.app)
        if app.review is not None:
            self.show_review(app.review)

    def show_review(self, review: WeekReview) -> None:
        text = Text(f" {safe_line(review.title)} · {review.label} · initiatives\n\n", "bold")
        for line in bets.lines(review.initiatives):
            text.append(f" {line}\n", "" if line.startswith(" ") else "bold")  # never markup
        self.query_one("#initiatives-text", Static).update(text)
