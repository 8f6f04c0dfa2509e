"""Output files: never over the database read nor any SQLite file, written through symlinks,
no temporary file left on failure, the umask obeyed; and the € drivers table."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kpireview import config
from kpireview.errors import KpiError
from kpireview.export import write_atomic
from tests.conftest import CONFIG, file_digest, run


@pytest.fixture
def kpi(tmp_path: Path, sample_db: Path) -> Path:
    path = tmp_path / "kpi.db"
    shutil.copyfile(sample_db, path)
    return path


def _one_line_error(result) -> None:  # noqa: ANN001
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


def test_export_refuses_to_write_over_the_database_it_reads(kpi: Path) -> None:
    before = file_digest(kpi)
    result = run("export", "-o", kpi, "--db", kpi, "--config", CONFIG)
    _one_line_error(result)
    assert "reads" in result.stderr
    assert file_digest(kpi) == before
    assert _leftovers(kpi.parent) == []


def test_export_refuses_a_symlink_to_the_database(kpi: Path) -> None:
    link = kpi.parent / "notes.md"
    link.symlink_to(kpi)
    before = file_digest(kpi)
    _one_line_error(run("export", "-o", link, "--db", kpi, "--config", CONFIG))
    assert link.is_symlink() and file_digest(kpi) == before


def test_export_refuses_to_write_over_any_sqlite_file(kpi: Path, sample_db: Path) -> None:
    other = kpi.parent / "other.db"
    shutil.copyfile(sample_db, other)
    before = other.read_bytes()
    result = run("export", "-o", other, "--db", kpi, "--config", CONFIG)
    _one_line_error(result)
    assert "SQLite" in result.stderr
    assert other.read_bytes() == before


def test_export_refuses_the_databases_side_files(kpi: Path) -> None:
    wal = Path(f"{kpi}-wal")
    result = run("export", "-o", wal, "--db", kpi, "--config", CONFIG)
    _one_line_error(result)
    assert not wal.exists()


def test_export_writes_through_a_symlink(kpi: Path, tmp_path: Path) -> None:
    real = tmp_path / "real" / "notes.md"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    result = run("export", "-o", link, "--db", kpi, "--config", CONFIG)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert real.read_text().startswith("# Zira weekly KPI review")
    assert _leftovers(tmp_path) == [] and _leftovers(real.parent) == []


def test_export_to_a_directory_is_refused_and_leaves_nothing(kpi: Path, tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    _one_line_error(run("export", "-o", target, "--db", kpi, "--config", CONFIG))
    assert list(target.iterdir()) == [] and _leftovers(tmp_path) == []


def _limit_file_size() -> None:
    import resource

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))


def test_a_full_disk_leaves_no_temporary_file_and_the_old_output(kpi: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "review.json"
    out.parent.mkdir()
    out.write_text("previous\n")
    code = "from kpireview.cli import main; main()"
    args = ["export", "--format", "json", "-o", str(out), "--db", str(kpi), "--config", str(CONFIG)]
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True,
        preexec_fn=_limit_file_size, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "cannot write" in proc.stderr
    assert out.read_text() == "previous\n"
    assert _leftovers(out.parent) == []


def test_write_failure_removes_the_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(KpiError, match="No space left"):
        write_atomic(tmp_path / "notes.md", "text")
    assert list(tmp_path.iterdir()) == []


# --- modes -----------------------------------------------------------------------------------


@pytest.fixture
def umask():
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_exports_get_the_umask_mode(
    kpi: Path,
    tmp_path: Path,
    umask,
    mask: int,
    mode: int,  # noqa: ANN001
) -> None:
    umask(mask)
    out = tmp_path / "notes.md"
    assert run("export", "-o", out, "--db", kpi, "--config", CONFIG).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == mode


def test_a_replaced_file_keeps_its_mode(kpi: Path, tmp_path: Path, umask) -> None:  # noqa: ANN001
    out = tmp_path / "notes.md"
    out.write_text("old")
    out.chmod(0o640)
    assert run("export", "-o", out, "--db", kpi, "--config", CONFIG).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_init_config_gets_the_umask_mode(tmp_path: Path, umask) -> None:  # noqa: ANN001
    umask(0o022)
    cfg, db = tmp_path / "kpis.yaml", tmp_path / "kpi.db"
    assert run("init", "--db", db, "--config", cfg).exit_code == 0
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o644


def test_notes_writer_gets_the_umask_mode(tmp_path: Path, umask) -> None:  # noqa: ANN001
    umask(0o027)
    write_atomic(tmp_path / "kpireview-2026-W47.md", "# notes\n")
    assert stat.S_IMODE((tmp_path / "kpireview-2026-W47.md").stat().st_mode) == 0o640


# --- currency in the drivers -----------------------------------------------------------------


def test_drivers_table_uses_the_kpis_currency(tmp_path: Path) -> None:
    from rich.console import Console

    from kpireview.tui.screens.detail_text import numbers_section
    from tests.test_trust_terminal import hostile

    cfg_path, db = hostile(tmp_path)
    cfg = config.load(cfg_path)
    from kpireview import review
    from kpireview.store import Store

    with Store.reader(db) as store:
        model = review.build(cfg, review.load(cfg, store))
    margin = model.kpi("margin")
    assert margin.drivers
    console = Console(width=120, record=True)
    console.print(numbers_section(margin, model))
    text = console.export_text()
    assert "€1.1k" in text and "$" not in text
