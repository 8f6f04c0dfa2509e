"""Jump anywhere: the command palette finds KPIs (by id or label: their detail), weeks ('W41',
'2026-W41', a date: the review moves there) and screens; the same week reading serves `g`.

Weeks are read by the core (kpireview.periods); every text shown comes from `safe` and is
drawn as text, never parsed as markup (a label may hold '[' or control characters).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.fuzzy import Matcher
from textual.markup import escape

from kpireview.errors import KpiError
from kpireview.periods import parse_week_near, week_label, week_span_text
from kpireview.text import safe_line

if TYPE_CHECKING:
    from kpireview.tui.app import ReviewApp

# (name, action on the app, help): the screens the palette opens.
SCREENS = (
    ("Dashboard", "dashboard", "The week's review"),
    ("Decisions", "decisions", "All decisions, and the ones carried over"),
    ("KPI tree", "tree", "Derived KPIs, their inputs and each one's share"),
    ("Initiatives", "initiatives", "What each initiative's KPIs did since it began"),
    ("Help", "help", "Keys and symbols"),
    ("Go to week…", "go_to_week", "Type a week (2026-W41, W41) or a date"),
)


def read_week(app: ReviewApp, text: str) -> date:
    """The week a text names (KpiError when it names none): the core's reading, with 'W41'
    taken as the latest week 41 up to the data's last week."""
    review = app.review
    near = (review.latest_week or review.week) if review is not None else date.today()
    return parse_week_near(text, app.config.review.week_starts, near)


def week_problem(app: ReviewApp, week: date) -> str:
    """Why the review cannot show a week (it has no data), or ''."""
    data = app.data
    if app.review is None or data is None:
        return "The review is still loading."
    if week in data.weeks:
        return ""
    starts = app.config.review.week_starts
    label = week_label(week, starts)
    if not data.weeks:
        return f"{label} has no data (the database holds none yet)."
    first, last = data.weeks[0], data.weeks[-1]
    where = "has no data" if first <= week <= last else "is outside the data"
    return f"{label} {where} ({week_label(first, starts)} to {week_label(last, starts)})."


def go_to_week(app: ReviewApp, week: date) -> None:
    """Show a week's review (built in a worker), on whichever screen is up."""
    if app.review is None or week != app.review.week:
        app.build_week(week)


def open_kpi(app: ReviewApp, metric_id: str) -> None:
    """A KPI's detail, over the dashboard (its row becomes the current one there)."""
    from kpireview.tui.screens.dashboard import DashboardScreen
    from kpireview.tui.screens.detail import DetailScreen

    back_to_dashboard(app)
    dashboard = app.screen
    if isinstance(dashboard, DashboardScreen):
        dashboard.select(metric_id)
    app.push_screen(DetailScreen(metric_id))


def back_to_dashboard(app: ReviewApp) -> None:
    """Close the screens over the dashboard, down to a form being filled in (kept)."""
    from textual.screen import ModalScreen

    def viewer(screen: object) -> bool:  # forms type text: they leave out the app's keys
        return not isinstance(screen, ModalScreen) and getattr(screen, "APP_KEYS", True)

    while len(app.screen_stack) > 1 and viewer(app.screen):
        app.pop_screen()


def _highlighted(matcher: Matcher, text: str) -> Text:
    """The text with the query's letters marked: Rich text, never markup."""
    out = Text(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if score:
        for offset in offsets:
            out.stylize("reverse", offset, offset + 1)
    return out


class JumpCommands(Provider):
    """KPIs, weeks and screens, for the command palette."""

    @property
    def review_app(self) -> ReviewApp:
        return cast("ReviewApp", self.app)

    def _kpis(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = self.review_app
        pillars = {p.id: p.label for p in app.config.pillars}
        return [
            (
                safe_line(f"{m.label} ({m.id})"),
                safe_line(f"KPI · {pillars.get(m.pillar, m.pillar)} · open its detail"),
                partial(open_kpi, app, m.id),
            )
            for m in app.config.metrics
        ]

    def _screens(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = self.review_app
        return [
            (name, text, partial(app.call_later, app.run_action, action))
            for name, action, text in SCREENS
        ]

    async def discover(self) -> Hits:
        for name, text, run in [*self._screens(), *self._kpis()]:
            yield DiscoveryHit(Text(name), run, text=name, help=escape(text))

    async def search(self, query: str) -> Hits:
        app = self.review_app
        try:
            week = read_week(app, query)
        except KpiError:
            week = None  # not a week: KPIs and screens only
        if week is not None:
            problem = week_problem(app, week)
            if problem:
                yield Hit(0.9, Text(problem), lambda: app.say(problem, True), text=problem)
            else:
                starts = app.config.review.week_starts
                name = f"Week {week_label(week, starts)} · {week_span_text(week)}"
                yield Hit(1.0, Text(name), lambda: go_to_week(app, week), text=name,
                          help="Move the review to this week")  # fmt: skip
        matcher = self.matcher(query)
        for name, text, run in [*self._kpis(), *self._screens()]:
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, _highlighted(matcher, name), run, text=name, help=escape(text))
