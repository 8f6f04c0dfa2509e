"""A standing target without a value gives no status and says why; it does not crash."""

from __future__ import annotations

from datetime import date

from kpireview import pacing
from kpireview.config import Metric
from kpireview.review import Data
from kpireview.targets import Target

WEEK = date(2026, 3, 2)


def metric(target: Target) -> Metric:
    return Metric(id="nps", label="NPS", pillar="retention", targets=(target,))


def test_a_standing_target_without_a_value_has_no_status() -> None:
    data = Data(series={("nps", ""): {WEEK: 40.0}}, reasons={}, decisions=[])
    result = pacing.status(data, metric(Target("stay_above")), WEEK, 40.0)
    assert result is not None
    assert (result.value, result.status, result.criterion) == (None, None, "stay_above")
    assert result.reason == "no target value"


def test_a_standing_target_with_a_value_is_judged() -> None:
    data = Data(series={("nps", ""): {WEEK: 40.0}}, reasons={}, decisions=[])
    result = pacing.status(data, metric(Target("stay_above", value=30.0)), WEEK, 40.0)
    assert result is not None
    assert (result.value, result.status) == (30.0, "met")
