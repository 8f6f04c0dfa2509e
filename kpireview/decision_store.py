"""Decisions and their revisions in the database: the part of Store that records decisions.

``DecisionStore`` is mixed into ``Store`` and works on its connection; every write is one
``Store.transaction``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from kpireview.connection import inserted_id
from kpireview.errors import StoreError
from kpireview.records import STATUSES, TEXT_FIELDS, Decision, DecisionConflict, Revision, now_text

if TYPE_CHECKING:
    import sqlite_utils


class DecisionStore:
    """Record, change and read decisions, keeping every earlier text as a revision."""

    path: Path
    conn: sqlite3.Connection
    if TYPE_CHECKING:

        @property
        def db(self) -> sqlite_utils.Database: ...

        def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def add_decision(
        self,
        metric: str,
        week: date,
        note: str,
        decision: str = "",
        owner: str = "",
        due: date | None = None,
        expected: str = "",
        author: str = "",
        status: str = "open",
        created_at: str | None = None,
    ) -> int:
        """Record a decision; committed when this returns. Returns its id."""
        stamp = created_at or now_text()
        with self.transaction() as conn:
            cur = conn.execute(
                """INSERT INTO decisions (metric, week, note, decision, owner, due, status,
                   expected, author, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    metric,
                    week.isoformat(),
                    note,
                    decision,
                    owner,
                    due.isoformat() if due else None,
                    status,
                    expected,
                    author,
                    stamp,
                    stamp,
                ),
            )
            return inserted_id(cur)

    def update_decision(
        self, decision_id: int, editor: str = "", base: int | None = None, **changes: object
    ) -> int:
        """Change a decision, keeping its earlier text as a revision; returns the new revision.

        ``base`` is the revision the edit was made from: when another edit has been saved
        since, nothing is changed and DecisionConflict says what that edit was. The author
        stays; ``editor`` is recorded as ``edited_by``.
        """
        allowed = {"note", "decision", "owner", "due", "status", "expected", "metric", "week"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"cannot change {', '.join(sorted(unknown))}")
        if "status" in changes and changes["status"] not in STATUSES:
            raise StoreError(f"status must be one of {', '.join(STATUSES)}")
        values = {k: v.isoformat() if isinstance(v, date) else v for k, v in changes.items()}
        with self.transaction() as conn:
            found = list(self._rows("SELECT * FROM decisions WHERE id = ?", [decision_id]))
            row = found[0] if found else None
            if row is None:
                raise StoreError(f"{self.path}: no decision with id {decision_id}")
            revision = row["revision"]
            if base is not None and base != revision:
                raise self._conflict(row, base)
            stamp = now_text()
            conn.execute(
                """INSERT INTO decision_revisions (decision_id, note, decision, owner, due,
                   status, expected, author, revised_at, revision, edited_by, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (decision_id, *(row[k] for k in TEXT_FIELDS), row["author"], stamp, revision,
                 row["edited_by"], row["updated_at"]),
            )  # fmt: skip
            assignments = "".join(f"{k} = ?, " for k in values)
            conn.execute(
                f"UPDATE decisions SET {assignments}edited_by = ?, revision = ?, updated_at = ? "
                "WHERE id = ?",
                (*values.values(), editor, revision + 1, stamp, decision_id),
            )
        return revision + 1

    def _conflict(self, row: dict, base: int) -> DecisionConflict:
        """The edit saved since ``base``: who, when, and what text differs from ``base``."""
        earlier = self.conn.execute(
            f"SELECT {', '.join(TEXT_FIELDS)} FROM decision_revisions "
            "WHERE decision_id = ? AND revision = ? ORDER BY id DESC",
            (row["id"], base),
        ).fetchone()
        changes = [
            (name, old or "", row[name] or "")
            for name, old in zip(TEXT_FIELDS, earlier or (None,) * len(TEXT_FIELDS), strict=True)
            if (old or "") != (row[name] or "")
        ]
        by = row["edited_by"] or row["author"] or ""
        return DecisionConflict(row["id"], base, row["revision"], by, row["updated_at"], changes)

    def decisions(
        self, metric: str | None = None, week: date | None = None, status: str | None = None
    ) -> list[Decision]:
        where, params = [], []
        for column, value in (("metric", metric), ("week", week), ("status", status)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value.isoformat() if isinstance(value, date) else value)
        sql = "SELECT * FROM decisions"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [self._decision(r) for r in self._rows(sql + " ORDER BY week, id", params)]

    def decision(self, decision_id: int) -> Decision:
        rows = list(self.db.query("SELECT * FROM decisions WHERE id = ?", [decision_id]))
        if not rows:
            raise StoreError(f"{self.path}: no decision with id {decision_id}")
        return self._decision(rows[0])

    def _decision(self, row: dict) -> Decision:
        try:
            return Decision.from_row(row)
        except ValueError as exc:
            raise StoreError(f"{self.path}: decision {row.get('id')}: {exc}") from None

    def closed_at(self) -> dict[int, str]:
        """When each closed decision (done or dropped) was closed: the time its last open text
        was replaced, or its creation for one recorded closed."""
        rows = self.conn.execute(
            """SELECT d.id, coalesce((SELECT max(r.revised_at) FROM decision_revisions r
               WHERE r.decision_id = d.id AND r.status = 'open'), d.created_at)
               FROM decisions d WHERE d.status != 'open'"""
        )
        return {row[0]: row[1] or "" for row in rows}

    def revisions(self, decision_id: int) -> list[Revision]:
        rows = self.db.query(
            """SELECT decision_id, note, decision, owner, due, status, expected, author,
               revised_at, revision, edited_by, updated_at FROM decision_revisions
               WHERE decision_id = ? ORDER BY id""",
            [decision_id],
        )
        return [Revision.from_row(r) for r in rows]

    def _rows(self, sql: str, params: list) -> Iterator[dict]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return (dict(zip(names, row, strict=True)) for row in cursor)
