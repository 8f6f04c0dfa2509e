"""YAML read into values that keep their line, refusing what a config never needs.

Aliases that multiply values, absurd nesting, duplicate keys, tags and .nan/.inf are refused
with the file and line; ``Reader`` then checks each field's kind, naming file, line and field.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from kpireview.errors import ConfigError
from kpireview.periods import PeriodError, in_range, parse_day

MAX_DEPTH = 100  # YAML nesting


class Node:
    """A YAML value with the line it starts on."""

    __slots__ = ("value", "line")

    def __init__(self, value: Any, line: int) -> None:
        self.value, self.line = value, line


MAX_NODES = 100_000
MAX_EXPANSION = 10  # aliases may repeat values, but not multiply them
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Wrapper:
    """Turns composed YAML nodes into Node values, refusing what a config never needs."""

    def __init__(self, path: Path) -> None:
        self.path, self.count = path, 0
        self.distinct: set[int] = set()
        self.constructor = yaml.constructor.SafeConstructor()

    def fail(self, node: yaml.Node, message: str) -> ConfigError:
        return ConfigError(f"{self.path}:{node.start_mark.line + 1}: {message}")

    def wrap(self, node: yaml.Node, depth: int = 0) -> Node:
        self.count += 1
        self.distinct.add(id(node))
        if self.count > MAX_NODES and self.count > MAX_EXPANSION * len(self.distinct):
            # e.g. nested aliases that expand without end; a big config repeats nothing
            raise self.fail(node, f"more than {MAX_NODES:,} values; is an alias looping?")
        if depth > MAX_DEPTH:  # aliases inside aliases
            raise self.fail(node, f"values nested more than {MAX_DEPTH} deep")
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out: dict[str, tuple[int, Node]] = {}
            for key, value in node.value:
                name = str(self.scalar(key))
                if name in out:
                    raise self.fail(key, f"{name}: duplicate key (first at line {out[name][0]})")
                out[name] = (key.start_mark.line + 1, self.wrap(value, depth + 1))
            return Node(out, line)
        if isinstance(node, yaml.SequenceNode):
            return Node([self.wrap(v, depth + 1) for v in node.value], line)
        return Node(self.scalar(node), line)

    def scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, "expected a plain value here")
        try:
            value = self.constructor.construct_object(node, deep=True)
        except ValueError:  # e.g. a date like 2027-02-30: keep the text, the field check says why
            return node.value
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or "cannot be read"
            raise self.fail(node, f"'{node.value}': {problem} (put it in quotes)") from None
        if isinstance(value, float) and not math.isfinite(value):
            return NotFinite(node.value)
        return value


class NotFinite(str):
    """A YAML .nan or .inf: kept as its text, refused wherever it is read."""


class Reader:
    """Walks the wrapped YAML, raising ConfigError with file, line and field."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, line: int, where: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}:{line}: {where}: {message}")

    def mapping(self, node: Node, where: str, keys: set[str]) -> dict[str, tuple[int, Node]]:
        if not isinstance(node.value, dict):
            raise self.fail(node.line, where, f"expected a mapping, got {kind(node.value)}")
        for key, (line, _) in node.value.items():
            if key not in keys:
                known = ", ".join(sorted(keys))
                raise self.fail(
                    line, f"{where}.{key}" if where else key, f"unknown key (known: {known})"
                )
        return node.value

    def scalar(self, node: Node, where: str, kinds: tuple[type, ...], what: str) -> Any:
        value = node.value
        if isinstance(value, NotFinite):
            raise self.fail(node.line, where, f"'{value}' is not a finite number")
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            raise self.fail(node.line, where, f"expected {what}, got {kind(value)}")
        return value

    def text(self, node: Node, where: str) -> str:
        return str(self.scalar(node, where, (str, int, float), "text"))

    def number(self, node: Node, where: str) -> float:
        return float(self.scalar(node, where, (int, float), "a number"))

    def choice(self, node: Node, where: str, options: tuple[str, ...], what: str) -> str:
        value = self.scalar(node, where, (str,), what)
        if value.lower() not in options:
            raise self.fail(
                node.line, where, f"unknown {what} '{value}' (one of {', '.join(options)})"
            )
        return value.lower()

    def day(self, node: Node, where: str) -> date:
        value = node.value
        if isinstance(value, datetime):
            value = value.date()
        if not isinstance(value, str | date):
            raise self.fail(node.line, where, f"expected a date, got {kind(value)}")
        try:
            return in_range(value, str(value)) if isinstance(value, date) else parse_day(value)
        except PeriodError as exc:
            raise self.fail(node.line, where, str(exc)) from None


def kind(value: Any) -> str:
    """A value's kind as an error message says it: 'a list', "text 'x'", 'nothing'."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    kinds: dict[type, str] = {dict: "a mapping", list: "a list", str: f"text '{value}'"}
    return kinds.get(type(value), f"{type(value).__name__} {value!r}")


def check_depth(text: str, path: Path) -> None:
    """Refuse absurd nesting before composing, which recurses once per level."""
    openers = text.count("[") + text.count("{")  # flow nesting is at most this
    if openers <= MAX_DEPTH:
        lead = max((len(line) - len(line.lstrip(" -?:")) for line in text.splitlines()), default=0)
        if openers + lead < MAX_DEPTH:
            return  # block nesting needs a column of indent or an indicator per level
    depth = 0
    for event in yaml.parse(text, Loader=LOADER):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                where = f"{path}:{mark.line + 1}" if mark else str(path)
                raise ConfigError(f"{where}: values nested more than {MAX_DEPTH} deep")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def compose(text: str, path: Path) -> yaml.Node | None:
    """The YAML's node tree (None when the text holds nothing), or ConfigError with the line."""
    try:
        check_depth(text, path)
        return yaml.compose(text, Loader=LOADER)
    except RecursionError:
        raise ConfigError(f"{path}:1: values nested more than {MAX_DEPTH} deep") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}:{line}: not valid YAML ({problem})") from None
