"""The help screen: every key of every screen, and the legend of the status symbols."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Static

from kpireview import presentation
from kpireview.tui.widgets.keybar import KeyBar
from kpireview.tui.widgets.rows import DECIDED


class HelpScreen(Screen[None]):
    """Keys and symbols; escape (or ?) goes back."""

    BINDINGS = [
        Binding("escape,question_mark", "app.pop_screen", "Back", key_display="esc",
                id="help_back", tooltip="Back"),
    ]  # fmt: skip

    def compose(self) -> ComposeResult:
        review, decisions = help_text(getattr(self.app, "keymap", None))
        with VerticalScroll(id="help-body"), Horizontal(id="help-columns"):
            yield Static(review, id="help-text", classes="help-column")
            yield Static(decisions, id="help-decisions", classes="help-column")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def on_resize(self) -> None:
        self.set_class(self.size.width >= 150, "-wide")


def _keys_table(title: str, bindings: list[Binding], keymap: dict[str, str]) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", box=None,
                  show_header=False, padding=(0, 2, 0, 1))  # fmt: skip
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("does")
    for b in bindings:
        mapped = keymap.get(b.id or "")  # the config's `keys:` (its display is the key's)
        display = None if mapped else b.key_display
        keys = " ".join(display or _display(k) for k in (mapped or b.key).split(","))
        table.add_row(keys, b.tooltip or b.description)
    return table


def _display(key: str) -> str:
    from textual.keys import format_key

    names = {"up": "↑", "down": "↓", "enter": "enter", "escape": "esc", "tab": "tab"}
    return names.get(key, format_key(key))


def help_text(keymap: dict[str, str] | None = None) -> tuple[Group, Group]:
    """The review's keys and symbols; the decisions' keys (beside them when wide)."""
    from kpireview.tui.app import ReviewApp
    from kpireview.tui.screens.dashboard import DECISION_KEYS, DashboardScreen
    from kpireview.tui.screens.decision_form import DecisionForm
    from kpireview.tui.screens.decisions import DecisionList, DecisionsScreen
    from kpireview.tui.screens.detail import DetailScreen

    def keys(*screens: type[DOMNode]) -> list[Binding]:
        return [b for s in screens for b in s.BINDINGS if isinstance(b, Binding) and b.show]

    mapped = keymap or {}
    same = {b.key for b in DECISION_KEYS}  # the detail's d D e: said once, for the dashboard
    global_keys = [b for b in ReviewApp.BINDINGS if isinstance(b, Binding)]
    palette = Binding("ctrl+p", "command_palette", tooltip="Command palette: every action by name")
    legend = [Text(f" {line}") for line in presentation.LEGEND]
    legend.append(Text(f" {DECIDED} after a KPI's name: it has an open decision"))
    review = Group(
        Text("kpireview — keys", style="bold underline"),
        Text(),
        _keys_table("Dashboard", keys(DashboardScreen), mapped),
        Text(),
        _keys_table("KPI detail", [b for b in keys(DetailScreen) if b.key not in same], mapped),
        Text(" d D e as on the dashboard", style="dim"),
        Text(),
        _keys_table("Everywhere", [*global_keys, palette], mapped),
        Text(),
        Text("Symbols", style="bold"),
        *legend,
        Text(),
        Text(" WoW is green when it moves the good way for the KPI, red when it moves the bad",
             style="dim"),
        Text(" way; the sign (+ −) and the row's symbol tell the same without colour.",
             style="dim"),
    )  # fmt: skip
    decisions = Group(
        _keys_table("Decisions (D)", keys(DecisionList, DecisionsScreen), mapped),
        Text(" Open ones first, then by due date; '! overdue': open, past due.", style="dim"),
        Text(" Above the list: the ones carried over into the week on screen.", style="dim"),
        Text(),
        _keys_table("Decision form (d)", keys(DecisionForm), mapped),
        Text(" Owner: you, unless changed. Due: a date, fri (the next Friday),", style="dim"),
        Text(" +7d, +2w, or 2026-W49 (its Friday). Saving commits at once;", style="dim"),
        Text(" an edit keeps the earlier text in the decision's history.", style="dim"),
        Text(" With --read-only, d, a, x and edits are off; e still writes notes.", style="dim"),
    )
    return review, decisions
