"""The command line: `kpireview` opens the review; subcommands import, summarise, export, decide.

Errors in input (config, CSV, week strings, databases) print one line naming the place and
exit with code 2; no traceback reaches the user.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import click

from kpireview.commands.data import (
    check_command,
    history_command,
    import_command,
    init_command,
    sample_command,
)
from kpireview.commands.decisions import decide_command, decisions_command
from kpireview.commands.options import (
    DEFAULT_CONFIG,
    DEFAULT_DB,
    echo,
    load_review,
    no_data_message,
    parse_week_option,
    store_options,
    wants_colour,
    week_option,
)
from kpireview.commands.process import acknowledge_command, divide_command, dividers_command
from kpireview.commands.review import (
    export_command,
    initiatives_command,
    summary_command,
    tree_command,
    tui_command,
)
from kpireview.commands.serve import serve_command
from kpireview.errors import KpiError

__all__ = [
    "DEFAULT_CONFIG", "DEFAULT_DB", "Failure", "ReviewGroup", "cli", "echo", "load_review",
    "main", "no_data_message", "parse_week_option", "store_options", "wants_colour",
    "week_option",
]  # fmt: skip
COMMANDS = (
    init_command, import_command, tui_command, summary_command, export_command, decide_command,
    decisions_command, history_command, sample_command, check_command, divide_command,
    dividers_command, acknowledge_command, tree_command, initiatives_command, serve_command,
)  # fmt: skip


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


@click.group(cls=ReviewGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kpireview")
def cli() -> None:
    """The weekly KPI review in your terminal.

    Run with no command to open the review of the latest week.
    """


for command in COMMANDS:
    cli.add_command(command)


def main() -> None:
    cli(prog_name="kpireview")
