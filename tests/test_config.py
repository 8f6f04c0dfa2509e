"""Config loading, and a corpus of bad configs each naming file, line and field."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kpireview import config
from kpireview.config import ConfigError
from tests.conftest import CONFIG

HEAD = """\
review: {title: T, week_starts: monday}
pillars:
  - {id: acquisition, label: Acquisition}
  - {id: revenue, label: Revenue}
metrics:
"""


def load_text(tmp_path: Path, metrics: str, head: str = HEAD) -> config.Config:
    path = tmp_path / "kpis.yaml"
    path.write_text(head + metrics)
    return config.load(path)


def test_repository_config_loads_typed() -> None:
    cfg = config.load(CONFIG)
    assert [p.id for p in cfg.pillars] == ["acquisition", "activation", "retention", "revenue"]
    assert len(cfg.metrics) >= 20
    churn = cfg.metric("churn_rate")
    assert (churn.unit, churn.direction, churn.rollup) == ("percent", "down", "mean")
    assert churn.targets[0].criterion == "stay_below" and churn.targets[0].value == 0.02
    assert cfg.metric("ltv_cac").formula.inputs == ("ltv", "cac")
    assert cfg.metric("traffic").segments == ("organic", "paid", "referral", "social")
    assert cfg.review.history_weeks == 26 and cfg.review.baseline_weeks == 20


def test_defaults_and_column(tmp_path: Path) -> None:
    cfg = load_text(tmp_path, "  - {id: visits, label: Visits, pillar: acquisition}\n")
    visits = cfg.metric("visits")
    assert (visits.unit, visits.direction, visits.rollup, visits.column) == (
        "count",
        "up",
        "sum",
        "visits",
    )
    assert cfg.review.history_weeks == 26


def test_paced_target_and_dated_list(tmp_path: Path) -> None:
    cfg = load_text(
        tmp_path,
        """\
  - id: conv
    label: Conversion
    pillar: acquisition
    unit: percent
    targets:
      - {value: 0.04, by: 2026-12-31, from: 2026-10-01}
      - {value: 0.05, by: 2027-03-31}
