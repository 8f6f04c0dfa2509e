"""A screen of text about the week on screen (the KPI tree, the initiatives): scrolls, follows
the week (`[` `]`), and goes back with escape or the key that opened it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from kpireview.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from kpireview.review import WeekReview
    from kpireview.tui.app import ReviewApp


def bindings(name: str, key: str) -> list[Binding | tuple[str, str] | tuple[str, str, str]]:
    """The screen's keys, their ids starting with ``name``; ``key`` also goes back."""
    week = Binding.Group("Week")
    return [
        Binding(f"escape,{key}", "app.pop_screen", "Back", key_display="esc", id=f"{name}_back",
                tooltip="Back"),
        Binding("left_square_bracket", "app.week(-1)", "Week", id=f"{name}_previous_week",
                group=week, tooltip="Previous week"),
        Binding("right_square_bracket", "app.week(1)", "Week", id=f"{name}_next_week",
                group=week, tooltip="Next week"),
    ]  # fmt: skip


class WeekTextScreen(Screen[None]):
    """Subclasses name themselves (``NAME``: the ids ``NAME-body``, ``NAME-text``) and give
    what writes the text of a review (never parsed as markup)."""

    NAME = "week"

    def __init__(self, write: Callable[[WeekReview], Text]) -> None:
        super().__init__()
        self._write = write

    @property
    def review_app(self) -> ReviewApp:
        return cast("ReviewApp", self.app)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id=f"{self.NAME}-body"):
            yield Static(id=f"{self.NAME}-text")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(f"#{self.NAME}-body").focus()
        if self.review_app.review is not None:
            self.show_review(self.review_app.review)

    def show_review(self, review: WeekReview) -> None:
        self.query_one(f"#{self.NAME}-text", Static).update(self._write(review))
