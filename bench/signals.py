"""Signal quality bench: are flags news? Plain XmR against the expected bands, on labelled series.

Generates weekly series of its own, deterministic from ``--seed``: three years each, counts
(growth 0.2-1.2% a week) and rates (bounded 0..1, drifting on the logit scale), yearly
seasonality of 4-12%, AR(1) noise, and older level shifts and spikes before the evaluated year.
Half of the KPIs get one planted event in the last 52 weeks (a level shift of 3-4.5 sigma, a
one-week spike of 5-7 sigma, or a growth stall); the other half are quiet there.

Flags are scored week by week over the last 52 weeks. A KPI-week is flagged when any rule
fires on it, or (bands) when a divider is proposed and while the new level is settling after
it: the meeting then sees "moved to a new level from ..., settling", a continuing flag shown
as being handled. The budgets are checked on that reading; a third column counts news only
(a rule fires or a divider is proposed that week, settling weeks not flagged).

- precision: flagged KPI-weeks inside an event's window / all flagged KPI-weeks; windows: a
  shift, its week and the 11 after; a spike, its week and the one after; a stall, weeks 3-20
  after it began;
- recall: events flagged at least once in their window;
- false alarms: flagged weeks per KPI-year on the quiet KPIs.

Plain XmR is today's method (``signals.limits`` over the 20 weeks before the week, then
``signals.detect``). The bands (``kpireview.bands``) are scored as the review would use them:
a divider the bands propose is accepted from the next week on, as a team would.

Budgets for the bands: precision >= 0.7, recall >= 0.9, at most 1 false alarm per quiet
KPI-year. Prints a table with both methods, `[ok]`/`[OVER]` lines, writes a JSON result
(``--json``) and exits 1 when a budget is missed.
Run: `python bench/signals.py [--seed N] [--kpis N] [--json FILE]`.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import Figure, info  # noqa: E402

from kpireview import bands, signals  # noqa: E402

YEARS, YEAR = 3, 52
WEEKS = YEARS * YEAR
EVALUATED = range(WEEKS - YEAR, WEEKS)  # the last 52 weeks
BASELINE_WEEKS = 20
FIRST_WEEK = date(2023, 1, 2)
PRECISION_BUDGET, RECALL_BUDGET, FALSE_ALARM_BUDGET = 0.7, 0.9, 1.0
WINDOWS = {"shift": (0, 11), "spike": (0, 1), "stall": (3, 20)}  # weeks after the event


@dataclass(frozen=True)
class Event:
    kind: str  # shift | spike | stall
    week: int  # index of the week it begins

    def window(self) -> range:
        first, last = WINDOWS[self.kind]
        return range(self.week + first, self.week + last + 1)


@dataclass
class Labelled:
    """One generated KPI: its weekly values and the events planted in the evaluated year."""

    name: str
    values: list[float]
    direction: str
    noise: float  # the noise's marginal sd, relative to the level
    events: list[Event] = field(default_factory=list)


# --- generation ------------------------------------------------------------------------------


def generate(seed: int, kpis: int) -> list[Labelled]:
    """``kpis`` series, half with one event in the evaluated year (shift, spike, stall in turn)."""
    rng = random.Random(seed)
    kinds = ("shift", "spike", "stall")
    out = []
    for i in range(kpis):
        kind = kinds[(i // 2) % 3] if i % 2 == 0 else None
        out.append(_series(rng, f"kpi{i:04d}", kind))
    return out


def _series(rng: random.Random, name: str, kind: str | None) -> Labelled:
    rate = rng.random() < 0.3
    cv = rng.uniform(0.03, 0.08)  # the noise's marginal sd, relative to the level
    phi = rng.uniform(0.0, 0.5)
    growth = rng.uniform(0.002, 0.012) * (rng.choice((1, -1)) if rate else 1)
    if kind == "stall":  # a stall visible within its window: 20 weeks of lost growth >= 3 sd
        growth = max(growth, 3 * cv / 20)
    amplitude, phase = rng.uniform(0.04, 0.12), rng.uniform(0, 2 * math.pi)
    noise = _ar1(rng, phi, cv)
    trend = [growth * t for t in range(WEEKS)]
    event = _event(rng, kind)
    if event and event.kind == "stall":
        trend = [growth * min(t, event.week) for t in range(WEEKS)]
    jumps = [0.0] * WEEKS
    for old in _older_events(rng):
        _plant(jumps, old, rng, cv)
    if event and event.kind != "stall":
        _plant(jumps, event, rng, cv)
    season = [amplitude * math.sin(2 * math.pi * t / YEAR + phase) for t in range(WEEKS)]
    level = rng.uniform(0.05, 0.6) if rate else rng.uniform(100, 100_000)
    values = []
    for t in range(WEEKS):
        factor = 1 + season[t] + noise[t] + jumps[t]
        if rate:  # growth on the logit scale keeps a rate within 0..1
            base = 1 / (1 + math.exp(-(math.log(level / (1 - level)) + trend[t])))
            values.append(min(1.0, max(0.0, base * factor)))
        else:
            values.append(level * math.exp(trend[t]) * factor)
    direction = rng.choice(("up", "down", "neutral"))
    return Labelled(name, values, direction, cv, [event] if event else [])


def _ar1(rng: random.Random, phi: float, sd: float) -> list[float]:
    """AR(1) noise with marginal standard deviation ``sd``, started in its stationary state."""
    innovation = sd * math.sqrt(1 - phi * phi)
    x, out = rng.gauss(0, sd), []
    for _ in range(WEEKS):
        out.append(x)
        x = phi * x + rng.gauss(0, innovation)
    return out


def _event(rng: random.Random, kind: str | None) -> Event | None:
    if kind is None:
        return None
    last = WEEKS - 13 if kind == "stall" else WEEKS - 2
    return Event(kind, rng.randint(EVALUATED.start, last))


def _older_events(rng: random.Random) -> list[Event]:
    """0-2 shifts or spikes in the two years before the evaluated one."""
    n = rng.choice((0, 1, 1, 2))
    return [Event(rng.choice(("shift", "spike")), rng.randint(20, EVALUATED.start - 8))
            for _ in range(n)]  # fmt: skip


def _plant(jumps: list[float], event: Event, rng: random.Random, cv: float) -> None:
    sign = rng.choice((1, -1))
    if event.kind == "shift":
        size = sign * rng.uniform(3.0, 4.5) * cv
        for t in range(event.week, WEEKS):
            jumps[t] += size
    else:
        jumps[event.week] += sign * rng.uniform(5.0, 7.0) * cv


# --- flagging --------------------------------------------------------------------------------


def weeks_of(values: list[float]) -> list[date]:
    return [FIRST_WEEK + timedelta(weeks=t) for t in range(len(values))]


def flags_xmr(kpi: Labelled) -> list[bool]:
    """Today's method: XmR over the 20 weeks before each week, the three rules of detect()."""
    out = []
    for w in EVALUATED:
        lim = signals.limits(kpi.values[w - BASELINE_WEEKS : w])
        recent = kpi.values[max(0, w - 51) : w + 1]
        out.append(bool(signals.detect(lim, recent, kpi.direction)))
    return out


