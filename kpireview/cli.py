"""The command line: `kpireview` opens the review; subcommands import, summarise, export, decide.

Errors in input (config, CSV, week strings, databases) print one line naming the place and
exit with code 2; no traceback reaches the user.
"""

from __future__ import annotations

import functools
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kpireview.errors import KpiError

DEFAULT_DB = "sample.db"
DEFAULT_CONFIG = "config/kpis.yaml"


class Failure(click.ClickException):
    """A user-facing error: one line on stderr, exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"kpireview: error: {self.message}", err=True)


class ReviewGroup(click.Group):
    """Runs the TUI when no subcommand is named, and turns known errors into one line."""

    default_command = "tui"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
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
        help="SQLite database file (env KPIREVIEW_DB).",
    )
    @click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path),
        default=DEFAULT_CONFIG,
        envvar="KPIREVIEW_CONFIG",
        show_default=True,
        help="KPI config file (env KPIREVIEW_CONFIG).",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, db_path: Path, config_path: Path, **kwargs: Any) -> Any:
        click.get_current_context().meta["db_path"] = db_path
        return func(*args, db_path=db_path, config_path=config_path, **kwargs)

    return wrapper


@click.group(cls=ReviewGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kpireview")
def cli() -> None:
    """The weekly KPI review in your terminal.

    Run with no command to open the review of the latest week.
    """


@cli.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and count changes; write nothing.")
@store_options
def import_command(file: Path, dry_run: bool, db_path: Path, config_path: Path) -> None:
    """Import snapshots from a CSV file (long or wide format), all rows or none."""
    from kpireview import config, importer
    from kpireview.store import Store

    cfg = config.load(config_path)
    batch = importer.read(file, cfg, progress=sys.stderr.isatty())
    for line in batch.partial_lines():
        click.echo(line, err=True)
    with Store(db_path) as store:
        counts = store.upsert_snapshots(batch.rows, source=file.name, dry_run=dry_run)
    click.echo(batch.summary(counts, dry_run=dry_run))


def main() -> None:
    cli(prog_name="kpireview")
