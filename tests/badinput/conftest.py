"""The tally of the bad-input suite, printed at the end of the pytest run."""

from __future__ import annotations

from collections import Counter

import pytest

#: Outcome -> number of calls, filled by test_bad_input.py.
TALLY: Counter[str] = Counter()
#: Callables tried.
TRIED: set[str] = set()


@pytest.fixture(scope="session")
def tally() -> Counter[str]:
    return TALLY


@pytest.fixture(scope="session")
def tried() -> set[str]:
    return TRIED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TALLY:
        return
    order = (
        "clear",
        "sane",
        "allowed",
        "unclear",
        "silent",
        "hang",
        "unreached",
    )
    parts = [f"{TALLY[k]} {k}" for k in order if TALLY[k]]
    calls = sum(TALLY[k] for k in order)
    terminalreporter.write_sep("-", "bad-input suite")
    terminalreporter.write_line(
        f"{calls} calls tried on {len(TRIED)} public callables: " + ", ".join(parts)
    )
