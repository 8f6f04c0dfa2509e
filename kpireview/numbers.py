"""Numbers in CSV cells: '1,234', '12.5%', '$48.30', '-3e2', and '1.234,5' in ';' files.

In a file separated by ';' or tabs the comma is the decimal separator (``1,5`` is 1.5), as
European spreadsheets write it; a number that reads two ways there (``1.234``, ``12,500``)
is refused rather than guessed.
"""

from __future__ import annotations

import math
import re

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_CURRENCY = "$€£¥"
_DOT_GROUPS = re.compile(r"^[1-9]\d{0,2}(\.\d{3})+(,\d+)?$")  # 1.234.567 or 1.234,5
_COMMA_GROUPS = re.compile(r"^[1-9]\d{0,2}(,\d{3})+(\.\d+)?$")  # 1,234,567 or 1,234.5
_TWO_WAYS = re.compile(r"^[1-9]\d{0,2}[.,]\d{3}$")  # 1.234 / 12,500: grouped or decimal?


class AmbiguousNumber(ValueError):
    """A cell that reads as two different numbers."""


def parse_value(text: str, delimiter: str = ",") -> float | None:
    """A number from a cell: '1,234', '12.5%', '$48.30', '-3e2'; None for an empty cell.

    ``delimiter`` is the file's: with ';' or a tab, commas are decimal commas.
    """
    s = text.strip()
    decimal_comma = delimiter != ","
    if not s:
        return None
    if decimal_comma and ("," in s or "." in s):
        value = _parse_decorated(s, delimiter)
    else:
        try:
            value = float(s)
        except ValueError:
            value = _parse_decorated(s)
        else:
            if "_" in s:
                raise ValueError(s)
    if not math.isfinite(value):
        raise ValueError(s)
    return value


def _parse_decorated(s: str, delimiter: str = ",") -> float:
    percent = s.endswith("%")
    core = s[:-1].strip() if percent else s
    sign = ""
    if core[:1] in "+-":
        sign, core = core[0], core[1:].strip()
    core = core.lstrip(_CURRENCY).strip()
    if delimiter != ",":
        core = _european(core, s, delimiter)
    elif _THOUSANDS.match(core):
        core = core.replace(",", "")
    if not core or "_" in core or any(c.isalpha() and c not in "eE" for c in core):
        raise ValueError(s)
    value = float(sign + core)
    return value / 100 if percent else value


def _european(core: str, s: str, delimiter: str) -> str:
    """A number of a ';' or tab file in Python's spelling."""
    if _TWO_WAYS.match(core):
        whole, frac = core.replace(",", ".").split(".")
        name = "tab" if delimiter == "\t" else repr(delimiter)
        raise AmbiguousNumber(
            f"'{s}' is ambiguous in a {name}-separated "
            f"file: {whole}{frac} or {float(f'{whole}.{frac}'):g}? (write {whole}{frac} "
            f"or {whole},{frac.rstrip('0') or '0'})"
        )
    if _DOT_GROUPS.match(core):
        return core.replace(".", "").replace(",", ".")
    if _COMMA_GROUPS.match(core):
        return core.replace(",", "")
    if core.count(",") == 1 and "." not in core:
        return core.replace(",", ".")
    return core
