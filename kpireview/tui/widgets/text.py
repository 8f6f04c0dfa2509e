"""Small text helpers shared by the widgets: fitting, padding and the status styles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text

from kpireview import presentation
from kpireview.text import safe, safe_line

if TYPE_CHECKING:
    from kpireview.review import Kpi

ELLIPSIS = "…"

# The style class of each row state and target status (presentation.state / TargetStatus.status).
STATE_TONE: dict[str | None, str] = {  # None: no target status
    "missing": "warn",
    "alert": "bad",
    "off_track": "bad",
    "at_risk": "warn",
    "signal": "good",
    "met": "good",
    "on_track": "good",
    "quiet": "dim",
}


def fit(text: str, width: int) -> str:
    """Text cut to ``width`` cells, ending in an ellipsis when cut."""
    if width <= 0:
        return ""
    text = safe_line(text)  # one line; control characters shown, not sent
    return text if len(text) <= width else text[: width - 1] + ELLIPSIS


def fit_text(text: Text, width: int) -> Text:
    """Rich text on one line, cut with an ellipsis and padded to exactly ``width`` cells;
    control characters are shown, not sent (see kpireview.text.safe)."""
    out = safe_text(text)
    out.no_wrap = True
    if out.cell_len > width:
        out.truncate(max(width - 1, 0))
        out.append(ELLIPSIS if width > 0 else "")
    out.pad_right(width - out.cell_len)
    return out


def safe_text(text: Text) -> Text:
    """A copy of rich text whose control characters are shown, not sent (same length, so
    its styles stay where they were)."""
    out = text.copy()
    plain = safe(out.plain)
    if plain != out.plain:
        out.plain = plain
    return out


TARGET_FORMS = ("long", "month", "short")  # target_text's forms, longest first


def target_text(kpi: Kpi, form: str = "long") -> str:
    """The KPI's target in words: '4.5% by 31 Mar 2027 (4.3% expected now)', '≤ $45.00'.

    Shorter forms shorten the date and the words, never the values: 'month' reads '4.5% by
    Mar 2027 (4.3% expected now)', 'short' '4.5% by 03/27, 4.3% now'."""
    t = kpi.target
    if t is None:
        return ""
    if t.criterion == "reach" and t.by is not None:
        by = {"long": f"{t.by.day} {t.by:%b %Y}", "month": f"{t.by:%b %Y}"}.get(form)
        if by is None:
            text = f"{kpi.fmt(t.value)} by {t.by:%m/%y}"
            return text + (f", {kpi.fmt(t.expected)} now" if t.expected is not None else "")
        text = f"{kpi.fmt(t.value)} by {by}"
        return text + (f" ({kpi.fmt(t.expected)} expected now)" if t.expected is not None else "")
    word = "≥" if t.criterion == "stay_above" else "≤"
    plan = f"{t.metric} " if t.metric else ""
    reason = f" ({t.reason})" if t.reason and form == "long" else ""
    return f"{word} {plan}{kpi.fmt(t.value)}{reason}"


def rules_text(kpi: Kpi) -> str:
    """The KPI's signals in short words: 'limit, run, near' (the target is said elsewhere)."""
    rules = (presentation.RULE_TEXT.get(f.rule, f.rule) for f in kpi.flags if f.rule != "target")
    return ", ".join(dict.fromkeys(rules))


def foreground(style: Style) -> Style:
    """A component style without its background, so that it sits on any background.

    (A component's partial style would keep colours with alpha unblended: dim text white.)
    """
    return Style(
        color=style.color, bold=style.bold, dim=style.dim, italic=style.italic,
        underline=style.underline, reverse=style.reverse,
    )  # fmt: skip
