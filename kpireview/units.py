"""Numbers as a PM reads them: 1.2k, $48.3k, 4.5%, 3.1×, 2.4 d; changes in the unit's terms.

Percent metrics are stored as fractions (0.045) and their changes are discussed in points;
other metrics' changes are relative (+3.2%).
"""

from __future__ import annotations

import math

_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))
NONE = "–"


def compact(value: float, digits: int = 1) -> str:
    """1234 → '1.2k', 48300 → '48.3k', 999.4 → '999', 12.34 → '12.3'."""
    size = abs(value)
    for factor, suffix in _SUFFIXES:
        if size >= factor * 0.9995:
            return f"{value / factor:.{digits}f}" + suffix
    if size >= 100 or value == int(value):
        return f"{value:.0f}"
    if size >= 10:
        return f"{value:.{digits}f}"
    return f"{value:.{digits + 1}f}".rstrip("0").rstrip(".")


def _no_negative_zero(text: str) -> str:
    """'-0.0%' → '0.0%': a value that rounds to zero has no sign."""
    if text.startswith("-") and not any(c in "123456789" for c in text):
        return text[1:]
    return text


def value(x: float | None, unit: str, currency: str = "$") -> str:
    """A value formatted by its unit (never '-0.0%': a value that rounds to zero has no sign)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return NONE
    return _no_negative_zero(_value(x, unit, currency))


def _value(x: float, unit: str, currency: str) -> str:
    if unit == "percent":
        return f"{x * 100:.{_pct_digits(x)}f}%"
    if unit == "currency":
        sign = "-" if x < 0 else ""
        return f"{sign}{currency}{compact(abs(x)) if abs(x) >= 1000 else f'{abs(x):.2f}'}"
    if unit == "ratio":
        return f"{x:.2f}×" if abs(x) < 10 else f"{x:.1f}×"
    if unit == "days":
        return f"{x:.1f} d"
    if unit == "score":
        return f"{x:.1f}" if abs(x) < 1000 else compact(x)
    return compact(x)


def _pct_digits(x: float) -> int:
    return 2 if abs(x) < 0.01 else 1


def change(abs_: float | None, rel: float | None, unit: str) -> str:
    """A change in the unit's terms: points for percent, relative for the rest; one that
    rounds to zero reads '±0.0%', as no change does (never '−0.0%')."""
    if unit == "percent":
        if abs_ is None:
            return NONE
        return _signed(abs_, f"{abs(abs_) * 100:.{2 if abs(abs_) < 0.001 else 1}f}") + " pt"
    if rel is None:
        return NONE
    return _signed(rel, f"{abs(rel) * 100:.1f}") + "%"


def _signed(x: float, magnitude: str) -> str:
    """The magnitude's text after the sign of ``x``, '±' when it reads as zero."""
    if not any(c in "123456789" for c in magnitude):
        return f"±{magnitude}"
    return f"{_sign(x)}{magnitude}"


def _sign(x: float) -> str:
    return "+" if x > 0 else "−" if x < 0 else "±"


_MIN_DIGITS = {"percent": 1, "ratio": 2, "days": 1}


def exact(x: float, unit: str, currency: str = "$") -> str:
    """A value in full, for telling two close values apart: 1204 → '1,204', 0.0255 → '2.55%',
    1234.5 (currency) → '$1,234.50'. Up to 6 decimals (of the shown number), none trailing."""
    n = x * 100 if unit == "percent" else x
    least = _MIN_DIGITS.get(unit, 2 if unit == "currency" and n != int(n) else 0)
    text = f"{abs(n):,.6f}".rstrip("0")
    digits = len(text.split(".")[1])
    text = f"{abs(n):,.{max(digits, least)}f}"
    sign = "-" if n < 0 and text.strip("0.,") else ""
    if unit == "currency":
        return f"{sign}{currency}{text}"
    suffix = {"percent": "%", "ratio": "×", "days": " d"}.get(unit, "")
    return f"{sign}{text}{suffix}"


def distinct(a: float | None, b: float | None, unit: str, currency: str = "$") -> tuple[str, str]:
    """Two values as :func:`value` prints them, with more digits (up to 6 decimals of the
    shown number) when they differ but would print the same: '4.18' and '4.19', not '4.2'
    twice."""
    shown = value(a, unit, currency), value(b, unit, currency)
    if a is None or b is None or a == b or shown[0] != shown[1]:
        return shown
    for digits in range(1, 7):
        longer = (
            _no_negative_zero(_digits(a, unit, currency, digits)),
            _no_negative_zero(_digits(b, unit, currency, digits)),
        )
        if longer[0] != longer[1]:
            return longer
    return longer


def _digits(x: float, unit: str, currency: str, digits: int) -> str:
    """A value in its unit's style with ``digits`` decimals (of the shown number)."""
    if unit == "percent":
        return f"{x * 100:.{digits}f}%"
    if unit == "currency":
        sign = "-" if x < 0 else ""
        size = abs(x)
        shown = compact(size, digits) if size >= 1000 else f"{size:.{max(digits, 2)}f}"
        return f"{sign}{currency}{shown}"
    if unit == "ratio":
        return f"{x:.{digits}f}×"
    if unit == "days":
        return f"{x:.{digits}f} d"
    return compact(x, digits) if abs(x) >= 999.5 else f"{x:.{digits}f}"
