"""A decision's expected effect, followed up in later weeks (kpireview.followup)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from kpireview import followup
from tests.conftest import CONFIG, run

WEEK = timedelta(weeks=1)


@pytest.mark.parametrize(
    ("text", "change", "relative", "by"),
    [
        ("-0.003 by 2026-W52", -0.003, None, date(2026, 12, 21)),
        ("−0.3 pt by 2026-W52", -0.003, None, date(2026, 12, 21)),
        ("+5% by 2027-W02", None, 0.05, date(2027, 1, 11)),
        ("2 by 2026-12-23", 2.0, None, date(2026, 12, 21)),
    ],
)
def test_an_expected_change_and_week_are_read(text, change, relative, by) -> None:  # type: ignore[no-untyped-def]
    found = followup.parse(text, 0)
    assert found is not None
    assert found.change == (pytest.approx(change) if change is not None else None)
    assert found.relative == relative and found.by == by


@pytest.mark.parametrize("text", ["", "less churn", "+2% *WoW*", "1 by nonsense", "by 2026-W52"])
def test_other_text_is_for_people(text: str) -> None:
    assert followup.parse(text, 0) is None


def test_the_move_is_paced_from_the_decision_to_the_week() -> None:
    since = date(2026, 1, 5)
    e = followup.Expected(-0.01, None, since + WEEK * 10)
    assert followup.status(e, 0.05, 0.045, since, since + WEEK * 5) == ("on_track", -0.01)
    assert followup.status(e, 0.05, 0.049, since, since + WEEK * 5) == ("off_track", -0.01)
    assert followup.status(e, 0.05, 0.039, since, since + WEEK * 3) == ("met", -0.01)
    assert followup.status(e, 0.05, 0.06, since, since + WEEK * 1)[0] == "off_track"  # type: ignore[index]
    relative = followup.Expected(None, 0.10, since + WEEK * 4)
    assert followup.status(relative, 200.0, 221.0, since, since + WEEK * 2) == ("met", 20.0)
    assert followup.status(e, None, 0.04, since, since + WEEK) is None


def test_the_notes_and_the_carried_over_items_say_how_the_decision_is_doing(
    sample_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "s.db"
    db.write_bytes(sample_db.read_bytes())
    said = run(
        "decide", "churn_rate", "--week", "2026-W44", "--note", "pricing", "--decision",
        "call churned accounts", "--expected", "+1 pt by 2026-W50", "--db", db, "--config", CONFIG,
    )  # fmt: skip
    assert said.exit_code == 0, said.output
    notes = run("export", "--db", db, "--config", CONFIG).output
    carried = notes[notes.index("## Open actions") :]
    line = next(x for x in carried.splitlines() if "Expected: +1 pt by 2026-W50" in x)
    assert re.fullmatch(
        r"  - Expected: \+1 pt by 2026-W50 \((met|on track|off track) so far\)\.", line
    )
