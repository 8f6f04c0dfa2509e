"""The README's command examples are what the commands print (see tests/readme_examples.py)."""

from __future__ import annotations

import pytest
from cogapp import Cog

from tests.conftest import ROOT


def test_readme_examples_are_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    status = Cog().main(["cog", "--check", "--diff", str(ROOT / "README.md")])
    diff = capsys.readouterr()
    assert status == 0, (
        f"{diff.out}{diff.err}\nThe README's examples are stale: run `cog -r README.md`."
    )
