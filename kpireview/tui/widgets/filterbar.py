"""The dashboard's filter line (`/`): the text typed and how many KPIs it keeps; shown while
a filter is on, so the dashboard never looks whole when it is not."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Static


class FilterBar(Horizontal):
    """'Filter: [text]  3 of 29 KPIs · esc clears'; hidden while no filter is being typed."""

    DEFAULT_CSS = """
    FilterBar { height: 1; display: none; background: $panel; padding: 0 1; }
    FilterBar.-shown { display: block; }
    FilterBar > #filter-label { width: auto; text-style: bold; }
    FilterBar > #filter-input { width: 24; height: 1; border: none; padding: 0 1; }
    FilterBar > #filter-count { width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Static(Text("Filter:"), id="filter-label")
        yield Input(placeholder="name or id", id="filter-input")
        yield Static(id="filter-count")

    @property
    def input(self) -> Input:
        return self.query_one("#filter-input", Input)

    @property
    def shown(self) -> bool:
        return self.has_class("-shown")

    def open(self) -> None:
        self.add_class("-shown")
        self.input.focus()

    def close(self) -> None:
        self.remove_class("-shown")
        self.input.value = ""

    def count(self, kept: int, total: int) -> None:
        """'3 of 29 KPIs · esc clears' (or 'no KPI matches' when none)."""
        text = f"{kept} of {total} KPIs" if kept else "no KPI matches"
        self.query_one("#filter-count", Static).update(Text(f" {text} · esc clears"))

    @property
    def count_text(self) -> str:
        content = self.query_one("#filter-count", Static).content
        return content.plain if isinstance(content, Text) else str(content)
