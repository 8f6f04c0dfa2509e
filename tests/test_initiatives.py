"""Initiatives (kpireview.initiatives, kpireview.bets): config, dividers, progress, the command."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from kpireview import config
from kpireview.initiatives import Expect, Initiative, moved
from tests.conftest import CONFIG, run
from tests.readme_examples import config_without_initiatives

WEEK = timedelta(weeks=1)
BETS = """initiatives:
  - id: faster_onboarding
    title: Faster onboarding
    owner: product
    kpis: [activation_rate, onboarding_completion]
    start: 2026-W28
    expect: {metric: activation_rate, change: +0.03, by: 2027-W10}
  - id: pricing
    title: New pricing
    kpis: [churn_rate]
    start: 2026-W44
    status: active
"""


def with_bets(tmp_path: Path, text: str = BETS) -> Path:
    path = tmp_path / "kpis.yaml"
    path.write_text(config_without_initiatives() + text)
    return path


def test_the_config_reads_initiatives(tmp_path: Path) -> None:
    cfg = config.load(with_bets(tmp_path))
    first, second = cfg.initiatives
    assert first.kpis == ("activation_rate", "onboarding_completion")
    assert first.start == date(2026, 7, 6) and first.status == "active"
    assert first.expect == Expect("activation_rate", 0.03, date(2027, 3, 8))
    assert second.expect is None and second.owner == ""


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ("kpis: [activation_rate, onboarding_completion]", "kpis[1]", "unknown KPI 'nope'"),
        ("metric: activation_rate", "expect.metric", "'onboarding_completion' is not among"),
        ("by: 2027-W10", "expect.by", "is not after the start 2026-W28"),
        ("    status: active\n", "status", "'maybe'"),
    ],
)
def test_bad_initiatives_are_one_line_naming_file_line_and_field(
    tmp_path: Path, sample_db: Path, change: str, field: str, says: str
) -> None:
    bad = {
        "kpis[1]": BETS.replace(change, "kpis: [activation_rate, nope]"),
        "expect.metric": BETS.replace(change, "metric: onboarding_completion").replace(
            "kpis: [activation_rate, onboarding_completion]", "kpis: [activation_rate]"
        ),
        "expect.by": BETS.replace(change, "by: 2026-W20"),
        "status": BETS.replace(change, "    status: maybe\n"),
    }[field]
    path = with_bets(tmp_path, bad)
    result = run("initiatives", "--db", sample_db, "--config", path)
    assert result.exit_code == 2
    assert f"{path}:" in result.output and f".{field}" in result.output
    assert says in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_duplicate_initiative_id_is_refused(tmp_path: Path) -> None:
    text = BETS.replace("id: pricing", "id: faster_onboarding")
    with pytest.raises(config.ConfigError, match=r"initiatives\[1\]\.id: duplicate"):
        config.load(with_bets(tmp_path, text))


def test_progress_on_a_hand_worked_series() -> None:
    """Before: 10 weeks of 0.30 ± 0.01; since the start 6 weeks of 0.32. The expectation of
    +0.04 by 12 weeks after the start is half reached at half time: on track."""
    start = date(2026, 3, 2)
    series = {start - WEEK * k: 0.30 + (0.01 if k % 2 else -0.01) for k in range(1, 11)}
    series |= {start + WEEK * k: 0.32 for k in range(6)}
    bet = Initiative(
        "b", "Bet", "", ("rate",), start, Expect("rate", 0.04, start + WEEK * 12), "active"
    )
    week = start + WEEK * 5  # 5 of 12 weeks elapsed
    m = moved(series, bet, "rate", week, None, 20)
    assert m.before == pytest.approx(0.30) and m.after == pytest.approx(0.32)
    assert m.change == pytest.approx(0.02)
    assert m.expected == pytest.approx(0.04 * 5 / 12)
    assert m.status == "on_track"  # 0.5 of the change reached at 5/12 of the time
    assert m.beyond_noise is False  # 0.32 is within 0.30 ± 2.66 × 0.02
    late = moved(series, bet, "rate", start + WEEK * 12, None, 20)
    assert late.status == "off_track"  # still half at the deadline
    assert moved(series, bet, "rate", start - WEEK, None, 20).change is None


def test_an_active_initiative_s_start_is_a_divider_of_its_kpis(
    tmp_path: Path, sample_db: Path
) -> None:
    path = with_bets(tmp_path)
    out = run("export", "--format", "json", "--db", sample_db, "--config", path).output
    import json

    kpis = {k["id"]: k for p in json.loads(out)["pillars"] for k in p["kpis"]}
    churn = kpis["churn_rate"]
    assert [d["week"] for d in churn["dividers"]][-1] == "2026-10-26"  # 2026-W44
    assert churn["flags"][0]["rule"] == "divider"  # settling since the initiative began
    notes = run("export", "--db", sample_db, "--config", path).output
    assert "initiative: New pricing" in notes
    section = notes[notes.index("## Initiatives") :]
    assert section.index("Faster onboarding") < section.index("New pricing")
    assert "  - Activation rate +" in section
    doc = json.loads(out)
    assert doc["initiatives"][0]["title"].startswith("Faster onboarding (faster_onboarding)")
    plain = run("export", "--format", "json", "--db", sample_db, "--config", CONFIG).output
    assert "initiative: New pricing" not in plain


def test_the_initiatives_command(tmp_path: Path, sample_db: Path) -> None:
    result = run("initiatives", "--db", sample_db, "--config", with_bets(tmp_path))
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "Faster onboarding (faster_onboarding) · product · since 2026-W28 · active"
    text = " ".join(line.strip() for line in result.output.splitlines())
    assert "Activation rate +" in text and "expected +3.0 pt by 2027-W10: " in text
    assert "Churn +" in text and "since 2026-W44" in text
    assert max(map(len, lines)) <= 80
    bare = tmp_path / "bare.yaml"
    bare.write_text(config_without_initiatives())
    none = run("initiatives", "--db", sample_db, "--config", bare)
    assert none.exit_code == 0 and "No initiatives" in none.output
    sample = run("initiatives", "--db", sample_db, "--config", CONFIG)  # the sample's own bet
    assert sample.output.startswith("New onboarding checklist (onboarding_checklist) · product")
    assert "expected +3.0 pt by 2026-W52: met" in " ".join(sample.output.split())


def test_the_initiatives_screen_follows_the_week(tmp_path: Path, sample_db: Path) -> None:
    from textual.pilot import Pilot

    from kpireview.tui.app import ReviewApp
    from kpireview.tui.screens.initiatives import InitiativesScreen
    from tests.tui_helpers import TODAY, drive, static_text, wait_until

    db = tmp_path / "s.db"
    db.write_bytes(sample_db.read_bytes())
    app = ReviewApp(config.load(with_bets(tmp_path)), db, today=TODAY)

    def text() -> str:
        return static_text(app.screen.query_one("#initiatives-text"))

    async def script(pilot: Pilot) -> None:
        await wait_until(pilot, lambda: app.review is not None)
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, InitiativesScreen))
        assert "2026-W47 · initiatives" in text() and "Faster onboarding" in text()
        assert "expected +3.0 pt by" in text()
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: "2026-W46 · initiatives" in text())

    drive(app, (100, 30), script)


def test_a_kpi_lists_the_initiatives_that_bet_on_it(tmp_path: Path, sample_db: Path) -> None:
    import json

    out = run("export", "--format", "json", "--db", sample_db, "--config", with_bets(tmp_path))
    kpis = {k["id"]: k for p in json.loads(out.output)["pillars"] for k in p["kpis"]}
    assert kpis["activation_rate"]["initiatives"] == ["Faster onboarding"]
    assert kpis["churn_rate"]["initiatives"] == ["New pricing"]
    assert kpis["nps"]["initiatives"] == []
