"""`kpireview export --format html`: the notes as one self-contained page, every text inert."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from kpireview import config, export, notes, review
from kpireview.store import Store
from tests.conftest import CONFIG, run

EVIL = '<script>alert(1)</script><img src=x onerror=alert(2)> \x1b]52;c;aGk=\x07 \u202e & "q"'
VOID = {"meta", "br", "rect", "line", "polyline", "circle"}


class Tags(HTMLParser):
    """Every element opened, its attributes, and whether each closes in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.opened: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.opened.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.opened.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(text: str) -> Tags:
    tags = Tags()
    tags.feed(text)
    tags.close()
    assert tags.stack == []
    return tags


def test_html_is_one_page_without_script_or_network(sample_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "notes.html"
    result = run("export", "--format", "html", "-o", out, "--db", sample_db, "--config", CONFIG)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    tags = parsed(text)
    names = {tag for tag, _ in tags.opened}
    assert not names & {"script", "iframe", "img", "link", "object", "embed", "base", "a"}
    for _, attrs in tags.opened:
        assert not any(k.startswith("on") or k in ("src", "href") for k in attrs), attrs
    assert "http" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    headings = [tag for tag, _ in tags.opened if tag in ("h1", "h2")]
    assert headings[:3] == ["h1", "h2", "h2"] and names >= {"table", "ul", "svg", "polyline"}


def test_html_has_a_chart_per_flagged_kpi_in_the_same_order_as_the_markdown(
    sample_db: Path,
) -> None:
    cfg = config.load(CONFIG)
    with Store(sample_db) as store:
        r = review.build(cfg, review.load(cfg, store))
    page = export.html(r)
    tags = parsed(page)
    charts = [a["aria-label"] for tag, a in tags.opened if tag == "svg"]
    flagged = [k for k in r.in_order if k.headline]
    news = [k.label for k in flagged if notes.is_news(k)]
    assert [c.rsplit(": the last", 1)[0] for c in charts] == news + [
        k.label for k in flagged if not notes.is_news(k)
    ]
    assert sum(tag == "rect" for tag, _ in tags.opened) >= 1  # an expected band drawn
    words = " ".join(tags.text)
    assert "Churn moved to a new level from 2026-W44" in words
    assert "Open actions" in words and "Legend:" in words


def test_stored_text_comes_out_inert(sample_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "evil.db"
    db.write_bytes(sample_db.read_bytes())
    with Store(db) as store:
        store.add_decision("churn_rate", date(2026, 11, 16), note=EVIL, decision=EVIL, owner=EVIL)
    page = run("export", "--format", "html", "--db", db, "--config", CONFIG).stdout
    tags = parsed(page)
    assert {tag for tag, _ in tags.opened}.isdisjoint({"script", "img"})
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in page
    assert "\x1b" not in page and "\x07" not in page and "\u202e" not in page
    assert "␛]52;c;aGk=␇" in page  # the control characters shown, not acted on
    assert "&amp; &quot;q&quot;" in page
