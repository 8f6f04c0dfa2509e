"""The decision form: what moved and why, the decision, owner, due date, expected effect.

ctrl+s saves (committed at once, in a worker thread); escape cancels, asking first when
something was typed. The checks and the saving are kpireview.decisions' (check_draft,
save_draft); the form shows their answers next to the fields.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, Static, TextArea
from textual.worker import Worker, WorkerState

from kpireview import presentation, units
from kpireview.decisions import Draft, check_draft
from kpireview.periods import week_label, week_span_text
from kpireview.records import DecisionConflict
from kpireview.session import ERRORS
from kpireview.text import safe
from kpireview.tui.widgets.keybar import KeyBar
from kpireview.tui.widgets.message import MessageLine
from kpireview.tui.widgets.text import fit_text

if TYPE_CHECKING:
    from kpireview.tui.app import ReviewApp

FIELD = Binding.Group("Field")
# The one-line fields: id (a Draft field), label, placeholder.
INPUTS = (
    ("decision", "Decision", "what we will do about it"),
    ("owner", "Owner", "who follows it up"),
    ("due", "Due", "fri, +7d, 2026-W49, 2026-11-27"),
    ("expected", "Expected", "the effect we expect, and by when"),
)


def due_text(day: date) -> str:
    """'Fri 27 Nov 2026'."""
    return f"{day:%a} {day.day} {day:%b %Y}"


class DecisionForm(Screen[int | None]):
    """A new decision on a KPI for a week, or an edit of one (``decision_id``).

    Dismissed with the saved decision's id, or None when cancelled.
    """

    APP_KEYS = False  # q and ? are typing here: the key bar leaves them out
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="form_save",
                tooltip="Save the decision (committed at once)"),
        Binding("escape", "cancel", "Cancel", key_display="esc",
                id="form_cancel", tooltip="Cancel (asks first when something was typed)"),
        Binding("tab", "app.focus_next", "Field", group=FIELD, id="form_next_field",
                tooltip="Next field"),
        Binding("shift+tab", "app.focus_previous", "Field", group=FIELD, key_display="⇧⇥",
                id="form_previous_field", tooltip="Previous field"),
    ]  # fmt: skip

    def __init__(
        self,
        metric_id: str,
        week: date,
        draft: Draft,
        *,
        today: date,
        decision_id: int | None = None,
        base: int | None = None,
    ) -> None:
        super().__init__(id="decision-form")
        self.metric_id = metric_id
        self.week = week
        self.initial = draft
        self.today = today
        self.decision_id = decision_id
        self.base = base  # the revision being edited: saving is refused when it is not current
        self.saving = False

    @property
    def review_app(self) -> ReviewApp:
        return self.app  # type: ignore[return-value]

    # --- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        draft = self.initial
        yield Static(id="form-header")
        with VerticalScroll(id="form-body"):
            yield Static(id="conflict")
            yield Label("What moved and why [dim](required)[/]", id="note-label")
            yield TextArea(
                draft.note, id="note", soft_wrap=True, tab_behavior="focus",
                placeholder="e.g. Churn up 0.4 pt: the price change reached monthly plans",
            )  # fmt: skip
            yield Static(id="note-error", classes="field-error")
            for name, label, placeholder in INPUTS:
                with Horizontal(classes="field", id=f"{name}-field"):
                    yield Label(label, classes="field-label")
                    yield Input(getattr(draft, name), placeholder=placeholder, id=name)
                    if name == "due":
                        yield Static(id="due-hint")
                yield Static(id=f"{name}-error", classes="field-error")
        yield MessageLine(id="form-status")
        yield KeyBar()

    def on_mount(self) -> None:
        self._show_header()
        self._show_due(self.initial.due)
        self.query_one("#note", TextArea).focus()

    def on_resize(self) -> None:
        self._show_header()
        self.query_one("#note").styles.height = 6 if self.size.height < 32 else 10

    def _show_header(self) -> None:
        app = self.review_app
        metric = app.config.by_id.get(self.metric_id)
        label = metric.label if metric else self.metric_id
        starts = app.config.review.week_starts
        when = f"{week_label(self.week, starts)} ({week_span_text(self.week)})"
        if self.decision_id is None:
            first = Text.assemble(" New decision · ", (label, "bold"), f" · {when}")
        else:
            first = Text.assemble(f" Decision {self.decision_id} · ", (label, "bold"), f" · {when}")
        second = Text(" ")
        review = app.review
        kpi = next((k for k in review.kpis if k.id == self.metric_id), None) if review else None
        if self.decision_id is not None:
            second.append("Editing: saving keeps the earlier text in the decision's history.")
        elif kpi is not None:
            second.append(f"{kpi.label} {kpi.fmt(kpi.value)} · WoW ")
            second.append(units.change(kpi.wow.abs, kpi.wow.rel, kpi.unit))
            status = presentation.STATUS_TEXT[kpi.target.status if kpi.target else None]
            if status:
                second.append(f" · target {status}")
            flags = sum(1 for f in kpi.flags if f.rule != "target")
            if flags:
                second.append(f" · {flags} signal{'s' if flags > 1 else ''}")
        width = self.size.width or app.size.width
        lines = [fit_text(first, width), fit_text(second, width)]
        self.query_one("#form-header", Static).update(Text("\n").join(lines))

    # --- the draft -----------------------------------------------------------------------

    def draft(self) -> Draft:
        """What is typed now."""
        values = {name: self.query_one(f"#{name}", Input).value for name, _, _ in INPUTS}
        return Draft(note=self.query_one("#note", TextArea).text, **values)

    @property
    def changed(self) -> bool:
        """Whether anything differs from what the form opened with."""
        return self.is_mounted and self.draft() != self.initial

    @on(Input.Changed, "#due")
    def _due_changed(self, event: Input.Changed) -> None:
        self._show_due(event.value)

    @on(TextArea.Changed, "#note")
    def _note_changed(self) -> None:
        self._show_error("note", "")

    def _show_due(self, text: str) -> None:
        """The date the due field means, as it is typed: '→ Fri 27 Nov 2026' beside it, or
        why it is no date under it."""
        values, errors = check_draft(Draft(due=text), self.today)
        due = values["due"]
        hint = f"→ {due_text(due)}" if isinstance(due, date) and text.strip() else ""
        if hint and isinstance(due, date) and due < self.today:
            hint += " (in the past)"
        self.query_one("#due-hint", Static).update(Text(hint))
        self._show_error("due", errors.get("due", ""))

    def _show_error(self, name: str, message: str) -> None:
        widget = self.query_one(f"#{name}-error", Static)
        widget.update(Text(safe(f"✗ {message}") if message else ""))  # text, never markup
        widget.set_class(bool(message), "-shown")

    def say(self, message: str, error: bool = False) -> None:
        self.query_one(MessageLine).say(message, error)

    # --- actions -------------------------------------------------------------------------

    def action_save(self) -> None:
        if self.saving:
            return
        draft = self.draft()
        _, errors = check_draft(draft, self.today)
        for name in ("note", *(n for n, _, _ in INPUTS)):
            self._show_error(name, errors.get(name, ""))
        if errors:
            first = next(n for n in ("note", *(n for n, _, _ in INPUTS)) if n in errors)
            self.query_one(f"#{first}").focus()
            self.say("Not saved: see the field marked ✗.", error=True)
            return
        self.saving = True
        self.say("Saving…")
        self.save(draft)

    @work(thread=True, exclusive=True, group="save", exit_on_error=False)
    def save(self, draft: Draft) -> None:
        """Commit the draft (a new decision, or an edit keeping the old text), off the loop."""
        app = self.review_app
        try:
            did = app.session.save_decision(
                self.metric_id, self.week, draft, self.decision_id, self.base
            )
        except DecisionConflict as exc:
            app.call_from_thread(self._conflict, exc)
            return
        except ERRORS as exc:
            app.call_from_thread(self._not_saved, str(exc))
            return
        app.call_from_thread(self.dismiss, did)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """An unexpected error while saving keeps the form and says so (never 'Saving…')."""
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self._not_saved(f"{type(error).__name__}: {error}")

    def _not_saved(self, message: str) -> None:
        """Keep the form and everything typed in it; say why."""
        self.saving = False
        self.say(f"Not saved: {message}", error=True)

    def _conflict(self, exc: DecisionConflict) -> None:
        """Someone saved the decision since the form opened: keep what is typed, show their
        edit, and let a second ctrl+s save over it knowingly (the form's base moves on)."""
        self.saving = False
        self.base = exc.revision
        panel = self.query_one("#conflict", Static)
        panel.update(conflict_text(exc))
        panel.add_class("-shown")
        self.say(
            f"Not saved: decision {exc.decision_id} was changed by {exc.by or 'someone'} at "
            f"{exc.at} (shown above). ctrl+s saves your text over it; esc cancels.",
            error=True,
        )

    def action_cancel(self) -> None:
        if self.saving:
            return
        if not self.changed:
            self.dismiss(None)
            return
        self.app.push_screen(Confirm("Discard what you typed?"), callback=self._discard)

    def _discard(self, yes: bool | None) -> None:
        if yes:
            self.dismiss(None)


def conflict_text(exc: DecisionConflict) -> Text:
    """The other edit: who saved it, when, and each field it changed, as it is now."""
    text = Text.assemble(
        ("Changed meanwhile", "bold"),
        f" by {exc.by or 'someone'} at {exc.at} (revision {exc.base} → {exc.revision}):",
    )
    for name, _, now in exc.changes:
        text.append(f"\n  {name}: ")
        text.append(" ".join(now.split()) or "(empty)")
    if not exc.changes:
        text.append("\n  (no text changed)")
    return text


class Confirm(ModalScreen[bool]):
    """A question answered with y or n (escape is n)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm_yes", tooltip="Yes"),
        Binding("n,escape", "answer(False)", "No", key_display="n", id="confirm_no",
                tooltip="No"),
    ]  # fmt: skip

    def __init__(self, question: str) -> None:
        super().__init__(id="confirm")
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(Text.assemble(self.question, " ", ("y/n", "bold")), id="confirm-text")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
