"""The notes document (:mod:`kpireview.notes_doc`) as GitHub-flavoured markdown or as one
self-contained HTML page (inline CSS and SVG charts: no script, nothing fetched).

Every stored text is escaped for the language written: inert markdown (:func:`export.md`),
or HTML with its control characters made visible (:func:`text.safe`) and ``<&>"'`` escaped.
"""

from __future__ import annotations

import html as _html
from collections.abc import Callable, Sequence

from kpireview.model import Kpi
from kpireview.notes_doc import Block, Bullets, Doc, Heading, Inline, Item, Para
from kpireview.text import safe

# --- markdown ---------------------------------------------------------------------------------


def markdown(doc: Doc) -> str:
    parts = [f"# {_md(doc.title)}", ""]
    for block in doc.blocks:
        parts += [*_md_block(block), ""]
    return "\n".join(parts).rstrip("\n") + "\n"


def _md(s: str) -> str:
    from kpireview.export import md

    return md(s)


def _md_block(block: Block) -> list[str]:
    if isinstance(block, Heading):
        return [f"{'#' * block.level} {_md(block.text)}"]
    if isinstance(block, Para):
        return [_md_inline(block.spans)]
    if isinstance(block, Bullets):
        out = []
        for item in block.items:
            out.append(f"- {_md_inline(item.spans)}")
            out += [f"  - {_md_inline(child)}" for child in item.children]
        return out
    align = {"l": "---", "r": "---:"}
    return [
        "| " + " | ".join(_md(h) for h in block.header) + " |",
        "|" + "|".join(align[a] for a in block.align) + "|",
        *("| " + " | ".join(_md_inline(c) for c in row) + " |" for row in block.rows),
    ]


def _md_inline(spans: Inline) -> str:
    out = []
    for s in spans:
        if s.kind == "strong":
            out.append(f"**{_md(s.text)}**")
        elif s.kind in ("code", "chart"):
            out.append(f"`{s.text}`")  # a sparkline or a symbol: no backtick in it
        else:
            out.append(_spaced(s.text, _md))
    return "".join(out)


def _spaced(s: str, escape: Callable[[str], str]) -> str:
    """``escape`` of the text, the spaces around it kept."""
    core = s.strip()
    if not core:
        return s
    start = s.index(core[0])
    return s[:start] + escape(core) + s[start + len(core) :]


# --- HTML -------------------------------------------------------------------------------------

