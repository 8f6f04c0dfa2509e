"""The sample's revenue tree: ARR = paying customers × seats per customer × price per seat × 12.

Drawn after the other series, from a random generator of its own (so adding the tree left the
other series as they were), and consistent with them:

- paying customers are a stock: each week's count is the week before's plus the new customers
  minus the churned ones, and the churned ones are ``churn_rate`` of the week before's count;
- seats per customer grow slowly, and fall in the weeks since the pricing change (accounts
  renewing at the new price trim their seats);
- price per seat is what makes the tree add up to MRR: MRR / (customers × seats), so ARR is
  12 × MRR (to a cent). Since the pricing change it rises while seats fall, and MRR keeps its
  course: a movement only the tree explains.
"""

from __future__ import annotations

import random

TREE = {  # each series the tree draws, with its decimals
    "paying_customers": 0,
    "new_customers": 0,
    "churned_customers": 0,
    "seats_per_customer": 2,
    "price_per_seat": 6,  # an average: kept fine enough for ARR to be 12 × MRR
}
CUSTOMERS = 2950  # paying customers in the last week, had nothing changed
CUSTOMER_GROWTH = 0.12  # a year
PULL = 0.1  # share of the gap to the planned count that sales closes each week
NEW_NOISE = 0.12  # relative standard deviation of new customers
SEATS = 6.4  # seats per customer in the last week, had nothing changed
SEAT_GROWTH = 0.05  # a year
SEAT_NOISE = 0.003
SEAT_DROP = 0.09  # seats per customer lost by the end of the pricing weeks
CLAMP = 2.5


def add_tree(t: dict[str, list[float]], n: int, pricing_weeks: int, seed: int) -> None:
    """Fill the tree's series in ``t`` (those it has keys for) over ``n`` weeks, from its MRR
    and churn series and a pricing change ``pricing_weeks`` before the end."""
    if not TREE.keys() & t.keys() or not {"mrr", "churn_rate"} <= t.keys():
        return
    rng = random.Random(f"{seed}:customers")  # its own draws: the others keep theirs
    paying, new, churned = _customers(t["churn_rate"], n, n - pricing_weeks, rng)
    seats = _seats(n, n - pricing_weeks, rng)
    price = [m / (p * s) for m, p, s in zip(t["mrr"], paying, seats, strict=True)]
    found = dict(zip(TREE, (paying, new, churned, seats, price), strict=True))
    for name, values in found.items():
        if name in t:
            t[name] = values


def _gauss(rng: random.Random) -> float:
    return max(-CLAMP, min(CLAMP, rng.gauss(0.0, 1.0)))


def _trend(growth: float, i: int, n: int) -> float:
    """The factor of yearly ``growth`` at week ``i`` of ``n``, 1 in the last week."""
    return (1 + growth) ** ((i - n + 1) / 52)


def _customers(
    churn: list[float], n: int, start: int, rng: random.Random
) -> tuple[list[float], list[float], list[float]]:
    """Paying customers as a stock, with the new and churned customers that move it; from
    week ``start`` on, churn is above what sales plans for."""
    weekly = (1 + CUSTOMER_GROWTH) ** (1 / 52) - 1
    earlier = churn[max(0, start - 12) : start] or churn[:1]
    usual = sum(earlier) / len(earlier)
    planned = [CUSTOMERS * _trend(CUSTOMER_GROWTH, i, n) for i in range(n)]
    before = round(planned[0] / (1 + weekly))
    paying: list[float] = []
    new: list[float] = []
    churned: list[float] = []
    for i in range(n):
        expected = (weekly + (churn[i] if i < start else usual)) * before
        expected += PULL * (planned[i] - before)
        gained = max(0, round(expected * (1 + NEW_NOISE * _gauss(rng))))
        lost = round(churn[i] * before)
        before += gained - lost
        paying.append(float(before))
        new.append(float(gained))
        churned.append(float(lost))
    return paying, new, churned


def _seats(n: int, start: int, rng: random.Random) -> list[float]:
    """Seats per customer (two decimals): slow growth, then the fall from week ``start``."""
    out = []
    for i in range(n):
        drop = SEAT_DROP * max(0, i - start + 1) / max(1, n - start)
        level = SEATS * _trend(SEAT_GROWTH, i, n) * (1 - drop)
        out.append(round(level * (1 + SEAT_NOISE * _gauss(rng)), 2))
    return out
