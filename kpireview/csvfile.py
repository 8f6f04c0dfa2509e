"""Reading a CSV file once, as a stream: UTF-8 checked line by line, the delimiter found.

The file is opened once and never rewound, so a pipe (``import <(cat file.csv)``) reads like
a file; memory holds one line at a time.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import BinaryIO

from kpireview.errors import KpiError
from kpireview.inputs import InputError, open_input

MAX_LINE = 1_000_000  # bytes without a newline: a file of zeros is not read to its end
CHUNK = 1 << 20
PROGRESS_BYTES = 2_000_000
DELIMITERS = ",;\t"
_LONE_CR = re.compile(r"(?<=\r)(?!\n)")


class ImportError_(KpiError):
    """A CSV file that cannot be imported."""


class Source:
    """A CSV file's lines, decoded and counted; ``offset`` is the bytes read so far."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.fh: BinaryIO = open_input(path)
        except FileNotFoundError:
            raise ImportError_(f"{path}: no such file") from None
        except InputError as exc:
            raise ImportError_(str(exc)) from None
        self.offset = 0
        self.size = _size(self.fh)

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.fh.close()

    def lines(self) -> Iterator[str]:
        """Decoded lines with their endings, read a chunk at a time; a lone CR ends a line
        too, as in universal newlines mode."""
        number, rest = 0, b""  # whole lines before ``rest``, and a line not yet ended
        while True:
            chunk = self._read()
            data = rest + chunk
            if not data:
                return
            cut = data.rfind(b"\n") + 1 if chunk else len(data)
            if cut == 0:
                if len(data) > MAX_LINE:
                    raise ImportError_(
                        f"{self.path}:{number + 1}: line longer than {MAX_LINE:,} bytes"
                    )
                rest = data
                continue
            data, rest = data[:cut], data[cut:]
            text = self._decode(data, number)
            number += data.count(b"\n")
            self.offset += len(data)
            parts = text.split("\n")
            last = parts.pop()  # empty, unless the file ends without a newline
            for part in parts:
                if "\r" in part:
                    yield from _LONE_CR.split(part + "\n")
                else:
                    yield part + "\n"
            if last:
                yield from (p for p in _LONE_CR.split(last) if p)

    def _read(self) -> bytes:
        try:
            return self.fh.read(CHUNK)
        except OSError as exc:
            raise ImportError_(f"{self.path}: cannot be read ({exc.strerror})") from None

    def _decode(self, data: bytes, number: int) -> str:
        try:
            return data.decode("utf-8-sig" if self.offset == 0 else "utf-8")
        except UnicodeDecodeError as exc:
            line = number + data.count(b"\n", 0, exc.start) + 1
            raise ImportError_(
                f"{self.path}:{line}: not UTF-8 text (byte {self.offset + exc.start})"
            ) from None

    def reader(self) -> tuple[Iterator[list[str]], str]:
        """A csv reader over the lines, and the delimiter the header line shows."""
        lines = self.lines()
        head: list[str] = []
        for line in lines:
            head.append(line)
            if line.strip():
                break
        delimiter = sniff(head[-1]) if head else ","
        return csv.reader(chain(head, lines), delimiter=delimiter), delimiter


def _size(fh: BinaryIO) -> int | None:
    import os
    import stat

    st = os.fstat(fh.fileno())
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def sniff(header: str) -> str:
    """The delimiter of a header line: the one of ',', ';' and tab that splits it most."""
    counts = {d: len(next(csv.reader([header], delimiter=d), [])) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties keep the comma, listed first
    return best if counts[best] > 1 else ","


def unknown_delimiter(header: list[str]) -> str:
    """A hint when a one-column header holds another separator, e.g. '|'."""
    if len(header) == 1:
        for char in "|^~ ":
            if char in header[0].strip():
                return f"; the delimiter looks like {char!r} (use commas, semicolons or tabs)"
    return ""


def progress_rows(rows: Iterator[list[str]], source: Source, show: bool) -> Iterator[list[str]]:
    """The rows, with a progress bar by bytes read when asked and the file is big."""
    if not show or not source.size or source.size < PROGRESS_BYTES:
        yield from rows
        return
    for i, row in enumerate(rows):
        yield row
        if i % 20_000 == 0:
            _bar(source.offset / source.size)
    _bar(1.0, end="\n")


def _bar(share: float, width: int = 36, end: str = "") -> None:
    """'Reading  [########----------]   42%' on stderr, redrawn in place (a terminal's)."""
    filled = round(width * min(1.0, share))
    sys.stderr.write(f"\rReading  [{'#' * filled}{'-' * (width - filled)}]  {share:4.0%}{end}")
    sys.stderr.flush()


def header_row(reader: Iterator[list[str]], path: Path) -> list[str]:
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                return [cell.strip() for cell in row]
    except csv.Error as exc:
        raise ImportError_(f"{path}:1: not a CSV header ({exc})") from None
    raise ImportError_(f"{path}:1: empty file (expected a header row)")


def is_long(header: list[str]) -> bool:
    lower = {h.lower() for h in header}
    return {"metric", "value"} <= lower and ("week" in lower or "date" in lower)


def check_unique(names: list[str], path: Path) -> None:
    """Two columns with one name would make one of them silently ignored."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ImportError_(f"{path}:1: column '{name}': appears twice in the header")
        seen.add(name)
