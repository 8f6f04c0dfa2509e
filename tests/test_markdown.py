"""Meeting notes: structure parsed back with a CommonMark + GFM-tables parser, hostile text inert,
and what a stakeholder reads: news first, plain words, a legend, each action once."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from kpireview import config, export, review
from kpireview.notes_doc import BLOCKS
from kpireview.presentation import SYMBOLS
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
PILLARS = ("acquisition", "activation", "retention", "revenue")


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


def model(db: Path) -> review.WeekReview:
    cfg = config.load(CONFIG)
    with Store(db) as store:
        return review.build(cfg, review.load(cfg, store))


def notes(db: Path) -> str:
    return export.markdown(model(db))


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


def headings(tokens) -> list[str]:
    return [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]


def section_items(tokens, title: str) -> list[str]:
    """The top-level list items' first lines under the h2 ``title`` (their inline source)."""
    start = next(i for i, t in enumerate(tokens) if t.type == "inline" and t.content == title)
    out, depth = [], 0
    for t in tokens[start + 1 :]:
        if t.type == "heading_open" and t.tag == "h2":
            break
        if t.type == "bullet_list_open":
            depth += 1
        elif t.type == "bullet_list_close":
            depth -= 1
        elif t.type == "inline" and depth == 1:
            out.append(t.content)
    return out


def test_headings_tables_and_lists_in_order(notes_db: Path) -> None:
    tokens = parse(notes(notes_db))
    assert headings(tokens) == [
        "Zira weekly KPI review — 2026-W47", "News this week", "Still flagged", "Acquisition",
        "Activation", "Retention", "Revenue", "Decisions this week", "Closed this week",
        "Open actions", "Initiatives",
    ]  # fmt: skip
    found = tables(tokens)
    assert len(found) == 4  # one per pillar; decisions and actions are lists
    cfg = config.load(CONFIG)
    for rows, pillar in zip(found, PILLARS, strict=True):
        assert set(rows) == {8}, rows
        assert len(rows) == 1 + len(cfg.in_pillar(pillar))
    r = model(notes_db)
    assert len(section_items(tokens, "Decisions this week")) == len(r.decisions) == len(HOSTILE)
    assert len(section_items(tokens, "Open actions")) == len(r.carried_over) >= len(HOSTILE)


def test_no_html_headings_or_lists_leak(notes_db: Path) -> None:
    tokens = parse(notes(notes_db))
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or []}
    html = [c.content for t in tokens for c in t.children or [] if c.type == "html_inline"]
    assert set(html) == {"<br>"}  # only the line breaks we write ourselves
    assert "html_block" not in kinds and "fence" not in kinds and "blockquote_open" not in kinds
    assert "link_open" not in kinds and "image" not in kinds and "em_open" not in kinds
    codes = {c.content for t in tokens for c in t.children or [] if c.type == "code_inline"}
    spark = re.compile(f"^[{BLOCKS}·]{{12}}$")
    legend = set(SYMBOLS.values()) | {"▼", "▲", "▁▃▇", "unusual", "drifting", "new level"}
    assert all(spark.match(c) or c in legend for c in codes), codes  # ours only
    assert len(headings(tokens)) == 11  # none from the stored texts


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
    items = section_items(parse(notes(notes_db)), "Open actions")
    ours = [item for item in items if "— x" in item]
    assert len(ours) == len(HOSTILE) and not any("overdue" in i for i in ours)  # no due date
    churn = [item for item in items if "o\\|" in item]
    assert churn == []  # decided this week: listed under the week's decisions, not here
    decided = section_items(parse(notes(notes_db)), "Decisions this week")
    assert all(", due 20 Nov 2026" in item for item in decided)


def test_news_first_in_plain_words_with_a_sparkline(sample_db: Path) -> None:
    r = model(sample_db)
    text = export.markdown(r)
    tokens = parse(text)
    news = section_items(tokens, "News this week")
    expected = [k for k in r.in_order if k.headline and ((k.lead and k.lead.new) or any(
        f.rule == "target" for f in k.flags))]  # fmt: skip
    assert len(news) == len(expected) >= 5
    for item, k in zip(news, expected, strict=True):
        assert re.match(f"^[▼▲] `[{BLOCKS}·]{{12}}` {re.escape(k.label)}", item), item
    churn = next(i for i in news if "Churn moved" in i)
    assert churn.count(".") >= 2 and "(off track)." in churn  # one sentence per flag
    for jargon in ("natural limit", "baseline", "press v", "proposed:", "limit, run", "near"):
        assert jargon not in text, jargon
    for stray in (".;", ".:", "..", ";.", " ,", ":."):
        assert stray not in text.replace("...", ""), stray
    assert text.index("## News this week") < text.index("## Acquisition")


