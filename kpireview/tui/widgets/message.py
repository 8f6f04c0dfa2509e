"""A one-line message under a screen's content ("Saved decision 6"); hidden while empty."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from kpireview.text import safe


class MessageLine(Static):
    """What the last action did, or why it did not; errors start with ✗ (not only red)."""

    DEFAULT_CSS = """
    MessageLine {
        height: auto;
        padding: 0 1;
        background: $panel;
        display: none;
    }
    MessageLine.-shown {
        display: block;
    }
    MessageLine.-error {
        color: $error;
        text-style: bold;
    }
    """

    def say(self, message: str, error: bool = False) -> None:
        if error and message:
            message = f"✗ {message}"
        self.update(Text(safe(message)))  # text, never markup
        self.set_class(bool(message), "-shown")
        self.set_class(error, "-error")

    @property
    def message(self) -> str:
        content = self.content
        return content.plain if isinstance(content, Text) else str(content)
