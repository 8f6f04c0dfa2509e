"""The bands kept between runs (kpireview.bandcache): a stored band is used only for the very
data, dividers, options and code it was computed from, gives the same review as computing it,
and a cache that cannot be read or written changes nothing but the time."""

from __future__ import annotations

import math
import sqlite3
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from kpireview import bandcache, bandrecord, bands, config, export, review
from kpireview.bandtypes import Options
from kpireview.store import Store
from tests.conftest import CONFIG, run

WEEK = timedelta(weeks=1)


class Fits:
    """Counts the fits bands.History makes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = bands.fit_model

        def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.count += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(bands, "fit_model", counted)


def _data(db: Path, cache: bandcache.BandCache | None, window: bool = True) -> review.Data:
    cfg = config.load(CONFIG)
    with Store.reader(db) as store:
        data = review.load(cfg, store, around=store.latest_week() if window else None)
    data.band_cache = cache
    return data


def _review_json(db: Path, cache: bandcache.BandCache | None, week: date | None = None) -> str:
    cfg = config.load(CONFIG)
    data = _data(db, cache)
    model = review.build(cfg, data, week)
    bandcache.save(cfg, data)
    return export.to_json(model)


def test_a_stored_week_gives_the_same_review_without_a_fit(
    sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = bandcache.BandCache(tmp_path / "bands.sqlite")
    computed = _review_json(sample_db, None)
    first = _review_json(sample_db, cache)
    fits = Fits(monkeypatch)
    again = _review_json(sample_db, bandcache.BandCache(tmp_path / "bands.sqlite"))
    assert first == computed == again
    assert fits.count == 0
    stored = sqlite3.connect(tmp_path / "bands.sqlite").execute("SELECT count(*) FROM bands")
    assert stored.fetchone()[0] >= len(config.load(CONFIG).metrics)


def test_weeks_stored_by_one_read_serve_another_read_of_other_weeks(
    sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TUI reads every week, an export only a window: the keys are the same."""
    cfg = config.load(CONFIG)
    cache = bandcache.BandCache(tmp_path / "bands.sqlite")
    full = _data(sample_db, cache, window=False)
    weeks = full.weeks[-4:]
    expected = [export.to_json(review.build(cfg, full, w)) for w in weeks]
    bandcache.save(cfg, full)
    fits = Fits(monkeypatch)
    windowed = _data(sample_db, cache)
    assert [export.to_json(review.build(cfg, windowed, w)) for w in weeks[-2:]] == expected[-2:]
    assert fits.count == 0


def _series(weeks: int = 200, jump_at: int | None = 170) -> list[tuple[date, float]]:
    start = date(2022, 1, 3)
    out = []
    for k in range(weeks):
        noise = math.sin(k * 1.7) * 3 + math.cos(k * 0.9) * 2
        level = 100 + (25 if jump_at is not None and k >= jump_at else 0)
        out.append((start + WEEK * k, level + noise))
    return out


def _keys(points, dividers=(), options=None, direction="up") -> bandcache.Keys:  # type: ignore[no-untyped-def]
    return bandcache.Keys(bands.History(points, dividers, options), direction)


def test_a_key_changes_with_what_the_band_reads_and_only_with_that() -> None:
    points = _series()
    t = len(points) - 1
    base = _keys(points).key(t)
    assert _keys(list(points)).key(t) == base  # the same data, another History
    changed = list(points)
    changed[-5] = (changed[-5][0], changed[-5][1] + 1)
    assert _keys(changed).key(t) != base  # a restated value within reach
    assert _keys(changed).key(t - 5 - 1) == _keys(points).key(t - 5 - 1)  # not a week before it
    old = list(points)
    old[0] = (old[0][0], old[0][1] + 1)  # the first week: 199 weeks back, within reach
    assert _keys(old).key(t) != base
    assert _keys(points, dividers=[points[150][0]]).key(t) != base
    assert _keys(points, dividers=[points[150][0]]).key(140) == _keys(points).key(140)
    assert _keys(points, options=Options(method="trend")).key(t) != base
    assert _keys(points, options=Options(baseline_weeks=30)).key(t) != base
    assert _keys(points, direction="down").key(t) != base
    missing = [p for i, p in enumerate(points) if i != t - 3]
    assert _keys(missing).key(t) != base


