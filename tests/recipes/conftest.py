"""Fixtures of the recipe tests: the reference recipe at toy size, in this process or others."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from stepbytoken.recipes import reference

TINY_SCRIPT = Path(__file__).with_name("tiny_reference.py")


@pytest.fixture
def toy_recipe(monkeypatch):
    """Shrink the recipe's corpus, tokenizer and model so that it runs in seconds."""
    for name, value in runpy.run_path(str(TINY_SCRIPT))["TINY"].items():
        monkeypatch.setattr(reference, name, value)


@pytest.fixture
def tiny_script() -> Path:
    """The script that runs the toy recipe in a fresh process (see ``tiny_reference.py``)."""
    return TINY_SCRIPT
