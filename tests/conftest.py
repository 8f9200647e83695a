"""Shared test settings and fixtures.

Unit tests run torch on one thread: on a 2-core machine, tiny models run many times faster
that way, and results do not depend on how busy the machine is.

Hypothesis runs without its per-example deadline (200 ms by default): a test's verdict must not
depend on the machine's speed (speed is measured by ``nox -s bench``, not asserted). Under CI
(``CI`` set) it also draws its examples from a fixed seed, so a run there is reproducible;
elsewhere each run explores new examples.
"""

from __future__ import annotations

import os

import pytest
import torch
from hypothesis import settings

torch.set_num_threads(1)

settings.register_profile("book", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "book")


@pytest.fixture(scope="session")
def ref():
    """The shipped reference model (load_reference caches it; tests must not change it)."""
    from stepbytoken.artifacts import load_reference

    return load_reference()
