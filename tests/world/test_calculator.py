"""Tests for the calculator: right answers, and every kind of hostile input refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepbytoken.world.calculator import (
    MAX_EXPRESSION,
    MAX_RESULT,
    CalculatorError,
    calculate,
)


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("17*23", 391),
        ("(5 - 8) * 2", -6),
        ("84 / 4", 21),
        ("-7 + +3", -4),
        (" 12 ", 12),
    ],
)
def test_arithmetic(expression, value):
    assert calculate(expression) == value


@given(st.integers(0, 9_999), st.sampled_from("+-*"), st.integers(1, 99_999))
def test_agrees_with_python_integers(a, op, b):
    expected = {"+": a + b, "-": a - b, "*": a * b}[op]
    assert calculate(f"{a} {op} {b}") == expected
    assert calculate(f"{a * b} / {b}") == a


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("__import__('os').system('ls')", "only digits"),
        ("open('/etc/passwd')", "only digits"),
        ("1 if 1 else 2", "only digits"),
        ("2**999999", "single"),
        ("7 // 2", "single"),
        ("7 / 2", "not a whole number"),
        ("1 / 0", "division by zero"),
        ("1.5 * 2", "only digits"),
        ("(1", "not a valid expression"),
        ("1 2", "not a valid expression"),
        ("", "empty"),
        ("9" * 10, "at most 9 digits"),
        ("999999999 * 999999999", "within"),
        ("1+" * 40 + "1", f"at most {MAX_EXPRESSION} characters"),
        ("()", "not allowed"),
        ("(1, 2)", "only digits"),
    ],
)
def test_refuses_hostile_or_bad_input(expression, words):
    with pytest.raises(CalculatorError, match=words):
        calculate(expression)


def test_results_stay_bounded():
    assert abs(calculate("999999999 * 999999")) <= MAX_RESULT
    assert issubclass(CalculatorError, ValueError)
    with pytest.raises(TypeError, match="must be a str"):
        calculate(17)
