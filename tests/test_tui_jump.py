"""Jump anywhere: the command palette finds KPIs (their detail), weeks ('W41', '2026-W41', a
date: the review moves there) and screens; `g` asks for a week; `/` filters the dashboard."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from textual.pilot import Pilot

from kpireview import config
from kpireview.periods import PeriodError, parse_week_near
from tests.conftest import CONFIG
from tests.tui_helpers import TODAY, drive, new_app, wait_until

W41, W42, W47 = date(2026, 10, 5), date(2026, 10, 12), date(2026, 11, 16)


# --- the core's reading of a week typed ------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [("W41", W41), ("w41", W41), (" W47 ", W47), ("W48", date(2025, 11, 24)),
     ("2026-W41", W41), ("2026W41", W41), ("2026-10-12", W42), ("12 Oct 2026", W42)],
)  # fmt: skip
def test_a_week_is_read_near_the_latest(text: str, expected: date) -> None:
    """'W41' alone is the latest week 41 up to the latest week (W48 is last year's)."""
    assert parse_week_near(text, 0, W47) == expected


@pytest.mark.parametrize("text", ["W0", "W54", "churn", "2026-W60", ""])
def test_a_text_that_names_no_week_is_refused(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_week_near(text, 0, W47)


def test_week_numbers_follow_the_start_day() -> None:
    """With weeks starting on Sunday, W41 is the Sunday before ISO week 41's Monday."""
    assert parse_week_near("W41", 6, W47 - date.resolution) == date(2026, 10, 4)


# --- the command palette --------------------------------------------------------------------


async def palette(pilot: Pilot, query: str) -> list[str]:
    """Open the palette, type a query, wait for its hits; their text, best first."""
    from textual.command import CommandList

    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "CommandPalette")
    await pilot.press(*query)

    def hits() -> list[str]:
        found = pilot.app.screen.query(CommandList)
        if not found:
            return []
        options = found.first()
        return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]

    await wait_until(pilot, lambda: bool(hits()))
    await pilot.pause(0.3)  # the last batch of hits
    return [" ".join(h.split()) for h in hits()]


async def choose_first(pilot: Pilot, index: int = 0) -> None:
    """Choose the hit at ``index`` (the palette highlights its best hit by itself)."""
    from textual.command import CommandList

    options = pilot.app.screen.query_one(CommandList)
    while options.highlighted != index:
        await pilot.press("down")
    await pilot.press("enter")
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ != "CommandPalette")


@pytest.mark.parametrize(
    "query, first, metric",
    [("churn", "Churn (churn_rate)", "churn_rate"),
     ("retention_d7", "Day-7 retention (retention_d7)", "retention_d7"),
     ("Net revenue", "Net revenue retention (nrr)", "nrr")],
)  # fmt: skip
def test_the_palette_finds_a_kpi_by_label_or_id_and_opens_its_detail(
    sample: Path, query: str, first: str, metric: str
) -> None:
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        hits = await palette(pilot, query)
        assert hits[0].startswith(first) and "open its detail" in hits[0]
        await choose_first(pilot)
        assert type(app.screen).__name__ == "DetailScreen" and app.screen.metric_id == metric
        await pilot.press("escape")
        assert app.screen.current.kpi.id == metric  # the dashboard's row follows

    drive(app, (80, 24), script)


@pytest.mark.parametrize(
    "query, label, week",
    [("W41", "Week 2026-W41 · 5–11 Oct 2026", W41), ("2026-W41", "Week 2026-W41", W41),
     ("2026-10-12", "Week 2026-W42 · 12–18 Oct 2026", W42)],
)  # fmt: skip
def test_the_palette_moves_the_review_to_a_week(
    sample: Path, query: str, label: str, week: date
) -> None:
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        hits = await palette(pilot, query)
        assert hits[0].startswith(label)
        await choose_first(pilot)
        await wait_until(pilot, lambda: app.review.week == week)

    drive(app, (80, 24), script)


def test_the_palette_says_when_a_week_is_outside_the_data(sample: Path) -> None:
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        hits = await palette(pilot, "2031-W02")
        said = "2031-W02 is outside the data (2023-W48 to 2026-W47)."
        assert hits[0] == said
        await choose_first(pilot)
        assert app.review.week == W47 and said in status(app)

    drive(app, (80, 24), script)


@pytest.mark.parametrize(
    "query, name, screen",
    [("decisions", "Decisions", "DecisionsScreen"), ("tree", "KPI tree", "TreeScreen"),
     ("help", "Help", "HelpScreen"), ("initiatives", "Initiatives", "InitiativesScreen")],
)  # fmt: skip
def test_the_palette_opens_a_screen(sample: Path, query: str, name: str, screen: str) -> None:
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        await pilot.press("enter")  # from a KPI's detail
        hits = await palette(pilot, query)
        index = next(i for i, h in enumerate(hits) if h.startswith(f"{name} "))
        await choose_first(pilot, index)
        await wait_until(pilot, lambda: type(app.screen).__name__ == screen)
        hits = await palette(pilot, "dashboard")
        assert hits[0].startswith("Dashboard The week's review")
        await choose_first(pilot)
        await wait_until(pilot, lambda: type(app.screen).__name__ == "DashboardScreen")

    drive(app, (160, 45), script)


