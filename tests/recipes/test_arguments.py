"""Every recipe that writes an artifact refuses bad arguments before it starts working.

The bad-input suite (tests/badinput) does not call these functions: a valid call trains or
measures for seconds to hours, past its time bound. Their refusals are checked here instead,
one table for all of them: each function is found by its ``out_dir`` parameter, and each bad
value is tried on every function that takes that parameter.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import signal

import pytest

import stepbytoken.recipes

#: Seconds a refusal may take: it must come before any training (loading data is allowed).
BOUND = 20


def writers() -> list[tuple[str, object]]:
    """(dotted name, function) of every public recipe function whose first parameter is out_dir."""
    found = []
    for info in pkgutil.iter_modules(stepbytoken.recipes.__path__):
        module = importlib.import_module(f"stepbytoken.recipes.{info.name}")
        for name, fn in vars(module).items():
            if (
                inspect.isfunction(fn)
                and fn.__module__ == module.__name__
                and not name.startswith("_")
                and next(iter(inspect.signature(fn).parameters), None) == "out_dir"
            ):
                found.append((f"{info.name}.{name}", fn))
    return sorted(found, key=lambda item: item[0])


#: (parameter, bad value, error, message) for every parameter the recipes share.
CASES = [
    ("out_dir", 3, TypeError, "out_dir must be a str or path, got int"),
    ("out_dir", "", ValueError, "out_dir must be a non-empty path"),
    ("force", "no", TypeError, "force must be a bool"),
    ("steps", 0, ValueError, "steps must be"),
    ("steps", 1.5, TypeError, "steps must be"),
    ("progress", "no", TypeError, "progress must be a bool"),
    ("n_eval", 1, ValueError, "n_eval must be"),
    ("device", "tpu", ValueError, "device must be 'cpu' or 'cuda', got 'tpu'"),
    ("runs", (), ValueError, "runs must be"),
]

WRITERS = writers()


def test_the_recipes_that_write_are_found():
    names = {name for name, _ in WRITERS}
    assert {"sae.train_sae", "word_vectors.train_vectors", "lora.train_lora"} <= names
    assert len(names) >= 25


class Slow(Exception):
    """Raised by the alarm: the function went on working instead of refusing."""


def _alarm(signum, frame):
    raise Slow


@pytest.mark.parametrize(
    ("fn", "param", "value", "error", "match"),
    [
        pytest.param(fn, param, value, error, match, id=f"{name}-{param}={value!r}")
        for name, fn in WRITERS
        for param, value, error, match in CASES
        if param in inspect.signature(fn).parameters
    ],
)
def test_a_bad_argument_is_refused_before_any_work(
    fn, param, value, error, match, tmp_path
):
    out = tmp_path / "out"
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(BOUND)
    try:
        with pytest.raises(error, match=match):
            fn(**{"out_dir": out, param: value})
    except Slow:
        pytest.fail(
            f"{fn.__name__}({param}={value!r}) was not refused within {BOUND} s"
        )
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert not out.exists()  # refused before anything was written
