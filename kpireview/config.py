"""The KPI config: YAML → validated, typed objects.

Every error names the file, the line and the field, e.g.
``config/kpis.yaml:14: metrics[2].unit: unknown unit 'percnt' (one of count, currency, ...)``.
The YAML is read by ``kpireview.yamltree`` and targets by ``kpireview.targets``; this module
is the entry point (``load``) and owns the config's types.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from kpireview import initiatives, keymap, signal_options
from kpireview.bandtypes import Options
from kpireview.dates import check_format
from kpireview.errors import ConfigError
from kpireview.formulas import Formula, FormulaError
from kpireview.graph import cycle_text, walk
from kpireview.initiatives import Initiative
from kpireview.inputs import InputError, open_input
from kpireview.periods import WEEKDAYS, PeriodError
from kpireview.targets import CRITERIA, Target, check_target_values, read_target, read_targets
from kpireview.yamltree import MAX_DEPTH, MAX_EXPANSION, MAX_NODES, Node, Reader, Wrapper, compose

__all__ = [
    "CRITERIA", "MAX_DEPTH", "MAX_EXPANSION", "MAX_NODES", "Config", "ConfigError", "Metric",
    "Pillar", "Review", "Target", "load", "parse",
]  # fmt: skip

MAX_BYTES = 64_000_000
UNITS = ("count", "currency", "percent", "ratio", "days", "score")
DIRECTIONS = ("up", "down", "neutral")
ROLLUPS = ("sum", "last", "mean")
PILLARS = ("acquisition", "activation", "retention", "revenue")
SCALES = ("fraction", "points")
MAX_FORMULA_DEPTH = 200  # derived KPIs reading derived KPIs
Bounds = tuple[float | None, float | None]
DEFAULT_BOUNDS: dict[str, Bounds] = {"percent": (0.0, 1.0), "count": (0.0, None)}


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
    signals: Options | None = None  # the `signals:` key; None: auto, the review's baseline
    lock_at: str = ""  # 'file:line: field' of signals.lock, to name it in an error

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
    north_star: str | None = None  # the KPI the whole review is about: first everywhere


@dataclass(frozen=True)
class Config:
    path: Path
    review: Review
    pillars: tuple[Pillar, ...]
    metrics: tuple[Metric, ...]
    by_id: dict[str, Metric] = field(repr=False, default_factory=dict)
    initiatives: tuple[Initiative, ...] = ()  # the team's bets on its KPIs (initiatives.py)
    keys: tuple[keymap.KeySetting, ...] = ()  # keys remapped by binding id (keymap.py)
    _options: dict[str, Options] = field(repr=False, compare=False, default_factory=dict)

    def metric(self, metric_id: str) -> Metric:
        return self.by_id[metric_id]

    def in_pillar(self, pillar_id: str) -> list[Metric]:
        return [m for m in self.metrics if m.pillar == pillar_id]

    def by_column(self) -> dict[str, Metric]:
        return {m.column: m for m in self.metrics if not m.derived}

    def options(self, m: Metric) -> Options:
        """A KPI's band options: its `signals:` key, or auto over the review's baseline."""
        found = self._options.get(m.id)
        if found is None:
            found = m.signals or Options(baseline_weeks=self.review.baseline_weeks)
            self._options[m.id] = found
        return found

    def locks(self) -> list[signal_options.Lock]:
        """The KPIs' locked-limit ranges, each with where it is written."""
        return [
            signal_options.Lock(m.id, m.lock_at, *m.signals.lock)
            for m in self.metrics
            if m.signals is not None and m.signals.lock is not None
        ]


# --- sections ----------------------------------------------------------------------------------

_TOP = {"review", "pillars", "metrics", "initiatives", "keys"}
_REVIEW = {"title", "week_starts", "history_weeks", "baseline_weeks", "date_format", "north_star"}
_PILLAR = {"id", "label"}
_METRIC = {
    "id", "label", "pillar", "unit", "direction", "rollup", "owner", "description",
    "column", "segments", "target", "targets", "formula", "currency", "range", "scale",
    "signals",
}  # fmt: skip


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


