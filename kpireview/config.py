"""The KPI config: YAML → validated, typed objects.

Every error names the file, the line and the field, e.g.
``config/kpis.yaml:14: metrics[2].unit: unknown unit 'percnt' (one of count, currency, ...)``.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from kpireview.dates import check_format
from kpireview.errors import KpiError
from kpireview.formulas import Formula, FormulaError
from kpireview.graph import cycle_text, walk
from kpireview.inputs import InputError, open_input
from kpireview.periods import WEEKDAYS, PeriodError, in_range, parse_day
from kpireview.ranges import outside

MAX_BYTES = 64_000_000
UNITS = ("count", "currency", "percent", "ratio", "days", "score")
DIRECTIONS = ("up", "down", "neutral")
ROLLUPS = ("sum", "last", "mean")
CRITERIA = ("reach", "stay_above", "stay_below")
PILLARS = ("acquisition", "activation", "retention", "revenue")
SCALES = ("fraction", "points")
MAX_DEPTH = 100  # YAML nesting
MAX_FORMULA_DEPTH = 200  # derived KPIs reading derived KPIs
Bounds = tuple[float | None, float | None]
DEFAULT_BOUNDS: dict[str, Bounds] = {"percent": (0.0, 1.0), "count": (0.0, None)}


class ConfigError(KpiError):
    """An invalid config file."""


@dataclass(frozen=True)
class Target:
    """A target: a fixed value or another metric's series, paced or standing."""

    criterion: str
    value: float | None = None
    metric: str | None = None
    by: date | None = None
    start: date | None = None
    baseline: float | None = None
    tolerance: float = 0.1


@dataclass(frozen=True)
class Metric:
    id: str
    label: str
    pillar: str
    unit: str = "count"
    direction: str = "up"
    rollup: str = "sum"
    owner: str = ""
    description: str = ""
    column: str = ""
    segments: tuple[str, ...] = ()
    targets: tuple[Target, ...] = ()
    formula: Formula | None = None
    currency: str = "$"
    bounds: Bounds = (None, None)
    scale: str = "fraction"

    @property
    def derived(self) -> bool:
        return self.formula is not None

    def target_for(self, week: date) -> Target | None:
        """The active target: the first whose ``by`` is on or after the week, or one without."""
        for target in self.targets:
            if target.by is None or target.by >= week:
                return target
        return None


@dataclass(frozen=True)
class Pillar:
    id: str
    label: str


@dataclass(frozen=True)
class Review:
    title: str = "Weekly KPI review"
    week_starts: int = 0
    history_weeks: int = 26
    baseline_weeks: int = 20
    date_format: str | None = None


@dataclass(frozen=True)
class Config:
    path: Path
    review: Review
    pillars: tuple[Pillar, ...]
    metrics: tuple[Metric, ...]
    by_id: dict[str, Metric] = field(repr=False, default_factory=dict)

    def metric(self, metric_id: str) -> Metric:
        return self.by_id[metric_id]

    def in_pillar(self, pillar_id: str) -> list[Metric]:
        return [m for m in self.metrics if m.pillar == pillar_id]

    def by_column(self) -> dict[str, Metric]:
        return {m.column: m for m in self.metrics if not m.derived}


# --- YAML with line numbers ------------------------------------------------------------------


class _Node:
    """A YAML value with the line it starts on."""

    __slots__ = ("value", "line")

    def __init__(self, value: Any, line: int) -> None:
        self.value, self.line = value, line


MAX_NODES = 100_000
MAX_EXPANSION = 10  # aliases may repeat values, but not multiply them
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Wrapper:
    """Turns composed YAML nodes into _Node values, refusing what a config never needs."""

    def __init__(self, path: Path) -> None:
        self.path, self.count = path, 0
        self.distinct: set[int] = set()
        self.constructor = yaml.constructor.SafeConstructor()

    def fail(self, node: yaml.Node, message: str) -> ConfigError:
        return ConfigError(f"{self.path}:{node.start_mark.line + 1}: {message}")

    def wrap(self, node: yaml.Node, depth: int = 0) -> _Node:
        self.count += 1
        self.distinct.add(id(node))
        if self.count > MAX_NODES and self.count > MAX_EXPANSION * len(self.distinct):
            # e.g. nested aliases that expand without end; a big config repeats nothing
            raise self.fail(node, f"more than {MAX_NODES:,} values; is an alias looping?")
        if depth > MAX_DEPTH:  # aliases inside aliases
            raise self.fail(node, f"values nested more than {MAX_DEPTH} deep")
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out: dict[str, tuple[int, _Node]] = {}
            for key, value in node.value:
                name = str(self.scalar(key))
                if name in out:
                    raise self.fail(key, f"{name}: duplicate key (first at line {out[name][0]})")
                out[name] = (key.start_mark.line + 1, self.wrap(value, depth + 1))
            return _Node(out, line)
        if isinstance(node, yaml.SequenceNode):
            return _Node([self.wrap(v, depth + 1) for v in node.value], line)
        return _Node(self.scalar(node), line)

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
            return _NotFinite(node.value)
        return value


