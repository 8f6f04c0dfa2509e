"""The KPI tree of a review, as text: every derived KPI with its inputs, recursively, each
with its value, week-over-week move, state and target status, and its share of its parent's
change from the week before and from 52 weeks before (:mod:`kpireview.attribution`). Within
80 columns.
"""

from __future__ import annotations

from kpireview import units
from kpireview.attribution import Share, signed
from kpireview.config import Config
from kpireview.errors import KpiError
from kpireview.model import Kpi, WeekReview
from kpireview.presentation import STATUS_TEXT, SYMBOLS, state
from kpireview.text import safe_line

NAME, VALUE, WOW, STATUS, SHARE = 26, 8, 8, 9, 10
HEADER = (
    f"{'KPI':<{NAME}} {'value':>{VALUE}} {'WoW':>{WOW}}  {'target':<{STATUS}}"
    f" {'WoW share':>{SHARE}} {'YoY share':>{SHARE}}"
)


def roots(config: Config, metric: str | None) -> list[str]:
    """The tops of the trees: ``metric`` (any KPI), or every derived KPI no formula reads."""
    if metric is not None:
        if metric not in config.by_id:
            raise KpiError(f"tree: unknown KPI {metric!r}; see `kpireview check` for the ids")
        return [metric]
    read = {name for m in config.metrics if m.formula for name in m.formula.inputs}
    return [m.id for m in config.metrics if m.formula and m.id not in read]


def lines(config: Config, review: WeekReview, metric: str | None = None) -> list[str]:
    """The trees of the review's week, one line per node, each tree after a blank line."""
    kpis = {k.id: k for k in review.kpis}
    tops = roots(config, metric)
    out = [f"{review.title} · {review.label} · KPI tree", "", HEADER]
    if not tops:
        return [*out, "No derived KPIs: the config has no formula."]
    for top in tops:
        out += _node(config, kpis, top, ("", ""), "", "", set())
        out.append("")
    return out[:-1]


def _node(
    config: Config,
    kpis: dict[str, Kpi],
    metric: str,
    share: tuple[str, str],
    first: str,
    rest: str,
    seen: set[str],
) -> list[str]:
    k = kpis.get(metric)
    m = config.metric(metric)
    name = safe_line(f"{first}{SYMBOLS[state(k)] if k else '·'} {m.label}")
    if len(name) > NAME:
        name = name[: NAME - 1] + "…"
    value = units.value(k.value, k.unit, k.currency) if k else "–"
    wow = units.change(k.wow.abs, k.wow.rel, k.unit) if k else "–"
    status = STATUS_TEXT[k.target.status if k and k.target else None]
    row = (
        f"{name:<{NAME}} {value:>{VALUE}} {wow:>{WOW}}  {status:<{STATUS}}"
        f" {share[0]:>{SHARE}} {share[1]:>{SHARE}}"
    )
    out = [row.rstrip()]
    if m.formula is None or metric in seen:
        return out
    shares = _shares(k)
    inputs = m.formula.inputs
    for i, child in enumerate(inputs):
        last = i == len(inputs) - 1
        out += _node(
            config, kpis, child, shares.get(child, ("", "")), rest + ("└─ " if last else "├─ "),
            rest + ("   " if last else "│  "), seen | {metric},
        )  # fmt: skip
    return out


def _shares(k: Kpi | None) -> dict[str, tuple[str, str]]:
    """Each input's shares of the KPI's WoW and YoY changes, in its units ('–': none)."""
    if k is None or k.attribution is None:
        return {}
    pairs = zip(k.attribution.wow.shares, k.attribution.yoy.shares, strict=True)
    return {w.id: (_amount(w, k), _amount(y, k)) for w, y in pairs}


def _amount(share: Share, k: Kpi) -> str:
    return "–" if share.amount is None else signed(share.amount, k.unit, k.currency)
