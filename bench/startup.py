"""Start-up of `kpireview` as a person sees it, against a hello-world Textual app, in tmux.

Each run starts the app in a detached tmux session of the given size and reads the screen
(`capture-pane`) every few milliseconds until the populated dashboard is on it: no "Loading",
and every KPI row on the screen shows its state symbol and a sparkline. The hello-world app
(bench/hello.py) is timed the same way, until its text is on the screen. Each app is killed
once timed. Runs alternate between the two. Prints the medians, minimums and their ratio;
prints an `[ok]` or `[OVER]` line per size and exits 1 when a ratio is over the budget (see
bench/README.md).

    python bench/startup.py [--runs 7] [--db sample.db] [--config config/kpis.yaml]
                            [--size 80x24,160x45] [--budget 1.3]
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import os
import re
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET = 1.3
TIMEOUT = 60.0
POLL = 0.004  # seconds between two looks at the screen
HELLO_TEXT = "Hello, world"
BRAILLE = re.compile("[\u2801-\u28ff]")  # a sparkline cell with at least one dot
BORDERS = re.compile("[│┃]")  # the side borders of panes laid out side by side

Ready = Callable[[list[str]], bool]


# --- what the screen shows ---------------------------------------------------------------------


def hello_ready(lines: list[str]) -> bool:
    """The hello-world app's text is on the screen."""
    return any(HELLO_TEXT in line for line in lines)


def kpi_rows(lines: Iterable[str], labels: set[str]) -> list[str]:
    """The pieces of screen lines that are a KPI's row: a pane's piece (between its side
    borders) whose name column, after the symbol column, is a KPI label or its start cut
    with "…"."""
    rows = []
    for line in lines:
        for piece in BORDERS.split(line):
            name = piece[3:].split("  ")[0].strip()
            if name in labels or (
                name.endswith("…") and any(label.startswith(name[:-1]) for label in labels)
            ):
                rows.append(piece)
    return rows


def dashboard_ready(lines: list[str], labels: set[str]) -> bool:
    """The populated dashboard is on the screen: nothing says "Loading", some KPI rows are
    visible, and every one shows its state symbol (a value is in) and a sparkline."""
    if any("Loading" in line for line in lines):
        return False
    rows = kpi_rows(lines, labels)
    return bool(rows) and all(row[1] != " " and BRAILLE.search(row) for row in rows)


# --- tmux ----------------------------------------------------------------------------------------


