"""Shared fixtures: the repository's config, the real WBR export, a CLI runner."""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

# Importing kpireview installs its compiled-dataclass cache beside the band cache: point both
# at a directory of the test session before the first import, never at the user's cache.
_CACHE_DIR = tempfile.mkdtemp(prefix="kpireview-tests-")
atexit.register(shutil.rmtree, _CACHE_DIR, ignore_errors=True)
os.environ["KPIREVIEW_CACHE"] = os.path.join(_CACHE_DIR, "bands.sqlite")

from kpireview.cli import cli  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config" / "kpis.yaml"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
WBR_CSV = ROOT.parent / "shared" / "data" / "wbr-sample-daily.csv"
WBR_CONFIG = FIXTURES / "wbr.yaml"


def run(*args: str | Path) -> Result:
    """Run the CLI in-process; stderr is kept apart from stdout."""
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def file_digest(path: Path) -> str:
    """Hash of a database's content (its rows, so WAL checkpoints do not matter)."""
    import sqlite3

    if not path.exists():
        return "absent"
    conn = sqlite3.connect(path)
    try:
        lines = list(conn.iterdump())
    finally:
        conn.close()
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@pytest.fixture(scope="session", autouse=True)
def band_cache_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Computed bands are kept in a file of the test session, never in the user's cache."""
    path = tmp_path_factory.mktemp("cache") / "bands.sqlite"
    before = os.environ.get("KPIREVIEW_CACHE")
    os.environ["KPIREVIEW_CACHE"] = str(path)
    yield path
    if before is None:
        os.environ.pop("KPIREVIEW_CACHE", None)
    else:
        os.environ["KPIREVIEW_CACHE"] = before


@pytest.fixture
def wbr_csv() -> Path:
    if not WBR_CSV.exists():
        pytest.skip("the WBR sample export lives beside the repository in shared/data/")
    return WBR_CSV


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`kpireview sample` output for the repository's config, made once; do not write to it."""
    path = tmp_path_factory.mktemp("sample") / "sample.db"
    result = run("sample", "-o", path, "--config", CONFIG)
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="session")
def sample(sample_db: Path) -> Path:
    """The same sample database, as the TUI tests name it (copy it to write)."""
    return sample_db


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "kpi.db"


@pytest.fixture
def write(tmp_path: Path):
    """Write a text file into tmp_path and return its path."""

    def _write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding=encoding)
        return path

    return _write