def parse(text: str, path: Path) -> Config:
    root = compose(text, path)
    if root is None:
        raise ConfigError(f"{path}:1: the config is empty (it needs pillars and metrics)")
    r = Reader(path)
    top = r.mapping(Wrapper(path).wrap(root), "", _TOP)
    review = _review(r, top.get("review"))
    pillars = _pillars(r, top.get("pillars"), root.start_mark.line + 1)
    if "metrics" not in top:
        raise r.fail(1, "metrics", "missing (the config needs at least one metric)")
    metrics = _metrics(r, top["metrics"][1], {p.id for p in pillars}, review)
    by_id = {m.id: m for m in metrics}
    _check_tree(r, top["metrics"][1], metrics, by_id)
    star = review.north_star
    if star is not None and star not in by_id:
        at = top["review"][1].value["north_star"][0]
        raise r.fail(at, "review.north_star", f"unknown KPI '{star}' (not among the metrics)")
    bets = initiatives.read(r, top.get("initiatives"), set(by_id), review.week_starts)
    keys = keymap.read(r, top.get("keys"))
    return Config(path, review, pillars, tuple(metrics), by_id, bets, keys=keys)


def _review(r: Reader, item: tuple[int, Node] | None) -> Review:
    if item is None:
        return Review()
    fields_ = r.mapping(item[1], "review", _REVIEW)
    out: dict[str, Any] = {}
    if "title" in fields_:
        out["title"] = r.text(fields_["title"][1], "review.title")
    if "north_star" in fields_:
        out["north_star"] = r.text(fields_["north_star"][1], "review.north_star")
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


def _pillars(r: Reader, item: tuple[int, Node] | None, line: int) -> tuple[Pillar, ...]:
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


def _metrics(r: Reader, node: Node, pillar_ids: set[str], review: Review) -> list[Metric]:
    if not isinstance(node.value, list) or not node.value:
        raise r.fail(node.line, "metrics", "expected a list of metrics")
    metrics: list[Metric] = []
    seen: dict[str, int] = {}
    columns: dict[str, str] = {}
    for i, item in enumerate(node.value):
        metric = _metric(r, item, f"metrics[{i}]", pillar_ids, review)
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


def _metric(r: Reader, node: Node, where: str, pillar_ids: set[str], review: Review) -> Metric:
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
    if "signals" in f:
        node_ = f["signals"][1]
        starts = review.week_starts
        out["signals"] = signal_options.read(
            r, node_, f"{where}.signals", review.baseline_weeks, starts
        )
        if out["signals"].lock is not None:
            lock_line = node_.value["lock"][1].line
            out["lock_at"] = f"{r.path}:{lock_line}: {where}.signals.lock"
    direction = out.get("direction", "up")
    if "target" in f and "targets" in f:
        raise r.fail(f["targets"][0], f"{where}.targets", "give either target or targets, not both")
    if "target" in f:
        out["targets"] = (read_target(r, f["target"][1], f"{where}.target", direction, None),)
    if "targets" in f:
        out["targets"] = read_targets(r, f["targets"][1], f"{where}.targets", direction)
    metric = Metric(**out)
    for key in ("target", "targets"):
        if key in f:
            check_target_values(r, f[key][1], f"{where}.{key}", metric)
    return metric


def _bounds(r: Reader, node: Node, where: str) -> Bounds:
    if not isinstance(node.value, list) or len(node.value) != 2:
        raise r.fail(node.line, where, "expected [min, max] (null for no limit), e.g. [0, 1]")
    low, high = (
        None if n.value is None else r.number(n, f"{where}[{i}]") for i, n in enumerate(node.value)
    )
    if low is not None and high is not None and low > high:
        raise r.fail(node.line, where, f"the minimum {low:g} is above the maximum {high:g}")
    return low, high


def _segments(r: Reader, node: Node, where: str) -> tuple[str, ...]:
    if not isinstance(node.value, list) or not node.value:
        raise r.fail(node.line, where, "expected a list of segment names")
    names = [r.text(n, f"{where}[{i}]") for i, n in enumerate(node.value)]
    if len(set(names)) != len(names):
        raise r.fail(node.line, where, "segment names repeat")
    return tuple(names)


def _check_tree(r: Reader, node: Node, metrics: list[Metric], by_id: dict[str, Metric]) -> None:
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
