"""A KPI's detail: the year's chart with target and natural limits, its numbers and decisions."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from kpireview.periods import week_label
from kpireview.text import safe
from kpireview.tui import charts
from kpireview.tui.screens.dashboard import DECISION_KEYS
from kpireview.tui.screens.detail_text import header_lines, more_section, numbers_section
from kpireview.tui.widgets.chart import ChartView
from kpireview.tui.widgets.keybar import KeyBar
from kpireview.tui.widgets.message import MessageLine
from kpireview.tui.widgets.text import fit_text

if TYPE_CHECKING:
    from kpireview.review import Detail, Kpi, WeekReview
    from kpireview.tui.app import ReviewApp

RECENT_WEEKS = 8
RESTATED_SHOWN = 6
SHORT_WEEKS = 6
TONE_COLOUR = {"good": "green", "bad": "red", "warn": "yellow", "dim": "dim"}


class DetailHeader(Widget):
    """The KPI, its numbers this week, its target and owner."""

    def __init__(self) -> None:
        super().__init__(id="detail-header")
        self.lines: list[Text] = []

    def show(self, lines: list[Text]) -> None:
        self.lines = lines
        self.refresh(layout=True)

    def render(self) -> Text:
        return Text("\n").join(fit_text(line, self.size.width) for line in self.lines)

    def get_content_height(self, container, viewport, width: int) -> int:  # noqa: ANN001
        return max(len(self.lines), 1)


class DetailScreen(Screen[None]):
    """One KPI in depth; `m` switches between the year of weeks and weeks + months."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back", tooltip="Back to the dashboard"),
        Binding("m", "toggle_view", "Weeks/months", id="months",
                tooltip="Year of weeks, or 6 weeks + 12 months"),
        Binding("v", "divide", "Divider", id="detail_divide",
                tooltip="Mark a process change (divider) at this week, or where the proposed "
                "one began, with its reason"),
        Binding("left_square_bracket", "app.week(-1)", "Week", id="detail_previous_week",
                group=Binding.Group("Week"), tooltip="Previous week"),
        Binding("right_square_bracket", "app.week(1)", "Week", id="detail_next_week",
                group=Binding.Group("Week"), tooltip="Next week"),
        Binding("t", "tree", "Tree", id="detail_tree",
                tooltip="The KPI's tree: its inputs and each one's share of its change"),
        *(replace(b, id=f"detail_{b.id}") for b in DECISION_KEYS),
    ]  # fmt: skip

    def __init__(self, metric_id: str) -> None:
        super().__init__()
        self.metric_id = metric_id
        self.months = False

    @property
    def review_app(self) -> ReviewApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield DetailHeader()
        with VerticalScroll(id="detail-body"):
            with Horizontal(id="charts"):
                yield ChartView(id="chart-weeks")
                yield ChartView(id="chart-six", classes="months")
                yield ChartView(id="chart-months", classes="months")
            yield Static(id="legend")
            with Horizontal(id="sections"):
                yield Static(id="numbers", classes="section")
                yield Static(id="more", classes="section")
        yield MessageLine(id="detail-status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#detail-body").focus()
        self._set_view()
        if self.review_app.review is not None:
            self.show_review(self.review_app.review)

    def on_resize(self) -> None:
        self.set_class(self.size.width >= 120, "-wide")
        height = max(8, min(24, (self.size.height - 3) // 2 + 1))
        self.query_one("#charts").styles.height = height

    def say(self, message: str, error: bool = False) -> None:
        self.query_one(MessageLine).say(message, error)

    def action_decide(self) -> None:
        self.review_app.decide(self.metric_id)

    def action_divide(self) -> None:
        """The divider form at the week on screen, or at the week a proposed divider began
        when the KPI's lead is that proposal (its limits restart there once saved)."""
        app = self.review_app
        if app.read_only:
            self.say("read-only: process changes are off")
            return
        if app.review is None:
            return
        from kpireview.tui.screens.divider_form import DividerForm

        def closed(said: str | None) -> None:
            if said:
                app.reload()
                self.say(said)

        lead = app.review.kpi(self.metric_id).lead
        week = lead.proposed if lead is not None and lead.proposed else app.review.week
        app.push_screen(DividerForm(self.metric_id, week), callback=closed)

    def action_tree(self) -> None:
        self.review_app.action_tree(self.metric_id)

    def action_toggle_view(self) -> None:
        self.months = not self.months
        self._set_view()

    def _set_view(self) -> None:
        self.set_class(self.months, "-months")
        if self.review_app.review is not None:
            self.show_review(self.review_app.review)

    def show_review(self, review: WeekReview) -> None:
        """Render the KPI from this review (also after a week change or a reload)."""
        app = self.review_app
        assert app.data is not None
        kpi = review.kpi(self.metric_id)
        detail = app.session.detail(app.data, review.week, self.metric_id)
        self.query_one(DetailHeader).show(header_lines(kpi, review))
        if self.months:
            self._show_months(kpi, detail)
        else:
            self._show_weeks(kpi, detail, app.config.review.baseline_weeks)
        self.query_one("#numbers", Static).update(numbers_section(kpi, review))
        self.query_one("#more", Static).update(more_section(kpi, detail, review))

    def _show_weeks(self, kpi: Kpi, detail: Detail, baseline_weeks: int) -> None:
        weeks = [p.week for p in detail.history52]
        chart = weeks_chart(kpi, detail, baseline_weeks)
        self.query_one("#chart-weeks", ChartView).show(chart, kpi.fmt)
        self.query_one("#legend", Static).update(weeks_legend(kpi, detail, weeks))

    def _show_months(self, kpi: Kpi, detail: Detail) -> None:
        six, twelve = months_charts(kpi, detail)
        self.query_one("#chart-six", ChartView).show(six, kpi.fmt)
        self.query_one("#chart-months", ChartView).show(twelve, kpi.fmt)
        self.query_one("#legend", Static).update(months_legend(kpi))


# --- charts ----------------------------------------------------------------------------------


def weeks_chart(kpi: Kpi, detail: Detail, baseline_weeks: int) -> charts.Chart:
    """52 weeks: values, the target line, natural limits over their baseline, decisions."""
    weeks = [p.week for p in detail.history52]
    rules: list[charts.Rule] = []
    band: list[charts.Line] = []
    if detail.band:  # a trend or seasonal band: its lines week by week
        band = [
            charts.Line(tuple(p.upper for p in detail.band), charts.LIMIT_COLOUR, "-"),
            charts.Line(tuple(p.lower for p in detail.band), charts.LIMIT_COLOUR, "-"),
            charts.Line(tuple(p.centre for p in detail.band), charts.CENTRE_COLOUR, "─"),
        ]
    elif kpi.limits is not None:
        lim = kpi.limits
        start = weeks.index(lim.since) if lim.since in weeks else len(weeks) - 1 - baseline_weeks
        rules += [
            charts.Rule(lim.upper, charts.LIMIT_COLOUR, start, "-"),
            charts.Rule(lim.lower, charts.LIMIT_COLOUR, start, "-"),
            charts.Rule(lim.centre, charts.CENTRE_COLOUR, start, "─"),
        ]
    return charts.Chart(
        lines=(
            *band,
            charts.Line(tuple(p.value for p in detail.pace), charts.TARGET_COLOUR, "·"),
            charts.Line(tuple(p.value for p in detail.history52), charts.VALUE_COLOUR),
        ),
        rules=tuple(rules),
        markers=tuple(sorted({weeks.index(d.week) for d in detail.decisions if d.week in weeks})),
        dividers=tuple(weeks.index(d.week) for d in kpi.dividers if d.week in weeks),
        x_ticks=charts.week_ticks(weeks, 5),
        points=len(weeks),
    )


def months_charts(kpi: Kpi, detail: Detail) -> tuple[charts.Chart, charts.Chart]:
    """The last 6 weeks with the target line, and 12 months with the year before."""
    recent = detail.history52[-SHORT_WEEKS:]
    pace = tuple(p.value for p in detail.pace[-SHORT_WEEKS:])
    six = charts.Chart(
        lines=(
            charts.Line(pace, charts.TARGET_COLOUR, "·"),
            charts.Line(tuple(p.value for p in recent), charts.VALUE_COLOUR),
        ),
        x_ticks=tuple((i, week_label(p.week)[5:]) for i, p in enumerate(recent)),
        points=len(recent),
    )  # fmt: skip
    months = kpi.months
    twelve = charts.Chart(
        lines=(
            charts.Line(tuple(m.year_ago for m in months), charts.YEAR_AGO_COLOUR, "•"),
            charts.Line(tuple(m.value for m in months), charts.VALUE_COLOUR),
        ),
        x_ticks=tuple(
            (i, f"{m.month:%b}" + ("*" if not m.complete else "")) for i, m in enumerate(months)
        ),
        points=len(months),
    )
    return six, twelve


def _key(mark: str, colour: int, text: str) -> Text:
    return Text.assemble((mark, f"color({colour})"), f" {text}  ")


def weeks_legend(kpi: Kpi, detail: Detail, weeks: list) -> Text:
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(_key("⠤⠔", charts.VALUE_COLOUR, safe(kpi.label)))
    if any(p.value is not None for p in detail.pace):
        out.append(_key("···", charts.TARGET_COLOUR, "target pace" if _paced(kpi) else "target"))
    lim = kpi.limits
    if lim is not None and lim.method == "flat":
        locked = ", locked" if lim.locked else ""
        out.append(_key("---", charts.LIMIT_COLOUR, f"natural limits ({lim.weeks}w{locked})"))
        out.append(_key("───", charts.CENTRE_COLOUR, "average"))
    elif lim is not None:
        out.append(_key("---", charts.LIMIT_COLOUR, "expected band"))
        out.append(_key("───", charts.CENTRE_COLOUR, "expected"))
    if any(d.week in weeks for d in detail.decisions):
        out.append(_key("┊", charts.DECISION_COLOUR, "decision"))
    if any(d.week in weeks for d in kpi.dividers):
        out.append(_key("┃", charts.DIVIDER_COLOUR, "process change"))
    return out


def months_legend(kpi: Kpi) -> Text:
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(_key("⠤⠔", charts.VALUE_COLOUR, "last 6 weeks | 12 months"))
    out.append(_key("•", charts.YEAR_AGO_COLOUR, "a year before"))
    out.append(_key("···", charts.TARGET_COLOUR, "target"))
    if kpi.months and not kpi.months[-1].complete:
        out.append("* month so far")
    return out


def _paced(kpi: Kpi) -> bool:
    return kpi.target is not None and kpi.target.criterion == "reach"