class _NotFinite(str):
    """A YAML .nan or .inf: kept as its text, refused wherever it is read."""


class _Reader:
    """Walks the wrapped YAML, raising ConfigError with file, line and field."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, line: int, where: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}:{line}: {where}: {message}")

    def mapping(self, node: _Node, where: str, keys: set[str]) -> dict[str, tuple[int, _Node]]:
        if not isinstance(node.value, dict):
            raise self.fail(node.line, where, f"expected a mapping, got {_kind(node.value)}")
        for key, (line, _) in node.value.items():
            if key not in keys:
                known = ", ".join(sorted(keys))
                raise self.fail(
                    line, f"{where}.{key}" if where else key, f"unknown key (known: {known})"
                )
        return node.value

    def scalar(self, node: _Node, where: str, kinds: tuple[type, ...], what: str) -> Any:
        value = node.value
        if isinstance(value, _NotFinite):
            raise self.fail(node.line, where, f"'{value}' is not a finite number")
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            raise self.fail(node.line, where, f"expected {what}, got {_kind(value)}")
        return value

    def text(self, node: _Node, where: str) -> str:
        return str(self.scalar(node, where, (str, int, float), "text"))

    def number(self, node: _Node, where: str) -> float:
        return float(self.scalar(node, where, (int, float), "a number"))

    def choice(self, node: _Node, where: str, options: tuple[str, ...], what: str) -> str:
        value = self.scalar(node, where, (str,), what)
        if value.lower() not in options:
            raise self.fail(
                node.line, where, f"unknown {what} '{value}' (one of {', '.join(options)})"
            )
        return value.lower()

    def day(self, node: _Node, where: str) -> date:
        value = node.value
        if isinstance(value, datetime):
            value = value.date()
        if not isinstance(value, str | date):
            raise self.fail(node.line, where, f"expected a date, got {_kind(value)}")
        try:
            return in_range(value, str(value)) if isinstance(value, date) else parse_day(value)
        except PeriodError as exc:
            raise self.fail(node.line, where, str(exc)) from None


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    return {dict: "a mapping", list: "a list", str: f"text '{value}'"}.get(
        type(value), f"{type(value).__name__} {value!r}"
    )


# --- sections ----------------------------------------------------------------------------------

_TOP = {"review", "pillars", "metrics"}
_REVIEW = {"title", "week_starts", "history_weeks", "baseline_weeks", "date_format"}
_PILLAR = {"id", "label"}
_METRIC = {
    "id", "label", "pillar", "unit", "direction", "rollup", "owner", "description",
    "column", "segments", "target", "targets", "formula", "currency", "range", "scale",
}  # fmt: skip
_TARGET = {"value", "metric", "by", "from", "criterion", "baseline", "tolerance"}


def load(path: str | Path) -> Config:
    """Read and validate a config file."""
    path = Path(path)
    try:
        with open_input(path) as fh:
            data = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except InputError as exc:
        raise ConfigError(str(exc)) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_BYTES // 1_000_000} MB; is it a config?")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from None
    return parse(text, path)


def _check_depth(text: str, path: Path) -> None:
    """Refuse absurd nesting before composing, which recurses once per level."""
    openers = text.count("[") + text.count("{")  # flow nesting is at most this
    if openers <= MAX_DEPTH:
        lead = max((len(line) - len(line.lstrip(" -?:")) for line in text.splitlines()), default=0)
        if openers + lead < MAX_DEPTH:
            return  # block nesting needs a column of indent or an indicator per level
    depth = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1
                raise ConfigError(f"{path}:{line}: values nested more than {MAX_DEPTH} deep")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def parse(text: str, path: Path) -> Config:
    try:
        _check_depth(text, path)
        root = yaml.compose(text, Loader=_LOADER)
    except RecursionError:
        raise ConfigError(f"{path}:1: values nested more than {MAX_DEPTH} deep") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}:{line}: not valid YAML ({problem})") from None
    if root is None:
        raise ConfigError(f"{path}:1: the config is empty (it needs pillars and metrics)")
    r = _Reader(path)
    top = r.mapping(_Wrapper(path).wrap(root), "", _TOP)
    review = _review(r, top.get("review"))
    pillars = _pillars(r, top.get("pillars"), root.start_mark.line + 1)
    if "metrics" not in top:
        raise r.fail(1, "metrics", "missing (the config needs at least one metric)")
    metrics = _metrics(r, top["metrics"][1], {p.id for p in pillars})
    by_id = {m.id: m for m in metrics}
    _check_tree(r, top["metrics"][1], metrics, by_id)
    return Config(path, review, pillars, tuple(metrics), by_id)


def _review(r: _Reader, item: tuple[int, _Node] | None) -> Review:
    if item is None:
        return Review()
    fields_ = r.mapping(item[1], "review", _REVIEW)
    out: dict[str, Any] = {}
    if "title" in fields_:
        out["title"] = r.text(fields_["title"][1], "review.title")
    if "date_format" in fields_:
        node = fields_["date_format"][1]
        fmt = r.scalar(node, "review.date_format", (str,), "a date format like %d/%m/%Y")
        try:
            out["date_format"] = check_format(fmt, "review.date_format")
        except PeriodError as exc:
            raise r.fail(node.line, "review.date_format", str(exc).split(": ", 1)[1]) from None
    if "week_starts" in fields_:
        name = r.choice(fields_["week_starts"][1], "review.week_starts", WEEKDAYS, "weekday")
        out["week_starts"] = WEEKDAYS.index(name)
    for key, low in (("history_weeks", 4), ("baseline_weeks", 8)):
        if key in fields_:
            node = fields_[key][1]
            value = r.scalar(node, f"review.{key}", (int,), "a whole number")
            if not low <= value <= 520:
                raise r.fail(node.line, f"review.{key}", f"must be between {low} and 520")
            out[key] = value
    return Review(**out)


def _pillars(r: _Reader, item: tuple[int, _Node] | None, line: int) -> tuple[Pillar, ...]:
    if item is None:
        return tuple(Pillar(p, p.capitalize()) for p in PILLARS)
    node = item[1]
    if not isinstance(node.value, list) or not node.value:
        raise r.fail(node.line, "pillars", "expected a list of {id, label}")
    pillars, seen = [], set()
    for i, p in enumerate(node.value):
        where = f"pillars[{i}]"
        fields_ = r.mapping(p, where, _PILLAR)
        if "id" not in fields_:
            raise r.fail(p.line, f"{where}.id", "missing")
        pid = r.text(fields_["id"][1], f"{where}.id")
        if pid in seen:
            raise r.fail(fields_["id"][0], f"{where}.id", f"duplicate pillar id '{pid}'")
        seen.add(pid)
        label = r.text(fields_["label"][1], f"{where}.label") if "label" in fields_ else pid
        pillars.append(Pillar(pid, label))
    return tuple(pillars)


def _metrics(r: _Reader, node: _Node, pillar_ids: set[str]) -> list[Metric]:
    if not isinstance(node.value, list) or not node.value:
        raise r.fail(node.line, "metrics", "expected a list of metrics")
    metrics: list[Metric] = []
    seen: dict[str, int] = {}
    columns: dict[str, str] = {}
    for i, item in enumerate(node.value):
        metric = _metric(r, item, f"metrics[{i}]", pillar_ids)
        if metric.id in seen:
            raise r.fail(
                item.line,
                f"metrics[{i}].id",
                f"duplicate id '{metric.id}' (first at line {seen[metric.id]})",
            )
        seen[metric.id] = item.line
        if not metric.derived:
            if metric.column in columns:
                raise r.fail(
                    item.line,
                    f"metrics[{i}].column",
                    f"column '{metric.column}' is also used by '{columns[metric.column]}'",
                )
            columns[metric.column] = metric.id
        metrics.append(metric)
    return metrics


def _metric(r: _Reader, node: _Node, where: str, pillar_ids: set[str]) -> Metric:
    f = r.mapping(node, where, _METRIC)
    for key in ("id", "label", "pillar"):
        if key not in f:
            raise r.fail(node.line, f"{where}.{key}", "missing")
    mid = r.scalar(f["id"][1], f"{where}.id", (str,), "an id")
    if not mid.isidentifier() or unicodedata.normalize("NFKC", mid) != mid:
        raise r.fail(
            f["id"][1].line,
            f"{where}.id",
            f"'{mid}' is not an id (letters, digits and _, not starting with a digit)",
        )
    out: dict[str, Any] = {"id": mid, "label": r.text(f["label"][1], f"{where}.label")}
    pillar = r.text(f["pillar"][1], f"{where}.pillar")
    if pillar not in pillar_ids:
        raise r.fail(
            f["pillar"][1].line,
            f"{where}.pillar",
            f"unknown pillar '{pillar}' (one of {', '.join(sorted(pillar_ids))})",
        )
    out["pillar"] = pillar
    for key, options in (("unit", UNITS), ("direction", DIRECTIONS), ("rollup", ROLLUPS)):
        if key in f:
            out[key] = r.choice(f[key][1], f"{where}.{key}", options, key)
    for key in ("owner", "description", "column", "currency"):
        if key in f:
            out[key] = r.text(f[key][1], f"{where}.{key}")
    out.setdefault("column", mid)
    out["bounds"] = DEFAULT_BOUNDS.get(out.get("unit", "count"), (None, None))
    if "range" in f:
        out["bounds"] = _bounds(r, f["range"][1], f"{where}.range")
    if "scale" in f:
        out["scale"] = r.choice(f["scale"][1], f"{where}.scale", SCALES, "scale")
    if "segments" in f:
        out["segments"] = _segments(r, f["segments"][1], f"{where}.segments")
    if "formula" in f:
        text = r.scalar(f["formula"][1], f"{where}.formula", (str, int, float), "a formula")
        try:
            out["formula"] = Formula(str(text))
        except FormulaError as exc:
            raise r.fail(f["formula"][1].line, f"{where}.formula", str(exc)) from None
    direction = out.get("direction", "up")
    if "target" in f and "targets" in f:
        raise r.fail(f["targets"][0], f"{where}.targets", "give either target or targets, not both")
    if "target" in f:
        out["targets"] = (_target(r, f["target"][1], f"{where}.target", direction, None),)
    if "targets" in f:
        out["targets"] = _targets(r, f["targets"][1], f"{where}.targets", direction)
    metric = Metric(**out)
    for key in ("target", "targets"):
        if key in f:
            _check_target_values(r, f[key][1], f"{where}.{key}", metric)
    return metric


def _bounds(r: _Reader, node: _Node, where: str) -> Bounds:
    if not isinstance(node.value, list) or len(node.value) != 2:
        raise r.fail(node.line, where, "expected [min, max] (null for no limit), e.g. [0, 1]")
    low, high = (
        None if n.value is None else r.number(n, f"{where}[{i}]") for i, n in enumerate(node.value)
    )
    if low is not None and high is not None and low > high:
        raise r.fail(node.line, where, f"the minimum {low:g} is above the maximum {high:g}")
    return low, high


def _check_target_values(r: _Reader, node: _Node, where: str, metric: Metric) -> None:
    """A target or baseline outside the KPI's range can never be right."""
    nodes = node.value if isinstance(node.value, list) else [node]
    for i, (item, target) in enumerate(zip(nodes, metric.targets, strict=True)):
        at = f"{where}[{i}]" if isinstance(node.value, list) else where
        for key in ("value", "baseline"):
            value = getattr(target, key)
            problem = outside(metric, value) if value is not None else ""
            if problem:
                line = item.value[key][1].line
                hint = ""
                if metric.unit == "percent" and value > 1:
                    hint = f" (percent values are fractions: {value / 100:g} is {value:g}%)"
                raise r.fail(line, f"{at}.{key}", f"{value:g} is {problem}{hint}")


