"""The help screen: every key of every screen, and the legend of the status symbols."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from kpireview import export
from kpireview.tui.widgets.keybar import KeyBar


class HelpScreen(Screen[None]):
    """Keys and symbols; escape (or ?) goes back."""

    BINDINGS = [
        Binding("escape,question_mark", "app.pop_screen", "Back", key_display="esc",
                id="help_back", tooltip="Back"),
    ]  # fmt: skip

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(help_text(), id="help-text")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()


def _keys_table(title: str, bindings: list[Binding]) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", box=None,
                  show_header=False, padding=(0, 2, 0, 1))  # fmt: skip
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("does")
    for b in bindings:
        keys = " ".join(b.key_display or _display(k) for k in b.key.split(","))
        table.add_row(keys, b.tooltip or b.description)
    return table


def _display(key: str) -> str:
    from textual.keys import format_key

    names = {"up": "↑", "down": "↓", "enter": "enter", "escape": "esc", "tab": "tab"}
    return names.get(key, format_key(key))


def help_text() -> Group:
    from kpireview.tui.app import ReviewApp
    from kpireview.tui.screens.dashboard import DashboardScreen
    from kpireview.tui.screens.detail import DetailScreen

    global_keys = [b for b in ReviewApp.BINDINGS if isinstance(b, Binding)]
    palette = Binding("ctrl+p", "command_palette", tooltip="Command palette: every action by name")
    legend = [Text(f" {line}") for line in export.LEGEND]
    return Group(
        Text("kpireview — keys", style="bold underline"),
        Text(),
        _keys_table("Dashboard", [b for b in DashboardScreen.BINDINGS if isinstance(b, Binding)]),
        Text(),
        _keys_table("KPI detail", [b for b in DetailScreen.BINDINGS if isinstance(b, Binding)]),
        Text(),
        _keys_table("Everywhere", [*global_keys, palette]),
        Text(),
        Text("Symbols", style="bold"),
        *legend,
        Text(),
        Text(" WoW is green when it moves the good way for the KPI, red when it moves the bad",
             style="dim"),
        Text(" way; the sign (+ −) and the row's symbol tell the same without colour.",
             style="dim"),
    )  # fmt: skip
