"""The meeting notes as a small document: headings, paragraphs, lists and tables of spans.

:mod:`kpireview.notes` fills it from the review model; :mod:`kpireview.notes_render` writes
it as GitHub-flavoured markdown or as one self-contained HTML page. Nothing here formats a
number or escapes text: the renderers escape every span for their language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

BLOCKS = "▁▂▃▄▅▆▇█"
SPARK_WEEKS = 12


@dataclass(frozen=True)
class Span:
    """A run of text: ``kind`` "text", "strong", "code" (a unicode sparkline), or "chart"
    (a sparkline in markdown, a drawn chart of ``chart`` in HTML)."""

    text: str
    kind: str = "text"
    chart: object = None  # the KPI a "chart" span draws (kpireview.model.Kpi)


Inline = tuple[Span, ...]


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Para:
    spans: Inline


@dataclass(frozen=True)
class Item:
    spans: Inline
    children: tuple[Inline, ...] = ()


@dataclass(frozen=True)
class Bullets:
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    align: str  # one letter per column: l or r
    rows: tuple[tuple[Inline, ...], ...]


Block = Heading | Para | Bullets | Table


@dataclass
class Doc:
    title: str
    blocks: list[Block] = field(default_factory=list)

    def section(self, title: str, *blocks: Block) -> None:
        self.blocks += [Heading(2, title), *blocks]


def text(*parts: str | Span) -> Inline:
    """Spans from strings (plain text) and spans."""
    return tuple(Span(p) if isinstance(p, str) else p for p in parts)


def strong(s: str) -> Span:
    return Span(s, "strong")


def sparkline(values: Sequence[float | None]) -> str:
    """Unicode blocks, one per value, low to high (· for a missing value)."""
    present = [v for v in values if v is not None]
    if not present:
        return "·" * len(values)
    lo, hi = min(present), max(present)
    top = len(BLOCKS) - 1
    out = []
    for v in values:
        if v is None:
            out.append("·")
        elif hi == lo:
            out.append(BLOCKS[top // 2])
        else:
            out.append(BLOCKS[round((v - lo) / (hi - lo) * top)])
    return "".join(out)


def plural(n: int, word: str, many: str = "") -> str:
    """'1 KPI', '2 KPIs'; ``many`` when the plural is not the word plus s."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def clause(s: str) -> str:
    """A text without the punctuation it ends with, so that ours can follow it."""
    return s.strip().rstrip(".;:,").rstrip()


def sentence(s: str) -> str:
    """A text ending as one sentence does (a full stop added when it has none)."""
    s = clause(s) if s.strip().endswith((";", ":", ",")) else s.strip()
    return s if s.endswith((".", "!", "?")) or not s else s + "."