def test_legend_names_every_symbol_and_word_used(sample_db: Path) -> None:
    text = export.markdown(model(sample_db))
    legend = next(line for line in text.splitlines() if line.startswith("**Legend:**"))
    symbols = {line.split(" | ")[0][2:] for line in text.splitlines() if line.startswith("| ")}
    symbols -= {"", "---"}
    assert symbols and all(f"`{s}`" in legend for s in symbols), symbols
    statuses = {line.split(" | ")[-1].rstrip(" |") for line in text.splitlines()
                if line.startswith("| ") and "---" not in line}  # fmt: skip
    words = {w.strip() for s in statuses for w in s.split(",")} - {"", "Status"}
    words -= {"met", "on track", "at risk", "off track"}  # said by the symbols' entries
    assert words and all(f"`{w}`" in legend for w in words), words
    assert "`?`" not in legend  # nothing missing this week: not explained


def test_each_open_action_once_with_who_and_due(sample_db: Path) -> None:
    text = export.markdown(model(sample_db))
    assert "## Carried over" not in text
    assert text.count("Pause the two worst paid campaigns") == 1
    line = next(x for x in text.splitlines() if "Pause the two worst" in x)
    assert line == (
        "- **Pause the two worst paid campaigns and re-bid the rest** — growth, "
        "due 20 Nov 2026, **overdue**"
    )
    assert "2 actions open from earlier weeks (1 overdue)" in text.split("\n\n")[1]


def test_decisions_closed_this_week_with_their_outcome(
    sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "c.db"
    db.write_bytes(sample_db.read_bytes())
    monkeypatch.setenv("KPIREVIEW_NOW", "2026-11-24T09:00:00+00:00")  # the week after W47
    with Store(db) as store:
        made = store.add_decision("mrr", date(2026, 10, 19), note="pacing behind.",
                                  decision="Push annual plans.", owner="finance",
                                  expected="+5% by 2026-W50")  # fmt: skip
        store.update_decision(made, editor="ana", status="done")
        old = store.add_decision("mrr", date(2026, 10, 5), note="old", decision="Old one")
    monkeypatch.setenv("KPIREVIEW_NOW", "2026-11-02T09:00:00+00:00")
    with Store(db) as store:
        store.update_decision(old, editor="ana", status="dropped")  # closed weeks ago
    r = model(db)
    assert [c.decision.id for c in r.closed] == [made]
    text = export.markdown(r)
    closed = text.split("## Closed this week\n\n")[1].split("\n\n")[0].splitlines()
    assert closed[0] == "- **Push annual plans** — finance, done on 24 Nov 2026"
    assert closed[1].startswith("  - MRR $") and "since 2026-W43 (target $520.0k)." in closed[1]
    assert closed[2] == "  - Why: pacing behind."
    assert closed[3].startswith("  - Expected: +5% by 2026-W50 (") and closed[3].endswith(").")
    assert "Old one" not in text


@pytest.mark.parametrize("n, word, said", [(1, "decision", "1 decision"), (2, "KPI", "2 KPIs")])
def test_plurals(n: int, word: str, said: str) -> None:
    from kpireview.notes_doc import plural

    assert plural(n, word) == said


def test_sparkline_blocks() -> None:
    from kpireview.notes_doc import sparkline

    assert sparkline([1.0, 2.0, 3.0, 8.0]) == "▁▂▃█"
    assert sparkline([None, 5.0, 5.0]) == "·▄▄"
    assert sparkline([None, None]) == "··"


def test_decision_lines_without_a_note_or_an_action_or_a_kpi(
    sample_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "d.db"
    db.write_bytes(sample_db.read_bytes())
    with Store(db) as store:
        store.add_decision("mrr", date(2026, 11, 16), note="", decision="Raise prices.")
        store.add_decision("arpu", date(2026, 11, 16), note="Only a note;", decision="")
        store.add_decision("gone_kpi", date(2026, 11, 2), note="why", decision="Old action")
    text = export.markdown(model(db))
    decided = text.split("## Decisions this week\n\n")[1].split("\n\n")[0].splitlines()
    assert decided == [
        "- **Raise prices**",
        "  - On MRR.",
        "- **Only a note**",
        "  - On ARPU.",
    ]
    opened = text.split("## Open actions\n\n")[1].split("\n\n")[0]
    assert opened.count("**Old action**") == 1 and "  - Why: why." in opened
    assert "3 actions open from earlier weeks" in text.split("\n\n")[1]
