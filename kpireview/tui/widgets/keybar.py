"""The footer: the current screen's keys on one line, and the command palette's key.

One widget that redraws when the keys change, where Textual's Footer rebuilds a widget per key
on every focus change (a cost at start-up and on each tab).
"""

from __future__ import annotations

from itertools import groupby

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import ActiveBinding, Binding
from textual.screen import Screen
from textual.widget import Widget

from kpireview.tui.widgets.text import fit_text, foreground


class KeyBar(Widget):
    """Keys and what they do: grouped keys share one description ('[ ] Week')."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    KeyBar > .keybar--key {
        color: $footer-key-foreground;
        text-style: bold;
    }
    KeyBar > .keybar--description {
        color: $footer-description-foreground;
    }
    """
    COMPONENT_CLASSES = {"keybar--key", "keybar--description"}
    # Keys left out, in this order, when the line is too narrow for all (help lists them all).
    SPARE = (
        "clear_filter",  # the filter's line says esc clears it
        "go_to_week",
        "filter",
        "walk_handled",
        "decision_history",
        "initiatives",
        "tree",
        "detail_tree",
        "quit",
        "next_pane",
        "previous_pane",
        "acknowledge",
    )

    # Keys that write, left out under --read-only (pressed, they say why they do nothing).
    WRITES = frozenset(
        {
            "decide",
            "detail_decide",
            "acknowledge",
            "detail_divide",
            "edit_decision",
            "toggle_decision",
        }
    )

    def __init__(self) -> None:
        super().__init__()
        self._key_spans: list[tuple[int, int, str]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._keys_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _keys_changed(self, screen: Screen) -> None:
        self.refresh()

    def shown_bindings(self) -> list[Binding]:
        """The keys to show; a screen with ``APP_KEYS = False`` (a form) leaves out the app's
        own keys, which its text fields take as typing."""
        seen: set[str] = set()
        out = []
        app_keys = getattr(self.screen, "APP_KEYS", True)
        read_only = getattr(self.app, "read_only", False)
        for active in self._in_order():
            binding = active.binding
            palette = binding.key == self.app.COMMAND_PALETTE_BINDING
            if not app_keys and active.node is self.app:
                continue
            if read_only and binding.id in self.WRITES:
                continue
            if binding.show and not palette and binding.action not in seen:
                seen.add(binding.action)
                out.append(binding)
        return out

    def _in_order(self) -> list[ActiveBinding]:
        """The active keys, each node's in the order of its class's BINDINGS (a key that
        overrides one of Textual's, like tab, would otherwise keep that one's place)."""
        actives = list(self.screen.active_bindings.values())
        nodes = list(dict.fromkeys(id(a.node) for a in actives))
        remapped = getattr(self.app, "keymap", {})

        def rank(active: ActiveBinding) -> tuple[int, int]:
            own: list[object] = list(getattr(type(active.node), "BINDINGS", []))
            binding: object = active.binding
            if binding not in own and active.binding.id in remapped:  # a copy: by its id
                own = [getattr(b, "id", None) for b in own]
                binding = active.binding.id
            return nodes.index(id(active.node)), own.index(binding) if binding in own else len(own)

        return sorted(actives, key=rank)

    def render(self) -> Text:
        key_style = foreground(self.get_component_rich_style("keybar--key"))
        text_style = foreground(self.get_component_rich_style("keybar--description"))
        width = self.size.width
        bindings = self.shown_bindings()
        for spare in self.SPARE:
            if sum(cell_len(text) for text, _, _ in self._pieces(bindings)) <= width:
                break
            bindings = [b for b in bindings if b.id != spare]
        line = self._line(bindings, key_style, text_style)
        palette = Text.assemble(("^p", key_style), (" palette ", text_style))
        if self.app.ENABLE_COMMAND_PALETTE and width - line.cell_len >= palette.cell_len + 1:
            line.append(" " * (width - line.cell_len - palette.cell_len))
            line.append_text(palette)
        return fit_text(line, width)

    def _pieces(self, bindings: list[Binding]) -> list[tuple[str, bool, str | None]]:
        """The line's text in pieces: (text, is a key, the key pressed when clicked)."""
        pieces: list[tuple[str, bool, str | None]] = []
        for _, members in groupby(bindings, lambda b: b.group or id(b)):
            items = list(members)
            group = items[0].group
            pieces.append((" ", False, None))
            for i, binding in enumerate(items):
                text = ("" if i == 0 else " ") + self.app.get_key_display(binding)
                pieces.append((text, True, binding.key.split(",")[0]))
            description = group.description if group and len(items) > 1 else items[0].description
            pieces.append((f" {description} ", False, None))
        return pieces

    def _line(self, bindings: list[Binding], key_style: Style, text_style: Style) -> Text:
        """The keys on one line; grouped keys share one description ('[ ] Week')."""
        line = Text(no_wrap=True)
        self._key_spans = []
        for text, is_key, key in self._pieces(bindings):
            start = line.cell_len
            line.append(text, key_style if is_key else text_style)
            if key is not None:
                self._key_spans.append((start, line.cell_len, key))
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._key_spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
