"""Expected bands kept between runs: each KPI-week's band, signals and proposal, computed once.

A band costs a robust fit (milliseconds); at 500 KPIs a week's review would spend seconds on
them at every start and week switch. So every band computed is stored in a cache file, a
SQLite database of its own (never the review's database: its writes would look like new data
to an open TUI), under a key made from everything the band depends on:

- the bands' code (a digest of the modules that compute them) and the Python version;
- the KPI's options (method, baseline weeks, lock and the locked weeks' values), its
  direction, whether its values are fitted on logs, and its dividers up to the week;
- its values over the weeks the band and its signals can reach back to (:func:`reach`), and
  the first week of its data when that is within them.

A key says nothing about which KPI or database it came from: a restated value, a new divider
or a changed option gives new keys, so a stored band is never stale, only unused. The file is
``$KPIREVIEW_CACHE`` (``off`` turns caching off), else ``kpireview/bands.sqlite`` in
``$XDG_CACHE_HOME`` (``~/.cache``). Reading and writing it are best effort: a locked,
unwritable or damaged file means the bands are computed, nothing else.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import random
import sqlite3
import sys
import threading
import time
import weakref
from collections.abc import Iterable
from contextlib import suppress
from datetime import date
from functools import cache, lru_cache, partial
from itertools import accumulate
from operator import mul
from pathlib import Path
from typing import TYPE_CHECKING

from kpireview import (
    bandfit,
    bandmemo,
    bandmodel,
    bandrecord,
    bands,
    bandtypes,
    proposals,
    signals,
)
from kpireview.bands import History

if TYPE_CHECKING:
    from kpireview.config import Config
    from kpireview.review import Data

ENV = "KPIREVIEW_CACHE"
OFF = "off"
KEEP_DAYS = 400  # stored bands not written again for this long are dropped
PRUNE_SHARE = 0.02  # the share of writes that also drop them (a scan of the file)
TIMEOUT_S = 0.5  # waiting for another process's write, at most
CHUNK = 900  # keys per query (SQLite's limit on parameters is 999 in old builds)
_MASK = (1 << 64) - 1
_MISSING = -0x5BD1E995  # hashed for a week without a value (hash(None) varies by process)


def default_path() -> Path | None:
    """The cache file of this user, or None when caching is off."""
    value = os.environ.get(ENV)
    if value is not None:
        return None if value.strip().lower() in ("", OFF) else Path(value)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kpireview" / "bands.sqlite"


class BandCache:
    """The cache file: ``get`` a payload per key, ``put`` new ones; errors are misses. One
    connection per thread, kept open."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.failed = path is None
        self._local = threading.local()

    @classmethod
    def default(cls) -> BandCache:
        return cls(default_path())

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            assert self.path is not None
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=TIMEOUT_S, isolation_level=None)
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
            conn.execute(
                "CREATE TABLE IF NOT EXISTS bands (key INTEGER PRIMARY KEY, "
                "payload BLOB NOT NULL, put INTEGER NOT NULL)"
            )
            self._local.conn = conn
        return conn

    def get(self, keys: Iterable[int]) -> dict[int, bytes]:
        wanted = list(keys)
        if self.failed or not wanted:
            return {}
        found: dict[int, bytes] = {}
        try:
            conn = self._conn()
            for i in range(0, len(wanted), CHUNK):
                part = wanted[i : i + CHUNK]
                sql = f"SELECT key, payload FROM bands WHERE key IN ({','.join('?' * len(part))})"
                found.update(conn.execute(sql, part).fetchall())
        except (sqlite3.Error, OSError):
            self.failed = True  # a damaged or unreadable file: compute, for this run
        return found

    def put(self, rows: dict[int, bytes]) -> None:
        if self.failed or not rows:
            return
        now = int(time.time())
        try:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(
                    "INSERT OR REPLACE INTO bands VALUES (?, ?, ?)",
                    [(k, v, now) for k, v in rows.items()],
                )
                if random.random() < PRUNE_SHARE:
                    conn.execute("DELETE FROM bands WHERE put < ?", (now - KEEP_DAYS * 86400,))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except (sqlite3.Error, OSError):
            pass  # busy or read-only: the bands are computed again next time

    def close(self) -> None:
        """Close this thread's connection (others close when their thread ends)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


# --- keys ------------------------------------------------------------------------------------


@cache
def code_version() -> str:
    """A digest of the modules that compute bands and signals, and the Python version."""
    digest = hashlib.blake2b(repr(sys.version_info[:2]).encode(), digest_size=16)
    for module in (bands, bandmemo, bandmodel, bandfit, bandtypes, bandrecord, proposals, signals):
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()


def reach(options: bandtypes.Options) -> int:
    """Weeks before a week that its band, signals and proposal can read: the signals' since
    (SINCE_WEEKS), each week's fit or baseline, and the confirming weeks of a shift."""
    return bands.SINCE_WEEKS + max(bandmodel.FIT_WEEKS, options.baseline_weeks) + 8


