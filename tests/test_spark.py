"""The dashboard's braille sparklines, drawn directly (kpireview.tui.spark)."""

from __future__ import annotations

from kpireview.tui.charts import sparkline
from kpireview.tui.spark import BLANK, braille


def dots(line: str) -> list[int]:
    return [0 if c == " " else ord(c) - BLANK for c in line]


def test_a_rising_line_goes_from_the_bottom_left_to_the_top_right() -> None:
    (line,) = braille([0.0, 1.0, 2.0, 3.0], 4, 1, (0.0, 3.0))
    cells = dots(line)
    assert len(line) == 4 and all(cells)
    assert cells[0] & 0x40  # bottom-left dot
    assert cells[-1] & 0x08  # top-right dot
    assert not cells[0] & 0x01 and not cells[-1] & 0x80


def test_a_missing_value_breaks_the_line_and_a_lone_point_still_shows() -> None:
    (line,) = braille([1.0, 1.0, 1.0, None, None, None, 2.0, None], 8, 1, (0.0, 2.0))
    cells = dots(line)
    assert cells[3] == 0 and cells[4] == 0  # the gap
    assert cells[6] or cells[7]  # the lone point at index 6


def test_every_line_is_exactly_the_width_and_height_asked() -> None:
    lines = sparkline((3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0), 20, 2)
    assert len(lines) == 2 and all(len(x) == 20 for x in lines)
    assert sparkline((None, None), 5, 1) == ("     ",)
    (flat,) = sparkline((2.0, 2.0, 2.0), 6, 1)
    assert len(set(flat)) == 1 and flat != " " * 6  # a flat line across the middle
