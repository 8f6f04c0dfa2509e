"""The README's command examples, produced by running the commands.

`cog -r README.md` (from the repository's root) rewrites each example from a real run;
tests/test_readme.py fails when the README differs from what the commands print today.

The examples run in order, in a temporary directory, against one sample database (`team.db`,
made by `kpireview sample`) and the small files of tests/fixtures/readme/. The clock, the
user name and the band cache are fixed, so the output is the same on every machine.
"""

from __future__ import annotations

import shlex
import shutil
import tempfile
from contextlib import chdir
from pathlib import Path

from click.testing import CliRunner

from kpireview.cli import cli

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "readme"


def config_without_initiatives() -> str:
    """The sample's config text without its own initiatives (for examples that add theirs)."""
    text = (ROOT / "config" / "kpis.yaml").read_text()
    return text[: text.index("\n# Initiatives:")] + "\n"


ENV = {
    "KPIREVIEW_NOW": "2026-11-24T09:00:00+00:00",  # the Tuesday after the sample's last week
    "KPIREVIEW_USER": "maria",
    "KPIREVIEW_CACHE": "off",  # never the user's band cache
    "KPIREVIEW_DB": None,
    "KPIREVIEW_CONFIG": None,
    "NO_COLOR": "1",
}
SETUP = "kpireview sample -o team.db"


class Workspace:
    """Temporary directories the examples run in: `team` (the sample) and `fresh` (empty)."""

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="kpireview-readme-")
        base = Path(self._tmp.name)
        self.dirs = {"team": base / "team", "fresh": base / "fresh"}
        for path in self.dirs.values():
            path.mkdir()
        team = self.dirs["team"]
        (team / "config").mkdir()
        shutil.copy(ROOT / "config" / "kpis.yaml", team / "config" / "kpis.yaml")
        for fixture in FIXTURES.iterdir():
            shutil.copy(fixture, team / fixture.name)
        config = config_without_initiatives()  # the sample's, with other initiatives
        (team / "bets.yaml").write_text(config + (FIXTURES / "initiatives.yaml").read_text())
        self.setup_output = self.run(SETUP, "team")[0]
        shutil.copy(team / "team.db", team / "sample.db")

    def run(self, command: str, where: str) -> tuple[str, int]:
        """Run one `kpireview ...` command in-process; its output as a user sees it."""
        args = shlex.split(command.replace("\\\n", " "))
        assert args[0] == "kpireview", command
        with chdir(self.dirs[where]):
            result = CliRunner(env=ENV).invoke(cli, args[1:], prog_name="kpireview")
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.output, result.exit_code


_workspace: Workspace | None = None


def workspace() -> Workspace:
    global _workspace
    if _workspace is None:
        _workspace = Workspace()
    return _workspace


def reset() -> None:
    """Start the next example from a new workspace (each cog run starts from the sample)."""
    global _workspace
    _workspace = None


def show(*commands: str, where: str = "team", keep: list[tuple[str, int]] | None = None) -> str:
    """A fenced block: each command after `$ `, then what it printed.

    `... > /dev/null; echo $?` prints the exit code only. `keep` abridges long outputs:
    (prefix, n) keeps n lines from the first line that starts with prefix ("" is the first
    line); a gap is shown as `...`.
    """
    lines = ["```"]
    for command in commands:
        lines.append(f"$ {command}")
        if command.endswith("> /dev/null; echo $?"):
            lines.append(str(workspace().run(command.split(" >")[0], where)[1]))
            continue
        output = (
            workspace().setup_output if command == SETUP else workspace().run(command, where)[0]
        )
        lines += abridge(output.splitlines(), keep) if keep else output.splitlines()
    return "\n".join([*lines, "```"]) + "\n"


def abridge(lines: list[str], keep: list[tuple[str, int]]) -> list[str]:
    """The lines `keep` names, with `...` for every gap."""
    out: list[str] = []
    end = 0
    for prefix, count in keep:
        start = next((i for i, line in enumerate(lines) if line.startswith(prefix)), None)
        if start is None:
            raise ValueError(f"no line starts with {prefix!r}:\n" + "\n".join(lines))
        if start > end:
            out.append("...")
        out += lines[start : start + count]
        end = start + count
    if end < len(lines):
        out.append("...")
    return out


def edit(decision_id: int, by: str, **changes: object) -> None:
    """Edit a decision of team.db as the decisions screen does (no command does this)."""
    from kpireview.store import Store

    path = workspace().dirs["team"] / "team.db"
    with CliRunner(env=ENV).isolation(), Store(path) as store:
        store.update_decision(decision_id, editor=by, **changes)
