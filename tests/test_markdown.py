"""Meeting notes: structure parsed back with a CommonMark + GFM-tables parser, hostile text inert."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from kpireview import config, export, review
from kpireview.store import Store
from tests.conftest import CONFIG, run

HOSTILE = [
    "a | pipe | or two",
    "line one\nline two\n\nline four",
    "`code` and ``` fences",
    "# not a heading",
    "<script>alert(1)</script> <b>bold</b> &amp; &lt;",
    "- not a list\n1. nor this",
    "> not a quote",
    "**not bold** _nor this_ [not](a link) ![nor](an image)",
    "trailing backslash \\",
    "emoji 📉 and RTL שלום and quotes \"'; DROP TABLE decisions;--",
]


@pytest.fixture
def notes_db(tmp_path: Path) -> Path:
    db = tmp_path / "n.db"
    assert run("sample", "-o", db, "--config", CONFIG, "--weeks", "60").exit_code == 0
    with Store(db) as store:
        for i, text in enumerate(HOSTILE):
            store.add_decision(
                "churn_rate", date(2026, 11, 16), note=text, decision=text, owner=f"o|{i}",
                due=date(2026, 11, 20), expected=text,
            )  # fmt: skip
            store.add_decision("cpa", date(2026, 10, 12), note=text, decision=text, owner="x")
    return db


def notes(db: Path) -> str:
    cfg = config.load(CONFIG)
    with Store(db) as store:
        return export.markdown(review.build(cfg, review.load(cfg, store)))


def parse(text: str):
    return MarkdownIt("commonmark").enable("table").parse(text)


def tables(tokens) -> list[list[int]]:
    """Cell counts per row, for each table."""
    out, rows, cells = [], None, 0
    for t in tokens:
        if t.type == "table_open":
            rows = []
        elif t.type == "tr_open":
            cells = 0
        elif t.type in ("th_open", "td_open"):
            cells += 1
        elif t.type == "tr_close":
            rows.append(cells)
        elif t.type == "table_close":
            out.append(rows)
    return out


def test_tables_stay_tables_with_hostile_notes(notes_db: Path) -> None:
    tokens = parse(notes(notes_db))
    found = tables(tokens)
    assert len(found) == 5  # four pillars and the open actions
    for rows in found:
        assert len(set(rows)) == 1, rows
    pillar_rows = [len(rows) - 1 for rows in found[:4]]
    assert pillar_rows == [len(config.load(CONFIG).in_pillar(p)) for p in
                           ("acquisition", "activation", "retention", "revenue")]  # fmt: skip
    cfg = config.load(CONFIG)
    with Store(notes_db) as store:
        open_actions = review.build(cfg, review.load(cfg, store)).open_actions
    assert len(open_actions) >= 2 * len(HOSTILE)
    assert len(found[4]) == 1 + len(open_actions)  # the header row, then one row per action


def test_no_html_headings_or_lists_leak(notes_db: Path) -> None:
    tokens = parse(notes(notes_db))
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or []}
    html = [c.content for t in tokens for c in t.children or [] if c.type == "html_inline"]
    assert set(html) == {"<br>"}  # only the line breaks we write ourselves
    assert "html_block" not in kinds
    assert "code_inline" not in kinds and "fence" not in kinds and "blockquote_open" not in kinds
    assert "link_open" not in kinds and "image" not in kinds and "em_open" not in kinds
    strong = [
        t.children[i + 1].content
        for t in tokens
        for i, c in enumerate(t.children or [])
        if c.type == "strong_open"
    ]
    assert set(strong) <= {"overdue", "Churn", "Cost per acquisition"}  # only what we bold
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == [
        "Zira weekly KPI review — 2026-W47", "Acquisition", "Activation", "Retention", "Revenue",
        "Flags", "Decisions this week", "Open actions", "Carried over",
    ]  # fmt: skip


def test_text_survives_escaping(notes_db: Path) -> None:
    rendered = MarkdownIt("commonmark").enable("table").render(notes(notes_db))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert "a | pipe | or two" in rendered
    assert "line one<br>line two<br>line four" in rendered  # newlines kept as line breaks
    assert "emoji 📉 and RTL שלום" in rendered
    assert "**not bold** _nor this_ [not](a link)" in rendered


def test_notes_are_deterministic(notes_db: Path) -> None:
    a = run("export", "--db", notes_db, "--config", CONFIG).stdout
    b = run("export", "--db", notes_db, "--config", CONFIG).stdout
    assert a == b and a == notes(notes_db)


def test_overdue_marked_in_open_actions(notes_db: Path) -> None:
    text = notes(notes_db)
    section = text.split("## Open actions")[1].split("## Carried over")[0]
    ours = [line for line in section.splitlines() if "| o\\|" in line]
    assert len(ours) == len(HOSTILE)
    assert all("| 2026-11-20 **overdue** |" in line for line in ours)
