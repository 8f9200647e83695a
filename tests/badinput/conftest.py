"""The tally of the bad-input suite, printed at the end of the pytest run."""

from __future__ import annotations

from collections import Counter

import pytest

#: Outcome -> number of calls, filled by test_bad_input.py.
TALLY: Counter[str] = Counter()
#: Callables tried.
TRIED: set[str] = set()
#: The slowest calls: (seconds, "callable(parameter = value label)"), the 10 longest kept.
SLOWEST: list[tuple[float, str]] = []


@pytest.fixture(scope="session")
def tally() -> Counter[str]:
    return TALLY


@pytest.fixture(scope="session")
def tried() -> set[str]:
    return TRIED


@pytest.fixture(scope="session")
def slowest() -> list[tuple[float, str]]:
    return SLOWEST


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
    if SLOWEST:  # how close the slowest calls come to the suite's time bound
        terminalreporter.write_line(
            "slowest calls: "
            + "; ".join(f"{name} {seconds:.1f} s" for seconds, name in SLOWEST[:5])
        )
