"""Process changes (dividers) and acknowledged signals: the store, the commands, the limits
after a divider, the JSON fields and the notes."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from kpireview import config, export, review, schema
from kpireview.errors import StoreError
from kpireview.store import SCHEMA_VERSION, Store
from tests.conftest import CONFIG, file_digest, run

ROOT = Path(__file__).resolve().parent.parent
WEEK = timedelta(days=7)
W = date(2026, 11, 16)  # 2026-W47
W38 = W - 9 * WEEK  # the divider: churn's new level starts here

CONFIG_TEXT = """\
review: {title: Test review, week_starts: monday, history_weeks: 8, baseline_weeks: 20}
pillars:
  - {id: revenue, label: Revenue}
metrics:
  - {id: churn, label: Churn, pillar: revenue, unit: percent, direction: down, rollup: mean,
     signals: {method: flat}}
  - {id: plan, label: Plan, pillar: revenue, unit: count, rollup: last}
"""


def churn_value(i: int) -> float:
    """Weeks 0..29 alternate 2.0% / 2.2%; from week 30 (W38) on, 3.0% / 3.2%."""
    return (0.030 if i >= 30 else 0.020) + (0.002 if i % 2 else 0.0)


@pytest.fixture
def cfg(tmp_path: Path) -> config.Config:
    path = tmp_path / "kpis.yaml"
    path.write_text(CONFIG_TEXT)
    return config.load(path)


@pytest.fixture
def churn_db(db: Path) -> Path:
    weeks = [W - WEEK * k for k in range(39, -1, -1)]
    rows = [("churn", w, "", churn_value(i)) for i, w in enumerate(weeks)]
    rows += [("plan", w, "", 5.0) for w in weeks]
    with Store(db) as store:
        store.upsert_snapshots(rows)
    return db


def build(cfg: config.Config, db: Path, week: date = W) -> review.WeekReview:
    with Store.reader(db) as store:
        return review.build(cfg, review.load(cfg, store), week)


# --- schema and store ------------------------------------------------------------------------


def make_v3(db: Path) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    for step in (1, 2, 3):
        schema.MIGRATIONS[step](conn)
    conn.execute("INSERT INTO snapshots VALUES ('churn', '2026-11-09', '', 0.02, 'a.csv', 'x')")
    conn.execute("PRAGMA user_version = 3")
    conn.close()


def test_a_version_3_file_is_migrated_keeping_its_data(db: Path) -> None:
    make_v3(db)
    with Store(db) as store:
        assert store.schema_version == SCHEMA_VERSION == 4
        assert store.load_snapshots()[("churn", "")][date(2026, 11, 9)] == 0.02
        assert store.dividers() == [] and store.acknowledgements() == []
        store.add_divider("churn", date(2026, 11, 9), "pricing", "ana")
        assert [d.reason for d in store.dividers()] == ["pricing"]


def test_a_version_3_file_is_read_through_an_upgraded_copy(db: Path) -> None:
    make_v3(db)
    before = file_digest(db)
    with Store.reader(db) as store:
        assert store.dividers() == [] and store.acknowledgements() == []
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
    conn.close()
    assert file_digest(db) == before


def test_a_removed_divider_is_kept_as_history(db: Path) -> None:
    with Store(db) as store:
        first = store.add_divider("churn", W38, "pricing change", "ana")
        with pytest.raises(StoreError, match="already has a divider"):
            store.add_divider("churn", W38, "again", "bo")
        assert store.remove_divider("churn", W38, by="bo") == first
        assert store.dividers() == []
        (gone,) = store.dividers(removed=True)
        assert (gone.reason, gone.author, gone.removed_by, gone.active) == (
            "pricing change", "ana", "bo", False,
        )  # fmt: skip
        assert gone.removed_at
        with pytest.raises(StoreError, match="no divider"):
            store.remove_divider("churn", W38)
        second = store.add_divider("churn", W38, "pricing, for real", "ana")  # allowed again
        assert [d.id for d in store.dividers("churn", removed=True)] == [first, second]


def test_acknowledgements_are_stored_per_rule(db: Path) -> None:
    with Store(db) as store:
        ids = store.add_acknowledgements("churn", W, ["outside_limits", "run_of_8"], "seen", "ana")
        assert len(ids) == 2
        got = [(a.metric, a.week, a.rule, a.note, a.author) for a in store.acknowledgements()]
        assert got == [
            ("churn", W, "outside_limits", "seen", "ana"),
            ("churn", W, "run_of_8", "seen", "ana"),
        ]


WRITER = """
import sys
from datetime import date, timedelta
from kpireview.store import Store
db, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
with Store(db, must_exist=True) as store:
    for n in range(count):
        week = date(2026, 1, 5) + timedelta(weeks=n)
        store.add_divider(tag, week, f"{tag} {n}", tag)
        store.add_acknowledgements(tag, week, ["outside_limits"], f"{tag} {n}", tag)
