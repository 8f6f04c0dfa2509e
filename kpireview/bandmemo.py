"""What a :class:`kpireview.bands.History` has computed, week by week, and what of it came from
the cache of stored bands (:mod:`kpireview.bandcache`): seeding a week, and telling which weeks
know more than was stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from kpireview.bandtypes import Band
from kpireview.signals import Signal

PROPOSED = "proposed"  # see Memo.known


class Memo:
    """The caches of a History: bands, rules fired, since, proposals, and the stored weeks."""

    n: int

    def __init__(self) -> None:
        self._bands: dict[int, Band] = {}
        self._fired: dict[tuple[int, str], list[Signal]] = {}
        self._proposed: dict[int, date | None] = {}
        self._since: dict[tuple[int, str], dict[tuple[str, str], int]] = {}
        self._stored: dict[int, set[str]] = {}  # weeks seeded or stored: see `known`
        self.pending: dict[int, Callable[[], object]] = {}  # stored weeks, read when asked

    def seed(
        self,
        t: int,
        direction: str,
        band: Band,
        fired: tuple[list[Signal], dict[tuple[str, str], int]] | None,
        proposed: tuple[date | None] | None,
    ) -> None:
        """Take week t's band and, when known, its signals for ``direction`` (with each one's
        since) and its proposal (a 1-tuple), as computed before: see
        :mod:`kpireview.bandcache`."""
        self._bands.setdefault(t, band)
        parts = self._stored.setdefault(t, set())
        if fired is not None:
            self._fired.setdefault((t, direction), fired[0])
            self._since.setdefault((t, direction), fired[1])
            parts.add(direction)
        if proposed is not None:
            self._proposed.setdefault(t, proposed[0])
            parts.add(PROPOSED)

    def known(self, t: int, direction: str) -> set[str]:
        """What is known of week t beyond its band: ``direction`` when its signals for it are
        (with since), PROPOSED when its proposal is."""
        out = {direction} if (t, direction) in self._since else set()
        return out | ({PROPOSED} if t in self._proposed else set())

    def computed(self, direction: str) -> list[int]:
        """Weeks within the data whose band is known and not stored yet, or that know more
        than was stored, for :mod:`kpireview.bandcache` to store."""
        return [
            t
            for t in list(self._bands)
            if 0 <= t < self.n
            and (t not in self._stored or not self.known(t, direction) <= self._stored[t])
        ]

    def mark_stored(self, t: int, direction: str) -> None:
        self._stored[t] = self.known(t, direction)
