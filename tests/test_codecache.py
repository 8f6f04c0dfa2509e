"""The compiled-dataclass cache: the same classes as without it, kept between processes,
and a damaged, foreign or switched-off file costs only compiling."""

from __future__ import annotations

import dataclasses
import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kpireview import codecache

SCRIPT = """
import dataclasses, json
import kpireview
from kpireview import codecache

@dataclasses.dataclass(frozen=True)
class Point:
    metric: str
    week: int = 0
    tags: tuple = ()

p = Point("mrr", 3)
q = dataclasses.replace(p, week=4)
try:
    p.week = 5
    frozen = False
except dataclasses.FrozenInstanceError:
    frozen = True
cache = codecache._installed
print(json.dumps({
    "installed": cache is not None,
    "shadowed": "exec" in vars(dataclasses),
    "compiled": cache.compiled if cache else None,
    "known": len(cache.codes) if cache else None,
    "repr": repr(q),
    "eq": p == Point("mrr", 3) and p != q,
    "hash": hash(p) == hash(Point("mrr", 3)),
    "frozen": frozen,
}))
"""


def run(tmp_path: Path, cache_setting: str) -> dict[str, object]:
    import json

    env = {**os.environ, "KPIREVIEW_CACHE": cache_setting}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def marshal_file(tmp_path: Path) -> Path:
    return tmp_path / f"dataclasses.{sys.implementation.cache_tag}.marshal"


def test_a_second_process_compiles_no_dataclass_method(tmp_path: Path) -> None:
    setting = str(tmp_path / "bands.sqlite")
    first = run(tmp_path, setting)
    assert first["installed"] and first["compiled"]
    assert marshal_file(tmp_path).is_file()
    second = run(tmp_path, setting)
    assert second["compiled"] == 0
    assert second["known"] >= first["compiled"]
    for result in (first, second):
        assert result["repr"] == "Point(metric='mrr', week=4, tags=())"
        assert result["eq"] and result["hash"] and result["frozen"]


def test_switched_off_nothing_is_shadowed_or_written(tmp_path: Path) -> None:
    result = run(tmp_path, "off")
    assert not result["installed"] and not result["shadowed"]
    assert result["repr"] == "Point(metric='mrr', week=4, tags=())"
    assert result["eq"] and result["hash"] and result["frozen"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "content",
    [
        b"not marshal at all",
        marshal.dumps((codecache.FORMAT, b"\x00\x00\r\n", {"x": compile("1", "<s>", "eval")})),
        marshal.dumps(["a", "list"]),
        b"",
    ],
    ids=["damaged", "another-python", "foreign", "empty"],
)
def test_a_bad_file_only_costs_compiling(tmp_path: Path, content: bytes) -> None:
    path = marshal_file(tmp_path)
    path.write_bytes(content)
    result = run(tmp_path, str(tmp_path / "bands.sqlite"))
    assert result["installed"] and result["compiled"]
    assert result["eq"] and result["frozen"]
    assert run(tmp_path, str(tmp_path / "bands.sqlite"))["compiled"] == 0  # rewritten


def test_the_code_run_is_what_compiling_the_text_gives(tmp_path: Path) -> None:
    cache = codecache.CodeCache(tmp_path / "c.marshal")
    source = "def f(x):\n return x * 2\n"
    first: dict[str, object] = {}
    cache.exec(source, {}, first)
    second: dict[str, object] = {}
    cache.exec(source, {}, second)
    assert cache.compiled == 1
    assert first["f"](4) == second["f"](4) == 8  # type: ignore[operator]
    cache.save()
    again = codecache.CodeCache(tmp_path / "c.marshal")
    again.load()
    assert set(again.codes) == {source}
    assert again.codes[source].co_consts == compile(source, "<string>", "exec").co_consts


def test_an_unwritable_directory_is_not_an_error(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the directory would be")
    cache = codecache.CodeCache(blocked / "sub" / "c.marshal")
    cache.exec("x = 1", {}, {})
    cache.save()  # no exception
    assert cache.saved == 0


def test_the_package_installs_it_unless_switched_off() -> None:
    # The test session imports kpireview with the suite's cache setting.
    if os.environ.get("KPIREVIEW_CACHE", "").lower() == "off":
        assert "exec" not in vars(dataclasses)
    else:
        assert vars(dataclasses).get("exec") == codecache._installed.exec  # type: ignore[union-attr]
