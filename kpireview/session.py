"""One review session: every read and write a view of the review needs, without Textual.

A view (the TUI's screens, through the app's workers) asks the session and renders what it
gets; it never opens the database itself. Built from the config, the database path, whether
the database is read-only, and a clock (``today``: fixed by tests). Every method may block
(the database, the cache of computed bands): call them from a worker thread. They raise
:data:`ERRORS` for what a user can act on (a locked or damaged database, bad input, a decision
changed by someone else); nothing is half-written.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from kpireview import records
from kpireview.errors import KpiError

if TYPE_CHECKING:
    from kpireview.bandcache import BandCache
    from kpireview.config import Config
    from kpireview.decisions import Draft
    from kpireview.detail import Detail
    from kpireview.divider_store import Divider
    from kpireview.records import Decision
    from kpireview.review import Data, WeekReview
    from kpireview.revisions import Version
    from kpireview.store import Store

ERRORS = (KpiError, sqlite3.Error, OSError)
"""What a session's methods raise for a user to read (one line each)."""
LOST = (-2, -2)  # the watcher's last look failed: whatever it sees next is a change
WEEKS_AHEAD = 4  # weeks before the one shown whose bands `build_before` computes


class NoData(KpiError):
    """The database holds no value yet."""


class Watcher:
    """Tells whether the database changed since the last look: another connection committed
    (``PRAGMA data_version``) or the file was replaced. Cheap; thread-safe."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self._lock = threading.Lock()  # one look at a time, and never during close()
        self._conn: sqlite3.Connection | None = None
        self._seen: tuple[int, ...] | None = None
        self._closed = False

    def changed(self) -> bool:
        with self._lock:
            if self._closed:
                return False
            try:
                now = self._look()
            except sqlite3.Error:
                self._drop()  # look again with a new connection, and count that as a change
                self._seen = LOST
                raise
            changed = self._seen is not None and now != self._seen
            self._seen = now
            return changed

    def _look(self) -> tuple[int, ...]:
        try:
            inode = os.stat(self.path).st_ino
        except OSError:
            return (-1, -1)
        if self._conn is None or self._seen is None or self._seen[0] != inode:
            self._drop()
            # Read-write unless read-only, though it only reads: as the last connection to
            # close, it lets SQLite tidy the -wal and -shm files away.
            mode = "ro" if self.read_only else "rw"
            uri = f"file:{self.path.resolve()}?mode={mode}"
            self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        return (inode, self._conn.execute("PRAGMA data_version").fetchone()[0])

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def close(self) -> None:
        """Close for good; waits for a look in another thread to finish (closing a SQLite
        connection while another thread uses it crashes the process)."""
        with self._lock:
            self._closed = True
            self._drop()


class ReviewSession:
    """The reads and writes of one open review (see the module docstring)."""

    def __init__(
        self,
        config: Config,
        db_path: Path,
        *,
        read_only: bool = False,
        today: Callable[[], date] | None = None,
        band_cache: BandCache | None = None,
    ) -> None:
        self.config = config
        self.db_path = Path(db_path)
        self.read_only = read_only
        self.today = today or records.today  # KPIREVIEW_NOW fixes it for the shell
        self._band_cache = band_cache
        self.watcher = Watcher(self.db_path, read_only)
        self._building = threading.Lock()  # one thread at a time computes or keeps bands

    # --- the review --------------------------------------------------------------------------

    def _reader(self) -> Store:
        """The database, opened to read: its journal mode and schema stay as they are."""
        from kpireview.store import Store

        return Store(self.db_path, read_only=self.read_only, reading=True)

    def _lister(self) -> Store:
        """The database as the lists read it: it must exist, and nothing on disk changes."""
        from kpireview.store import Store

        if self.read_only:
            return Store(self.db_path, read_only=True, reading=True)
        return Store.reader(self.db_path)

    def _writer(self) -> Store:
        """The database to write; refused in a read-only session."""
        from kpireview.store import Store

        if self.read_only:
            raise KpiError(f"{self.db_path}: opened read-only: nothing can be saved")
        return Store(self.db_path, must_exist=True)

    def _bands(self) -> BandCache:
        from kpireview.bandcache import BandCache

        if self._band_cache is None:
            self._band_cache = BandCache.default()
        return self._band_cache

    def review(self, week: date | None) -> WeekReview:
        """One week's review (default: the latest complete week), as the shell's commands
        read it: see `read_week`."""
        return self.read_week(week)[1]

    def read_week(self, week: date | None) -> tuple[Data, WeekReview]:
        """The data one week's review reads and the review, the database opened to read
        only (nothing on disk changes). Raises NoData on an empty database."""
        from kpireview import review
        from kpireview.store import Store

        with Store.reader(self.db_path) as store:
            latest = store.latest_week()
            if latest is None:
                raise NoData(f"{self.db_path}: no data yet")
            data = review.load(self.config, store, around=week or latest)
        data.band_cache = self._bands()
        return data, self.build(data, week)

    def open_week(self, week: date | None) -> tuple[Data, WeekReview]:
        """The week's review (default: the latest complete week) from only the weeks it
        reads: the first screen, fast. Any commit after this call makes `changed` true."""
        from kpireview import review

        self.watcher.changed()
        with self._reader() as store:
            data = review.load(self.config, store, around=week or store.latest_week())
        data.band_cache = self._bands()
        return data, self.build(data, week, keep=False)

    def read_all(self, week: date | None = None) -> Data:
        """Every week, for moving between them; with ``week``, its bands computed too."""
        from kpireview import review

        self.watcher.changed()
        with self._reader() as store:
            data = review.load(self.config, store)
        data.band_cache = self._bands()
        if week is not None:
            self.build(data, week)
        return data

    def build(self, data: Data, week: date | None, keep: bool = True) -> WeekReview:
        """A week's review from data already read; the bands it computed are kept (unless
        not ``keep``: then call `keep_bands` once the review is on screen)."""
        from kpireview import review

        with self._building:
            model = review.build(self.config, data, week)
        if keep:
            self.keep_bands(data)
        return model

    def keep_bands(self, data: Data) -> None:
        """Store the bands computed from ``data`` and not stored yet."""
        from kpireview import bandcache

        with self._building:
            bandcache.save(self.config, data)

    def build_before(self, data: Data, week: date, wanted: Callable[[], bool]) -> None:
        """Compute and keep the bands of the WEEKS_AHEAD weeks before ``week``, the likeliest
        next views; stops as soon as ``wanted`` says they are not."""
        for earlier in [w for w in data.weeks if w < week][-WEEKS_AHEAD:][::-1]:
            if not wanted():
                return
            self.build(data, earlier)

    def detail(self, data: Data, week: date, metric: str) -> Detail:
        """A KPI's detail chart (no database read: it may run on the event loop)."""
        from kpireview import review

        return review.detail(self.config, data, week, metric)

    def changed(self) -> bool:
        """Whether another process committed (or the file was replaced) since the last look."""
        return self.watcher.changed()

    # --- decisions, dividers, acknowledgements ---------------------------------------------

    def decisions(
        self, only_open: bool = False, metric: str | None = None, owner: str | None = None
    ) -> list[Decision]:
        """Decisions, open ones first (see `decisions.listing`)."""
        from kpireview.decisions import listing

        with self._lister() as store:
            return listing(store, only_open=only_open, metric=metric, owner=owner)

    def decision_versions(self, decision_id: int) -> tuple[Decision, list[Version]]:
        """A decision as it is now and each of its revisions."""
        from kpireview import revisions

        with self._lister() as store:
            return revisions.versions(store, decision_id)

    def decision_history(self, decision_id: int) -> list[str]:
        """A decision's revisions, as lines."""
        from kpireview import revisions

        d, items = self.decision_versions(decision_id)
        return revisions.lines(self.config, d, items)

    def dividers(self, metric: str | None = None, removed: bool = False) -> list[Divider]:
        with self._lister() as store:
            return store.dividers(metric, removed=removed)

    def record_decision(
        self, metric: str, week: date | None, *, note: str, decision: str = "",
        owner: str | None = None, due_text: str | None = None, expected: str = "",
    ) -> str:  # fmt: skip
        """A decision from the shell (its fields as typed); says what was saved."""
        from kpireview import decisions

        with self._writer() as store:
            return decisions.record(
                self.config, store, metric, week, note=note, decision=decision, owner=owner,
                due_text=due_text, expected=expected,
            )  # fmt: skip

    def save_decision(
        self,
        metric: str,
        week: date,
        draft: Draft,
        decision_id: int | None = None,
        base: int | None = None,
    ) -> int:
        """A new decision, or an edit keeping the text it replaces; committed on return.
        Raises DecisionConflict when someone saved the decision since ``base``."""
        from kpireview import decisions

        with self._writer() as store:
            return decisions.save_draft(store, metric, week, draft, self.today(), decision_id, base)

    def toggle_done(self, decision_id: int, base: int) -> str:
        """Done or open again (the new status), unless the decision changed since ``base``."""
        from kpireview.decisions import toggle_done

        with self._writer() as store:
            return toggle_done(store, decision_id, base)

    def divide(self, metric: str, week: date, reason: str) -> str:
        """A divider on ``metric`` from ``week``; says what was saved."""
        from kpireview import dividers

        with self._writer() as store:
            return dividers.divide(self.config, store, metric, week, reason)

    def remove_divider(self, metric: str, week: date) -> str:
        """Remove the divider at ``week`` (kept as history); says what was removed."""
        from kpireview import dividers

        with self._writer() as store:
            return dividers.remove(self.config, store, metric, week)

    def acknowledge(
        self, metric: str, week: date | None, rule: str | None = None, note: str = ""
    ) -> str:
        """The meeting saw the KPI's signals of the week (all, or the one ``rule``)."""
        from kpireview import dividers

        with self._writer() as store:
            return dividers.acknowledge(self.config, store, metric, week, rule, note)

    # --- notes ---------------------------------------------------------------------------

    def notes(self, model: WeekReview) -> tuple[str, str]:
        """The week's meeting notes: their file name (``kpireview-<week>.md``) and text."""
        from kpireview import export

        return f"kpireview-{model.label}.md", export.markdown(model)

    def write_notes(self, model: WeekReview, directory: Path) -> tuple[Path, str]:
        """The week's meeting notes to ``kpireview-<week>.md`` in ``directory``: the path and
        the text."""
        from kpireview import export

        name, text = self.notes(model)
        path = (directory / name).absolute()
        export.write_atomic(path, text, reading=(self.db_path,))
        return path, text

    def close(self) -> None:
        self.watcher.close()
        if self._band_cache is not None:
            self._band_cache.close()
