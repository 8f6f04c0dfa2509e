"""The config's `keys:` mapping: a key binding's id → the key(s) that run it instead.

    keys:
      decide: ctrl+d
      next_week: [n, right_square_bracket]

A key is a character or a key's name (escape, f5, pageup, question_mark…), after modifiers
(ctrl+, shift+, alt+, …). The syntax is checked here with the config; the ids against the
app's real bindings where the app starts (kpireview.tui.keys), both naming file, line and field.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from kpireview.yamltree import Node, Reader

MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
NAMED = frozenset(
    {"escape", "enter", "tab", "space", "backspace", "delete", "insert", "home", "end",
     "pageup", "pagedown", "up", "down", "left", "right", *(f"f{n}" for n in range(1, 25))}
)  # fmt: skip


@dataclass(frozen=True)
class KeySetting:
    """One line of `keys:`: a binding id, its key string ('ctrl+d,f5'), where it is written."""

    id: str
    keys: str
    line: int


def read(r: Reader, item: tuple[int, Node] | None) -> tuple[KeySetting, ...]:
    """The `keys:` mapping, each key checked (its ids are checked by the app)."""
    if item is None:
        return ()
    node = item[1]
    if not isinstance(node.value, dict):
        r.mapping(node, "keys", set())  # says what was found instead
    out = []
    for binding_id, (line, value) in node.value.items():
        where = f"keys.{binding_id}"
        items = value.value if isinstance(value.value, list) else [value]
        if not items:
            raise r.fail(line, where, "expected a key like ctrl+d, or a list of keys")
        texts = [(part, k.line) for k in items for part in r.text(k, where).split(",")]
        keys = [key_name(text, r, at, where) for text, at in texts]
        out.append(KeySetting(binding_id, ",".join(keys), line))
    return tuple(out)


def key_name(text: str, r: Reader, line: int, where: str) -> str:
    """A key as Textual names it ('ctrl+d', 'question_mark', 'D'), or ConfigError."""
    parts = [p.strip() for p in text.strip().split("+")] if text.strip() != "+" else ["+"]
    *mods, key = parts
    bad = [m for m in mods if m.lower() not in MODIFIERS]
    if bad or not key:
        what = f"'{bad[0]}' is not a modifier ({', '.join(MODIFIERS)})" if bad else "no key"
        raise r.fail(line, where, f"'{text}': {what}")
    if len(key) == 1 and key.isprintable() and not key.isspace():
        name = key
    elif key.lower() in NAMED or _character(key) is not None:
        name = key.lower()
    else:
        raise r.fail(
            line, where, f"'{text}': unknown key '{key}' (a character, or a name like escape, "
            "enter, f5, pageup, question_mark)"
        )  # fmt: skip
    return "+".join([*(m.lower() for m in mods), name])


def _character(name: str) -> str | None:
    """The character a key name stands for ('question_mark' → '?'), if any."""
    try:
        char = unicodedata.lookup(name.replace("_", " ").upper())
    except KeyError:
        return None
    return char if char.isprintable() and len(name) > 1 else None
