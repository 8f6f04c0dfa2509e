"""The initiatives screen: each initiative and what its KPIs did since it began, against what
it expects, as `kpireview initiatives` prints it (:mod:`kpireview.bets`). Follows the week on
screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from kpireview import bets
from kpireview.text import safe_line
from kpireview.tui.screens.weektext import WeekTextScreen, bindings

if TYPE_CHECKING:
    from kpireview.review import WeekReview


class InitiativesScreen(WeekTextScreen):
    """The initiatives as of the week on screen; escape goes back."""

    NAME = "initiatives"
    BINDINGS = bindings("initiatives", "i")

    def __init__(self) -> None:
        super().__init__(self.text)

    def text(self, review: WeekReview) -> Text:
        out = Text(f" {safe_line(review.title)} · {review.label} · initiatives\n\n", "bold")
        for line in bets.lines(review.initiatives):
            out.append(f" {line}\n", "" if line.startswith(" ") else "bold")
        return out
