"""Text from outside the project (config, CSV, database, the user) made safe for a terminal.

`safe` replaces every control character a terminal could act on (C0 but newline and tab, DEL,
C1 including the 8-bit CSI, and the bidirectional overrides) with one visible character, so an
OSC 52 or OSC 2 sequence stored in a note shows as text and drives nothing. The replacement is
one character for one, so widths and positions computed on the text stay right.
"""

from __future__ import annotations

import json
import re
from typing import Any

_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
REPLACEMENT = "\ufffd"


def _picture(match: re.Match[str]) -> str:
    code = ord(match[0])
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ESC shows as ␛
    if code == 0x7F:
        return "\u2421"  # ␡
    return REPLACEMENT


def safe(text: str) -> str:
    """The text with each terminal control character shown as a visible one (␛ for ESC,
    � for C1 and bidi overrides); newlines and tabs are kept."""
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(_picture, text)


def safe_line(text: str) -> str:
    """`safe`, on one line: newlines and tabs become spaces."""
    return safe(" ".join(text.replace("\t", " ").splitlines()))


def json_text(obj: Any) -> str:
    """JSON with UTF-8 text, where every character a terminal could act on is escaped.

    ``json.dumps`` escapes only the C0 controls; DEL, C1 (the 8-bit CSI) and the bidi
    overrides would pass raw. Outside strings JSON is plain ASCII, so escaping them in the
    whole document keeps it valid and decodes to the same values.
    """
    out = json.dumps(obj, indent=2, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", out) + "\n"
