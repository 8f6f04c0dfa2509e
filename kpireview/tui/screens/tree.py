"""The KPI tree screen: every derived KPI with its inputs (or one KPI's subtree), each with
its value, WoW move, state and target status, and its share of its parent's WoW change, as
:mod:`kpireview.tree` writes it for the shell. Follows the week on screen."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from kpireview import tree
from kpireview.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from kpireview.review import WeekReview
    from kpireview.tui.app import ReviewApp


class TreeScreen(Screen[None]):
    """The KPI tree of the week on screen; escape goes back."""

    BINDINGS = [
        Binding("escape,t", "app.pop_screen", "Back", key_display="esc", id="tree_back",
                tooltip="Back"),
        Binding("left_square_bracket", "app.week(-1)", "Week", id="tree_previous_week",
                group=Binding.Group("Week"), tooltip="Previous week"),
        Binding("right_square_bracket", "app.week(1)", "Week", id="tree_next_week",
                group=Binding.Group("Week"), tooltip="Next week"),
    ]  # fmt: skip

    def __init__(self, metric_id: str | None = None) -> None:
        super().__init__()
        self.metric_id = metric_id

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="tree-body"):
            yield Static(id="tree-text")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#tree-body").focus()
        app = cast("ReviewApp", self.app)
        if app.review is not None:
            self.show_review(app.review)

    def show_review(self, review: WeekReview) -> None:
        app = cast("ReviewApp", self.app)
        lines = tree.lines(app.config, review, self.metric_id)
        text = Text()
        for i, line in enumerate(lines):
            text.append(f" {line}\n", "bold" if i in (0, 2) else "")  # never parsed as markup
        self.query_one("#tree-text", Static).update(text)
