"""Renderings of the review model: the plain-text summary and the JSON document.

Nothing here computes a number; it formats what `review.build` produced.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import fields, is_dataclass
from datetime import date
from typing import Any

from kpireview import units
from kpireview.attribution import Share, sentence
from kpireview.files import write_atomic  # noqa: F401 (the writers' one entry point)
from kpireview.presentation import (
    LEGEND,
    RULE_TEXT,
    STATUS_TEXT,
    SYMBOLS,
    TONE_COLOUR,
    state,
    wow_tone,
)
from kpireview.review import Kpi, WeekReview
from kpireview.store import Decision
from kpireview.text import json_text, safe, safe_line

WIDTH = 80
SGR = {"green": "\x1b[32m", "red": "\x1b[31m"}  # the summary's two colours, on a terminal


def header_lines(review: WeekReview) -> list[str]:
    c = review.counts
    return [
        f"{safe_line(review.title)} · {review.label} · {review.span}",
        (f"{review.partial} · " if review.partial else "")
        + f"{c.flagged} of {c.kpis} KPIs flagged ({c.bad} bad) · {c.new} new · "
        f"{c.continuing} continuing · {c.missing} missing",
        f"Targets: {c.met} met · {c.on_track} on track · {c.at_risk} at risk · "
        f"{c.off_track} off track",
    ]


def summary_text(review: WeekReview, colour: bool = False) -> str:
    """The dashboard as plain text within 80 columns."""
    title, counts, targets = header_lines(review)
    lines = [title, *textwrap.wrap(counts, WIDTH, subsequent_indent="  "), targets, ""]
    if review.star is not None:
        lines += ["NORTH STAR", _summary_row(review.star, colour), ""]
    for pillar in review.pillars:
        lines.append(safe_line(pillar.label).upper())
        lines.extend(_summary_row(k, colour) for k in pillar.kpis)
        lines.append("")
    flagged = [k for k in review.in_order if k.flags]
    if flagged:
        lines.append("FLAGS")
        for kpi in flagged:
            for flag in kpi.headline:
                mark = "+" if flag.tone == "good" else "-"
                lines.extend(
                    textwrap.wrap(
                        safe_line(flag.message),
                        WIDTH,
                        initial_indent=f"  {mark} ",
                        subsequent_indent="    ",
                    )
                )
        lines.append("")
    lines.extend(LEGEND)
    return "\n".join(lines) + "\n"


def _summary_row(kpi: Kpi, colour: bool) -> str:
    symbol = SYMBOLS[state(kpi)]
    label = _fit(safe_line(kpi.label), 24)
    value = kpi.fmt(kpi.value)
    wow = units.change(kpi.wow.abs, kpi.wow.rel, kpi.unit)
    target = STATUS_TEXT[kpi.target.status if kpi.target else None]
    rules = ", ".join(dict.fromkeys(RULE_TEXT[f.rule] for f in kpi.flags if f.rule != "target"))
    wow_cell = f"{wow:>9}"
    wow_colour = TONE_COLOUR.get(wow_tone(kpi) or "")
    if colour and wow_colour:
        wow_cell = f"{SGR[wow_colour]}{wow_cell}\x1b[0m"
    return f"  {symbol} {label:<24} {value:>9} {wow_cell}  {target:<9} {_fit(rules, 19)}".rstrip()


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# --- JSON ------------------------------------------------------------------------------------


def to_dict(review: WeekReview) -> dict[str, Any]:
    """The review model as the documented JSON document."""
    return {
        "title": review.title,
        "week": review.label,
        "week_start": review.week.isoformat(),
        "span": review.span,
        "partial": review.partial,
        "north_star": review.north_star,
        "initiatives": [{"title": head, "kpis": list(said)} for head, said in review.initiatives],
        "counts": _plain(review.counts),
        "pillars": [
            {"id": p.id, "label": p.label,
             "kpis": [_kpi_dict(k, review.week_starts) for k in p.kpis]}
            for p in review.pillars
        ],
        "decisions": [_plain(d) for d in review.decisions],
        "carried_over": [
            {**_plain(c.decision), "message": c.message, "overdue": c.overdue,
             "then": c.then, "now": c.now}
            for c in review.carried_over
        ],
        "closed": [
            {**_plain(c.decision), "message": c.message, "closed": c.closed,
             "then": c.then, "now": c.now}
            for c in review.closed
        ],
    }  # fmt: skip


def _kpi_dict(k: Kpi, week_starts: int) -> dict[str, Any]:
    from kpireview.periods import week_label

    out = _plain(k)
    for flag in out["flags"]:  # a week label, as `week` is
        since = flag["since"]
        flag["since"] = since and week_label(date.fromisoformat(since), week_starts)
    out["history"] = [{"week": p.week.isoformat(), "value": p.value} for p in k.history]
    out["months"] = [
        {"month": m.month.isoformat()[:7], "value": m.value, "year_ago": m.year_ago,
         "complete": m.complete}
        for m in k.months
    ]  # fmt: skip
    out["flagged"] = k.flagged
    out["state"] = state(k)
    del out["attribution"]
    for flag in out["flags"]:
        del flag["plain"]  # the notes' wording of the message
    out["contributions"], out["contributions_total"] = _contributions(k)
    return out


def _contributions(k: Kpi) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Each input's share of the WoW and YoY changes (nested for derived inputs), and the
    changes they add up to, with why a split is missing; ([], None) for a stored KPI."""
    a = k.attribution
    if a is None:
        return [], None
    labels = {d.id: d.label for d in k.drivers}
    total = {"wow": a.wow.change, "yoy": a.yoy.change, "wow_reason": a.wow.reason,
             "yoy_reason": a.yoy.reason}  # fmt: skip
    return _merged(a.wow.shares, a.yoy.shares, labels), total


