"""A decision's history: each revision of its text, who wrote it and when.

Shown by `kpireview decisions --id N --history` (text or JSON) and by the TUI (h on the
decisions screen); both render `lines` / `to_dict`, nothing is computed on screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kpireview.config import Config
from kpireview.periods import week_label
from kpireview.store import TEXT_FIELDS, Decision, Store
from kpireview.text import json_text


@dataclass(frozen=True)
class Version:
    """One revision of a decision: its text, who wrote it, when, what it changed."""

    revision: int
    by: str
    at: str
    texts: dict[str, str]
    changed: tuple[str, ...]
    current: bool


def versions(store: Store, decision_id: int) -> tuple[Decision, list[Version]]:
    """The decision and every revision of it, oldest first, the current one last."""
    d = store.decision(decision_id)
    rows = [
        (r.revision or i + 1, r.edited_by or r.author, r.updated_at, _texts(r))
        for i, r in enumerate(store.revisions(decision_id))
    ]
    rows.append((d.revision, d.edited_by or d.author, d.updated_at, _texts(d)))
    out: list[Version] = []
    for i, (revision, by, at, texts) in enumerate(rows):
        before = out[-1].texts if out else {}
        changed = tuple(k for k in TEXT_FIELDS if texts[k] != before.get(k, ""))
        if i == 0:
            by, at = d.author or by, at or d.created_at
        out.append(Version(revision, by, at, texts, changed, i == len(rows) - 1))
    return d, out


def _texts(item: object) -> dict[str, str]:
    out = {}
    for name in TEXT_FIELDS:
        value = getattr(item, name)
        out[name] = value.isoformat() if hasattr(value, "isoformat") else str(value or "")
    return out


def title(config: Config, d: Decision) -> str:
    """'Decision 4 · Churn · 2026-W41 · revision 3 · by ana, edited by bo'."""
    metric = config.by_id.get(d.metric)
    label = metric.label if metric else d.metric
    week = week_label(d.week, config.review.week_starts)
    who = f"by {d.author or 'unknown'}" + (f", edited by {d.edited_by}" if d.edited_by else "")
    return f"Decision {d.id} · {label} · {week} · revision {d.revision} · {who}"


def lines(config: Config, d: Decision, items: list[Version]) -> list[str]:
    """The history as lines: a head per revision ('r2  when  who'), then the fields it set."""
    out = [title(config, d), ""]
    for v in items:
        mark = "  (current)" if v.current else ""
        out.append(f"r{v.revision}  {v.at or '–'}  {v.by or 'unknown'}{mark}")
        shown = [k for k in v.changed if v.texts[k] or v.revision > 1]
        for name in shown:
            text = " ".join(v.texts[name].split()) or "(empty)"
            out.append(f"    {name}: {text}")
        if not shown:
            out.append("    (no text changed)")
    return out


def to_text(config: Config, d: Decision, items: list[Version]) -> str:
    return "\n".join(lines(config, d, items)) + "\n"


def to_dict(config: Config, d: Decision, items: list[Version]) -> dict[str, Any]:
    return {
        "id": d.id,
        "metric": d.metric,
        "week": d.week.isoformat(),
        "week_label": week_label(d.week, config.review.week_starts),
        "revision": d.revision,
        "author": d.author,
        "edited_by": d.edited_by,
        "revisions": [
            {"revision": v.revision, "by": v.by, "at": v.at, "current": v.current,
             "changed": list(v.changed), **v.texts}
            for v in items
        ],
    }  # fmt: skip


def to_json(config: Config, d: Decision, items: list[Version]) -> str:
    return json_text(to_dict(config, d, items))