def _segments(r: _Reader, node: _Node, where: str) -> tuple[str, ...]:
    if not isinstance(node.value, list) or not node.value:
        raise r.fail(node.line, where, "expected a list of segment names")
    names = [r.text(n, f"{where}[{i}]") for i, n in enumerate(node.value)]
    if len(set(names)) != len(names):
        raise r.fail(node.line, where, "segment names repeat")
    return tuple(names)


def _targets(r: _Reader, node: _Node, where: str, direction: str) -> tuple[Target, ...]:
    if not isinstance(node.value, list) or not node.value:
        raise r.fail(node.line, where, "expected a list of targets")
    targets: list[Target] = []
    for i, item in enumerate(node.value):
        previous = targets[-1] if targets else None
        target = _target(r, item, f"{where}[{i}]", direction, previous)
        if target.by is None:
            raise r.fail(
                item.line, f"{where}[{i}].by", "missing (each target in a list needs a date)"
            )
        if previous and previous.by and target.by <= previous.by:
            raise r.fail(item.line, f"{where}[{i}].by", "targets must be in date order")
        targets.append(target)
    return tuple(targets)


def _target(r: _Reader, node: _Node, where: str, direction: str, previous: Target | None) -> Target:
    if not isinstance(node.value, dict):
        raise r.fail(
            node.line,
            where,
            f"expected a mapping like {{value: 3, by: 2027-03-31}}, got {_kind(node.value)}",
        )
    f = r.mapping(node, where, _TARGET)
    if "value" not in f and "metric" not in f:
        raise r.fail(node.line, f"{where}.value", "missing (a target needs a value or a metric)")
    out: dict[str, Any] = {}
    if "value" in f:
        out["value"] = r.number(f["value"][1], f"{where}.value")
    if "metric" in f:
        out["metric"] = r.scalar(f["metric"][1], f"{where}.metric", (str,), "a metric id")
    for key, name in (("by", "by"), ("from", "start")):
        if key in f:
            out[name] = r.day(f[key][1], f"{where}.{key}")
    for key in ("baseline", "tolerance"):
        if key in f:
            out[key] = r.number(f[key][1], f"{where}.{key}")
    if out.get("tolerance", 0) < 0:
        raise r.fail(f["tolerance"][1].line, f"{where}.tolerance", "must not be negative")
    if "criterion" in f:
        criterion = r.choice(f["criterion"][1], f"{where}.criterion", CRITERIA, "criterion")
    elif "by" in f and "metric" not in f:
        criterion = "reach"
    elif direction == "neutral":
        raise r.fail(
            node.line,
            f"{where}.criterion",
            "missing (a neutral metric's target needs stay_above or stay_below)",
        )
    else:
        criterion = "stay_above" if direction == "up" else "stay_below"
    out["criterion"] = criterion
    if criterion == "reach":
        if "by" not in out:
            raise r.fail(node.line, f"{where}.by", "missing (a target to reach needs a date)")
        if "start" not in out and previous and previous.by:
            out["start"] = previous.by
        if "start" not in out:
            raise r.fail(
                node.line,
                f"{where}.from",
                "missing (a target to reach needs a start date to pace from)",
            )
        if out["start"] >= out["by"]:
            raise r.fail(f["by"][1].line, f"{where}.by", "must be after 'from'")
    return Target(**out)


