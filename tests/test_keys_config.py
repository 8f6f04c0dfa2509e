"""Keys are configurable: the config's `keys:` remaps a binding by its id; an unknown id or a
bad key is one line naming file, line and field, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from kpireview import config
from kpireview.errors import ConfigError
from tests.conftest import CONFIG, run
from tests.tui_helpers import TODAY, drive, static_text, wait_until


def with_keys(tmp_path: Path, keys: str) -> Path:
    """The repository's config with a `keys:` section appended; returns its path."""
    path = tmp_path / "kpis.yaml"
    path.write_text(CONFIG.read_text(encoding="utf-8") + "\nkeys:\n" + keys, encoding="utf-8")
    return path


def key_line(path: Path, text: str) -> int:
    return path.read_text(encoding="utf-8").splitlines().index(text) + 1


def test_keys_are_read_with_their_lines(tmp_path: Path) -> None:
    path = with_keys(tmp_path, '  decide: o\n  next_week: [n, "]", ctrl+F5]\n  help: "?,f1"\n')
    cfg = config.load(path)
    assert [(k.id, k.keys) for k in cfg.keys] == [
        ("decide", "o"), ("next_week", "n,],ctrl+f5"), ("help", "?,f1")
    ]  # fmt: skip
    assert cfg.keys[0].line == key_line(path, "  decide: o")


@pytest.mark.parametrize(
    "keys, field, message",
    [("  decide: ctrl+\n", "keys.decide", "'ctrl+': no key"),
     ("  decide: cmd+d\n", "keys.decide", "'cmd+d': 'cmd' is not a modifier"),
     ("  decide: sparkly\n", "keys.decide", "'sparkly': unknown key 'sparkly'"),
     ("  decide: []\n", "keys.decide", "expected a key like ctrl+d, or a list of keys"),
     ("  decide: [o, {a: b}]\n", "keys.decide", "expected text, got a mapping"),
     ("  decide: 'o,,p'\n", "keys.decide", "'': no key"),
     ("  - decide\n", "keys", "expected a mapping, got a list")],
)  # fmt: skip
def test_a_bad_key_names_file_line_and_field(
    tmp_path: Path, keys: str, field: str, message: str
) -> None:
    path = with_keys(tmp_path, keys)
    line = key_line(path, keys.rstrip("\n")) if field != "keys" else key_line(path, "keys:") + 1
    with pytest.raises(ConfigError) as err:
        config.load(path)
    text = str(err.value)
    assert text.startswith(f"{path}:") and f": {field}: " in text and message in text
    assert f"{path}:{line}:" in text or field == "keys"


@pytest.mark.parametrize("command", ["check", "tui", "serve"])
def test_an_unknown_binding_id_is_one_line_and_exit_2(
    tmp_path: Path, sample: Path, command: str
) -> None:
    path = with_keys(tmp_path, "  decid: o\n")
    result = run(command, "--db", sample, "--config", path)
    assert result.exit_code == 2
    line = key_line(path, "  decid: o")
    expected = f"{path}:{line}: keys.decid: unknown key binding id (did you mean 'decide'?)"
    assert result.stderr.strip().splitlines() == [f"kpireview: error: {expected}"]


def test_an_id_far_from_any_says_where_the_ids_are(tmp_path: Path, sample: Path) -> None:
    path = with_keys(tmp_path, "  zzzzzz: o\n")
    result = run("check", "--db", sample, "--config", path)
    assert result.exit_code == 2 and "keys.zzzzzz: unknown key binding id" in result.stderr
    assert "the README lists the ids" in result.stderr


def test_every_named_key_is_a_key_textual_knows() -> None:
    from textual.keys import Keys

    from kpireview.keymap import NAMED

    names = {k.value for k in Keys}
    assert not NAMED - names - {"space"}  # space: the name Textual gives " "


def test_every_binding_has_an_id_and_ids_are_unique() -> None:
    """The keymap reaches a binding only by its id; one id, one binding."""
    from textual.binding import Binding

    from kpireview.tui.keys import _classes, bindings

    known = bindings()
    assert {"decide", "next_week", "go_to_week", "filter", "help", "quit"} <= set(known)
    from textual.dom import DOMNode

    for cls in _classes(DOMNode):
        for b in cls.__dict__.get("BINDINGS", ()):
            if isinstance(b, Binding) and b.show and b.id:
                assert known[b.id][1] == b or known[b.id][1].action == b.action, b.id


def test_remapped_keys_run_their_action_and_show_in_the_footer_and_help(
    tmp_path: Path, sample: Path
) -> None:
    from kpireview.tui.app import ReviewApp
    from kpireview.tui.widgets.keybar import KeyBar

    path = with_keys(tmp_path, "  decide: o\n  next_flag: n\n  help: f1\n")
    app = ReviewApp(config.load(path), sample, today=TODAY)

    async def script(pilot: Pilot) -> None:
        bar = app.screen.query_one(KeyBar).render().plain
        assert " o Decide " in bar and " d Decide " not in bar and " n F H Flag " in bar
        await pilot.press("n")
        assert app.screen.current.kpi.flags  # the walk, on n
        await pilot.press("d")  # no longer bound
        await pilot.pause()
        assert type(app.screen).__name__ == "DashboardScreen"
        await pilot.press("f1")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        lines = [
            " ".join(x.split())
            for x in static_text(app.screen.query_one("#help-text")).splitlines()
        ]
        assert "o Record a decision on the KPI for the week on screen" in lines
        assert any(x.startswith("n Next flagged KPI") for x in lines)
        await pilot.press("escape", "o")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "DecisionForm")

    drive(app, (160, 45), script)
