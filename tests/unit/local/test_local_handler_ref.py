"""Loading handlers by ``FILE_OR_MODULE:ATTR`` reference."""

from __future__ import annotations

from pathlib import Path

import pytest
from returns.pipeline import is_successful

from lambda_durable.local import HandlerRef, load_handler


@pytest.fixture
def module_file(tmp_path: Path) -> Path:
    path = tmp_path / "refmod_example.py"
    path.write_text(
        "def handler(event, context):\n    return {'Status': 'SUCCEEDED'}\n"
        "TABLE = {'1-1': handler}\nVALUE = 1\n"
    )
    return path


def test_parse() -> None:
    assert HandlerRef.parse("a/b.py:h").unwrap() == HandlerRef("a/b.py", "h")
    assert HandlerRef.parse("pkg.mod:HANDLERS[1-17]").unwrap() == HandlerRef("pkg.mod", "HANDLERS", "1-17")
    assert HandlerRef("a/b.py", "h").is_file and HandlerRef("x.py", "h").is_file
    assert not HandlerRef("pkg.mod", "h").is_file
    assert str(HandlerRef("m", "T", "k")) == "m:T[k]"
    assert not is_successful(HandlerRef.parse("nocolon"))
    assert not is_successful(HandlerRef.parse("m:not a name"))


def test_load_from_file_and_mapping(module_file: Path) -> None:
    handler = load_handler(f"{module_file}:handler").unwrap()
    assert handler({}, None) == {"Status": "SUCCEEDED"}
    assert load_handler(f"{module_file}:TABLE[1-1]").unwrap() is handler


@pytest.mark.parametrize(
    ("suffix", "message"),
    [
        (":nothing", "has no attribute 'nothing'"),
        (":VALUE", "is not callable"),
        (":VALUE[x]", "is not a mapping"),
        (":TABLE[9-9]", "has no key '9-9'"),
    ],
)
def test_load_errors(module_file: Path, suffix: str, message: str) -> None:
    error = load_handler(f"{module_file}{suffix}").failure()
    assert message in error and "\n" not in error


def test_missing_targets(tmp_path: Path) -> None:
    assert load_handler(f"{tmp_path}/nope.py:h").failure() == f"no such file: {tmp_path}/nope.py"
    assert load_handler("surely_not_a_module_xyz:h").failure() == "no module named 'surely_not_a_module_xyz'"
    broken = tmp_path / "broken_mod.py"
    broken.write_text("raise RuntimeError('at import')\n")
    assert load_handler(f"{broken}:h").failure().endswith("RuntimeError: at import")


def test_module_reference() -> None:
    import json

    loaded: object = load_handler("json:dumps").unwrap()
    assert loaded is json.dumps


def test_ref_of_a_function() -> None:
    ref = HandlerRef.of(test_parse).unwrap()
    assert ref.target == str(Path(__file__).resolve()) and ref.attribute == "test_parse"
    assert not is_successful(HandlerRef.of(lambda e, c: {}))