def test_palette_hits_are_text_never_markup_nor_control_sequences(tmp_path: Path) -> None:
    """A label holding markup and an OSC sequence shows as text: the brackets as typed, the
    escape as a visible ␛, nothing sent to the terminal."""
    from kpireview.tui.app import ReviewApp
    from tests.tui_helpers import make_sample

    text = CONFIG.read_text(encoding="utf-8").replace(
        "    label: Churn\n", '    label: "Churn [b]now[/b] \\e]2;pwned\\a"\n'
    )
    cfg = tmp_path / "kpis.yaml"
    cfg.write_text(text, encoding="utf-8")
    app = ReviewApp(config.load(cfg), make_sample(tmp_path), today=TODAY)

    async def script(pilot: Pilot) -> None:
        hits = await palette(pilot, "churn_rate")
        assert hits[0].startswith("Churn [b]now[/b] ␛]2;pwned␇ (churn_rate)")
        assert not any(ch in h for h in hits for ch in ("\x1b", "\x07"))

    drive(app, (160, 45), script)


# --- g: go to a week ------------------------------------------------------------------------


def prompt_message(app) -> str:
    return " ".join(app.screen.message.split())


async def go(pilot: Pilot, text: str) -> None:
    await pilot.press("g")
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "WeekPrompt")
    await pilot.press(*text, "enter")
    await pilot.pause()


@pytest.mark.parametrize("text, week", [("W41", W41), ("2026-W42", W42), ("2026-10-14", W42)])
def test_g_goes_to_a_week(sample: Path, text: str, week: date) -> None:
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        await go(pilot, text)
        await wait_until(pilot, lambda: app.review.week == week)
        assert type(app.screen).__name__ == "DashboardScreen"

    drive(app, (80, 24), script)


@pytest.mark.parametrize(
    "text, message",
    [("soon", "✗ 'soon' is not a date or a week like 2026-W47"),
     ("2031-W02", "✗ 2031-W02 is outside the data (2023-W48 to 2026-W47)."),
     ("2026-W60", "✗ '2026-W60' is not a valid ISO week"),
     ("", "✗ Type a week: 2026-W41, W41 or a date inside it.")],
)  # fmt: skip
def test_g_says_why_in_the_prompt_and_stays(sample: Path, text: str, message: str) -> None:
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        await go(pilot, text)
        assert type(app.screen).__name__ == "WeekPrompt"
        assert prompt_message(app) == message
        await pilot.press("escape")
        assert type(app.screen).__name__ == "DashboardScreen" and app.review.week == W47

    drive(app, (80, 24), script)


# --- /: filter the KPIs by name -------------------------------------------------------------


def shown(app) -> list[str]:
    return [m.id for pane in app.screen.panes for m in pane.metrics]


def status(app) -> str:
    from kpireview.tui.widgets.status import StatusLine

    return " ".join(app.screen.query_one(StatusLine).render().plain.split())


def filter_line(app) -> str:
    from kpireview.tui.widgets.filterbar import FilterBar

    bar = app.screen.query_one(FilterBar)
    return bar.count_text.strip() if bar.shown else ""


def test_slash_filters_the_kpis_by_label_or_id_and_esc_clears(sample: Path) -> None:
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        every = shown(app)
        await pilot.press("slash", *"RETENTION")
        assert shown(app) == ["retention_d1", "retention_d7", "retention_d30", "nrr"]
        assert filter_line(app) == "4 of 29 KPIs · esc clears"
        await pilot.press("enter", "down", "enter")
        assert app.screen.metric_id == "retention_d7"
        await pilot.press("escape")
        assert shown(app) == ["retention_d1", "retention_d7", "retention_d30", "nrr"]
        await pilot.press("escape")  # clears: every KPI, the cursor still on its KPI
        assert shown(app) == every and filter_line(app) == ""
        assert app.screen.current.kpi.id == "retention_d7"

    drive(app, (80, 24), script)


def test_the_filter_matches_ids_and_hides_empty_panes(sample: Path) -> None:
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        await pilot.press("slash", *"_d3")
        assert shown(app) == ["retention_d30"]
        assert [p.pillar_id for p in app.screen.query("PillarPane") if p.display] == ["retention"]
        await pilot.press("backspace", "backspace", "backspace", *"zzz", "enter")
        assert shown(app) == [] and filter_line(app) == "no KPI matches · esc clears"
        assert status(app) == "✗ No KPI matches 'zzz' (esc clears the filter)."
        await pilot.press("escape")
        assert len(shown(app)) == 29

    drive(app, (160, 45), script)


def test_the_flag_walk_keeps_to_the_filtered_kpis(sample: Path) -> None:
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        await pilot.press("slash", *"cust", "enter", "f")
        flagged = {"churned_customers", "paying_customers", "net_new_customers", "seats"}
        assert app.screen.current.kpi.id in flagged
        assert "[1/4]" in status(app)

    drive(app, (80, 24), script)
