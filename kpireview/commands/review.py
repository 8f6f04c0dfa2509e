"""The commands that show the review: the TUI, the plain-text summary, the notes export."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kpireview.commands.options import (
    echo,
    load_review,
    no_data_message,
    parse_week_option,
    store_options,
    wants_colour,
    week_option,
)
from kpireview.errors import KpiError
from kpireview.text import safe


@click.command("tui")
@week_option
@click.option("--read-only", is_flag=True, help="Open the database read-only (no decisions).")
@store_options
def tui_command(week_text: str | None, read_only: bool, db_path: Path, config_path: Path) -> None:
    """Open the review in the terminal (the default command)."""
    from kpireview import config
    from kpireview.store import Store

    cfg = config.load(config_path)
    week = parse_week_option(week_text, cfg.review.week_starts)
    Store(db_path, must_exist=True, read_only=read_only).close()  # fail fast, before the screen

    from kpireview.tui.app import ReviewApp

    app = ReviewApp(cfg, db_path, week=week, read_only=read_only)
    app.run()
    if app.return_code:  # the app crashed (Textual printed why): say so to the shell
        raise SystemExit(app.return_code)


@click.command("summary")
@week_option
@click.option("--fail-on-flags", is_flag=True, help="Exit 1 when any KPI has a bad flag.")
@store_options
def summary_command(
    week_text: str | None, fail_on_flags: bool, db_path: Path, config_path: Path
) -> None:
    """The review as plain text: a block per pillar, a row per KPI, then the flags."""
    from kpireview import export

    model = load_review(config_path, db_path, week_text)
    click.echo(export.summary_text(model, colour=wants_colour(sys.stdout)), nl=False)
    if fail_on_flags and model.counts.bad:
        raise SystemExit(1)


@click.command("export")
@week_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "json", "html"]),
    default="markdown",
    show_default=True,
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to a file.")
@store_options
def export_command(
    week_text: str | None, fmt: str, output: Path | None, db_path: Path, config_path: Path
) -> None:
    """Meeting notes (markdown, or one HTML page) or the review model (JSON) for one week."""
    from kpireview import export

    model = load_review(config_path, db_path, week_text)
    write = {"json": export.to_json, "html": export.html, "markdown": export.markdown}[fmt]
    text = write(model)
    if output is None:
        echo(text, nl=False)
        return
    export.write_atomic(output, text, reading=(db_path, config_path))
    echo(f"Wrote {safe(str(output))}", err=True)


@click.command("tree")
@click.argument("metric", required=False)
@week_option
@store_options
def tree_command(
    metric: str | None, week_text: str | None, db_path: Path, config_path: Path
) -> None:
    """The KPI tree: derived KPIs with their inputs, and each input's share of the change."""
    from kpireview import config, tree

    cfg = config.load(config_path)
    tree.roots(cfg, metric)  # an unknown KPI: one line, before reading the database
    model = load_review(config_path, db_path, week_text)
    echo("\n".join(tree.lines(cfg, model, metric)))


@click.command("initiatives")
@week_option
@store_options
def initiatives_command(week_text: str | None, db_path: Path, config_path: Path) -> None:
    """Each initiative and what its KPIs did since it started, against what it expects."""
    from kpireview import bets, config
    from kpireview.session import NoData, ReviewSession

    cfg = config.load(config_path)
    week = parse_week_option(week_text, cfg.review.week_starts)
    try:
        data, model = ReviewSession(cfg, db_path).read_week(week)
    except NoData:
        raise KpiError(no_data_message(db_path)) from None
    echo("\n".join(bets.lines(bets.entries(cfg, data, model.week))))
