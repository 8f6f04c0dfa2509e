"""The app's part that tells the user what happened and makes the meeting notes: written
to a file and the clipboard in a terminal, handed to the browser as a download under
`kpireview serve`; each in a worker thread, through the review session."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App

from kpireview.session import ERRORS
from kpireview.text import safe

if TYPE_CHECKING:
    from kpireview.review import WeekReview
    from kpireview.session import ReviewSession


class NotesApp(App[None]):
    """Messages and notes; the review app (`kpireview.tui.app.ReviewApp`) is one."""

    session: ReviewSession
    review: WeekReview | None

    def say(self, message: str, error: bool = False) -> None:
        """A message in the current screen's status line (a notification where it has none)."""
        say = getattr(self.screen, "say", None)
        if say is not None:
            say(message, error=error)
        else:
            self.notify(safe(message), severity="error" if error else "information", markup=False)

    def action_notes(self) -> None:
        """The notes: written to the current directory, or downloaded in a browser (serve)."""
        if self.review is not None and self.is_web:
            self.deliver_notes(self.review)
        elif self.review is not None:
            self.write_notes(self.review, Path.cwd())

    @work(thread=True, exclusive=True, group="notes", exit_on_error=False)
    def deliver_notes(self, model: WeekReview) -> None:
        """The week's notes as a download in the browser (nothing is written on the server)."""
        try:
            name, text = self.session.notes(model)
        except ERRORS as exc:
            self.call_from_thread(self.say, f"Notes not made: {exc}", True)
            return
        self.call_from_thread(self.deliver_text, io.StringIO(text), save_filename=name,
                              mime_type="text/markdown")  # fmt: skip
        self.call_from_thread(self.say, f"Notes sent to the browser as {name}")

    @work(thread=True, exclusive=True, group="notes", exit_on_error=False)
    def write_notes(self, model: WeekReview, directory: Path) -> None:
        """The week's meeting notes to kpireview-<week>.md, and to the clipboard (OSC 52)."""
        try:
            path, text = self.session.write_notes(model, directory)
        except ERRORS as exc:
            self.call_from_thread(self.say, f"Notes not written: {exc}", True)
            return
        self.call_from_thread(self.copy_to_clipboard, text)
        self.call_from_thread(self.say, f"Notes written to {path} and copied to the clipboard")
