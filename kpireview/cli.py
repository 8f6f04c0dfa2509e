"""The command line: `kpireview` opens the review; subcommands import, summarise, export, decide.

Errors in input (config, CSV, week strings, databases) print one line naming the place and
exit with code 2; no traceback reaches the user.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from kpireview.errors import KpiError
from kpireview.text import safe

DEFAULT_DB = "sample.db"
DEFAULT_CONFIG = "config/kpis.yaml"


def echo(text: str, nl: bool = True, err: bool = False) -> None:
    """Print text that may quote files, the config or the database, neutralised for a terminal
    (JSON output is already escaped, so this leaves it as it is)."""
    click.echo(safe(text), nl=nl, err=err)


class Failure(click.ClickException):
    """A user-facing error: one line on stderr, exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"kpireview: error: {self.message}", err=True)


class ReviewGroup(click.Group):
    """Runs the TUI when no subcommand is named, and turns known errors into one line."""

    default_command = "tui"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0].startswith("-") and args[0] not in ("--help", "-h", "--version")):
            args.insert(0, self.default_command)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KpiError as exc:
            raise Failure(str(exc)) from None
        except sqlite3.Error as exc:
            from kpireview.store import describe_sqlite_error

            raise Failure(describe_sqlite_error(ctx.meta.get("db_path", "database"), exc)) from None


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
    write = name in ("tui", "decide", "import", "init")
    write = write and not options.get("read_only") and not options.get("dry_run")
    path, made = workcopy.resolve(db_path, write)
    if made:
        echo(
            f"kpireview: the sample review is kept in {path}: {db_path} stays as committed "
            "(delete the copy to start again)",
            err=True,
        )
    return path


