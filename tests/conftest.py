"""Shared test settings and fixtures.

Unit tests run torch on one thread: on a 2-core machine, tiny models run many times faster
that way, and results do not depend on how busy the machine is.
"""

from __future__ import annotations

import pytest
import torch

torch.set_num_threads(1)


@pytest.fixture(scope="session")
def ref():
    """The shipped reference model (load_reference caches it; tests must not change it)."""
    from stepbytoken.artifacts import load_reference

    return load_reference()