""",
    )
    conv = cfg.metric("conv")
    first, second = conv.targets
    assert first.criterion == "reach" and first.start == date(2026, 10, 1)
    assert second.start == date(2026, 12, 31)  # paced on from the previous target's date
    assert conv.target_for(date(2026, 11, 16)) is first
    assert conv.target_for(date(2027, 1, 4)) is second
    assert conv.target_for(date(2027, 4, 5)) is None


def test_standing_target_criterion_follows_direction(tmp_path: Path) -> None:
    cfg = load_text(
        tmp_path,
        "  - {id: churn, label: Churn, pillar: revenue, direction: down, target: {value: 0.02}}\n"
        "  - {id: plan, label: Plan, pillar: revenue}\n"
        "  - {id: actual, label: Actual, pillar: revenue, target: {metric: plan}}\n",
    )
    assert cfg.metric("churn").targets[0].criterion == "stay_below"
    assert cfg.metric("actual").targets[0].metric == "plan"
    assert cfg.metric("actual").targets[0].criterion == "stay_above"


BAD = [
    # (metrics text, expected line, expected fragment)
    (
        "  - {id: a, label: A, pillar: acquisition, colour: red}\n",
        6,
        "metrics[0].colour: unknown key",
    ),
    (
        "  - {id: a, label: A, pillar: marketing}\n",
        6,
        "metrics[0].pillar: unknown pillar 'marketing'",
    ),
    (
        "  - {id: a, label: A, pillar: revenue, unit: percnt}\n",
        6,
        "metrics[0].unit: unknown unit 'percnt'",
    ),
    (
        "  - {id: a, label: A, pillar: revenue, direction: sideways}\n",
        6,
        "metrics[0].direction: unknown direction",
    ),
    (
        "  - {id: a, label: A, pillar: revenue, rollup: median}\n",
        6,
        "metrics[0].rollup: unknown rollup 'median'",
    ),
    (
        "  - {id: a, label: A, pillar: revenue}\n  - {id: a, label: B, pillar: revenue}\n",
        7,
        "metrics[1].id: duplicate id 'a'",
    ),
    (
        "  - {id: a, label: A, pillar: revenue, formula: b / c}\n",
        6,
        "metrics[0].formula: unknown metric id 'b'",
    ),
    (
        "  - {id: a, label: A, pillar: revenue, formula: b * 2}\n"
        "  - {id: b, label: B, pillar: revenue, formula: a + 1}\n",
        6,
        "formula cycle: a -> b -> a",
    ),
    ("  - {id: a, label: A, pillar: revenue, formula: 'a ** 2'}\n", 6, "metrics[0].formula:"),
    (
        "  - {id: a, label: A, pillar: revenue, target: {by: 2027-01-01}}\n",
        6,
        "metrics[0].target.value: missing",
    ),
    (
        "  - {id: a, label: A, pillar: revenue, target: {value: 3, by: someday, from: 2026-01-01}}\n",
        6,
        "metrics[0].target.by: 'someday' is not a date",
    ),
    (
        "  - {id: a, label: A, pillar: revenue, target: {value: three}}\n",
        6,
        "metrics[0].target.value: expected a number",
    ),
    (
        "  - {id: a, label: 5, pillar: revenue, segments: paid}\n",
        6,
        "metrics[0].segments: expected a list",
    ),
    ("  - {label: A, pillar: revenue}\n", 6, "metrics[0].id: missing"),
    ("  - {id: 2fast, label: A, pillar: revenue}\n", 6, "metrics[0].id: '2fast' is not an id"),
    (
        "  - {id: a, label: A, pillar: revenue, target: {value: 3, by: 2027-01-01}}\n",
        6,
        "target.from: missing",
    ),
    (
        "  - id: a\n    label: A\n    pillar: revenue\n    unit: [count]\n",
        9,
        "metrics[0].unit: expected unit",
    ),
    (
        "  - {id: a, label: A, pillar: revenue, target: {metric: nope}}\n",
        6,
        "target.metric: unknown metric id 'nope'",
    ),
    ("  - {id: a, label: A, pillar: revenue\n", 7, "not valid YAML"),
]


@pytest.mark.parametrize("metrics, line, fragment", BAD, ids=[b[2][:40] for b in BAD])
def test_bad_config_names_file_line_field(
    tmp_path: Path, metrics: str, line: int, fragment: str
) -> None:
    with pytest.raises(ConfigError) as err:
        load_text(tmp_path, metrics)
    message = str(err.value)
    assert message.startswith(f"{tmp_path / 'kpis.yaml'}:{line}: "), message
    assert fragment in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "head, fragment",
    [
        ("review: {week_starts: someday}\nmetrics:\n", "review.week_starts: unknown weekday"),
        ("review: {history_weeks: 2}\nmetrics:\n", "review.history_weeks: must be between"),
        ("reviews: {}\nmetrics:\n", "reviews: unknown key"),
        ("pillars: []\nmetrics:\n", "pillars: expected a list"),
    ],
)
def test_bad_review_and_pillars(tmp_path: Path, head: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        load_text(tmp_path, "  - {id: a, label: A, pillar: acquisition}\n", head=head)


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        config.load(tmp_path / "none.yaml")
    (tmp_path / "empty.yaml").write_text("")
    with pytest.raises(ConfigError, match=r"empty.yaml:1: the config is empty"):
        config.load(tmp_path / "empty.yaml")


@pytest.mark.parametrize(
    "text, line, fragment",
    [
        (
            "metrics:\n  - {id: a, label: A, pillar: revenue, owner: =}\n",
            2,
            "'=': could not determine",
        ),
        (
            "metrics:\n  - {id: a, label: A, pillar: revenue, owner: !!python/object:os.system x}\n",
            2,
            "could not determine a constructor",
        ),
        (
            "metrics:\n  - id: a\n    label: A\n    label: B\n    pillar: revenue\n",
            4,
            "label: duplicate key (first at line 3)",
        ),
        ("metrics:\n  - {id: ℌ, label: A, pillar: revenue}\n", 2, "'ℌ' is not an id"),
    ],
)
def test_hostile_yaml_is_one_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    path = tmp_path / "k.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        config.load(path)
    assert str(err.value).startswith(f"{path}:{line}: ") and fragment in str(err.value)


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines + ["metrics: *a9"]) + "\n")
    with pytest.raises(ConfigError, match="is an alias looping"):
        config.load(path)