def _merged(wow: tuple[Share, ...], yoy: tuple[Share, ...], labels: dict[str, str]) -> list:
    return [
        {"id": w.id, "label": labels.get(w.id, w.id), "wow": w.amount, "yoy": y.amount,
         "reason": w.reason or y.reason, "parts": _merged(w.parts, y.parts, labels)}
        for w, y in zip(wow, yoy, strict=True)
    ]  # fmt: skip


def _plain(obj: Any) -> Any:
    if isinstance(obj, Decision):
        return {f.name: _plain(getattr(obj, f.name)) for f in fields(obj)}
    if is_dataclass(obj):
        return {f.name: _plain(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, list | tuple):
        return [_plain(x) for x in obj]
    if isinstance(obj, date):
        return obj.isoformat()
    return obj


def to_json(review: WeekReview) -> str:
    return json_text(to_dict(review))


# --- markdown meeting notes ------------------------------------------------------------------

_MD_INLINE = re.compile(r"([\\`*_\[\]<>|&~])")
_MD_BLOCK_START = re.compile(r"^(\s*\d*)(#{1,6}|[>+=-]|(?<=\d)[.)])(?=\s|$)")


def md(text: str) -> str:
    """Text made inert for GitHub-flavoured markdown, on one line (safe in a table cell).

    Inline specials (emphasis, code, links, HTML, entities, pipes) are escaped everywhere;
    block markers (heading, quote, list) only where a line starts with one.
    """
    lines = []
    for line in text.splitlines():
        line = _MD_INLINE.sub(r"\\\1", safe(line.strip()))
        lines.append(_MD_BLOCK_START.sub(lambda m: m[1] + "\\" + m[2], line))
    return "<br>".join(line for line in lines if line)


def markdown(review: WeekReview) -> str:
    """The meeting notes (see :mod:`kpireview.notes`): deterministic, so the same database
    gives the same bytes."""
    from kpireview import notes, notes_render

    return notes_render.markdown(notes.build(review))


def html(review: WeekReview) -> str:
    """The same notes as one self-contained HTML page, for mail and wikis."""
    from kpireview import notes, notes_render

    return notes_render.html(notes.build(review))


def attribution_lines(k: Kpi) -> list[str]:
    """A derived KPI's WoW and YoY changes split among its inputs, one sentence each."""
    if k.attribution is None:
        return []
    labels = {d.id: d.label for d in k.drivers}
    return [
        sentence(k.label, k.unit, k.currency, found, labels, period)
        for found, period in ((k.attribution.wow, "WoW"), (k.attribution.yoy, "YoY"))
    ]