class Tmux:
    """A private tmux server, driven through one control-mode client (no process per look)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.socket = f"kpireview-startup-{os.getpid()}"
        argv = ["tmux", "-L", self.socket, "-f", os.devnull, "-C", "new-session", "-s", "bench"]
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=ROOT
        )
        self.command("refresh-client -f no-output")
        self.path = Path(self.command("display-message -p '#{socket_path}'")[0])
        self.command("set-option -g remain-on-exit on")  # an app that fails leaves its screen

    def command(self, text: str) -> list[str]:
        """Run one tmux command; its output lines (raises SystemExit on a tmux error)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(text.encode() + b"\n")
        self.proc.stdin.flush()
        out: list[str] | None = None
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            if out is None:
                # A block that answers this client (flags 1); the session's own comes first.
                if line.startswith("%begin") and line.endswith(" 1"):
                    out = []
            elif line.startswith(("%end", "%error")):
                if line.startswith("%error"):
                    raise SystemExit(f"tmux {text!r}: {' '.join(out)}")
                return out
            else:
                out.append(line)
        raise SystemExit("tmux stopped")

    def start(self, argv: list[str], cols: int, rows: int) -> int:
        """Start a program in a new detached session "run"; its process id."""
        args = " ".join(shlex.quote(a) for a in argv)
        fmt = "'#{pane_pid}'"
        return int(self.command(f"new-session -d -P -F {fmt} -s run -x {cols} -y {rows} {args}")[0])

    def screen(self) -> list[str]:
        return self.command("capture-pane -p -t run")

    def dead(self) -> bool:
        return self.command("display-message -p -t run '#{pane_dead}'") == ["1"]

    def stop(self, pid: int) -> None:
        """Kill the program, wait until tmux saw it end, and close its session."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        end = time.perf_counter() + 5
        while not self.dead() and time.perf_counter() < end:
            time.sleep(0.002)
        self.command("kill-session -t run")

    def close(self) -> None:
        with contextlib.suppress(SystemExit):  # the client ends with the server
            self.command("kill-server")
        self.proc.wait(timeout=5)
        self.path.unlink(missing_ok=True)


def time_to_screen(tmux: Tmux, argv: list[str], ready: Ready, cols: int, rows: int) -> float:
    """Seconds from starting the program until ``ready`` holds for its screen."""
    start = time.perf_counter()
    pid = tmux.start(argv, cols, rows)
    try:
        while True:
            lines = tmux.screen()
            now = time.perf_counter()
            if ready(lines):
                return now - start
            if now - start > TIMEOUT or tmux.dead():
                why = "timed out" if now - start > TIMEOUT else "exited"
                screen = "\n".join(lines)
                raise SystemExit(f"{why} before its screen was ready: {' '.join(argv)}\n{screen}")
            time.sleep(POLL)
    finally:
        tmux.stop(pid)


# --- the bench -----------------------------------------------------------------------------------


def private_copy(db: Path, workdir: Path) -> Path:
    """A copy of the database to time on: the TUI opens its database to write, which puts the
    file in WAL mode, and the committed sample must stay as the generator wrote it."""
    from kpireview import workcopy

    copy = workdir / db.name
    workcopy.backup(db, copy)
    return copy


def keep_bands(db: Path, config_path: Path) -> None:
    """Compute the latest week's expected bands into the run's own cache file, as `import`
    and `sample` leave them after writing: the review a team opens after its weekly import."""
    from kpireview import config
    from kpireview.commands.options import warm_bands

    warm_bands(config.load(config_path), db)


def measure(
    tmux: Tmux, apps: dict[str, tuple[list[str], Ready]], size: tuple[int, int], runs: int
) -> dict[str, list[float]]:
    """Each app ``runs`` times at a size, alternating, after one warm-up run of each."""
    times: dict[str, list[float]] = {name: [] for name in apps}
    for argv, ready in apps.values():
        time_to_screen(tmux, argv, ready, *size)
    order = list(apps.items())
    for i in range(runs):
        for name, (argv, ready) in order if i % 2 == 0 else order[::-1]:
            times[name].append(time_to_screen(tmux, argv, ready, *size))
    return times


def report(times: dict[str, list[float]], size: str, db: str, budget: float) -> bool:
    """Print the figures and the budget line; whether the ratio is within the budget."""
    hello_s, review_s = (statistics.median(times[n]) for n in ("hello", "kpireview"))
    ratio = review_s / hello_s
    for name, values in times.items():
        shown = " ".join(f"{v:.3f}" for v in values)
        median = statistics.median(values)
        print(f"{name:<10} median {median:.3f} s  min {min(values):.3f} s  [{shown}]")
    mark = "[ok]  " if ratio <= budget else "[OVER]"
    print(
        f"{mark} start-up to the populated dashboard {review_s:.3f} s = {ratio:.2f}× hello "
        f"world {hello_s:.3f} s (budget {budget}×, {size}, {db})",
        flush=True,
    )
    return ratio <= budget


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each app (default 7)")
    parser.add_argument("--db", default="sample.db", help="database (default sample.db)")
    parser.add_argument("--config", default="config/kpis.yaml", help="KPI config")
    parser.add_argument(
        "--size", default="80x24,160x45", help="terminal sizes, comma-separated (80x24,160x45)"
    )
    parser.add_argument(
        "--budget", type=float, default=BUDGET, help=f"ratio allowed (default {BUDGET})"
    )
    args = parser.parse_args()
    sizes = [tuple(int(x) for x in s.lower().split("x")) for s in args.size.split(",")]

    from kpireview import config

    labels = {m.label for m in config.load(Path(args.config)).metrics}
    # Bytecode as an installed package has it (an editable install never writes it otherwise).
    compileall.compile_dir(ROOT / "kpireview", quiet=1)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TMUX", "TMUX_PANE")}
    workdir = tempfile.TemporaryDirectory(prefix="kpireview-startup-")
    db = private_copy(Path(args.db), Path(workdir.name))
    env["KPIREVIEW_CACHE"] = os.environ["KPIREVIEW_CACHE"] = str(
        Path(workdir.name) / "bands.sqlite"
    )
    keep_bands(db, Path(args.config))
    review = [sys.executable, "-c", "from kpireview.cli import main; main()"]
    review += ["--db", str(db), "--config", str(Path(args.config).resolve())]
    apps: dict[str, tuple[list[str], Ready]] = {
        "hello": ([sys.executable, str(ROOT / "bench" / "hello.py")], hello_ready),
        "kpireview": (review, lambda lines: dashboard_ready(lines, labels)),
    }
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still close the tmux server
    tmux = Tmux(env)
    ok = True
    try:
        for (cols, rows), size in zip(sizes, args.size.split(","), strict=True):
            times = measure(tmux, apps, (cols, rows), args.runs)
            ok = report(times, size, Path(args.db).name, args.budget) and ok
    finally:
        tmux.close()
        workdir.cleanup()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
