"""Tests for arithmetic written out step by step: every answer and every step is right."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.world import format_arithmetic
from stepbytoken.world.arithmetic import arithmetic_document

PROBLEM = re.compile(r"Q: (\d+) ([+-]) (\d+) = \?\n(?:Think: (.*)\n)?A: (\d+)")


def check_problem(text: str) -> bool:
    """Check one written problem: its answer and every step of its working. Returns think."""
    match = PROBLEM.fullmatch(text)
    assert match, text
    a, op, b, think, answer = match.groups()
    a, b, answer = int(a), int(b), int(answer)
    assert answer == (a + b if op == "+" else a - b)
    if think is None:
        return False
    *steps, final = re.split(r"(?<=\.) ", think)
    assert final == f"So {answer}."
    digits_a, digits_b = str(a)[::-1], str(b)[::-1]
    written, carry = [], 0
    for i, step in enumerate(steps):
        if step == "Write the carry 1.":
            assert op == "+" and carry == 1 and i == len(steps) - 1
            written.append(1)
            carry = 0
            continue
        x = int(digits_a[i]) if i < len(digits_a) else 0
        y = int(digits_b[i]) if i < len(digits_b) else 0
        minus_carry = " - 1" if carry else ""
        if op == "+":
            total = x + y + carry
            expected = (
                f"{x} + {y}{' + 1' if carry else ''} = {total}, write {total % 10}"
            )
            carry = int(total >= 10)
            assert step == expected + (" carry 1." if carry else "."), (step, text)
            written.append(total % 10)
        else:
            value = x - y - carry
            if value >= 0:
                assert step == f"{x} - {y}{minus_carry} = {value}, write {value}.", (
                    step,
                    text,
                )
                carry = 0
            else:
                value += 10
                assert step == (
                    f"{x} - {y}{minus_carry} needs a borrow, 1{x} - {y}{minus_carry} = {value}, "
                    f"write {value} borrow 1."
                ), (step, text)
                carry = 1
            written.append(value)
    assert carry == 0
    assert int("".join(str(d) for d in reversed(written))) == answer
    return True


def test_arithmetic_documents_are_correct(default_corpus):
    problems = [
        p
        for d in default_corpus[0]
        if d.kind == "arithmetic"
        for p in d.text.split("\n\n")
    ]
    thought = [check_problem(p) for p in problems]
    assert len(problems) > 500
    assert 0.3 < sum(thought) / len(thought) < 0.7


def test_arithmetic_document_numbers_are_below_1000():
    rng = random.Random(0)
    for _ in range(200):
        problems = arithmetic_document(rng).split("\n\n")
        assert 1 <= len(problems) <= 3
        for p in problems:
            check_problem(p)
            assert all(int(n) < 1000 for n in re.findall(r"Q: (\d+) [+-] (\d+)", p)[0])


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 99_999), st.integers(0, 99_999), st.sampled_from("+-"), st.booleans()
)
def test_format_arithmetic_any_numbers(a, b, op, think):
    if op == "-" and a < b:
        a, b = b, a
    assert check_problem(format_arithmetic(a, op, b, think=think)) == think


def test_format_arithmetic_errors():
    with pytest.raises(ValueError, match="op must be one of '\\+', '-'"):
        format_arithmetic(1, "*", 2)
    with pytest.raises(ValueError, match="a must be >= b"):
        format_arithmetic(1, "-", 2)
    with pytest.raises(ValueError, match="b must be an int >= 0"):
        format_arithmetic(1, "+", -2)
    with pytest.raises(TypeError, match="a must be an int"):
        format_arithmetic(1.5, "+", 2)
