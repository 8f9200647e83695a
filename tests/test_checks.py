"""The shared argument checks: right values pass through, wrong ones name what is allowed."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from stepbytoken.checks import (
    check_bool,
    check_choice,
    check_features,
    check_float,
    check_floats,
    check_instance,
    check_int,
    check_ints,
    check_path,
    check_str,
    check_strings,
    check_targets,
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


@pytest.mark.parametrize("value", ["no", "", 0, 1, 2, None, 0.0])
def test_check_bool_refuses_what_would_be_read_as_true_or_false(value):
    with pytest.raises(TypeError, match="greedy must be a bool"):
        check_bool("greedy", value)
    assert check_bool("greedy", False) is False
    assert check_bool("greedy", torch.tensor(True)) is True


@pytest.mark.parametrize(
    ("value", "error"),
    [("a b", TypeError), (None, TypeError), (b"ab", TypeError), (["a", 1], TypeError)],
)
def test_check_strings_refuses_a_single_str_and_non_strings(value, error):
    with pytest.raises(error, match="words"):
        check_strings("words", value)
    with pytest.raises(ValueError, match=r"words\[1\] must be a non-empty str"):
        check_strings("words", ["a", ""], allow_empty=False)
    assert check_strings("words", ("a", "")) == ["a", ""]


def test_check_targets_shape_range_and_one_counted_position():
    assert check_targets(torch.tensor([[0, -1]]), (1, 2), 3).shape == (1, 2)
    with pytest.raises(ValueError, match="shape of idx"):
        check_targets(torch.tensor([0, 1]), (1, 2), 3)
    with pytest.raises(ValueError, match=r"in \[0, 3\) or -1"):
        check_targets(torch.tensor([[0, 3]]), (1, 2), 3)
    with pytest.raises(ValueError, match="other than -1"):
        check_targets(torch.tensor([[-1, -1]]), (1, 2), 3)


def test_check_features_instance_ints_and_floats():
    with pytest.raises(ValueError, match=r"x must have shape \(\.\.\., 4\)"):
        check_features("x", torch.zeros(2, 3), 4)
    with pytest.raises(ValueError, match="floating dtype"):
        check_features("x", torch.zeros(2, 4, dtype=torch.long), 4)
    with pytest.raises(TypeError, match="n must be a int or float, got str"):
        check_instance("n", "3", (int, float))
    assert check_ints("ids", torch.tensor([1, 2])) == [1, 2]
    with pytest.raises(ValueError, match=r"ids\[1\] must be an int >= 0"):
        check_ints("ids", [1, -2], minimum=0)
    with pytest.raises(ValueError, match=r"values\[0\] must be a finite number"):
        check_floats("values", [math.inf])
    with pytest.raises(ValueError, match="at least 2 numbers"):
        check_floats("values", [1.0], min_size=2)


def test_check_path_accepts_str_and_pathlike_and_names_the_argument(tmp_path):
    assert check_path("out", "a/b.txt") == Path("a/b.txt")
    assert check_path("out", tmp_path) == tmp_path
    for bad in (None, b"a.txt", 3, ["a"]):
        with pytest.raises(TypeError, match="out must be a str or path, got"):
            check_path("out", bad)
    for empty in ("", "  "):
        with pytest.raises(ValueError, match="out must be a non-empty path"):
            check_path("out", empty)
    with pytest.raises(ValueError, match="out must be a path without NUL characters"):
        check_path("out", "a\x00b")
    with pytest.raises(ValueError, match="out cannot be encoded as a file name"):
        check_path("out", "a\ud800b")  # a lone surrogate
