"""The commands for the data: start a review, import, write the sample, check, restatements."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kpireview.commands.options import echo, parse_week_option, store_options, warm_bands
from kpireview.errors import KpiError


@click.command("init")
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


@click.command("import")
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
    with importer.read(file, cfg, progress=sys.stderr.isatty(), date_format=date_format) as batch:
        for line in batch.partial_lines():
            echo(line, err=True)
        with Store.scratch(db_path) if dry_run else Store(db_path) as store:
            counts = batch.store(store, source_name(file), dry_run=dry_run)
        echo(batch.summary(counts, dry_run=dry_run))
    for line in history.import_lines(cfg, counts, dry_run=dry_run):
        echo(line)
    if not dry_run:
        warm_bands(cfg, db_path)


@click.command("history")
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


@click.command("sample")
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
    warm_bands(config.load(written.config_path) if written.config_path else cfg, out)


@click.command("check")
@store_options
def check_command(db_path: Path, config_path: Path) -> None:
    """Check the config against the database: KPIs without data, data without a KPI, unknown
    segments, stale KPIs. Exit 0 when clean, 1 with warnings, 2 with errors."""
    from kpireview import check, config
    from kpireview.store import Store

    cfg = config.load(config_path)
    if cfg.keys:  # the ids are the app's bindings'
        from kpireview.tui.keys import keymap

        keymap(cfg)
    with Store.reader(db_path) as store:
        report = check.run(cfg, store)
    echo(check.render(report))
    click.get_current_context().exit(report.exit_code)


def source_name(file: Path) -> str:
    """How a value's source is recorded: the file's name, or "pipe" for a pipe (the name of
    `<(cmd)`, "63", would say nothing)."""
    import stat

    try:
        regular = stat.S_ISREG(file.stat().st_mode)
    except OSError:
        regular = False
    return file.name if regular else "pipe"
