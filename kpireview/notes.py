"""The meeting notes a stakeholder reads, from the review model (nothing here computes a number).

A summary line; the week's news (new signals and target misses, one plain sentence each with
the last 12 weeks drawn); what is still flagged; a compact table per pillar (the North Star
first) and a legend of the symbols used; the decisions made this week, those closed, the
actions still open from earlier weeks (each once); restatements, process changes and
initiatives. :mod:`kpireview.notes_render` writes it as markdown or HTML.
"""

from __future__ import annotations

from datetime import date, timedelta

from kpireview import units
from kpireview.model import CarriedOver, Kpi, WeekReview
from kpireview.notes_doc import (
    SPARK_WEEKS,
    Bullets,
    Doc,
    Inline,
    Item,
    Para,
    Span,
    Table,
    clause,
    plural,
    sentence,
    sparkline,
    strong,
    text,
)
from kpireview.periods import week_label
from kpireview.presentation import STATUS_TEXT, SYMBOLS, state
from kpireview.store import Decision

SYMBOL_TEXT = {
    "alert": "bad signal",
    "off_track": "target off track",
    "at_risk": "target at risk",
    "signal": "good signal",
    "met": "target met",
    "on_track": "target on track",
    "missing": "no value this week",
    "quiet": "nothing to note",
}
RULE_WORD = {
    "outside_limits": ("unusual", "outside its usual range"),
    "run_of_8": ("shifted", "8 or more weeks in a row on one side of its average"),
    "near_limit": ("drifting", "3 of the last 4 weeks at one end of its usual range"),
    "missing": ("no data", "no value this week"),
    "divider": ("settling", "a new level after a process change, too new to judge"),
    "proposed_divider": ("new level", "moved to a new level, not yet marked as a process change"),
}
SIGNAL_RULES = ("outside_limits", "run_of_8", "near_limit")
ARROW = {"good": "▲", "bad": "▼"}
ARROW_TEXT = {"▼": "bad news for the KPI", "▲": "good news for the KPI"}


def day(d: date | str) -> str:
    """A day as the notes write it: '4 Dec 2026'."""
    d = date.fromisoformat(d[:10]) if isinstance(d, str) else d
    return f"{d.day} {d:%b %Y}"


def build(review: WeekReview) -> Doc:
    doc = Doc(f"{review.title} — {review.label}")
    doc.blocks.append(Para(text(summary(review))))
    used: set[str] = set()
    _news(doc, review, used)
    _tables(doc, review, used)
    _decided(doc, review)
    _closed(doc, review)
    _open(doc, review)
    _restatements(doc, review)
    _process_changes(doc, review)
    if review.initiatives:
        items = [Item(text(strong(head)), tuple(text(s) for s in said)) for head, said in
                 review.initiatives]  # fmt: skip
        doc.section("Initiatives", Bullets(tuple(items)))
    return doc


def summary(review: WeekReview) -> str:
    """The week in one line: flagged KPIs, targets, actions."""
    c = review.counts
    parts = [review.span]
    if review.partial:
        parts.append(review.partial)
    flagged = f"{c.flagged} of {plural(c.kpis, 'KPI')} flagged"
    if c.flagged:
        flagged += f", {c.new} new this week" if c.new else ", none new this week"
    parts.append(flagged)
    if c.missing:
        parts.append(f"{plural(c.missing, 'KPI')} without this week's value")
    targets = [(c.met, "met"), (c.on_track, "on track"), (c.at_risk, "at risk"),
               (c.off_track, "off track")]  # fmt: skip
    if any(n for n, _ in targets):
        parts.append("targets: " + ", ".join(f"{n} {word}" for n, word in targets if n))
    made = len(review.decisions)
    parts.append(f"{plural(made, 'decision') if made else 'no decision'} this week")
    opened = earlier_actions(review)
    overdue = sum(late for _, _, late in opened)
    parts.append(
        f"{plural(len(opened), 'action')} open from earlier weeks"
        + (f" ({overdue} overdue)" if overdue else "")
    )
    return " · ".join(parts)


# --- the flags --------------------------------------------------------------------------------


def is_news(k: Kpi) -> bool:
    """A KPI whose lead flag began this week, or that misses its target."""
    lead = k.lead
    return (lead is not None and lead.new) or any(f.rule == "target" for f in k.flags)


