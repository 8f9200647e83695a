"""Tests for stepbytoken.training.schedule: warm-up and cosine decay."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.training import lr_schedule


def test_schedule_docstring_values():
    lrs = [lr_schedule(s, max_lr=1.0, warmup_steps=2, total_steps=5) for s in range(5)]
    assert lrs == pytest.approx([0.5, 1.0, 0.75, 0.25, 0.0])


@settings(max_examples=80, deadline=None)
@given(
    warmup=st.integers(0, 30),
    extra=st.integers(0, 60),
    max_lr=st.floats(1e-5, 1.0),
    ratio=st.floats(0.0, 1.0),
)
def test_schedule_shape(warmup, extra, max_lr, ratio):
    total = max(warmup + extra, 1)
    min_lr = max_lr * ratio
    kwargs = dict(max_lr=max_lr, warmup_steps=warmup, total_steps=total, min_lr=min_lr)
    lrs = [lr_schedule(s, **kwargs) for s in range(total + 5)]
    peak = max(warmup - 1, 0)
    warm, decay = lrs[: peak + 1], lrs[peak:]
    # warm-up strictly rises
    assert all(a < b for a, b in zip(warm, warm[1:], strict=False))
    assert lrs[peak] == pytest.approx(max_lr)  # the peak is max_lr
    assert max(lrs) == pytest.approx(max_lr)
    # then decays
    assert all(a >= b - 1e-15 for a, b in zip(decay, decay[1:], strict=False))
    assert lrs[0] > 0
    if total - 1 > peak:  # there is room to decay: it ends at min_lr and stays there
        assert lrs[total - 1] == pytest.approx(min_lr, abs=1e-12)
        assert all(lr == pytest.approx(min_lr, abs=1e-12) for lr in lrs[total - 1 :])


def test_schedule_midpoint_is_halfway_between_max_and_min():
    # Cosine: halfway through the decay the rate is the mean of max_lr and min_lr.
    lr = lr_schedule(55, max_lr=1.0, warmup_steps=10, total_steps=102, min_lr=0.2)
    assert lr == pytest.approx(0.6)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        (dict(step=-1), ValueError),
        (dict(step=1.5), TypeError),
        (dict(max_lr=0.0), ValueError),
        (dict(min_lr=2.0), ValueError),
        (dict(min_lr=-1.0), ValueError),
        (dict(warmup_steps=20), ValueError),
        (dict(total_steps=0), ValueError),
    ],
)
def test_schedule_argument_errors(kwargs, error):
    arguments = (
        dict(step=0, max_lr=1.0, warmup_steps=2, total_steps=10, min_lr=0.0) | kwargs
    )
    step = arguments.pop("step")
    with pytest.raises(error):
        lr_schedule(step, **arguments)
