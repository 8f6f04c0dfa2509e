"""The KPI tree screen: every derived KPI with its inputs (or one KPI's subtree), each with
its value, WoW move, state and target status, and its shares of its parent's WoW and YoY
changes, as :mod:`kpireview.tree` writes it for the shell. Follows the week on screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from kpireview import tree
from kpireview.tui.screens.weektext import WeekTextScreen, bindings

if TYPE_CHECKING:
    from kpireview.review import WeekReview


class TreeScreen(WeekTextScreen):
    """The KPI tree of the week on screen; escape goes back."""

    NAME = "tree"
    BINDINGS = bindings("tree", "t")

    def __init__(self, metric_id: str | None = None) -> None:
        super().__init__(self.text)
        self.metric_id = metric_id

    def text(self, review: WeekReview) -> Text:
        out = Text()
        for i, line in enumerate(tree.lines(self.review_app.config, review, self.metric_id)):
            out.append(f" {line}\n", "bold" if i in (0, 2) else "")
        return out
