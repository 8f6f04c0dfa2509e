"""What the commands share: --db and --config, --week, reading the review, printing safely."""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from kpireview.errors import KpiError
from kpireview.session import NoData
from kpireview.text import safe

if TYPE_CHECKING:
    from kpireview.config import Config
    from kpireview.review import WeekReview
    from kpireview.session import ReviewSession

DEFAULT_DB = "sample.db"
DEFAULT_CONFIG = "config/kpis.yaml"


def echo(text: str, nl: bool = True, err: bool = False) -> None:
    """Print text that may quote files, the config or the database, neutralised for a terminal
    (JSON output is already escaped, so this leaves it as it is)."""
    click.echo(safe(text), nl=nl, err=err)


def store_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The --db and --config options every command takes."""

    @click.option(
        "--db",
        "db_path",
        type=click.Path(path_type=Path),
        default=DEFAULT_DB,
        envvar="KPIREVIEW_DB",
        show_default=True,
        help="SQLite database file (env KPIREVIEW_DB). Without it, the committed sample.db is "
        "opened through a working copy, .kpireview/sample.db.",
    )
    @click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, readable=False),
        default=DEFAULT_CONFIG,
        envvar="KPIREVIEW_CONFIG",
        show_default=True,
        help="KPI config file (env KPIREVIEW_CONFIG).",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, db_path: Path, config_path: Path, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        if ctx.get_parameter_source("db_path") == ParameterSource.DEFAULT:
            db_path = _default_db(ctx, db_path, kwargs)
        ctx.meta["db_path"] = db_path
        return func(*args, db_path=db_path, config_path=config_path, **kwargs)

    return wrapper


def _default_db(ctx: click.Context, db_path: Path, options: dict[str, Any]) -> Path:
    """The sample's working copy (kpireview.workcopy) for a command given no --db."""
    from kpireview import workcopy

    name = ctx.command.name
    if name == "sample":
        return db_path
    write = name in ("tui", "serve", "decide", "import", "init", "divide", "acknowledge")
    write = write and not options.get("read_only") and not options.get("dry_run")
    path, made = workcopy.resolve(db_path, write)
    if made:
        echo(
            f"kpireview: the sample review is kept in {path}: {db_path} stays as committed "
            "(delete the copy to start again)",
            err=True,
        )
    return path


def week_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--week",
        "week_text",
        metavar="WEEK",
        help='Week to review: "2026-W47" or any date inside it '
        "(default: the latest complete week).",
    )(func)


def parse_week_option(text: str | None, week_starts: int) -> date | None:
    """The week asked with --week, or None for the latest."""
    from kpireview.periods import parse_week

    if text is None:
        return None
    try:
        return parse_week(text, week_starts)
    except KpiError as exc:
        raise KpiError(f"--week: {exc}") from None


def load_review(config_path: Path, db_path: Path, week_text: str | None) -> WeekReview:
    """Config, data and the review of the asked week, read from a database that must exist."""
    from kpireview import config

    cfg = config.load(config_path)
    week = parse_week_option(week_text, cfg.review.week_starts)
    try:
        return session(cfg, db_path).review(week)  # no --week: the latest complete week
    except NoData:
        raise KpiError(no_data_message(db_path)) from None


def session(cfg: Config, db_path: Path) -> ReviewSession:
    """The review session a command reads and writes through."""
    from kpireview.session import ReviewSession

    return ReviewSession(cfg, db_path)


def warm_bands(cfg: Config, db_path: Path) -> None:
    """Compute and keep the expected bands of the review's default week (and the one before),
    so that the review opens without fitting them. Best effort: a failure here leaves them to
    be computed when the review is opened, and says nothing."""
    from kpireview.session import ERRORS

    with contextlib.suppress(*ERRORS):
        session(cfg, db_path).review(None)


def no_data_message(db_path: Path) -> str:
    """What to do with an empty database (after `kpireview init`)."""
    path = safe(str(db_path))
    return f"{path}: no data yet; import some: kpireview import FILE.csv --db {path}"


def wants_colour(stream: Any) -> bool:
    """Colour on a terminal, unless NO_COLOR is set (not empty) or TERM is dumb."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())