def _news(doc: Doc, review: WeekReview, used: set[str]) -> None:
    flagged = [k for k in review.in_order if k.headline]
    news = [k for k in flagged if is_news(k)]
    still = [k for k in flagged if not is_news(k)]
    items = [_flag_item(k, used, with_since=False) for k in news]
    doc.section(
        "News this week", Bullets(tuple(items)) if items else Para(text("Nothing new this week."))
    )
    if still:
        doc.section("Still flagged", Bullets(tuple(_flag_item(k, used, True) for k in still)))


def _flag_item(k: Kpi, used: set[str], with_since: bool) -> Item:
    """A KPI's headline flags in plain sentences, after its arrow and its last 12 weeks."""
    flags = k.headline
    arrow = ARROW["bad" if any(f.tone == "bad" for f in flags) else "good"]
    used.update((arrow, "spark"))
    said = []
    for f in flags:
        words = f.plain or f.message
        if with_since and f.since is not None and f.rule in SIGNAL_RULES:
            words = f"{clause(words)}, since {week_label(f.since, f.since.weekday())}"
        said.append(sentence(words))
    spark = Span(sparkline(weeks(k)), "chart", k)
    children = tuple(text(sentence(line)) for line in attribution_lines(k))
    return Item(text(arrow, " ", spark, " ", " ".join(said)), children)


def weeks(k: Kpi) -> list[float | None]:
    """The KPI's values of the last 12 weeks, oldest first."""
    return [p.value for p in k.history[-SPARK_WEEKS:]]


def attribution_lines(k: Kpi) -> list[str]:
    from kpireview.export import attribution_lines as lines

    return lines(k)


# --- the tables -------------------------------------------------------------------------------

HEADER = ("", "KPI", "Value", "WoW", "YoY", "Last 12 weeks", "Target", "Status")


def _tables(doc: Doc, review: WeekReview, used: set[str]) -> None:
    if review.star is not None:
        doc.section("North Star", _table((review.star,), used))
    for pillar in review.pillars:
        doc.section(pillar.label, _table(pillar.kpis, used))
    doc.blocks.append(Para(legend(used)))


def _table(kpis: tuple[Kpi, ...], used: set[str]) -> Table:
    rows = []
    for k in kpis:
        symbol = SYMBOLS[state(k)]
        used.add(state(k))
        words = [STATUS_TEXT[k.target.status if k.target else None]]
        lead = k.lead
        if lead is not None and lead.rule in RULE_WORD:
            words.append(RULE_WORD[lead.rule][0])
            used.add(lead.rule)
        used.add("spark")
        cells = (symbol, k.label, k.fmt(k.value), units.change(k.wow.abs, k.wow.rel, k.unit),
                 units.change(k.yoy.abs, k.yoy.rel, k.unit))  # fmt: skip
        rows.append(
            (*(text(c) for c in cells), text(Span(sparkline(weeks(k)), "code")),
             text(target_text(k)), text(", ".join(w for w in words if w)))
        )  # fmt: skip
    return Table(HEADER, "llrrrlll", tuple(rows))


def target_text(k: Kpi) -> str:
    t = k.target
    if t is None:
        return ""
    if t.criterion == "reach" and t.by:
        return f"{k.fmt(t.value)} by {day(t.by)}"
    return f"{'≥' if t.criterion == 'stay_above' else '≤'} {k.fmt(t.value)}"


def legend(used: set[str]) -> Inline:
    """Every symbol and word the notes used, in words."""
    entries = [(s, ARROW_TEXT[s]) for s in ARROW_TEXT if s in used]
    if "spark" in used:
        entries.append(("▁▃▇", f"the last {SPARK_WEEKS} weeks, oldest first (· no value)"))
    entries += [(SYMBOLS[s], what) for s, what in SYMBOL_TEXT.items() if s in used]
    entries += [RULE_WORD[r] for r in RULE_WORD if r in used]
    spans: list[str | Span] = [strong("Legend:"), " "]
    for i, (mark, what) in enumerate(entries):
        spans += [" · " if i else "", Span(mark, "code"), f" {what}"]
    return text(*spans)


# --- decisions --------------------------------------------------------------------------------


def _decided(doc: Doc, review: WeekReview) -> None:
    labels = _labels(review)
    items = []
    for d in review.decisions:
        head = _who(d) + ("" if d.status == "open" else f", {d.status}")
        kpi = labels.get(d.metric, d.metric)
        why = f"On {kpi}: {sentence(d.note)}" if d.note and d.decision else f"On {kpi}."
        kids = [text(why)]
        if d.expected:
            kids.append(text(f"Expected: {sentence(d.expected)}"))
        items.append(Item(text(strong(_action(d)), head), tuple(kids)))
    doc.section(
        "Decisions this week", Bullets(tuple(items)) if items else Para(text("None recorded."))
    )