def flags_bands(kpi: Labelled) -> list[bool]:
    """The bands as the meeting sees them: a rule fires, a divider is proposed, or the new
    level is settling after an accepted one (a continuing flag, shown as being handled)."""
    return _band_flags(kpi)[0]


def flags_bands_news(kpi: Labelled) -> list[bool]:
    """The bands counting only news: a rule fires or a divider is proposed that week."""
    return _band_flags(kpi)[1]


_FLAGS: dict[str, tuple[list[bool], list[bool]]] = {}


def _band_flags(kpi: Labelled) -> tuple[list[bool], list[bool]]:
    """Both readings of the bands' flags, computed once per KPI. Each proposed divider is
    accepted from the week after it was proposed (from the first weeks on, as a team
    reviewing every week would have)."""
    if kpi.name in _FLAGS:
        return _FLAGS[kpi.name]
    points = list(zip(weeks_of(kpi.values), kpi.values, strict=True))
    dividers: list[date] = []
    history = bands.History(points, dividers)
    shown, news = [], []
    for w in range(signals.MIN_BASELINE, WEEKS):
        week = points[w][0]
        if w in EVALUATED:
            settling = history.band(week).method == bands.SETTLING
            fired = bool(history.signals(week, kpi.direction))
        proposal = history.propose_divider(week)
        if w in EVALUATED:
            news.append(fired or proposal is not None)
            shown.append(news[-1] or settling)
        if proposal is not None:
            dividers.append(proposal)
            history = bands.History(points, dividers)
    _FLAGS[kpi.name] = shown, news
    return shown, news


