"""One stored KPI-week of :mod:`kpireview.bandcache`: its band, and its signals and proposal
when known, as bytes.

The band's numbers are packed as doubles and integers (exact, and read back in a microsecond,
where JSON would spend most of a week switch parsing them); its texts, signals and proposal
follow as JSON. A record that does not read back is refused with ValueError.
"""

from __future__ import annotations

import json
import struct
from dataclasses import astuple, fields
from datetime import date
from functools import lru_cache

from kpireview.bands import History
from kpireview.bandtypes import Band
from kpireview.signals import Signal
from kpireview.text import safe

OPTIONAL_FLOATS = ("centre", "lower", "upper", "lower_half", "upper_half", "mr_bar")
FLOATS = ("slope", "factor", "scale", "_level", "_step", "_spread", "_near")
INTS = ("weeks", "run_length")
OPTIONAL_DATES = ("first", "last", "divider")
TEXTS = ("method", "explanation")
PACKED = struct.Struct(f"<iH{len(OPTIONAL_FLOATS)}d{len(FLOATS)}d{len(INTS)}i3i?")
ORDER = ("week", *OPTIONAL_FLOATS, *FLOATS, *INTS, *OPTIONAL_DATES, "locked")
if sorted([*ORDER, *TEXTS]) != sorted(f.name for f in fields(Band)):  # every field is stored
    raise RuntimeError("bandrecord does not store every field of Band")
_N_OPT = len(OPTIONAL_FLOATS)
_ALL_FLOATS = (1 << _N_OPT) - 1
_DATES_AT = 2 + _N_OPT + len(FLOATS) + len(INTS)
_SEP = "\x00"  # between the texts and the JSON; generated texts never hold it


def encode(hist: History, t: int, direction: str) -> bytes:
    """Week t's band, and its signals for ``direction`` and its proposal when known."""
    band = hist._bands[t]
    opt = [getattr(band, name) for name in OPTIONAL_FLOATS]
    dates = [getattr(band, name) for name in OPTIONAL_DATES]
    mask = sum(1 << i for i, v in enumerate([*opt, *dates]) if v is not None)
    numbers = PACKED.pack(
        band.week.toordinal(), mask, *(0.0 if v is None else v for v in opt),
        *(getattr(band, name) for name in FLOATS), *(getattr(band, name) for name in INTS),
        *(0 if d is None else d.toordinal() for d in dates), band.locked,
    )  # fmt: skip
    fired = since = None
    if (t, direction) in hist._since:
        fired = [list(s) for s in map(astuple, hist._fired[t, direction])]
        starts = hist._since[t, direction].items()
        since = [[r, side, hist._week(k).toordinal()] for (r, side), k in starts]
    proposed: list[int | None] = []
    if t in hist._proposed:
        p = hist._proposed[t]
        proposed = [None if p is None else p.toordinal()]
    rest = json.dumps([fired, since, proposed], separators=(",", ":"))
    texts = _SEP.join([band.method, band.explanation.replace(_SEP, ""), rest])
    return numbers + texts.encode()


def decode(hist: History, payload: bytes, direction: str) -> None:
    """Seed the History with a stored week (ValueError when the record does not read)."""
    try:
        numbers = PACKED.unpack_from(payload)
        method, explanation, tail = payload[PACKED.size :].decode().split(_SEP, 2)
        fired, since, proposed = _parsed(tail)
        band = object.__new__(Band)  # a frozen dataclass, made without its __init__ (fast)
        band.__dict__.update(zip(ORDER, _band_values(numbers), strict=True))
        band.__dict__["method"], band.__dict__["explanation"] = method, _safe(explanation)
        t = hist._index(band.week)
        signals_ = None
        if fired is not None:
            found = [_signal(*x) for x in fired]
            starts = {(str(r), str(s)): hist._index(date.fromordinal(w)) for r, s, w in since}
            signals_ = (found, starts)
        known = None
        if proposed:
            known = (None if proposed[0] is None else date.fromordinal(proposed[0]),)
    except (struct.error, TypeError, KeyError, IndexError, OverflowError, UnicodeError) as exc:
        raise ValueError(f"unreadable stored band: {exc}") from None
    hist.seed(t, direction, band, signals_, known)


@lru_cache(maxsize=1024)
def _parsed(tail: str) -> tuple:
    """The signals, since and proposal of a record (most records share a few of these)."""
    fired, since, proposed = json.loads(tail)
    return fired, since, proposed


@lru_cache(maxsize=4096)
def _safe(text: str) -> str:
    return safe(text)


def _signal(rule: str, side: str, tone: str, value: float, limit: float, run: int) -> Signal:
    return Signal(str(rule), str(side), str(tone), float(value), float(limit), int(run))


def _band_values(numbers: tuple) -> list[object]:
    """The numbers in the order of ORDER: optional ones None where the mask says so."""
    week, mask = numbers[0], numbers[1]
    opt = numbers[2:_DATES_AT]
    if mask & _ALL_FLOATS != _ALL_FLOATS:
        opt = tuple(v if mask >> i & 1 else None for i, v in enumerate(opt[:_N_OPT])) + opt[_N_OPT:]
    dates = [
        date.fromordinal(d) if mask >> (_N_OPT + k) & 1 else None
        for k, d in enumerate(numbers[_DATES_AT : _DATES_AT + len(OPTIONAL_DATES)])
    ]
    return [date.fromordinal(week), *opt, *dates, bool(numbers[-1])]