def test_a_value_beyond_reach_does_not_change_the_key() -> None:
    points = _series(weeks=300)
    t = len(points) - 1
    reach = bandcache.reach(Options())
    assert t - reach > 5
    far = list(points)
    far[2] = (far[2][0], far[2][1] * 3)
    assert _keys(far).key(t) == _keys(points).key(t)
    assert _keys(far).key(reach) != _keys(points).key(reach)  # the week it is within reach of


def test_since_is_the_same_from_stored_weeks_as_from_a_walk() -> None:
    """A signal's since chains week to week; stored weeks (seeded) give the same chain."""
    points = _series(weeks=220, jump_at=180)
    weeks = [w for w, _ in points]
    fresh = bands.History(points)
    walked = {w: fresh.signals(w, "up") for w in weeks[-30:]}
    assert any(s.since < w for w, found in walked.items() for s in found)  # a continuing one
    seeded = bands.History(points)
    for w in weeks[-30:]:
        t = fresh._index(w)
        fresh.propose_divider(w)
        seeded.pending.clear()
        bandrecord.decode(seeded, bandrecord.encode(fresh, t, "up"), "up")
    for w in weeks[-30:]:
        assert seeded.signals(w, "up") == walked[w]


def test_a_record_reads_back_as_the_band_it_stored() -> None:
    points = _series(weeks=220, jump_at=180)
    hist = bands.History(points, dividers=[points[200][0]])
    for k in (3, 20, 120, 205, 219):  # none, flat and trend, settling after the divider
        week = points[k][0]
        band = hist.band(week)
        hist.signals(week, "down")
        hist.propose_divider(week)
        other = bands.History(points, dividers=[points[200][0]])
        bandrecord.decode(other, bandrecord.encode(hist, k, "down"), "down")
        assert other.band(week) == band
        assert other.signals(week, "down") == hist.signals(week, "down")
        assert other.propose_divider(week) == hist.propose_divider(week)
    assert {hist.band(points[k][0]).method for k in (3, 205)} == {bands.NONE, bands.SETTLING}


@pytest.mark.parametrize(
    "payload", [b"", b"garbage", b"\x00" * 200, bandrecord.PACKED.pack(*[0] * 21) + b"x"]
)
def test_an_unreadable_record_is_refused(payload: bytes) -> None:
    with pytest.raises(ValueError):
        bandrecord.decode(bands.History(_series()), payload, "up")


