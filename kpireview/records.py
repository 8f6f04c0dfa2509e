"""What the database holds, as values: decisions, their revisions, metric ranges, upsert counts.

Also the error a stale decision edit raises, and the texts the database stores (timestamps,
days).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from kpireview.errors import KpiError, StoreError

STATUSES = ("open", "done", "dropped")
TEXT_FIELDS = ("note", "decision", "owner", "due", "status", "expected")


class DecisionConflict(StoreError):
    """An edit made from a revision that is no longer the current one: someone saved first."""

    def __init__(
        self, decision_id: int, base: int, revision: int, by: str, at: str, changes: list
    ) -> None:
        self.decision_id, self.base, self.revision = decision_id, base, revision
        self.by, self.at = by, at
        self.changes: list[tuple[str, str, str]] = changes  # (field, at your base, now)
        what = "; ".join(f"{k} {_clip(a)} → {_clip(b)}" for k, a, b in changes) or "no text"
        super().__init__(
            f"decision {decision_id} was changed by {by or 'someone'} at {at} after you "
            f"opened it (revision {base} → revision {revision}): {what}; not saved"
        )


def _clip(text: str, width: int = 60) -> str:
    """A text on one line, cut to ``width``; quoted when it has several words."""
    words = str(text).split()
    text = " ".join(words)
    text = text if len(text) <= width else text[: width - 1] + "…"
    return f"“{text}”" if len(words) > 1 else text or "(empty)"


NOW_ENV = "KPIREVIEW_NOW"


def fixed_now() -> datetime | None:
    """The time KPIREVIEW_NOW fixes (an ISO date and time, UTC unless it says), or None."""
    text = os.environ.get(NOW_ENV, "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise KpiError(f"{NOW_ENV}: {text!r} is not an ISO date and time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def now_text() -> str:
    """UTC timestamp as stored in the database (second precision)."""
    moment = fixed_now() or datetime.now(UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def today() -> date:
    """The day due dates and overdue are judged by: local today, or KPIREVIEW_NOW's day."""
    moment = fixed_now()
    return moment.date() if moment else date.today()


@dataclass(frozen=True)
class Restated:
    """A stored value an upsert replaces (or, in a dry run, would replace)."""

    metric: str
    week: date
    segment: str
    old: float
    new: float


@dataclass(frozen=True)
class UpsertCounts:
    new: int
    changed: int
    unchanged: int
    restated: tuple[Restated, ...] = ()  # the first RESTATED_SHOWN of the `changed` values


def stored_day(text: object, name: str) -> date:
    """A date read from the database; a hand-edited bad one raises ValueError naming it."""
    if isinstance(text, str):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(f"{name} {text!r} is not a date (YYYY-MM-DD)")


@dataclass(frozen=True)
class Decision:
    id: int
    metric: str
    week: date
    note: str
    decision: str
    owner: str
    due: date | None
    status: str
    expected: str
    author: str
    created_at: str
    updated_at: str
    revision: int = 1
    edited_by: str = ""

    def overdue(self, as_of: date) -> bool:
        """Still open and due before ``as_of``: the one definition of overdue. The shell and
        the decisions list ask as of today; a week's review as of the day after that week
        (due within the week counts)."""
        return self.status == "open" and self.due is not None and self.due < as_of

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Decision:
        """A decision from its database row (NOT NULL columns read as stored); a missing text
        reads as ''."""

        def text(name: str) -> str:
            return row.get(name) or ""

        return cls(
            id=row["id"],
            metric=row["metric"],
            week=stored_day(row["week"], "week"),
            note=text("note"),
            decision=text("decision"),
            owner=text("owner"),
            due=stored_day(row["due"], "due") if row.get("due") else None,
            status=row["status"],
            expected=text("expected"),
            author=text("author"),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            revision=row.get("revision") or 1,
            edited_by=text("edited_by"),
        )


@dataclass(frozen=True)
class Revision:
    decision_id: int
    note: str
    decision: str
    owner: str
    due: str
    status: str
    expected: str
    author: str
    revised_at: str  # when this text was replaced
    revision: int = 0
    edited_by: str = ""  # who wrote this text, when it was an edit
    updated_at: str = ""  # when this text was written

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Revision:
        """A revision from its database row; a missing text reads as ''."""

        def text(name: str) -> str:
            return row.get(name) or ""

        return cls(
            decision_id=row["decision_id"],
            note=text("note"),
            decision=text("decision"),
            owner=text("owner"),
            due=text("due"),
            status=text("status"),
            expected=text("expected"),
            author=text("author"),
            revised_at=text("revised_at"),
            revision=row.get("revision") or 0,
            edited_by=text("edited_by"),
            updated_at=text("updated_at"),
        )


@dataclass(frozen=True)
class MetricRange:
    metric: str
    segment: str
    first: date
    last: date
    count: int
