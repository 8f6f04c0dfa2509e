"""Cold cost of the expected bands of kpireview.bands: a new History per KPI, then the band,
the signals and the divider proposal for its latest week (what the review asks of a KPI it has
not shown yet). Series like bench/signals.py's: growth, a yearly wave, noise.

Run: `python bench/bands_cold.py [--kpis N]`. Prints milliseconds per KPI-week by history
length, and the import time of the module.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def series(rng: random.Random, n: int) -> list[tuple[date, float]]:
    g, a, cv = rng.uniform(0.002, 0.012), rng.uniform(0.04, 0.12), rng.uniform(0.03, 0.08)
    start = date(2020, 1, 6)
    return [
        (start + timedelta(weeks=k),
         1000 * math.exp(g * k) * (1 + a * math.sin(2 * math.pi * k / 52) + rng.gauss(0, cv)))
        for k in range(n)
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kpis", type=int, default=300)
    args = parser.parse_args()
    start = time.perf_counter()
    from kpireview import bands

    print(f"import kpireview.bands: {(time.perf_counter() - start) * 1000:.1f} ms")
    rng = random.Random(1)
    for years in (3, 5, 10):
        data = [series(rng, 52 * years) for _ in range(args.kpis)]
        for ask_proposal in (False, True):
            start = time.perf_counter()
            for points in data:
                history, week = bands.History(points), points[-1][0]
                history.band(week)
                history.signals(week, "up")
                if ask_proposal:
                    history.propose_divider(week)
            ms = (time.perf_counter() - start) / len(data) * 1000
            what = "band + signals + proposal" if ask_proposal else "band + signals"
            print(f"{years:>2} years: {ms:.2f} ms per cold KPI-week ({what})")


if __name__ == "__main__":
    main()
