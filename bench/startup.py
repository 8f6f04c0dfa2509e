"""Start-up time of `kpireview` against a hello-world Textual app, in a pseudo-terminal.

Each run starts a process and times it until it exits: bench/hello.py exits once its first
screen is drawn; kpireview exits once the dashboard shows the review (KPIREVIEW_EXIT_WHEN_READY=1).
Runs alternate between the two. Prints the medians and their ratio; prints an `[ok]` or
`[OVER]` line and exits 1 when the ratio is over the budget (see bench/README.md).

    python bench/startup.py [--runs 7] [--db sample.db] [--config config/kpis.yaml] [--size 80x24]
"""

from __future__ import annotations

import argparse
import compileall
import fcntl
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from kpireview import workcopy

ROOT = Path(__file__).resolve().parent.parent
BUDGET = 1.5
TIMEOUT = 30.0


def run_in_pty(argv: list[str], env: dict[str, str], cols: int, rows: int) -> float:
    """Seconds from starting the process to its exit; its output goes to a pseudo-terminal."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, start_new_session=True
    )
    os.close(slave)
    output = bytearray()
    try:
        while proc.poll() is None:
            if time.perf_counter() - start > TIMEOUT:
                proc.kill()
                raise SystemExit(f"timed out: {' '.join(argv)}")
            _drain(master, output)
        elapsed = time.perf_counter() - start
        _drain(master, output)
    finally:
        os.close(master)
    if proc.returncode != 0:
        tail = output[-2000:].decode(errors="replace")
        raise SystemExit(f"exit code {proc.returncode}: {' '.join(argv)}\n{tail}")
    return elapsed


def _drain(fd: int, into: bytearray) -> None:
    """Read what the process wrote, so that it never blocks on a full terminal."""
    while select.select([fd], [], [], 0.005)[0]:
        try:
            data = os.read(fd, 65536)
        except OSError:  # the process closed the terminal
            return
        if not data:
            return
        into += data


def private_copy(db: Path, workdir: Path) -> Path:
    """A copy of the database to time on: the TUI opens its database to write, which puts the
    file in WAL mode, and the committed sample must stay as the generator wrote it."""
    copy = workdir / db.name
    workcopy.backup(db, copy)
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each app (default 7)")
    parser.add_argument("--db", default="sample.db", help="database (default sample.db)")
    parser.add_argument("--config", default="config/kpis.yaml", help="KPI config")
    parser.add_argument("--size", default="80x24", help="terminal size (default 80x24)")
    parser.add_argument(
        "--budget", type=float, default=BUDGET, help=f"ratio allowed (default {BUDGET})"
    )
    args = parser.parse_args()
    cols, rows = (int(x) for x in args.size.lower().split("x"))

    # Bytecode as an installed package has it (an editable install never writes it otherwise).
    compileall.compile_dir(ROOT / "kpireview", quiet=1)
    env = {**os.environ, "TERM": os.environ.get("TERM", "xterm-256color")}
    env.pop("NO_COLOR", None)
    hello = [sys.executable, str(ROOT / "bench" / "hello.py")]
    workdir = tempfile.TemporaryDirectory(prefix="kpireview-startup-")
    db = private_copy(Path(args.db), Path(workdir.name))
    review = [sys.executable, "-c", "from kpireview.cli import main; main()"]
    review += ["--db", str(db), "--config", args.config]
    review_env = {**env, "KPIREVIEW_EXIT_WHEN_READY": "1"}

    times: dict[str, list[float]] = {"hello": [], "kpireview": []}
    run_in_pty(hello, env, cols, rows)  # warm the file cache once
    run_in_pty(review, review_env, cols, rows)
    for i in range(args.runs):
        pair = [("hello", hello, env), ("kpireview", review, review_env)]
        for name, argv, run_env in pair if i % 2 == 0 else pair[::-1]:
            times[name].append(run_in_pty(argv, run_env, cols, rows))

    hello_s, review_s = (statistics.median(times[n]) for n in ("hello", "kpireview"))
    ratio = review_s / hello_s
    for name, values in times.items():
        shown = " ".join(f"{v:.3f}" for v in values)
        median = statistics.median(values)
        print(f"{name:<10} median {median:.3f} s  min {min(values):.3f} s  [{shown}]")
    mark = "[ok]  " if ratio <= args.budget else "[OVER]"
    print(
        f"{mark} start-up {review_s:.3f} s = {ratio:.2f}× hello world {hello_s:.3f} s "
        f"(budget {args.budget}×, {args.size}, {Path(args.db).name})"
    )
    workdir.cleanup()
    sys.exit(0 if ratio <= args.budget else 1)


if __name__ == "__main__":
    main()
