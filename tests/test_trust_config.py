"""Config graphs are checked in linear time; absurd depth is one line; big configs load."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kpireview import config, sample
from kpireview.config import ConfigError
from tests.conftest import CONFIG, run
from tests.test_bad_input import assert_one_line

HEAD = "pillars:\n  - {id: revenue, label: Revenue}\nmetrics:\n"
ROOT = Path(__file__).resolve().parent.parent


def fibonacci_config(n: int) -> str:
    """Two stored KPIs, then ``n`` derived ones that each read the two before."""
    lines = [
        "  - {id: k0, label: K0, pillar: revenue}",
        "  - {id: k1, label: K1, pillar: revenue}",
    ]
    lines += [
        f"  - {{id: k{i}, label: K{i}, pillar: revenue, formula: k{i - 1} + k{i - 2}}}"
        for i in range(2, n + 2)
    ]
    return HEAD + "\n".join(lines) + "\n"


def chain_config(n: int) -> str:
    lines = ["  - {id: k0, label: K0, pillar: revenue}"]
    lines += [
        f"  - {{id: k{i}, label: K{i}, pillar: revenue, formula: k{i - 1} * 1}}"
        for i in range(1, n + 1)
    ]
    return HEAD + "\n".join(lines) + "\n"


def test_many_derived_kpis_reading_each_other(tmp_path: Path) -> None:
    """Forty derived KPIs that each read the two before: the config loads and the review builds.

    Walking every path through such a graph takes 2**40 steps; the commands run in a child
    process so that a regression shows as a failure rather than a stuck test run.
    """
    cfg, csv, db = tmp_path / "c.yaml", tmp_path / "f.csv", tmp_path / "kpi.db"
    cfg.write_text(fibonacci_config(40))
    csv.write_text("metric,week,value\nk0,2026-W47,1\nk1,2026-W47,1\nk0,2026-W46,1\n")
    script = (
        "import sys\nfrom kpireview.cli import main\n"
        f"sys.argv = ['kpireview', 'import', {str(csv)!r}, '--db', {str(db)!r}, "
        f"'--config', {str(cfg)!r}]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        f"sys.argv = ['kpireview', 'summary', '--db', {str(db)!r}, '--config', {str(cfg)!r}]\n"
        "main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert "K41" in proc.stdout


def test_a_long_chain_of_derived_kpis_works(tmp_path: Path) -> None:
    cfg, csv, db = tmp_path / "c.yaml", tmp_path / "f.csv", tmp_path / "kpi.db"
    cfg.write_text(chain_config(150))
    csv.write_text("metric,week,value\nk0,2026-W47,2\nk0,2026-W46,3\n")
    assert run("import", csv, "--db", db, "--config", cfg).exit_code == 0
    result = run("summary", "--db", db, "--config", cfg)
    assert result.exit_code == 0, result.stderr
    assert run("check", "--db", db, "--config", cfg).exit_code in (0, 1)


def test_an_absurdly_long_chain_is_one_line(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(chain_config(1200))
    result = run("check", "--db", tmp_path / "kpi.db", "--config", cfg)
    assert result.exit_code == 2
    assert_one_line(result.stderr, "formula: derived KPIs nest more than 200 deep")


def test_a_cycle_through_a_long_chain(tmp_path: Path) -> None:
    text = chain_config(1500).replace("{id: k0, label: K0, pillar: revenue}",
                                      "{id: k0, label: K0, pillar: revenue, formula: k1500 + 1}")  # fmt: skip
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"formula cycle: k0 -> k1500 -> k1499 -> .* -> k0"):
        config.load(path)


@pytest.mark.parametrize(
    "text",
    [
        "metrics: " + "[" * 100_000 + "]" * 100_000 + "\n",
        "metrics: " + "[" * 5_000 + "]" * 5_000 + "\n",
        "metrics:\n" + "".join(" " * i + "- \n" for i in range(3000)),
        "a0: &a0 [1]\n"
        + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 3000))
        + "metrics: *a2999\n",
    ],
    ids=["flow-100k", "flow-5k", "block-3k", "alias-chain"],
)
def test_deeply_nested_yaml_is_one_line(tmp_path: Path, text: str) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    proc = subprocess.run(
        [sys.executable, "-c", "from kpireview.cli import main; main()", "check",
         "--db", str(tmp_path / "kpi.db"), "--config", str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr[-500:]
    assert_one_line(proc.stderr, "nested more than 100 deep")


def test_the_config_sample_writes_for_many_kpis_loads(tmp_path: Path) -> None:
    cfg = config.load(CONFIG)
    path = tmp_path / "big.yaml"
    path.write_text(sample._config_text(cfg, sample.synthetic_metrics(cfg, 30_000)))
    assert len(config.load(path).metrics) == 30_000