STYLE = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;
margin:0;background:#fff}
main{max-width:60em;margin:0 auto;padding:1.5em}
h1{font-size:1.6em;border-bottom:1px solid #d1d9e0;padding-bottom:.3em}
h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #d1d9e0;padding-bottom:.2em}
table{border-collapse:collapse;margin:.5em 0;font-size:14px}
th,td{border:1px solid #d1d9e0;padding:.25em .6em;vertical-align:top}
th{background:#f6f8fa;text-align:left}
td.r{text-align:right;white-space:nowrap}
code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.95em}
li{margin:.35em 0}
li.flag{display:flex;gap:.8em;align-items:flex-start;list-style:none;margin-left:-1.2em}
li.flag svg{flex:none;border:1px solid #eaeef2}
li.flag ul{margin:.2em 0;padding-left:1.2em;color:#57606a}
""".strip()


def html(doc: Doc) -> str:
    """The notes as one HTML page."""
    title = _h(doc.title)
    body = "\n".join(_html_block(b) for b in doc.blocks)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{title}</h1>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _h(s: str) -> str:
    """Stored text as inert HTML: control characters shown, specials escaped, lines kept."""
    return "<br>".join(_html.escape(safe(line), quote=True) for line in s.splitlines())


def _html_block(block: Block) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level}>{_h(block.text)}</h{block.level}>"
    if isinstance(block, Para):
        return f"<p>{_html_inline(block.spans)}</p>"
    if isinstance(block, Bullets):
        return "<ul>\n" + "\n".join(_html_item(i) for i in block.items) + "\n</ul>"
    head = "".join(f"<th>{_h(h)}</th>" for h in block.header)
    rows = []
    for row in block.rows:
        cells = "".join(
            f"<td{' class=r' if a == 'r' else ''}>{_html_inline(c)}</td>"
            for a, c in zip(block.align, row, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    return (
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + ("\n</tbody>\n</table>")
    )


def _html_item(item: Item) -> str:
    """A list item; one with a chart: the chart beside its text and sub-items."""
    kids = "".join(f"<li>{_html_inline(c)}</li>" for c in item.children)
    kids = f"<ul>{kids}</ul>" if kids else ""
    charts = [s for s in item.spans if s.kind == "chart"]
    if not charts:
        return f"<li>{_html_inline(item.spans)}{kids}</li>"
    rest = tuple(s for s in item.spans if s.kind != "chart")
    drawn = _html_inline(tuple(charts))
    return f'<li class="flag">{drawn}<div>{_html_inline(rest).strip()}{kids}</div></li>'


def _html_inline(spans: Inline) -> str:
    out = []
    for s in spans:
        if s.kind == "strong":
            out.append(f"<strong>{_h(s.text)}</strong>")
        elif s.kind == "code":
            out.append(f"<code>{_h(s.text)}</code>")
        elif s.kind == "chart" and isinstance(s.chart, Kpi):
            out.append(chart(s.chart))
        else:
            out.append(_spaced(s.text, _h))
    return "".join(out)


# --- SVG --------------------------------------------------------------------------------------

W, H, PAD = 220, 56, 4
LINE = "#0969da"
BAND = "#cfe8fc"  # the expected band
COLOUR = {"good": "#1a7f37", "bad": "#cf222e", None: "#57606a"}


def chart(k: Kpi) -> str:
    """A small line chart of the KPI's weeks, with its expected band at the reviewed week
    (across the chart for a flat band; a bar at the last week for a sloped one) and a
    stay-above/below target as a dashed line."""
    values = [p.value for p in k.history]
    lim = k.limits
    t = k.target
    target = t.value if t is not None and t.criterion != "reach" else None
    span = [v for v in values if v is not None]
    if lim is not None:
        span += [lim.lower, lim.upper]
    if target is not None:
        span.append(target)
    if not span or len(values) < 2:
        return ""
    lo, hi = min(span), max(span)
    lo, hi = (lo - 1, hi + 1) if lo == hi else (lo, hi)

    def x(i: int) -> float:
        return round(PAD + i * (W - 2 * PAD) / (len(values) - 1), 1)

    def y(v: float) -> float:
        return round(H - PAD - (v - lo) / (hi - lo) * (H - 2 * PAD), 1)

    parts = []
    if lim is not None:
        left = PAD if lim.method == "flat" else x(len(values) - 1) - 4
        right = W - PAD if lim.method == "flat" else x(len(values) - 1) + 4
        parts.append(
            f'<rect x="{left}" y="{y(lim.upper)}" width="{round(right - left, 1)}" '
            f'height="{round(y(lim.lower) - y(lim.upper), 1)}" fill="{BAND}"/>'
        )
    if target is not None:
        parts.append(
            f'<line x1="{PAD}" y1="{y(target)}" x2="{W - PAD}" y2="{y(target)}" '
            'stroke="#9a6700" stroke-dasharray="3 2"/>'
        )
    for run in _runs(values):
        points = " ".join(f"{x(i)},{y(v)}" for i, v in run)
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="#0969da" stroke-width="1.5"/>'
        )
    last = next(((i, v) for i, v in reversed(list(enumerate(values))) if v is not None), None)
    if last is not None:
        tone = k.lead.tone if k.lead is not None else None
        parts.append(f'<circle cx="{x(last[0])}" cy="{y(last[1])}" r="2.5" fill="{COLOUR[tone]}"/>')
    label = _h(f"{k.label}: the last {len(values)} weeks")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}" role="img" aria-label="{label}"><title>{label}</title>'
        + "".join(parts)
        + "</svg>"
    )


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """The values as unbroken runs of (index, value); a missing value breaks the line."""
    runs: list[list[tuple[int, float]]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            runs.append([])
        else:
            runs[-1].append((i, v))
    return [r for r in runs if r]
