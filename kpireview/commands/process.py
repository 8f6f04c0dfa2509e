"""The commands for process changes and signals: divide, dividers, acknowledge."""

from __future__ import annotations

from pathlib import Path

import click

from kpireview.commands.options import echo, parse_week_option, session, store_options
from kpireview.errors import KpiError

WEEK_HELP = '"2026-W44" or any date inside it.'


@click.command("divide")
@click.argument("metric")
@click.option("--week", "week_text", metavar="WEEK", required=True, help=WEEK_HELP)
@click.option("--reason", default=None, help="What changed in the process (required).")
@click.option("--remove", is_flag=True, help="Remove the divider at --week (kept as history).")
@store_options
def divide_command(
    metric: str,
    week_text: str,
    reason: str | None,
    remove: bool,
    db_path: Path,
    config_path: Path,
) -> None:
    """Mark a process change on METRIC from a week: its limits restart after it."""
    from kpireview import config

    cfg = config.load(config_path)
    week = parse_week_option(week_text, cfg.review.week_starts)
    assert week is not None
    if remove and reason is not None:
        raise KpiError("divide: --remove takes no --reason")
    if not remove and reason is None:
        raise KpiError("divide: --reason: required (what changed in the process)")
    said = session(cfg, db_path)
    echo(said.remove_divider(metric, week) if remove else said.divide(metric, week, reason or ""))


@click.command("dividers")
@click.option("--metric", default=None, help="Only this KPI.")
@click.option("--all", "show_all", is_flag=True, help="Removed dividers too.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@store_options
def dividers_command(
    metric: str | None, show_all: bool, fmt: str, db_path: Path, config_path: Path
) -> None:
    """List process changes (dividers) by KPI and week."""
    from kpireview import config, dividers

    cfg = config.load(config_path)
    items = session(cfg, db_path).dividers(metric, removed=show_all)
    render = dividers.to_json if fmt == "json" else dividers.listing
    echo(render(cfg, items), nl=False)


@click.command("acknowledge")
@click.argument("metric")
@click.option(
    "--week", "week_text", metavar="WEEK", help=WEEK_HELP + " Default: the review's week."
)
@click.option("--rule", default=None, help="Only this signal (e.g. outside_limits).")
@click.option("--note", default="", help="What the meeting noted.")
@store_options
def acknowledge_command(
    metric: str,
    week_text: str | None,
    rule: str | None,
    note: str,
    db_path: Path,
    config_path: Path,
) -> None:
    """Record that the meeting has seen METRIC's signals of a week."""
    from kpireview import config

    cfg = config.load(config_path)
    week = parse_week_option(week_text, cfg.review.week_starts)
    echo(session(cfg, db_path).acknowledge(metric, week, rule, note))
