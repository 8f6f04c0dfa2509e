"""Hostile text end to end: labels, segments, notes and owners with quotes, semicolons, markdown,
emoji, right-to-left script and 10,000 characters are stored, shown and exported intact."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from kpireview.export import md
from kpireview.store import Store
from tests.conftest import run

LONG = ("Ünïcødé ‖ 📊 نص طويل | `x` " * 500)[:10_000].strip()
QUOTES = "Revenue \"net\"; DROP TABLE snapshots; -- 'it''s'"
EMOJI = "📈 Sign-ups 🚀 👩‍👩‍👧 ✓ e\u0301"
RTL = "معدل التوقف (churn) שיעור נטישה"
MARKUP = "*Ratio* | `x` <b>b</b> &amp; [l](u) \\ # not a heading"
TITLE = 'Zira "weekly" review; 📊 — مراجعة'
LABELS = {"mrr": QUOTES, "signups": EMOJI, "churn": RTL, "ltv": LONG, "ratio": MARKUP}
PILLARS = {"revenue": "Revenue | € ✓", "growth": "Growth 🚀", "retention": "الاحتفاظ"}
SEGMENTS = ['paid; "quoted"', "Über|Mobile 📱", "עברית", "s" * 10_000]
OWNER = "José O'Neil; ops | 🧑‍💻"
NOTES = [
    "line one; 'quoted' \"dq\"\nline two 📉 שלום",
    LONG,
    "- looks like a list\n# and a heading | with a pipe",
]
WEEKS = ["2026-11-02", "2026-11-09", "2026-11-16"]


def config_text() -> str:
    pillar_of = {"mrr": "revenue", "ltv": "revenue", "ratio": "revenue", "signups": "growth"}
    metrics = [
        {"id": mid, "label": label, "pillar": pillar_of.get(mid, "retention"), "owner": OWNER}
        for mid, label in LABELS.items()
    ]
    metrics[0]["segments"] = SEGMENTS
    metrics[-1]["formula"] = "mrr / signups"
    data = {
        "review": {"title": TITLE},
        "pillars": [{"id": k, "label": v} for k, v in PILLARS.items()],
        "metrics": metrics,
    }
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1_000_000)


def write_csv(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["metric", "week", "value", "segment"])
        for n, week in enumerate(WEEKS):
            for mid in ("mrr", "signups", "churn", "ltv"):
                out.writerow([mid, week, 100 + n, ""])
            for s, segment in enumerate(SEGMENTS):
                out.writerow(["mrr", week, 10 + s + n, segment])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A config and a database holding hostile labels, segments and decisions."""
    tmp = tmp_path_factory.mktemp("unicode")
    cfg, db, data = tmp / "kpis.yaml", tmp / "kpi.db", tmp / "data.csv"
    cfg.write_text(config_text(), encoding="utf-8")
    write_csv(data)
    assert run("import", data, "--db", db, "--config", cfg).exit_code == 0
    for note in NOTES:
        result = run(
            "decide", "mrr", "--week", "2026-W47", "--note", note, "--decision", note,
            "--owner", OWNER, "--expected", note, "--due", "2026-W49", "--db", db, "--config", cfg,
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
    return cfg, db


def output(world: tuple[Path, Path], *args: str) -> str:
    cfg, db = world
    result = run(*args, "--db", db, "--config", cfg)
    assert result.exit_code in (0, 1), result.stderr  # check exits 1 with warnings
    return result.stdout


# --- stored ------------------------------------------------------------------------------------


def test_decisions_are_stored_exactly(world: tuple[Path, Path]) -> None:
    with Store(world[1], must_exist=True) as store:
        saved = store.decisions()
        stored = store.load_snapshots()
    assert [d.note for d in saved] == NOTES
    assert all(d.decision == d.note == d.expected and d.owner == OWNER for d in saved)
    assert {seg for (mid, seg) in stored if mid == "mrr"} == {"", *SEGMENTS}


# --- JSON --------------------------------------------------------------------------------------


def test_json_export_round_trips_every_text(world: tuple[Path, Path]) -> None:
    doc = json.loads(output(world, "export", "--format", "json"))
    assert doc["title"] == TITLE
    assert {p["id"]: p["label"] for p in doc["pillars"]} == PILLARS
    kpis = {k["id"]: k for p in doc["pillars"] for k in p["kpis"]}
    assert {mid: k["label"] for mid, k in kpis.items()} == LABELS
    assert all(k["owner"] == OWNER for k in kpis.values())
    assert [s["name"] for s in kpis["mrr"]["segments"]] == SEGMENTS
    assert [d["note"] for d in doc["decisions"]] == NOTES
    assert {d["owner"] for d in doc["decisions"]} == {OWNER}


def test_decisions_json_round_trips(world: tuple[Path, Path]) -> None:
    items = json.loads(output(world, "decisions", "--format", "json"))
    assert [(d["note"], d["decision"], d["expected"], d["owner"]) for d in items] == [
        (n, n, n, OWNER) for n in NOTES
    ]


# --- text --------------------------------------------------------------------------------------


def fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def test_summary_shows_each_label(world: tuple[Path, Path]) -> None:
    text = output(world, "summary")
    assert TITLE in text.splitlines()[0]
    for label in list(LABELS.values()) + [p.upper() for p in PILLARS.values()]:
        assert fit(label, 24) in text, label


def test_decisions_listing_shows_notes_and_owners(world: tuple[Path, Path]) -> None:
    lines = output(world, "decisions").splitlines()
    assert len(lines) == 1 + len(NOTES)
    for line, note in zip(lines[1:], NOTES, strict=True):
        assert line.endswith(" ".join(note.split()))  # on one line, whitespace folded
        assert fit(OWNER, 10) in line


def test_check_names_an_unlisted_segment_intact(world: tuple[Path, Path], tmp_path: Path) -> None:
    cfg, db = world
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    extra = 'Ωmega; "q" 📱'
    with Store(copy) as store:
        store.upsert_snapshots([("mrr", date(2026, 11, 16), extra, 1.0)])
    text = output((cfg, copy), "check")
    assert f"warning: mrr: segments '{extra}' in the data are not in the config" in text


# --- markdown ----------------------------------------------------------------------------------


def markdown_tokens(world: tuple[Path, Path]) -> list[Token]:
    return MarkdownIt("commonmark").enable("table").parse(output(world, "export"))


def tables(tokens: list[Token]) -> list[list[list[str]]]:
    """Each table as rows of cell texts (escapes resolved, inline markup kept as its type)."""
    out: list[list[list[str]]] = []
    inside = False
    for t in tokens:
        if t.type in ("table_open", "table_close"):
            inside = t.type == "table_open"
            out += [[]] if inside else []
        elif inside and t.type == "tr_open":
            out[-1].append([])
        elif inside and t.type == "inline":
            out[-1][-1].append(cell_text(t))
    return out


def cell_text(inline: Token) -> str:
    parts = []
    for child in inline.children or []:
        parts.append(child.content if child.type in ("text", "code_inline") else f"<{child.type}>")
    return "".join(parts)


def test_markdown_tables_stay_valid(world: tuple[Path, Path]) -> None:
    found = tables(markdown_tokens(world))
    assert len(found) == len(PILLARS)  # the pillars' tables; decisions and actions are lists
    for rows in found:
        assert len({len(r) for r in rows}) == 1, [len(r) for r in rows]


def test_markdown_cells_read_back_as_the_labels(world: tuple[Path, Path]) -> None:
    pillar_tables = tables(markdown_tokens(world))[: len(PILLARS)]
    shown = {row[1] for rows in pillar_tables for row in rows[1:]}
    assert shown == set(LABELS.values())


def test_markdown_decisions_keep_owner_and_first_note(world: tuple[Path, Path]) -> None:
    text = output(world, "export")
    section = text.split("## Decisions this week\n\n")[1].split("\n\n## ")[0]
    heads = [line for line in section.splitlines() if line.startswith("- ")]
    assert len(heads) == len(NOTES)
    assert all(h.endswith(f" — {md(OWNER)}, due 4 Dec 2026") for h in heads), heads[0]
    tokens = MarkdownIt("commonmark").enable("table").parse(heads[0])
    inline = next(t for t in tokens if t.type == "inline")
    first = NOTES[0].replace("\n", "<html_inline>")
    assert cell_text(inline).startswith(f"<strong_open>{first}<strong_close>"), cell_text(inline)


def test_markdown_headings_are_the_pillar_labels(world: tuple[Path, Path]) -> None:
    tokens = markdown_tokens(world)
    headings = [
        cell_text(tokens[i + 1])
        for i, t in enumerate(tokens)
        if t.type == "heading_open" and t.tag == "h2"
    ]
    sections = {"News this week", "Still flagged"}
    assert [h for h in headings if h not in sections][: len(PILLARS)] == list(PILLARS.values())


def test_md_escape_is_inert_for_every_label() -> None:
    parser = MarkdownIt("commonmark").enable("table")
    for text in [*LABELS.values(), *SEGMENTS, OWNER, TITLE]:
        inline = parser.parse(md(text))[1]
        assert cell_text(inline) == text