@click.group(cls=ReviewGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kpireview")
def cli() -> None:
    """The weekly KPI review in your terminal.

    Run with no command to open the review of the latest week.
    """


@cli.command("init")
@store_options
def init_command(db_path: Path, config_path: Path) -> None:
    """Start a review: a starter config to edit (if none exists) and an empty database."""
    from importlib.resources import files

    from kpireview import config
    from kpireview.export import write_atomic
    from kpireview.store import Store

    if config_path.exists():
        echo(f"{config_path}: kept (it exists)")
    else:
        config_path.parent.mkdir(parents=True, exist_ok=True)
        starter = files("kpireview").joinpath("starter.yaml").read_text("utf-8")
        write_atomic(config_path, starter, reading=(db_path,))
        echo(f"{config_path}: starter config written; edit it to name your KPIs")
    config.load(config_path)
    existed = db_path.exists()
    Store(db_path).close()
    echo(f"{db_path}: {'kept (it exists)' if existed else 'empty database created'}")
    echo(f"Next: kpireview import FILE.csv --db {db_path} --config {config_path}")


@cli.command("import")
@click.argument("file", type=click.Path(path_type=Path, readable=False))
@click.option("--dry-run", is_flag=True, help="Check the file and count changes; write nothing.")
@click.option(
    "--date-format",
    metavar="FORMAT",
    default=None,
    help="How the file spells dates, e.g. %d/%m/%Y (default: detected from all its dates).",
)
@store_options
def import_command(
    file: Path, dry_run: bool, date_format: str | None, db_path: Path, config_path: Path
) -> None:
    """Import snapshots from a CSV file (long or wide format), all rows or none."""
    from kpireview import config, history, importer
    from kpireview.dates import check_format
    from kpireview.store import Store

    if date_format is not None:
        check_format(date_format, "--date-format")
    cfg = config.load(config_path)
    batch = importer.read(file, cfg, progress=sys.stderr.isatty(), date_format=date_format)
    for line in batch.partial_lines():
        echo(line, err=True)
    with Store.scratch(db_path) if dry_run else Store(db_path) as store:
        counts = store.upsert_snapshots(batch.rows, source=file.name, dry_run=dry_run)
    echo(batch.summary(counts, dry_run=dry_run))
    for line in history.import_lines(cfg, counts, dry_run=dry_run):
        echo(line)


def week_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--week",
        "week_text",
        metavar="WEEK",
        help='Week to review: "2026-W47" or any date inside it (default: the latest with data).',
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


def load_review(config_path: Path, db_path: Path, week_text: str | None):
    """Config, data and the review of the asked week, read from a database that must exist."""
    from kpireview import config, review
    from kpireview.store import Store

    cfg = config.load(config_path)
    week = parse_week_option(week_text, cfg.review.week_starts)
    with Store.reader(db_path) as store:
        latest = store.latest_week()
        if latest is None:
            raise KpiError(no_data_message(db_path))
        data = review.load(cfg, store, around=week or latest)
    return review.build(cfg, data, week)  # no --week: the latest complete week


def no_data_message(db_path: Path) -> str:
    """What to do with an empty database (after `kpireview init`)."""
    path = safe(str(db_path))
    return f"{path}: no data yet; import some: kpireview import FILE.csv --db {path}"


@cli.command("tui")
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


@cli.command("summary")
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


def wants_colour(stream: Any) -> bool:
    """Colour on a terminal, unless NO_COLOR is set (not empty) or TERM is dumb."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


@cli.command("export")
@week_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to a file.")
@store_options
def export_command(
    week_text: str | None, fmt: str, output: Path | None, db_path: Path, config_path: Path
) -> None:
    """Meeting notes (markdown) or the review model (JSON) for one week."""
    from kpireview import export

    model = load_review(config_path, db_path, week_text)
    text = export.to_json(model) if fmt == "json" else export.markdown(model)
    if output is None:
        echo(text, nl=False)
        return
    export.write_atomic(output, text, reading=(db_path, config_path))
    echo(f"Wrote {safe(str(output))}", err=True)


@cli.command("decide")
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
    """Record a decision about METRIC for a week (default: the latest with data)."""
    from kpireview import config, decisions
    from kpireview.store import Store

    cfg = config.load(config_path)
    week = parse_week_option(week_text, cfg.review.week_starts)
    with Store(db_path, must_exist=True) as store:
        saved = decisions.record(
            cfg, store, metric, week, note=note, decision=decision, owner=owner,
            due_text=due_text, expected=expected,
        )  # fmt: skip
    echo(saved)


@cli.command("decisions")
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
    from kpireview.store import Store

    cfg = config.load(config_path)
    if show_history and decision_id is None:
        raise KpiError("--history: name the decision with --id N")
    with Store.reader(db_path) as store:
        if show_history:
            assert decision_id is not None
            d, items = revisions.versions(store, decision_id)
            render_history = revisions.to_json if fmt == "json" else revisions.to_text
            echo(render_history(cfg, d, items), nl=False)
            return
        found = decisions.listing(store, only_open=only_open, metric=metric, owner=owner)
        if decision_id is not None:
            store.decision(decision_id)  # one line when there is no such decision
            found = [d for d in found if d.id == decision_id]
    render = decisions.to_json if fmt == "json" else decisions.to_text
    echo(render(cfg, found), nl=False)


@cli.command("history")
@click.argument("metric")
@click.option("--week", "week_text", metavar="WEEK", help="Only this week's restatements.")
@store_options
def history_command(metric: str, week_text: str | None, db_path: Path, config_path: Path) -> None:
    """A KPI's restated values: each earlier value an import replaced, and by what."""
    from kpireview import config, history
    from kpireview.store import Store

    cfg = config.load(config_path)
    if metric not in cfg.by_id:
        raise KpiError(f"history: unknown metric '{metric}' (not in {cfg.path})")
    week = parse_week_option(week_text, cfg.review.week_starts)
    with Store.reader(db_path) as store:
        items = history.load(store, metric=metric, week=week)
    echo(history.text(cfg, items), nl=False)


@cli.command("sample")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Database file to write (default: the --db path).",
)
@click.option(
    "--weeks", type=click.IntRange(1, 2000), default=156, show_default=True, help="Weeks of data."
)
@click.option(
    "--metrics",
    "metric_count",
    type=click.IntRange(1, 100_000),
    default=None,
    help="Total KPIs; beyond the config's, adds synthetic_0001... and writes <output stem>.yaml.",
)
@click.option("--seed", type=int, default=47, show_default=True, help="Random seed.")
@click.option(
    "--end", default="2026-W47", show_default=True, help="Last week (e.g. 2026-W47 or a date)."
)
@click.option("--force", is_flag=True, help="Replace an existing output file.")
@store_options
def sample_command(
    output: Path | None,
    weeks: int,
    metric_count: int | None,
    seed: int,
    end: str,
    force: bool,
    db_path: Path,
    config_path: Path,
) -> None:
    """Write a deterministic sample database for the config's KPIs.

    Weekly data with trend, seasonality and noise, plus a story for the review to catch (churn
    jumps, CPA creeps up, activation improves, LTV:CAC dips under 3) and a few decisions. The
    same options give the same file byte for byte. Derived KPIs are not stored.

    With --metrics N above the config's count, N minus that many synthetic KPIs are added for
    benchmarks, and a config naming all N KPIs is written next to the database, with the same
    name ending in .yaml (sample.db -> sample.yaml); use it with --config.
    """
    from kpireview import config, sample

    out = output or db_path
    click.get_current_context().meta["db_path"] = out
    cfg = config.load(config_path)
    written = sample.write(
        cfg, out, weeks=weeks, seed=seed, end=end, metrics=metric_count, force=force
    )
    for line in written.lines():
        echo(line)


@cli.command("check")
@store_options
def check_command(db_path: Path, config_path: Path) -> None:
    """Check the config against the database: KPIs without data, data without a KPI, unknown
    segments, stale KPIs. Exit 0 when clean, 1 with warnings, 2 with errors."""
    from kpireview import check, config
    from kpireview.store import Store

    cfg = config.load(config_path)
    with Store.reader(db_path) as store:
        report = check.run(cfg, store)
    echo(check.render(report))
    click.get_current_context().exit(report.exit_code)


def main() -> None:
    cli(prog_name="kpireview")
