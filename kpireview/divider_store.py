"""Process changes (dividers) and acknowledged signals in the database: a part of Store.

``DividerStore`` is mixed into ``Store`` and works on its connection; every write is one
``Store.transaction``. A divider is never deleted: removing it records who removed it and
when, so the notes can still say it was there.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from kpireview.connection import inserted_id
from kpireview.errors import StoreError
from kpireview.periods import week_label
from kpireview.records import now_text, stored_day


@dataclass(frozen=True)
class Divider:
    """A process change on a KPI from ``week`` on: its limits come from the weeks after it."""

    id: int
    metric: str
    week: date
    reason: str
    author: str
    created_at: str
    removed_at: str = ""
    removed_by: str = ""

    @property
    def active(self) -> bool:
        return not self.removed_at


@dataclass(frozen=True)
class Acknowledgement:
    """A signal (KPI, week, rule) the meeting has seen: who, when, an optional note."""

    id: int
    metric: str
    week: date
    rule: str
    author: str
    note: str
    created_at: str


class DividerStore:
    """Add, remove (keeping the removal) and read dividers; add and read acknowledgements."""

    path: Path
    conn: sqlite3.Connection
    if TYPE_CHECKING:

        def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def add_divider(self, metric: str, week: date, reason: str, author: str = "") -> int:
        """Record a divider; committed when this returns. Returns its id. A KPI has at most
        one active divider a week: a second is refused."""
        with self.transaction() as conn:
            if conn.execute(
                "SELECT 1 FROM dividers WHERE metric = ? AND week = ? AND removed_at IS NULL",
                (metric, week.isoformat()),
            ).fetchone():
                raise StoreError(f"{metric} already has a divider at {label(week)}")
            cur = conn.execute(
                "INSERT INTO dividers (metric, week, reason, author, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (metric, week.isoformat(), reason, author, now_text()),
            )
            return inserted_id(cur)

    def remove_divider(self, metric: str, week: date, by: str = "") -> int:
        """Mark the active divider of a KPI at a week removed; returns its id."""
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT id FROM dividers WHERE metric = ? AND week = ? AND removed_at IS NULL "
                "ORDER BY id DESC",
                (metric, week.isoformat()),
            ).fetchone()
            if row is None:
                raise StoreError(f"no divider on {metric} at {label(week)} to remove")
            conn.execute(
                "UPDATE dividers SET removed_at = ?, removed_by = ? WHERE id = ?",
                (now_text(), by, row[0]),
            )
            return int(row[0])

    def dividers(self, metric: str | None = None, removed: bool = False) -> list[Divider]:
        """Dividers by KPI and week (the active ones; with ``removed`` the removed ones too)."""
        where, params = [], []
        if metric is not None:
            where.append("metric = ?")
            params.append(metric)
        if not removed:
            where.append("removed_at IS NULL")
        sql = "SELECT id, metric, week, reason, author, created_at, removed_at, removed_by "
        sql += "FROM dividers" + (" WHERE " + " AND ".join(where) if where else "")
        rows = self.conn.execute(sql + " ORDER BY metric, week, id", params)
        return [
            Divider(i, m, self._day(w, i, "dividers"), r, a or "", c, ra or "", rb or "")
            for i, m, w, r, a, c, ra, rb in rows
        ]

    def add_acknowledgements(
        self, metric: str, week: date, rules: Sequence[str], note: str = "", author: str = ""
    ) -> list[int]:
        """Record that a KPI's signals (one per rule) were seen, in one transaction."""
        stamp, ids = now_text(), []
        with self.transaction() as conn:
            for rule in rules:
                cur = conn.execute(
                    "INSERT INTO acknowledgements (metric, week, rule, author, note, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (metric, week.isoformat(), rule, author, note, stamp),
                )
                ids.append(inserted_id(cur))
        return ids

    def acknowledgements(self, metric: str | None = None) -> list[Acknowledgement]:
        """Acknowledgements, oldest first (of one KPI, or all)."""
        sql = "SELECT id, metric, week, rule, author, note, created_at FROM acknowledgements"
        params = [metric] if metric is not None else []
        rows = self.conn.execute(
            sql + (" WHERE metric = ?" if params else "") + " ORDER BY id", params
        )
        return [
            Acknowledgement(i, m, self._day(w, i, "acknowledgements"), r, a or "", n or "", c)
            for i, m, w, r, a, n, c in rows
        ]

    def _day(self, text: object, row_id: int, table: str) -> date:
        try:
            return stored_day(text, "week")
        except ValueError as exc:
            raise StoreError(f"{self.path}: {table} row {row_id}: {exc}") from None


def label(week: date) -> str:
    """A week as every output names it ('2026-W47'), from the day it starts on."""
    return week_label(week, week.weekday())
