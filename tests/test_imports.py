"""Import contracts. The core never imports Textual: only kpireview.tui does.

Checked like import-linter's forbidden contracts: every module's imports (at the top, in
functions and under TYPE_CHECKING) are read with ast, and a module breaks a contract when it
imports a forbidden module directly or through other kpireview modules."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import kpireview

RUNTIME_CORE = ["config", "store", "periods", "formulas", "signals", "review", "export", "importer",
        "units", "cli"]  # fmt: skip


def test_core_modules_do_not_import_textual() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {RUNTIME_CORE!r}:\n"
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


ROOT = Path(kpireview.__file__).parent
UI = ("kpireview.tui", "kpireview.commands", "kpireview.cli", "kpireview.__main__")  # TUI, CLI
TUI = ("kpireview.tui",)
# Core modules that import click today, each for its own output; allowed until they stop.
KNOWN_CLICK: set[tuple[str, str]] = set()


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _imported(name: str, node: ast.AST) -> Iterable[str]:
    """The modules one import statement names: internal ones in full, others by package."""
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = ".".join(p for p in (package if node.level else "", node.module or "") if p)
        targets = [
            f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names
        ]
    else:
        return []
    return [t if t.startswith("kpireview") else t.partition(".")[0] for t in targets]


def direct_imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph[name] = {t for node in ast.walk(tree) for t in _imported(name, node)} - {name}
    return graph


GRAPH = direct_imports()


def _within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def chains(sources: Iterable[str], forbidden: tuple[str, ...], ignored=frozenset()) -> list[str]:
    """Import chains from each source to a forbidden module, shortest first, one per source."""
    found = []
    for source in sources:
        paths, seen = [[source]], {source}
        while paths:
            path = paths.pop(0)
            here = path[-1]
            hits = [t for t in sorted(GRAPH.get(here, ())) if (here, t) not in ignored]
            bad = [t for t in hits if _within(t, forbidden)]
            if bad:
                found.append(" -> ".join([*path, bad[0]]))
                break
            for t in hits:
                if t in GRAPH and t not in seen:
                    seen.add(t)
                    paths.append([*path, t])
    return found


CORE = sorted(m for m in MODULES if not _within(m, UI))
TUI_MODULES = sorted(m for m in MODULES if _within(m, TUI))


def test_the_graph_sees_the_imports_it_checks() -> None:
    """The contracts would pass vacuously if imports were not read."""
    assert "textual" in GRAPH["kpireview.tui.app"]
    assert "click" in GRAPH["kpireview.cli"]
    assert "kpireview.store" in GRAPH["kpireview.review"]
    assert "kpireview.formulas" in GRAPH["kpireview.config"] | GRAPH["kpireview.targets"]
    assert {"kpireview", "kpireview.cli", "kpireview.store"} <= set(MODULES)
    assert "kpireview.config" in CORE and "kpireview.tui.app" not in CORE
    assert chains(["kpireview.tui.app"], ("textual",))


def test_the_core_imports_neither_textual_nor_the_tui() -> None:
    assert chains(CORE, ("textual", "kpireview.tui")) == []


def test_only_the_cli_and_the_tui_import_click() -> None:
    """The core modules that still import click are listed in KNOWN_CLICK; no new ones."""
    assert chains(CORE, ("click",), frozenset(KNOWN_CLICK)) == []


def test_no_core_module_imports_click() -> None:
    assert chains(CORE, ("click",)) == []


def test_the_tui_never_imports_the_store() -> None:
    """Directly (import-linter's allow_indirect_imports): every read and write goes through
    the review session; the core modules the TUI renders with may read the store's types."""
    assert [m for m in TUI_MODULES if "kpireview.store" in GRAPH[m]] == []


def test_the_session_is_core() -> None:
    """The session the TUI's workers call is core: no Textual, no TUI."""
    assert not {m for m in GRAPH["kpireview.session"] if m.startswith(("textual", "kpireview.tui"))}
