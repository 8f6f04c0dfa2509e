"""Braille sparklines drawn directly: a grid of 2 × 4 dots per character, lines between the
points. Much cheaper than a plotting library for the dashboard's many small lines (start-up
draws every row on screen); the detail charts still use plotext (:mod:`kpireview.tui.charts`).
"""

from __future__ import annotations

from collections.abc import Sequence

BLANK = 0x2800
# The bit of each dot of a braille character: [row from the top][column].
DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))


def braille(
    values: Sequence[float | None], width: int, height: int, span: tuple[float, float]
) -> tuple[str, ...]:
    """``height`` lines of ``width`` characters: the values from left edge to right edge,
    ``span`` (low, high) from the bottom dot row to the top one; a missing value breaks the
    line. Cells without a dot are spaces."""
    cols, rows = 2 * width, 4 * height
    lo, hi = span
    n = len(values)
    points: list[tuple[int, int] | None] = []
    for i, v in enumerate(values):
        if v is None:
            points.append(None)
            continue
        x = round(i * (cols - 1) / (n - 1))
        y = round((min(max(v, lo), hi) - lo) / (hi - lo) * (rows - 1))
        points.append((x, rows - 1 - y))  # rows counted from the top
    cells = [[0] * width for _ in range(height)]
    for a, b in zip(points, points[1:], strict=False):
        if a is not None and b is not None:
            for x, y in _segment(a, b):
                cells[y // 4][x // 2] |= DOTS[y % 4][x % 2]
    for i, p in enumerate(points):  # a point alone between gaps still shows
        if (
            p is not None
            and (i == 0 or points[i - 1] is None)
            and (i == n - 1 or points[i + 1] is None)
        ):
            cells[p[1] // 4][p[0] // 2] |= DOTS[p[1] % 4][p[0] % 2]
    return tuple("".join(chr(BLANK + c) if c else " " for c in line) for line in cells)


def _segment(a: tuple[int, int], b: tuple[int, int]) -> list[tuple[int, int]]:
    """The dots of a line from a to b (Bresenham), both ends included."""
    (x0, y0), (x1, y1) = a, b
    dx, dy = abs(x1 - x0), -abs(y1 - y0)
    sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
    err = dx + dy
    out = []
    while True:
        out.append((x0, y0))
        if x0 == x1 and y0 == y1:
            return out
        e2 = 2 * err
        if e2 >= dy:
            err += dy
            x0 += sx
        if e2 <= dx:
            err += dx
            y0 += sy