"""


def test_two_writers_lose_no_divider_or_acknowledgement(db: Path) -> None:
    Store(db).close()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), tag, "40"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for tag in ("a", "b")
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    with Store(db) as store:
        dividers, acks = store.dividers(), store.acknowledgements()
    assert len(dividers) == len(acks) == 80
    assert {d.reason for d in dividers} == {f"{t} {n}" for t in "ab" for n in range(40)}
    assert {a.note for a in acks} == {f"{t} {n}" for t in "ab" for n in range(40)}


# --- limits after a divider ------------------------------------------------------------------


def test_without_a_divider_the_new_level_is_a_run(cfg, churn_db: Path) -> None:
    churn = build(cfg, churn_db).kpi("churn")
    assert "run_of_8" in {f.rule for f in churn.flags}
    assert churn.limits is not None and churn.limits.weeks == 20
    assert churn.limits.since == W - 20 * WEEK and churn.limits.method == "flat"
    assert churn.dividers == ()


def test_limits_come_from_the_weeks_after_the_divider(cfg, churn_db: Path) -> None:
    with Store(churn_db) as store:
        store.add_divider("churn", W38, "pricing change", "ana")
    churn = build(cfg, churn_db).kpi("churn")
    lim = churn.limits
    assert lim is not None and lim.weeks == 9 and lim.since == W38
    # W38..W46: five weeks at 3.0%, four at 3.2%; every moving range 0.2 pt
    assert lim.centre == pytest.approx((5 * 0.030 + 4 * 0.032) / 9)
    assert lim.mr_bar == pytest.approx(0.002)
    assert lim.upper == pytest.approx(lim.centre + 2.66 * 0.002)
    assert churn.flags == ()  # 3.2% sits inside the new limits; no run across the divider
    assert [(m.week, m.reason, m.author) for m in churn.dividers] == [
        (W38, "pricing change", "ana")
    ]


def test_a_short_segment_is_settling_instead_of_limits(cfg, churn_db: Path) -> None:
    with Store(churn_db) as store:
        store.add_divider("churn", W38, "pricing change", "ana")
    churn = build(cfg, churn_db, W - 4 * WEEK).kpi("churn")
    assert churn.limits is None
    (flag,) = churn.flags
    assert flag.rule == "divider" and flag.tone == "bad"  # churn up is bad
    assert flag.message == (
        "Churn moved to a new level from 2026-W38: 3.1% against 2.1% before "
        "(settling: 5 of 8 weeks)"
    )


def test_a_move_the_good_way_is_good_and_the_divider_week_itself_settles(cfg, db: Path) -> None:
    weeks = [W - WEEK * k for k in range(29, -1, -1)]
    values = [0.03 if i < 28 else 0.01 for i in range(30)]  # churn falls at W-1
    with Store(db) as store:
        store.upsert_snapshots([("churn", w, "", v) for w, v in zip(weeks, values, strict=True)])
        store.add_divider("churn", W - WEEK, "new onboarding", "ana")
    (flag,) = build(cfg, db, W - WEEK).kpi("churn").flags
    assert flag.tone == "good" and "(settling: 0 of 8 weeks)" in flag.message


def test_a_removed_or_later_divider_changes_nothing(cfg, churn_db: Path) -> None:
    plain = build(cfg, churn_db).kpi("churn")
    with Store(churn_db) as store:
        store.add_divider("churn", W38, "pricing change", "ana")
        store.remove_divider("churn", W38, "bo")
        store.add_divider("churn", W + WEEK, "later", "ana")
    churn = build(cfg, churn_db).kpi("churn")
    assert (churn.limits, churn.flags, churn.dividers) == (plain.limits, plain.flags, ())


def test_an_acknowledged_flag_says_who_and_when(cfg, churn_db: Path) -> None:
    with Store(churn_db) as store:
        store.add_acknowledgements("churn", W, ["run_of_8"], "known", "ana")
        store.add_acknowledgements("churn", W - WEEK, ["near_limit"], "older", "bo")
    flags = {f.rule: f for f in build(cfg, churn_db).kpi("churn").flags}
    ack = flags["run_of_8"].acknowledged
    assert ack is not None and (ack.author, ack.note) == ("ana", "known") and ack.created_at
    near = flags["near_limit"]  # acknowledged a week earlier: it holds while the signal goes on
    continued = near.since is not None and near.since <= W - WEEK
    assert (near.acknowledged is not None) == continued
    others = (f for rule, f in flags.items() if rule not in ("run_of_8", "near_limit"))
    assert all(f.acknowledged is None for f in others)


def test_an_acknowledgement_lasts_while_its_signal_continues(cfg, churn_db: Path) -> None:
    """Acknowledged in one week, the same continuing signal is not news the next week (the
    walk skips it as handled); once the stretch restarts the acknowledgement no longer holds."""
    earlier = build(cfg, churn_db, W - WEEK).kpi("churn")
    lead = earlier.lead
    assert lead is not None and lead.since is not None
    with Store(churn_db) as store:
        store.add_acknowledgements("churn", W - WEEK, [lead.rule], "seen", "ana")
    now = build(cfg, churn_db)
    same = next(f for f in now.kpi("churn").flags if f.rule == lead.rule)
    assert same.since == lead.since and same.acknowledged is not None
    now_lead = now.kpi("churn").lead  # handled only while the acknowledged rule still leads
    assert now_lead is not None
    assert ("churn" in now.handled) == (now_lead.acknowledged is not None)
    before_it = build(cfg, churn_db, lead.since - WEEK).kpi("churn").flags
    assert all(f.acknowledged is None for f in before_it)


def test_json_fields_and_notes(cfg, churn_db: Path) -> None:
    with Store(churn_db) as store:
        store.add_divider("churn", W38, "pricing change", "ana")
        store.add_divider("churn", W - 20 * WEEK, "too old for the notes", "ana")
        store.add_divider("plan", W - 2 * WEEK, "a <b>new</b> plan", "bo")
        store.remove_divider("plan", W - 2 * WEEK, "cy")
        store.add_acknowledgements("churn", W - 4 * WEEK, ["divider"], "settling", "ana")
    r = build(cfg, churn_db, W - 4 * WEEK)
    doc = json.loads(export.to_json(r))
    churn = doc["pillars"][0]["kpis"][0]
    assert [d["week"] for d in churn["dividers"]] == ["2026-06-29", "2026-09-14"]
    assert set(churn["dividers"][0]) == {"week", "reason", "author", "created_at"}
    assert churn["flags"][0]["rule"] == "divider"
    assert churn["flags"][0]["acknowledged"]["note"] == "settling"
    plan = doc["pillars"][0]["kpis"][1]
    assert plan["limits"]["method"] == "flat" and plan["limits"]["since"] == "2026-06-01"
    notes = export.markdown(build(cfg, churn_db))
    section = notes.split("## Process changes\n\n")[1].split("\n\n")[0].splitlines()
    assert section[0] == "- **Churn** from 2026-W38: pricing change (ana)"
    assert re.fullmatch(
        r"- \*\*Plan\*\* from 2026-W45: a \\<b\\>new\\</b\\> plan \(bo\) — removed "
        r"\d{1,2} [A-Z][a-z]{2} \d{4} by cy",
        section[1],
    ), section[1]
    assert "too old" not in notes
    acked = json.loads(export.to_json(build(cfg, churn_db)))["pillars"][0]["kpis"][0]
    assert acked["flags"] == []  # W47 has limits: no settling flag to acknowledge there


def test_notes_without_dividers_have_no_section(cfg, churn_db: Path) -> None:
    assert "Process changes" not in export.markdown(build(cfg, churn_db))


# --- the commands ----------------------------------------------------------------------------


@pytest.fixture
def sample_copy(sample_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "s.db"
    shutil.copy(sample_db, path)
    return path


def cli(db: Path, *args: str):
    return run(*args, "--db", db, "--config", CONFIG)


def test_divide_list_and_remove(sample_copy: Path) -> None:
    result = cli(sample_copy, "divide", "churn_rate", "--week", "2026-W44", "--reason", "pricing")
    assert result.exit_code == 0
    assert re.match(r"Divider \d+ on churn_rate from 2026-W44", result.output)
    ratio = cli(sample_copy, "divide", "ltv_cac", "--week", "2026-W40", "--reason", "formula")
    assert ratio.exit_code == 0, ratio.output  # a derived KPI may have a divider too
    listed = cli(sample_copy, "dividers", "--metric", "churn_rate").output
    assert "2026-W44" in listed and "pricing" in listed and "ltv_cac" not in listed
    removed = cli(sample_copy, "divide", "churn_rate", "--week", "2026-W44", "--remove")
    assert removed.exit_code == 0 and "kept as history" in removed.output
    assert "churn_rate" not in cli(sample_copy, "dividers").output
    every = json.loads(cli(sample_copy, "dividers", "--all", "--format", "json").output)
    every = [d for d in every if d["metric"] in ("churn_rate", "ltv_cac")]  # not the sample's
    assert [(d["metric"], d["active"]) for d in every] == [("churn_rate", False), ("ltv_cac", True)]
    assert every[0]["removed_at"] and every[0]["week_label"] == "2026-W44"
    summary = cli(sample_copy, "summary").output
    assert "settling" in summary  # ltv_cac: 7 weeks since W40


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope", "--week", "2026-W44", "--reason", "x"), "unknown metric 'nope'"),
        (("churn_rate", "--week", "2026-W44"), "--reason: required"),
        (("churn_rate", "--week", "2026-W44", "--reason", "  "), "--reason: required"),
        (("churn_rate", "--week", "2020-W01", "--reason", "x"), "before churn_rate's first data"),
        (("churn_rate", "--week", "2099-W01", "--reason", "x"), "after churn_rate's latest data"),
        (("churn_rate", "--week", "2023-W48", "--reason", "x"), "first week with data"),
        (("churn_rate", "--week", "2026-W99", "--reason", "x"), "--week:"),
        (("churn_rate", "--week", "2026-W44", "--remove"), "no divider on churn_rate"),
        (("churn_rate", "--week", "2026-W44", "--remove", "--reason", "x"), "takes no --reason"),
    ],
)
def test_divide_bad_input(sample_copy: Path, args: tuple[str, ...], message: str) -> None:
    before = file_digest(sample_copy)
    result = cli(sample_copy, "divide", *args)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert file_digest(sample_copy) == before


def test_divide_a_week_without_data_for_the_kpi(sample_copy: Path) -> None:
    conn = sqlite3.connect(sample_copy)
    conn.execute("DELETE FROM snapshots WHERE metric = 'churn_rate' AND week = '2026-10-26'")
    conn.commit()
    conn.close()
    before = file_digest(sample_copy)
    result = cli(sample_copy, "divide", "churn_rate", "--week", "2026-W44", "--reason", "x")
    assert result.exit_code == 2 and "churn_rate has no value in 2026-W44" in result.stderr
    assert file_digest(sample_copy) == before


def test_divide_twice_at_a_week_is_refused(sample_copy: Path) -> None:
    assert cli(sample_copy, "divide", "nrr", "--week", "2026-W40", "--reason", "a").exit_code == 0
    before = file_digest(sample_copy)
    again = cli(sample_copy, "divide", "nrr", "--week", "2026-W40", "--reason", "b")
    assert again.exit_code == 2 and "already has a divider" in again.stderr
    assert file_digest(sample_copy) == before


def test_acknowledge_the_review_week_signals(sample_copy: Path) -> None:
    flagged = json.loads(cli(sample_copy, "export", "--format", "json").output)
    kpi = next(k for p in flagged["pillars"] for k in p["kpis"] if k["id"] == "csat")
    rules = list(dict.fromkeys(f["rule"] for f in kpi["flags"]))
    result = cli(sample_copy, "acknowledge", "csat", "--note", "survey change")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Acknowledged csat in 2026-W47: {', '.join(rules)}."
    doc = json.loads(cli(sample_copy, "export", "--format", "json").output)
    kpi = next(k for p in doc["pillars"] for k in p["kpis"] if k["id"] == "csat")
    assert all(f["acknowledged"]["note"] == "survey change" for f in kpi["flags"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope",), "unknown metric 'nope'"),
        (("csat", "--rule", "run_of_8"), "has no 'run_of_8' signal in 2026-W47"),
        (("csat", "--week", "2099-W01"), "has no signal in 2099-W01"),
        (("csat", "--week", "someday"), "--week:"),
    ],
)
def test_acknowledge_bad_input(sample_copy: Path, args: tuple[str, ...], message: str) -> None:
    before = file_digest(sample_copy)
    result = cli(sample_copy, "acknowledge", *args)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert file_digest(sample_copy) == before


def test_an_old_divider_on_sparse_data_is_not_settling(cfg, db: Path) -> None:
    weeks = [W - WEEK * k for k in range(60, -1, -1)]
    rows = [("churn", w, "", 0.02) for i, w in enumerate(weeks) if i < 20 or i % 4 == 0]
    with Store(db) as store:
        store.upsert_snapshots(rows)
        store.add_divider("churn", weeks[10], "long ago", "ana")
    churn = build(cfg, db).kpi("churn")
    assert churn.limits is None and churn.flags == ()  # too few values, as without a divider


def test_a_hand_edited_divider_week_is_one_line(sample_copy: Path) -> None:
    conn = sqlite3.connect(sample_copy)
    conn.execute(
        "INSERT INTO dividers (metric, week, reason, created_at) VALUES ('mrr', 'soon', 'x', 'now')"
    )
    conn.commit()
    conn.close()
    for args in (("summary",), ("dividers",), ("export",)):
        result = cli(sample_copy, *args)
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1
        assert re.search(r"dividers row \d+: week 'soon' is not a date", result.stderr)
