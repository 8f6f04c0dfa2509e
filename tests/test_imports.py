"""The core never imports Textual: only kpireview.tui does."""

from __future__ import annotations

import subprocess
import sys

CORE = ["config", "store", "periods", "formulas", "signals", "review", "export", "importer",
        "units", "cli"]  # fmt: skip


def test_core_modules_do_not_import_textual() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {CORE!r}:\n"
        "    importlib.import_module('kpireview.' + name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_tui_does_import_textual() -> None:
    """The check above would pass vacuously if the import names were wrong."""
    code = "import sys, kpireview.tui.app; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