def _closed(doc: Doc, review: WeekReview) -> None:
    items = []
    for c in review.closed:
        d = c.decision
        head = f" — {d.owner + ', ' if d.owner else ''}{d.status} on {day(c.closed)}"
        items.append(Item(text(strong(_action(d)), head), _since(c, review)))
    doc.section("Closed this week", Bullets(tuple(items)) if items else Para(text("None closed.")))


def earlier_actions(review: WeekReview) -> list[tuple[Decision, CarriedOver | None, bool]]:
    """The decisions still open from earlier weeks, each with how its KPI moved (None for a
    KPI no longer in the config) and whether it is overdue."""
    carried = {c.decision.id: c for c in review.carried_over}
    after = review.week + timedelta(days=7)  # overdue as of the day after the reviewed week
    out = []
    for d in review.open_actions:
        if d.week < review.week:
            c = carried.get(d.id)
            out.append((d, c, c.overdue if c is not None else d.overdue(after)))
    return out


def _open(doc: Doc, review: WeekReview) -> None:
    items = []
    for d, c, overdue in earlier_actions(review):
        late = (", ", strong("overdue")) if overdue else ()
        kids = _since(c, review) if c is not None else _why(d)
        items.append(Item(text(strong(_action(d)), _who(d), *late), kids))
    body = Bullets(tuple(items)) if items else Para(text("None open from earlier weeks."))
    doc.section("Open actions", body)


def _why(d: Decision) -> tuple[Inline, ...]:
    """The decision's reason (unless it is already its action) and its expected effect."""
    kids = [text(f"Why: {sentence(d.note)}")] if d.note and d.decision else []
    if d.expected:
        kids.append(text(f"Expected: {sentence(d.expected)}"))
    return tuple(kids)


def _action(d: Decision) -> str:
    return clause(d.decision or d.note) or "No action recorded"


def _who(d: Decision) -> str:
    bits = [d.owner] if d.owner else []
    if d.due:
        bits.append(f"due {day(d.due)}")
    return f" — {', '.join(bits)}" if bits else ""


def _since(c: CarriedOver, review: WeekReview) -> tuple[Inline, ...]:
    """How the decision's KPI moved since it was decided, and what was expected."""
    d = c.decision
    k = review.kpi(d.metric)
    moved = f"{c.metric_label} {k.fmt(c.then)} → {k.fmt(c.now)} since {_week(review, d.week)}"
    if k.target is not None and k.target.value is not None:
        moved += f" (target {k.fmt(k.target.value)})"
    kids = [text(sentence(moved))]
    if d.note and d.decision:
        kids.append(text(f"Why: {sentence(d.note)}"))
    if d.expected:
        verdict = f" ({c.follow_up.rsplit(': ', 1)[-1]} so far)" if c.follow_up else ""
        if c.follow_up and d.status != "open":
            verdict = f" ({c.follow_up.rsplit(': ', 1)[-1]})"
        kids.append(text(f"Expected: {clause(d.expected)}{verdict}."))
    return tuple(kids)


# --- the record -------------------------------------------------------------------------------


def _restatements(doc: Doc, review: WeekReview) -> None:
    items = []
    for k in review.kpis:
        for r in k.restatements:
            new = units.exact(r.new, k.unit, k.currency) if r.new is not None else "no value"
            where = f" ({r.segment})" if r.segment else ""
            old = units.exact(r.old, k.unit, k.currency)
            source = r.source or "unknown source"
            items.append(
                Item(text(f"{k.label}{where}: {old} → {new} ({source}, {day(r.replaced_at)})"))
            )
    if items:
        doc.section("Restatements", Bullets(tuple(items)))


def _process_changes(doc: Doc, review: WeekReview) -> None:
    """Dividers at the week or in the 11 before it, removed ones marked."""
    labels = _labels(review)
    items = []
    for d in review.process_changes:
        line = f" from {_week(review, d.week)}: {clause(d.reason)}"
        line += f" ({d.author})" if d.author else ""
        if d.removed_at:
            line += f" — removed {day(d.removed_at)}" + (
                f" by {d.removed_by}" if d.removed_by else ""
            )
        items.append(Item(text(strong(labels.get(d.metric, d.metric)), line)))
    if items:
        doc.section("Process changes", Bullets(tuple(items)))


def _labels(review: WeekReview) -> dict[str, str]:
    return {k.id: k.label for k in review.kpis}


def _week(review: WeekReview, week: date) -> str:
    return week_label(week, review.week_starts)