def _check_tree(r: _Reader, node: _Node, metrics: list[Metric], by_id: dict[str, Metric]) -> None:
    """Formulas and target series must name known metrics, and formulas must not loop."""
    lines = {m.id: item.line for m, item in zip(metrics, node.value, strict=True)}
    for i, m in enumerate(metrics):
        for name in m.formula.inputs if m.formula else ():
            if name not in by_id:
                raise r.fail(lines[m.id], f"metrics[{i}].formula", f"unknown metric id '{name}'")
        for t in m.targets:
            if t.metric and t.metric not in by_id:
                raise r.fail(
                    lines[m.id], f"metrics[{i}].target.metric", f"unknown metric id '{t.metric}'"
                )
    index = {m.id: i for i, m in enumerate(metrics)}
    depth: dict[str, int] = {}
    for m in metrics:
        cycle = walk(m.id, by_id, depth)
        if cycle:
            i = index[m.id]
            raise r.fail(
                lines[m.id], f"metrics[{i}].formula", f"formula cycle: {cycle_text(cycle)}"
            )
    for i, m in enumerate(metrics):
        if depth[m.id] > MAX_FORMULA_DEPTH:
            raise r.fail(
                lines[m.id],
                f"metrics[{i}].formula",
                f"derived KPIs nest more than {MAX_FORMULA_DEPTH} deep (through {m.id})",
            )