class Keys:
    """The cache keys of one History's weeks (window sums of its values' hashes)."""

    def __init__(self, hist: History, direction: str) -> None:
        self.hist = hist
        self.memo: dict[int, int] = {}
        self.week_of: dict[int, int] = {}
        self.first = first = hist.start.toordinal() if hist.n else 0
        self.divs = tuple(first + 7 * d for d in hist.dividers)
        values = hist.y if None not in hist.y else [_MISSING if v is None else v for v in hist.y]
        weights = _weights(first // 7, hist.n)
        self.prefix = [0, *accumulate(map(mul, map(hash, values), weights))]
        opts = hist.options
        self.reach = reach(opts)
        lock = ""
        if opts.lock is not None:
            lo, hi = (max(0, min(hist.n, hist._index(w))) for w in opts.lock)
            lock = f"{opts.lock[0]}:{opts.lock[1]}:{self._sum(lo, hi + 1)}"
        head = f"{code_version()}|{direction}|{opts.method}|{opts.baseline_weeks}|{lock}|"
        head += f"{int(hist.log)}"
        self.head = int.from_bytes(hashlib.blake2b(head.encode(), digest_size=8).digest())

    def _sum(self, lo: int, hi: int) -> int:
        """The values' hashes of the weeks [lo, hi), each times its week's weight, summed."""
        last = len(self.prefix) - 1
        lo, hi = max(0, min(lo, last)), max(0, min(hi, last))
        return (self.prefix[hi] - self.prefix[lo]) & _MASK

    def key(self, t: int) -> int:
        """Week t's key: Python's hash of a tuple of integers, the same in every process
        (only the hashes of strings are salted)."""
        found = self.memo.get(t)
        if found is None:
            found = self.memo[t] = self._key(t)
            self.week_of[found] = t
        return found

    def _key(self, t: int) -> int:
        lo = t - self.reach
        start = self.first if lo < 0 else 0
        divs = self.divs[: bisect.bisect_right(self.hist.dividers, t)]
        return hash((self.head, start, divs, self.first + 7 * t, self._sum(lo, t + 1)))


@lru_cache(maxsize=64)
def _weights(first: int, n: int) -> tuple[int, ...]:
    """A pseudo-random odd 64-bit weight for each of n weeks from the week numbered ``first``
    (days // 7): a value's place in the sum depends on its week. KPIs share them."""
    return tuple(map(_weight, range(first, first + n)))


@cache
def _weight(week: int) -> int:
    digest = hashlib.blake2b(week.to_bytes(8, "little", signed=True), digest_size=8).digest()
    return int.from_bytes(digest) | 1


_KEYS: weakref.WeakKeyDictionary[History, dict[str, Keys]] = weakref.WeakKeyDictionary()


def keys_of(hist: History, direction: str) -> Keys:
    by_direction = _KEYS.setdefault(hist, {})
    if direction not in by_direction:
        by_direction[direction] = Keys(hist, direction)
    return by_direction[direction]


# --- with a review's data --------------------------------------------------------------------


def prefetch(
    config: Config, data: Data, weeks: Iterable[date], metrics: Iterable[str] = ()
) -> None:
    """Seed the KPIs' histories (all, or ``metrics``) with the stored bands of ``weeks``."""
    cache_ = data.band_cache
    if cache_ is None or cache_.failed:
        return
    wanted: dict[int, tuple[History, str]] = {}
    chosen = [config.metric(m) for m in metrics] if metrics else config.metrics
    weeks = list(weeks)
    for m in chosen:
        hist = data.history_of(config, m)
        if not hist.n:
            continue
        keys = keys_of(hist, m.direction)
        for week in weeks:
            t = hist._index(week)
            if 0 <= t < hist.n and t not in hist._bands:
                wanted[keys.key(t)] = (hist, m.direction)
    for key, payload in cache_.get(wanted).items():
        hist, direction = wanted[key]
        hist.pending[keys_of(hist, direction).week_of[key]] = partial(
            _seed, hist, payload, direction
        )


def _seed(hist: History, payload: bytes, direction: str) -> None:
    """Seed a History with a stored week, when it is first asked for."""
    with suppress(ValueError):
        bandrecord.decode(hist, payload, direction)  # else not ours: computed instead


def save(config: Config, data: Data) -> int:
    """Store the bands computed since the data was read (or last saved); returns how many."""
    cache_ = data.band_cache
    if cache_ is None or cache_.failed:
        return 0
    rows: dict[int, bytes] = {}
    done: list[tuple[History, int, str]] = []
    for key, hist in data.histories.items():
        m = config.by_id.get(key[0])
        if m is None:
            continue
        keys = None
        for t in hist.computed(m.direction):
            keys = keys or keys_of(hist, m.direction)
            rows[keys.key(t)] = bandrecord.encode(hist, t, m.direction)
            done.append((hist, t, m.direction))
    cache_.put(rows)
    for hist, t, direction in done:
        hist.mark_stored(t, direction)
    return len(rows)
