"""The text sections of a KPI's detail: its header, numbers, flags, drivers, dividers,
restatements, segments and decisions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from kpireview import presentation, units
from kpireview.export import attribution_lines
from kpireview.periods import week_label
from kpireview.text import safe
from kpireview.tui.widgets.status import TONE_MARK
from kpireview.tui.widgets.text import STATE_TONE, target_text

if TYPE_CHECKING:
    from kpireview.records import Decision
    from kpireview.review import Detail, Kpi, WeekReview

RECENT_WEEKS = 8
RESTATED_SHOWN = 6
SHORT_WEEKS = 6
TONE_COLOUR = {"good": "green", "bad": "red", "warn": "yellow", "dim": "dim"}


def header_lines(kpi: Kpi, review: WeekReview) -> list[Text]:
    state = presentation.state(kpi)
    first = Text.assemble(
        (f" {presentation.SYMBOLS[state]} ", TONE_COLOUR[STATE_TONE[state]]),
        (kpi.label, "bold"),
        f" · {kpi.fmt(kpi.value)}",
        " · WoW ",
        (units.change(kpi.wow.abs, kpi.wow.rel, kpi.unit), _wow_colour(kpi)),
        f" · YoY {units.change(kpi.yoy.abs, kpi.yoy.rel, kpi.unit)}",
    )
    second = Text(f" {review.label} · {review.span}")
    if kpi.target is not None:
        status = kpi.target.status
        second.append(f" · target {target_text(kpi)} ")
        second.append(presentation.STATUS_TEXT[status], TONE_COLOUR[STATE_TONE.get(status, "dim")])
    if kpi.owner:
        second.append(f" · owner {kpi.owner}")
    lines = [first, second]
    if kpi.description or kpi.formula:
        about = " · ".join(
            x for x in (kpi.description, f"= {kpi.formula}" if kpi.formula else "") if x
        )
        lines.append(Text(f" {about}", "dim"))
    return lines


def _wow_colour(kpi: Kpi) -> str:
    return {"good": "green", "bad": "red"}.get(presentation.wow_tone(kpi) or "", "")


def _title(text: str) -> Text:
    return Text(text, "bold underline")


def numbers_section(kpi: Kpi, review: WeekReview) -> RenderableType:
    """The recent weeks' values, the flags and the drivers of a derived KPI."""
    parts: list[RenderableType] = [_title("Recent weeks")]
    recent = kpi.history[-RECENT_WEEKS:]
    table = Table(box=None, padding=(0, 1), show_edge=False, pad_edge=False)
    for p in recent:
        table.add_column(week_label(p.week, review.week_starts)[5:], justify="right", no_wrap=True)
    table.add_row(*(kpi.fmt(p.value) for p in recent))
    parts.append(table)
    if kpi.limits is not None and kpi.limits.explanation:  # the band in words
        parts.append(Text(f"Limits: {safe(kpi.limits.explanation)}", "dim"))
    parts += [Text(), _title("Flags"), _flags(kpi)]
    if kpi.drivers:
        parts += [Text(), _title("Drivers"), _drivers_table(kpi)]
        parts += [Text(safe(line)) for line in attribution_lines(kpi)]
    return Group(*parts)


def _flags(kpi: Kpi) -> RenderableType:
    if not kpi.flags:
        return Text("No flags", "dim")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    headline = kpi.headline
    also = [f for f in kpi.flags if f not in headline]
    for flag in headline:
        colour = TONE_COLOUR.get(flag.tone, "")
        grid.add_row(Text(TONE_MARK.get(flag.tone, "·"), colour), Text(safe(flag.message), colour))
    if also:  # the other rules: supporting evidence for the lead
        grid.add_row(Text(""), Text("Also:", "dim"))
        for flag in also:
            grid.add_row(Text("·", "dim"), Text(safe(flag.message), "dim"))
    return grid


def _drivers_table(kpi: Kpi) -> Table:
    table = Table(box=None, padding=(0, 1), show_edge=False, pad_edge=False)
    for name, justify in (("input", "left"), ("value", "right"), ("WoW", "right")):
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for d in kpi.drivers:
        table.add_row(
            safe(d.label),
            units.value(d.value, d.unit, d.currency),
            units.change(d.wow.abs, d.wow.rel, d.unit),
        )
    return table


def more_section(kpi: Kpi, detail: Detail, review: WeekReview) -> RenderableType:
    """The segment breakdown and every decision on the KPI."""
    parts: list[RenderableType] = []
    if kpi.segments:
        parts += [_title("Segments"), _segments_table(kpi), Text()]
    if detail.restatements:
        parts += [_title("Restated"), *_restated_lines(kpi, detail, review), Text()]
    if kpi.dividers:
        parts += [_title("Process changes"), *_divider_lines(kpi, review), Text()]
    if kpi.initiatives:
        parts += [_title("Initiatives"), *(Text(f"· {safe(t)}") for t in kpi.initiatives), Text()]
    parts.append(_title("Decisions"))
    if not detail.decisions:
        parts.append(Text("None recorded.", "dim"))
    for d in reversed(detail.decisions):
        parts += _decision_lines(d, review)
    return Group(*parts)


def _divider_lines(kpi: Kpi, review: WeekReview) -> list[Text]:
    """The KPI's active dividers, latest first: week, reason, who (text, never markup)."""
    return [
        Text.assemble(
            week_label(d.week, review.week_starts),
            f" {safe(d.reason)}",
            (f" · {safe(d.author) or '?'} · {d.created_at[:10]}", "dim"),
        )  # fmt: skip
        for d in reversed(kpi.dividers)
    ]


def _restated_lines(kpi: Kpi, detail: Detail, review: WeekReview) -> list[Text]:
    """Values an import replaced: the shown week's first, then the latest of the year's."""
    shown = detail.restatements[:RESTATED_SHOWN]
    lines = []
    for r in shown:
        line = Text(week_label(r.week, review.week_starts), "bold" if r.week == review.week else "")
        if r.segment:
            line.append(f" {r.segment}")
        new = units.exact(r.new, kpi.unit, kpi.currency) if r.new is not None else "–"
        line.append(f" {units.exact(r.old, kpi.unit, kpi.currency)} → {new}")
        line.append(f" · {r.source or '?'} · {r.replaced_at[:10]}", "dim")
        lines.append(line)
    more = len(detail.restatements) - len(shown)
    if more:
        lines.append(Text(f"and {more} more (kpireview history {kpi.id})", "dim"))
    return lines


def _segments_table(kpi: Kpi) -> Table:
    table = Table(box=None, padding=(0, 1), show_edge=False, pad_edge=False)
    for name in ("segment", "value", "WoW", "share"):
        table.add_column(name, justify="left" if name == "segment" else "right", no_wrap=True)
    for s in kpi.segments:
        table.add_row(
            safe(s.name),
            kpi.fmt(s.value),
            units.change(s.wow.abs, s.wow.rel, kpi.unit),
            units.value(s.share, "percent"),
        )
    return table


def _decision_lines(d: Decision, review: WeekReview) -> list[Text]:
    head = Text(week_label(d.week, review.week_starts), "bold")
    head.append(f" · {safe(d.status)}")
    if d.week == review.week:
        head.append(" · this week", "bold")
    if d.owner:
        head.append(f" · {safe(d.owner)}")
    if d.due:
        head.append(f" · due {d.due.isoformat()}")
    lines = [head, Text(f"  {safe(d.note)}")]
    if d.decision:
        lines.append(Text(f"  → {safe(d.decision)}"))
    if d.expected:
        lines.append(Text(f"  expected: {safe(d.expected)}", "dim"))
    return lines
