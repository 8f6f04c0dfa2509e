"""One definition of overdue (Decision.overdue): the review, the notes and the shell agree."""

from __future__ import annotations

from datetime import date, timedelta

from kpireview.records import Decision

WEEK = date(2026, 11, 16)  # a Monday; the week ends on Sunday 22 Nov


def decision(due: date | None, status: str = "open") -> Decision:
    return Decision(1, "churn_rate", WEEK - timedelta(weeks=1), "n", "d", "o", due, status,
                    "", "a", "", "")  # fmt: skip


def test_overdue_is_open_and_due_before_the_day_asked() -> None:
    last_day = WEEK + timedelta(days=6)
    assert decision(last_day).overdue(last_day + timedelta(days=1))  # as of the week after
    assert not decision(last_day).overdue(last_day)  # due today is not overdue yet
    assert not decision(last_day, "done").overdue(date(2030, 1, 1))
    assert not decision(None).overdue(date(2030, 1, 1))


def test_the_review_the_notes_and_the_shell_use_it(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Each caller goes through Decision.overdue: make it say yes for everything, and every
    open decision shows as overdue everywhere."""
    from kpireview import decisions, notes

    calls: list[date] = []

    def always(self: Decision, as_of: date) -> bool:
        calls.append(as_of)
        return True

    monkeypatch.setattr(Decision, "overdue", always)
    assert decisions.is_overdue(decision(None), WEEK)
    assert calls == [WEEK]
    assert "overdue" in notes.earlier_actions.__code__.co_names  # the review's, or its own
