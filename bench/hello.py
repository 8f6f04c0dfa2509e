"""A hello-world Textual app, the start-up bench's baseline: it shows its screen until quit."""

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static


class HelloApp(App[None]):
    """One header, one line of text, one footer."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Hello, world")
        yield Footer()


if __name__ == "__main__":
    HelloApp().run()