# --- scoring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    false_alarms: float  # flagged weeks per quiet KPI-year
    flagged: int
    in_window: int
    recall_by_kind: dict[str, float]
    seconds: float


def score(kpis: list[Labelled], flag: Callable[[Labelled], list[bool]]) -> Score:
    start = time.perf_counter()
    flagged = in_window = quiet_flags = quiet = 0
    found: dict[str, list[bool]] = {k: [] for k in WINDOWS}
    for kpi in kpis:
        weeks = [w for w, f in zip(EVALUATED, flag(kpi), strict=True) if f]
        windows = set().union(*(e.window() for e in kpi.events))
        flagged += len(weeks)
        in_window += sum(1 for w in weeks if w in windows)
        for e in kpi.events:
            found[e.kind].append(any(w in e.window() for w in weeks))
        if not kpi.events:
            quiet += 1
            quiet_flags += len(weeks)
    events = [hit for hits in found.values() for hit in hits]
    return Score(
        precision=in_window / flagged if flagged else 1.0,
        recall=sum(events) / len(events) if events else 1.0,
        false_alarms=quiet_flags / quiet if quiet else 0.0,
        flagged=flagged,
        in_window=in_window,
        recall_by_kind={k: sum(v) / len(v) for k, v in found.items() if v},
        seconds=time.perf_counter() - start,
    )


def table(xmr: Score, new: Score, news: Score) -> list[str]:
    """Plain XmR, the bands as shown, and the bands counting news only, side by side."""
    scores = (xmr, new, news)
    rows = [
        ("precision", *(f"{s.precision:.2f}" for s in scores), f">= {PRECISION_BUDGET}"),
        ("recall", *(f"{s.recall:.2f}" for s in scores), f">= {RECALL_BUDGET}"),
        *(
            (f"  recall, {k}s", *(f"{s.recall_by_kind[k]:.2f}" for s in scores), "")
            for k in new.recall_by_kind
        ),
        ("false alarms / quiet KPI-year", *(f"{s.false_alarms:.2f}" for s in scores),
         f"<= {FALSE_ALARM_BUDGET}"),
        ("flagged KPI-weeks", *(str(s.flagged) for s in scores), ""),
        ("time", *(f"{s.seconds:.1f} s" for s in scores), ""),
    ]  # fmt: skip
    lines = [f"{'':<30} {'plain XmR':>10} {'bands':>10} {'news only':>10}  budget"]
    lines += [f"{a:<30} {b:>10} {c:>10} {d:>10}  {e}" for a, b, c, d, e in rows]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kpis", type=int, default=600, help="generated KPIs (half quiet)")
    parser.add_argument("--json", type=Path, help="write the result here")
    args = parser.parse_args(argv)
    kpis = generate(args.seed, args.kpis)
    events = sum(len(k.events) for k in kpis)
    info(f"{len(kpis)} KPIs x {WEEKS} weeks (seed {args.seed}), {events} events planted in the "
         f"last {YEAR} weeks, {len(kpis) - events} quiet KPIs")  # fmt: skip
    xmr, new = score(kpis, flags_xmr), score(kpis, flags_bands)
    news = score(kpis, flags_bands_news)
    for line in table(xmr, new, news):
        print(line, flush=True)
    figures = [
        Figure("bands precision", new.precision, PRECISION_BUDGET, "", at_least=True),
        Figure("bands recall", new.recall, RECALL_BUDGET, "", at_least=True),
        Figure("bands false alarms per quiet KPI-year", new.false_alarms, FALSE_ALARM_BUDGET, ""),
    ]
    if args.json:
        result = {
            "seed": args.seed, "kpis": len(kpis), "xmr": asdict(xmr),
            "bands": asdict(new),
            "bands_news_only": asdict(news),
        }  # fmt: skip
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        info(f"result written to {args.json}")
    for figure in figures:
        print(figure.line(), flush=True)
    return 0 if all(f.ok for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
