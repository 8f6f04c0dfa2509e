"""The commands for decisions: record one, list them, show one's history."""

from __future__ import annotations

from pathlib import Path

import click

from kpireview.commands.options import (
    echo,
    parse_week_option,
    session,
    store_options,
    week_option,
)
from kpireview.errors import KpiError


@click.command("decide")
@click.argument("metric")
@week_option
@click.option("--note", required=True, help="What moved and why (required).")
@click.option("--decision", default="", help="What was decided.")
@click.option("--owner", default=None, help="Who owns it (default: your user name).")
@click.option("--due", "due_text", default=None, help='Due: a date, "fri", "+7d" or "2026-W49".')
@click.option("--expected", default="", help="The effect expected on the KPI.")
@store_options
def decide_command(
    metric: str,
    week_text: str | None,
    note: str,
    decision: str,
    owner: str | None,
    due_text: str | None,
    expected: str,
    db_path: Path,
    config_path: Path,
) -> None:
    """Record a decision about METRIC for a week (default: the week the review opens on)."""
    from kpireview import config

    cfg = config.load(config_path)
    week = parse_week_option(week_text, cfg.review.week_starts)
    saved = session(cfg, db_path).record_decision(
        metric, week, note=note, decision=decision, owner=owner, due_text=due_text,
        expected=expected,
    )  # fmt: skip
    echo(saved)


@click.command("decisions")
@click.option("--open", "only_open", is_flag=True, help="Only decisions still open.")
@click.option("--metric", default=None, help="Only this KPI.")
@click.option("--owner", default=None, help="Only this owner.")
@click.option("--id", "decision_id", type=int, default=None, help="Only the decision with this id.")
@click.option(
    "--history", "show_history", is_flag=True, help="Every revision of the --id decision."
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@store_options
def decisions_command(
    only_open: bool,
    metric: str | None,
    owner: str | None,
    decision_id: int | None,
    show_history: bool,
    fmt: str,
    db_path: Path,
    config_path: Path,
) -> None:
    """List decisions: open ones first, overdue ones marked; or one decision's history."""
    from kpireview import config, decisions, revisions

    cfg = config.load(config_path)
    if show_history and decision_id is None:
        raise KpiError("--history: name the decision with --id N")
    said = session(cfg, db_path)
    if show_history:
        assert decision_id is not None
        d, items = said.decision_versions(decision_id)
        render_history = revisions.to_json if fmt == "json" else revisions.to_text
        echo(render_history(cfg, d, items), nl=False)
        return
    found = said.decisions(only_open=only_open, metric=metric, owner=owner)
    if decision_id is not None:
        said.decision_versions(decision_id)  # one line when there is no such decision
        found = [d for d in found if d.id == decision_id]
    render = decisions.to_json if fmt == "json" else decisions.to_text
    echo(render(cfg, found), nl=False)
