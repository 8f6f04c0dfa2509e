"""Every key binding of the app, by id: what the config's `keys:` remaps (kpireview.keymap).

The ids are read from the screens' and widgets' real bindings, so the check and the README's
list (generated from `table`) cannot drift from them.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
import re

from textual.binding import Binding
from textual.dom import DOMNode

from kpireview.config import Config
from kpireview.errors import ConfigError


def bindings() -> dict[str, tuple[str, Binding]]:
    """id → (the screen or widget that has it, its binding), in a stable order."""
    import kpireview.tui
    import kpireview.tui.screens
    import kpireview.tui.widgets

    for package in (kpireview.tui, kpireview.tui.screens, kpireview.tui.widgets):
        for module in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
    found: dict[str, tuple[str, Binding]] = {}
    for cls in sorted(_classes(DOMNode), key=lambda c: (c.__module__, c.__qualname__)):
        for binding in cls.__dict__.get("BINDINGS", ()):
            if isinstance(binding, Binding) and binding.id and binding.id not in found:
                found[binding.id] = (cls.__name__, binding)
    return found


def _classes(base: type) -> list[type]:
    out: list[type] = []
    subclasses: list[type] = base.__subclasses__()
    for cls in subclasses:
        if cls.__module__.startswith("kpireview."):
            out.append(cls)
        out += _classes(cls)
    return list(dict.fromkeys(out))


def keymap(config: Config) -> dict[str, str]:
    """The config's `keys:` as Textual's keymap; ConfigError (file, line, field) for an id
    that no binding has."""
    known = bindings()
    for setting in config.keys:
        if setting.id not in known:
            close = difflib.get_close_matches(setting.id, list(known), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "the README lists the ids"
            raise ConfigError(
                f"{config.path}:{setting.line}: keys.{setting.id}: unknown key binding id ({hint})"
            )
    return {s.id: s.keys for s in config.keys}


def _where(name: str) -> str:
    """'DecisionsScreen' → 'decisions', 'ReviewApp' → 'everywhere'."""
    if name == "ReviewApp":
        return "everywhere"
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", name.removesuffix("Screen")).lower()
    return "decisions" if words == "decision list" else words


def table() -> str:
    """The ids as a markdown table (id, default key, where, what it does), for the README."""
    rows = ["| id | default key | where | what it does |", "| --- | --- | --- | --- |"]
    for binding_id, (where, b) in bindings().items():
        does = (b.tooltip or b.description).replace("|", "\\|")
        rows.append(f"| `{binding_id}` | `{b.key}` | {_where(where)} | {does} |")
    return "\n".join(rows) + "\n"
