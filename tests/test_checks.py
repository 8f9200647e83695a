"""The shared argument checks: right values pass through, wrong ones name what is allowed."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from stepbytoken.checks import (
    check_choice,
    check_float,
    check_int,
    check_str,
    check_tensor,
    check_token_ids,
)


@given(st.integers(min_value=-1000, max_value=1000))
def test_check_int_accepts_exactly_the_range(value):
    if 0 <= value <= 10:
        assert check_int("k", value, minimum=0, maximum=10) == value
    else:
        with pytest.raises(ValueError, match=r"k must be an int in \[0, 10\]"):
            check_int("k", value, minimum=0, maximum=10)


@pytest.mark.parametrize("value", [True, 1.0, "1", None, [1]])
def test_check_int_refuses_other_types(value):
    with pytest.raises(TypeError, match="k must be an int"):
        check_int("k", value)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_check_float_open_interval(value):
    inside = math.isfinite(value) and 0 < value <= 1
    if inside:
        assert check_float("p", value, minimum=0, maximum=1, open_minimum=True) == value
    else:
        with pytest.raises(ValueError, match=r"p must be a finite number in \(0, 1\]"):
            check_float("p", value, minimum=0, maximum=1, open_minimum=True)


def test_check_float_refuses_bools_and_strings():
    for value in (True, "0.5", None):
        with pytest.raises(TypeError, match="x must be a finite number"):
            check_float("x", value)


def test_check_choice_and_str():
    assert check_choice("mode", "a", ("a", "b")) == "a"
    with pytest.raises(ValueError, match="'a', 'b'"):
        check_choice("mode", "c", ("a", "b"))
    with pytest.raises(TypeError):
        check_choice("mode", 1, ("a", "b"))
    with pytest.raises(ValueError, match="non-empty"):
        check_str("name", "", allow_empty=False)


def test_check_tensor_dims_and_dtype():
    ids = torch.zeros(2, 3, dtype=torch.long)
    assert check_tensor("idx", ids, dims=(1, 2), integer=True) is ids
    with pytest.raises(ValueError, match="1 or 2 dimensions"):
        check_tensor("idx", torch.zeros(1, 1, 1, dtype=torch.long), dims=(1, 2))
    with pytest.raises(ValueError, match="integer dtype"):
        check_tensor("idx", torch.zeros(3, dtype=torch.bool), integer=True)
    with pytest.raises(ValueError, match="floating dtype"):
        check_tensor("x", ids, integer=False)
    with pytest.raises(TypeError, match="torch.Tensor"):
        check_tensor("x", [1, 2])


def test_check_token_ids_range():
    assert check_token_ids("idx", torch.tensor([], dtype=torch.long), 3).numel() == 0
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        check_token_ids("idx", torch.tensor([-1]), 3)
