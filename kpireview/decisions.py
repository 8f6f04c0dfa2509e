"""Decisions from the shell: record one, list them (open first, overdue marked)."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from datetime import date

from kpireview import records
from kpireview.config import Config
from kpireview.errors import KpiError
from kpireview.periods import parse_due, week_label
from kpireview.store import Decision, Store
from kpireview.text import json_text, safe_line


def current_user() -> str:
    """The operating-system user (KPIREVIEW_USER overrides it, e.g. for shared accounts)."""
    try:
        return os.environ.get("KPIREVIEW_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def is_overdue(d: Decision, today: date) -> bool:
    """Overdue as of today (see `Decision.overdue`)."""
    return d.overdue(today)


def default_week(config: Config, store: Store) -> date | None:
    """The week the review opens on (the latest complete one), for a decision given none."""
    from kpireview import review

    latest = store.latest_week()
    if latest is None:
        return None
    return review.default_week(config, review.load(config, store, around=latest))


def record(
    config: Config,
    store: Store,
    metric: str,
    week: date | None,
    note: str,
    decision: str = "",
    owner: str | None = None,
    due_text: str | None = None,
    expected: str = "",
    today: date | None = None,
) -> str:
    """Save a decision (committed on return) and say what was saved."""
    if metric not in config.by_id:
        raise KpiError(f"decide: unknown metric '{metric}' (not in {config.path})")
    if not note.strip():
        raise KpiError("decide: --note: required (what moved and why)")
    week = week or default_week(config, store)
    if week is None:
        raise KpiError(f"{store.path}: no data yet; give --week")
    due = None
    if due_text:
        try:
            due = parse_due(due_text, today or records.today())
        except KpiError as exc:
            raise KpiError(f"decide: --due: {exc}") from None
    user = current_user()
    did = store.add_decision(
        metric, week, note.strip(), decision.strip(), (owner or user).strip(), due,
        expected.strip(), author=user,
    )  # fmt: skip
    label = week_label(week, config.review.week_starts)
    return f"Recorded decision {did} on {metric} for {label}."


def listing(
    store: Store, only_open: bool = False, metric: str | None = None, owner: str | None = None
) -> list[Decision]:
    """Decisions, open ones first, then by due date (none last), week and id."""
    items = store.decisions(metric=metric, status="open" if only_open else None)
    if owner is not None:
        items = [d for d in items if d.owner == owner]
    return sorted(
        items,
        key=lambda d: (d.status != "open", d.due is None, d.due or date.max, d.week, d.id),
    )


def to_text(config: Config, items: list[Decision], today: date | None = None) -> str:
    """One line per decision; an open one past its due date shows 'overdue' as its status."""
    today = today or records.today()
    if not items:
        return "No decisions.\n"
    lines = [
        f"{'id':>4}  {'week':<8}  {'kpi':<20}  {'status':<7}  {'owner':<10}  {'due':<10}  note"
    ]
    for d in items:
        label = safe_line(config.by_id[d.metric].label if d.metric in config.by_id else d.metric)
        due = d.due.isoformat() if d.due else "–"
        status = "overdue" if is_overdue(d, today) else d.status
        note = safe_line(" ".join(d.note.split()))
        lines.append(
            f"{d.id:>4}  {week_label(d.week, config.review.week_starts):<8}  {_fit(label, 20):<20}"
            f"  {safe_line(status):<7}  {_fit(safe_line(d.owner), 10):<10}  {due:<10}  {note}"
        )
    return "\n".join(lines) + "\n"


def to_json(config: Config, items: list[Decision], today: date | None = None) -> str:
    today = today or records.today()
    out = []
    for d in items:
        row = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in vars(d).items()}
        row["week_label"] = week_label(d.week, config.review.week_starts)
        row["overdue"] = is_overdue(d, today)
        out.append(row)
    return json_text(out)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass(frozen=True)
class Draft:
    """What a person typed into the decision form, as text."""

    note: str = ""
    decision: str = ""
    owner: str = ""
    due: str = ""
    expected: str = ""

    @property
    def empty(self) -> bool:
        return not any(v.strip() for v in vars(self).values())


def draft_of(d: Decision) -> Draft:
    return Draft(d.note, d.decision, d.owner, d.due.isoformat() if d.due else "", d.expected)


def check_draft(draft: Draft, today: date) -> tuple[dict[str, object], dict[str, str]]:
    """The values to store, and an error message per field that is wrong."""
    errors: dict[str, str] = {}
    if not draft.note.strip():
        errors["note"] = "Say what moved and why (required)."
    due = None
    if draft.due.strip():
        try:
            due = parse_due(draft.due, today)
        except KpiError as exc:
            errors["due"] = str(exc)
    values: dict[str, object] = {
        "note": draft.note.strip(),
        "decision": draft.decision.strip(),
        "owner": draft.owner.strip() or current_user(),
        "due": due,
        "expected": draft.expected.strip(),
    }
    return values, errors


def save_draft(
    store: Store,
    metric: str,
    week: date,
    draft: Draft,
    today: date,
    decision_id: int | None = None,
    base: int | None = None,
) -> int:
    """Save a checked draft: a new decision, or an edit that keeps the old text as a revision.

    An edit made from revision ``base`` is refused (DecisionConflict) when another was saved
    since.
    """
    values, errors = check_draft(draft, today)
    if errors:
        raise KpiError("; ".join(f"{k}: {v}" for k, v in errors.items()))
    if decision_id is None:
        return store.add_decision(metric, week, author=current_user(), **values)  # type: ignore[arg-type]
    store.update_decision(decision_id, editor=current_user(), base=base, **values)
    return decision_id


def toggle_done(store: Store, decision_id: int, base: int | None = None) -> str:
    """Open ↔ done; returns the new status. ``base``: the revision the toggle was asked from
    (a list on screen); refused when the decision changed since."""
    current = store.decision(decision_id)
    status = "open" if current.status == "done" else "done"
    base = current.revision if base is None else base
    store.update_decision(decision_id, editor=current_user(), base=base, status=status)
    return status
