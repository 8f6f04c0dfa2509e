from pathlib import Path

from kpireview import config
from kpireview.store import Store
from tests.conftest import run


def test_init_writes_a_valid_starter_and_an_empty_database(tmp_path: Path) -> None:
    cfg, db = tmp_path / "cfg" / "kpis.yaml", tmp_path / "team.db"
    result = run("init", "--db", db, "--config", cfg)
    assert result.exit_code == 0, result.stderr
    loaded = config.load(cfg)
    assert {p.id for p in loaded.pillars} == {"acquisition", "activation", "retention", "revenue"}
    assert loaded.metric("arr").formula.inputs == ("mrr",)
    with Store(db, must_exist=True) as store:
        assert store.load_snapshots() == {}
    assert "Next: kpireview import FILE.csv" in result.stdout


def test_init_keeps_existing_files(tmp_path: Path, write) -> None:
    cfg = write("kpis.yaml", "metrics:\n  - {id: mrr, label: MRR, pillar: revenue}\n")
    before = cfg.read_text()
    result = run("init", "--db", tmp_path / "t.db", "--config", cfg)
    assert result.exit_code == 0 and f"{cfg}: kept" in result.stdout
    assert cfg.read_text() == before


def test_init_refuses_a_broken_existing_config(tmp_path: Path, write) -> None:
    cfg = write("kpis.yaml", "metrics:\n  - {id: mrr, label: MRR, pillar: sales}\n")
    result = run("init", "--db", tmp_path / "t.db", "--config", cfg)
    assert result.exit_code == 2 and "metrics[0].pillar: unknown pillar 'sales'" in result.stderr
    assert not (tmp_path / "t.db").exists()