def test_a_damaged_record_is_computed_instead(
    sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bands.sqlite"
    expected = _review_json(sample_db, bandcache.BandCache(path))
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE bands SET payload = x'00ff'")
    conn.close()
    fits = Fits(monkeypatch)
    assert _review_json(sample_db, bandcache.BandCache(path)) == expected
    assert fits.count > 0


@pytest.mark.parametrize("content", [b"this is not a database" * 100, b""])
def test_a_cache_file_that_is_not_a_database_changes_nothing(
    sample_db: Path, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "bands.sqlite"
    path.write_bytes(content)
    expected = _review_json(sample_db, None)
    assert _review_json(sample_db, bandcache.BandCache(path)) == expected


def test_a_cache_that_cannot_be_written_changes_nothing(sample_db: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache's folder would be")
    cache = bandcache.BandCache(blocker / "kpireview" / "bands.sqlite")
    assert _review_json(sample_db, cache) == _review_json(sample_db, None)
    assert not (blocker / "kpireview").exists()


def test_the_cache_file_is_chosen_by_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KPIREVIEW_CACHE", "off")
    assert bandcache.default_path() is None
    assert bandcache.BandCache.default().get([1, 2]) == {}
    monkeypatch.setenv("KPIREVIEW_CACHE", str(tmp_path / "c.sqlite"))
    assert bandcache.default_path() == tmp_path / "c.sqlite"
    monkeypatch.delenv("KPIREVIEW_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert bandcache.default_path() == tmp_path / "xdg" / "kpireview" / "bands.sqlite"


def test_export_and_import_keep_the_bands_they_computed(
    tmp_path: Path, band_cache_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "own.sqlite"
    monkeypatch.setenv("KPIREVIEW_CACHE", str(cache))
    db = tmp_path / "s.db"
    assert run("sample", "-o", db, "--config", CONFIG).exit_code == 0
    assert cache.exists()  # the sample's latest week, computed once written
    fits = Fits(monkeypatch)
    result = run("export", "--db", db, "--config", CONFIG)
    assert result.exit_code == 0
    assert fits.count == 0
    monkeypatch.setenv("KPIREVIEW_CACHE", "off")
    assert run("export", "--db", db, "--config", CONFIG).output == result.output
    assert fits.count > 0


def test_a_restated_value_is_never_read_from_the_cache(
    sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "s.db"
    db.write_bytes(sample_db.read_bytes())
    monkeypatch.setenv("KPIREVIEW_CACHE", str(tmp_path / "c.sqlite"))
    before = run("export", "--format", "json", "--db", db, "--config", CONFIG).output
    with Store(db) as store:
        latest = store.latest_week()
        assert latest is not None
        row = store.db.execute(
            "SELECT metric, value FROM snapshots WHERE week = ? AND segment = '' "
            "AND metric = 'churn_rate'",
            [latest.isoformat()],
        ).fetchone()
    csv = tmp_path / "restate.csv"
    csv.write_text(f"metric,week,value\n{row[0]},{latest.isoformat()},{row[1] * 0.5}\n")
    assert run("import", csv, "--db", db, "--config", CONFIG).exit_code == 0
    after = run("export", "--format", "json", "--db", db, "--config", CONFIG).output
    monkeypatch.setenv("KPIREVIEW_CACHE", "off")
    assert after == run("export", "--format", "json", "--db", db, "--config", CONFIG).output
    assert after != before


def test_options_are_part_of_the_key_through_config(sample_db: Path) -> None:
    cfg = config.load(CONFIG)
    m = cfg.metrics[0]
    assert cfg.options(m) is cfg.options(m)  # made once per KPI
    data = _data(sample_db, None)
    hist = data.history_of(cfg, m)
    other = bands.History(list(data.get(m.id).items()), (), replace(cfg.options(m), method="flat"))
    t = hist.n - 1
    assert bandcache.Keys(hist, m.direction).key(t) != bandcache.Keys(other, m.direction).key(t)


def test_the_tui_keeps_the_bands_of_the_weeks_before_the_one_shown(
    sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the first screen the app computes the weeks a team goes back to, and keeps
    them: another run reads them without a fit."""
    from tests.tui_helpers import copy_db, drive, new_app, settled

    monkeypatch.setenv("KPIREVIEW_CACHE", str(tmp_path / "c.sqlite"))
    db = copy_db(sample_db, tmp_path)
    app = new_app(db)

    async def script(pilot) -> None:  # type: ignore[no-untyped-def]
        await settled(pilot)

    drive(app, (120, 40), script)
    cfg = config.load(CONFIG)
    data = _data(db, bandcache.BandCache.default(), window=False)
    shown = review.default_week(cfg, data)
    assert shown is not None
    fits = Fits(monkeypatch)
    for back in range(4):
        review.build(cfg, data, shown - WEEK * back)
    assert fits.count == 0
    review.build(cfg, data, shown - WEEK * 8)
    assert fits.count > 0  # not computed ahead: the test can fail
