"""Compiled dataclass methods kept between runs, so that importing kpireview costs less.

Python (before 3.13) builds each dataclass's methods by compiling generated source text, one
``exec`` per method, at every import: for kpireview's model that is about half of its import
time, paid at every start before the first screen. The text is the same from run to run, so
the compiled code is kept in a file beside the band cache (``dataclasses.<tag>.marshal``) and
looked up by the text itself: the code run is exactly what compiling that text gives.

Only the ``exec`` name the ``dataclasses`` module calls is shadowed (a module global found
before the builtin); everything else about dataclasses stays as it is. Best effort, as the
band cache is: ``KPIREVIEW_CACHE=off`` turns it off, and a missing, damaged or foreign file
only means compiling, as Python does without it.
"""

from __future__ import annotations

import builtins
import dataclasses
import marshal
import os
import sys
import tempfile
from contextlib import suppress
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from typing import Any

ENV = "KPIREVIEW_CACHE"  # as the band cache's: a file path, or "off"
OFF = "off"
MAX_BYTES = 8 << 20  # a file larger than this is not read (it cannot come from us)
FORMAT = 1


class CodeCache:
    """Source text → compiled code for the ``exec`` calls of :mod:`dataclasses`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.codes: dict[str, Any] = {}
        self.compiled = 0  # texts compiled in this process, not found in the file
        self.saved = 0

    def load(self) -> None:
        """Read the file; a missing, damaged or foreign one leaves the cache empty."""
        with suppress(OSError, ValueError, EOFError, TypeError):
            if self.path.stat().st_size > MAX_BYTES:
                return
            data = marshal.loads(self.path.read_bytes())
            if isinstance(data, tuple) and data[:2] == (FORMAT, MAGIC_NUMBER):
                codes = data[2]
                if isinstance(codes, dict):
                    self.codes = codes

    def exec(self, source: Any, globals_: Any = None, locals_: Any = None) -> None:
        """``exec`` as :mod:`dataclasses` calls it, the compiling done once per text."""
        if not isinstance(source, str):
            return builtins.exec(source, globals_, locals_)
        code = self.codes.get(source)
        if code is None:
            code = compile(source, "<string>", "exec")
            self.codes[source] = code
            self.compiled += 1
        return builtins.exec(code, globals_, locals_)

    def save(self) -> None:
        """Write the file if this process compiled anything new (atomically; best effort)."""
        if self.compiled <= self.saved:
            return
        count = self.compiled
        data = marshal.dumps((FORMAT, MAGIC_NUMBER, dict(self.codes)))
        with suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(name, self.path)
            except OSError:
                Path(name).unlink(missing_ok=True)
                raise
            self.saved = count


def default_path() -> Path | None:
    """Beside the band cache (see `kpireview.bandcache`); None when caching is off."""
    setting = os.environ.get(ENV, "")
    name = f"dataclasses.{sys.implementation.cache_tag}.marshal"
    if setting.strip().lower() == OFF:
        return None
    if setting:
        return Path(setting).expanduser().parent / name
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kpireview" / name


_installed: CodeCache | None = None


def install() -> CodeCache | None:
    """Shadow the ``exec`` of :mod:`dataclasses` with the cache's (once per process)."""
    global _installed
    if _installed is not None or "exec" in vars(dataclasses):
        return _installed
    with suppress(RuntimeError):  # no home directory: nowhere to keep the file
        path = default_path()
        if path is None:
            return None
        cache = CodeCache(path)
        cache.load()
        dataclasses.exec = cache.exec  # type: ignore[attr-defined]
        _installed = cache
    return _installed


def save() -> None:
    """Keep what this process compiled (called once the first screen is drawn, and at exit)."""
    if _installed is not None:
        _installed.save()
