"""Variables resolution and substitution."""

from __future__ import annotations

import random
import re

from lambda_durable.conformance.variables import Bindings, resolve_variables, substitute


def test_gen_str_draws_lowercase_alphanumerics_of_the_given_length() -> None:
    bindings = resolve_variables({"A": "${GEN_STR:8}", "B": "${GEN_STR:12}"}, random.Random(1))
    assert re.fullmatch(r"[a-z0-9]{8}", str(bindings["A"]))
    assert re.fullmatch(r"[a-z0-9]{12}", str(bindings["B"]))


def test_gen_str_is_fresh_per_variable_and_reproducible_per_seed() -> None:
    first = resolve_variables({"A": "${GEN_STR:10}", "B": "${GEN_STR:10}"}, random.Random(7))
    again = resolve_variables({"A": "${GEN_STR:10}", "B": "${GEN_STR:10}"}, random.Random(7))
    assert first["A"] != first["B"]
    assert first == again


def test_other_values_are_literal_and_non_strings_become_text() -> None:
    bindings = resolve_variables({"S": "plain ${X}", "N": 5, "F": 1.5, "T": True}, random.Random())
    assert bindings.values == {"S": "plain ${X}", "N": "5", "F": "1.5", "T": "True"}


def test_substitution_reaches_nested_values() -> None:
    bindings = Bindings({"NAME": "abc", "N": "5"})
    raw = {"name": "${NAME}", "items": ["${NAME}", "x-${NAME}-${N}", 3], "keep": None}
    assert substitute(raw, bindings) == {"name": "abc", "items": ["abc", "x-abc-5", 3], "keep": None}


def test_whole_placeholder_keeps_the_bound_type() -> None:
    assert substitute("${V}", Bindings({"V": {"a": 1}})) == {"a": 1}


def test_unbound_and_regex_strings_are_left_alone() -> None:
    bindings = Bindings({"A": "1"})
    assert substitute("${B}", bindings) == "${B}"
    assert substitute("${/^[0-9]$/}", bindings) == "${/^[0-9]$/}"
    assert substitute("/${A}/", bindings) == "/1/"


def test_bind_returns_a_new_value() -> None:
    empty = Bindings()
    bound = empty.bind("X", 1)
    assert "X" in bound and "X" not in empty
