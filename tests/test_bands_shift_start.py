"""Where a confirmed shift's divider goes (kpireview.proposals): at the week a jump began, not
at weeks of ordinary noise that happened to lie on its side just before it; at the first week
of a move that builds up week by week (a creep)."""

from __future__ import annotations

from datetime import date, timedelta

from kpireview.bands import History

START = date(2024, 1, 1)  # a Monday


def week(k: int) -> date:
    return START + timedelta(weeks=k)


def series(before: list[float], shift_at: int = 30, n: int = 40) -> list[tuple[date, float]]:
    """100 ± 1 (alternating), the weeks just before ``shift_at`` set to ``before``, then 120."""
    values = [100.0 + (1.0 if k % 2 == 0 else -1.0) for k in range(n)]
    values[shift_at - len(before) : shift_at] = before
    values[shift_at:] = [120.0 + (0.5 if k % 2 == 0 else -0.5) for k in range(shift_at, n)]
    return [(week(k), v) for k, v in enumerate(values)]


def first_proposal(history: History) -> tuple[int, date] | None:
    """The first week (index) with a proposal, and the week it proposes."""
    for t in range(20, 40):
        if (found := history.propose_divider(week(t))) is not None:
            return t, found
    return None


def test_noise_on_the_shifts_side_before_it_stays_in_the_old_segment() -> None:
    """Weeks 28 and 29 lie 4 above the old centre (more than half a sigma, but far less than
    half the step of 20): the first proposal (weeks 28-31 all above the line) puts the
    divider at week 30, where the step is, not at week 28."""
    assert first_proposal(History(series([104.0, 104.0]))) == (31, week(30))


def test_a_week_half_way_up_joins_the_step() -> None:
    """A week 15 above the centre (three quarters of the step) is the step's first week; the
    four weeks from it confirm the shift at week 32."""
    assert first_proposal(History(series([115.0]))) == (32, week(29))


def test_a_creep_began_at_its_first_week() -> None:
    """From week 30 the values climb 2 a week (a creep, no jump): the stretch fits a ramp
    better than any step, so the divider is the creep's first week, not a later one."""
    values = [100.0 + (1.0 if k % 2 == 0 else -1.0) for k in range(30)]
    values += [100.0 + 2.0 * (k - 29) for k in range(30, 40)]
    found = first_proposal(History([(week(k), v) for k, v in enumerate(values)]))
    assert found is not None and found[1] == week(30)
