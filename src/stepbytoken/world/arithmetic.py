"""Arithmetic written out step by step: the ``arithmetic`` documents of the corpus."""

from __future__ import annotations

import random

from stepbytoken.checks import check_choice, check_instance, check_int

__all__ = ["arithmetic_document", "format_arithmetic"]


def format_arithmetic(a: int, op: str, b: int, *, think: bool = True) -> str:
    """Write ``a op b`` as a question, an optional digit-by-digit working, and the answer.

    Addition works from the last digit to the first, carrying 1 when a column reaches 10;
    subtraction borrows 1 when a column would go below 0.

    Parameters
    ----------
    a, b
        Non-negative ints; for ``"-"``, ``a >= b`` (answers are never negative).
    op
        ``"+"`` or ``"-"``.
    think
        Whether to write the ``Think:`` line before the answer.

    Returns
    -------
    str
        ``"Q: a op b = ?\\nThink: ...\\nA: answer"``, without the middle line if not ``think``.

    Raises
    ------
    TypeError
        If ``a`` or ``b`` is not an int.
    ValueError
        If ``op`` is not ``"+"`` or ``"-"``, a number is negative, or ``a < b`` for ``"-"``.

    Examples
    --------
    >>> print(format_arithmetic(23, "+", 48))
    Q: 23 + 48 = ?
    Think: 3 + 8 = 11, write 1 carry 1. 2 + 4 + 1 = 7, write 7. So 71.
    A: 71
    >>> print(format_arithmetic(52, "-", 17))
    Q: 52 - 17 = ?
    Think: 2 - 7 needs a borrow, 12 - 7 = 5, write 5 borrow 1. 5 - 1 - 1 = 3, write 3. So 35.
    A: 35

    Introduced in chapter 3.
    """
    check_choice("op", op, ("+", "-"))
    a, b = check_int("a", a, minimum=0), check_int("b", b, minimum=0)
    if op == "-" and a < b:
        raise ValueError(
            f"a must be >= b for subtraction (answers are never negative), got {a} - {b}"
        )
    result = a + b if op == "+" else a - b
    lines = [f"Q: {a} {op} {b} = ?"]
    if think:
        da, db = str(a)[::-1], str(b)[::-1]
        steps, carry = [], 0
        for i in range(max(len(da), len(db))):
            x = int(da[i]) if i < len(da) else 0
            y = int(db[i]) if i < len(db) else 0
            if op == "+":
                total = x + y + carry
                step = (
                    f"{x} + {y}"
                    + (" + 1" if carry else "")
                    + f" = {total}, write {total % 10}"
                )
                carry = int(total >= 10)
                steps.append(step + (" carry 1." if carry else "."))
            else:
                have = x - carry
                if have >= y:
                    lhs = f"{x} - {y}" + (" - 1" if carry else "")
                    steps.append(f"{lhs} = {have - y}, write {have - y}.")
                    carry = 0
                else:
                    lhs = f"1{x} - {y}" + (" - 1" if carry else "")
                    need = f"{x} - {y}" + (" - 1" if carry else "")
                    value = 10 + have - y
                    steps.append(
                        f"{need} needs a borrow, {lhs} = {value}, write {value} borrow 1."
                    )
                    carry = 1
        if carry:
            steps.append("Write the carry 1.")
        lines.append("Think: " + " ".join(steps) + f" So {result}.")
    lines.append(f"A: {result}")
    return "\n".join(lines)


def arithmetic_document(rng: random.Random) -> str:
    """One to three sums or differences of numbers below 1000, half with a ``Think:`` line.

    Examples
    --------
    >>> print(arithmetic_document(random.Random(3)))
    Q: 557 - 5 = ?
    A: 552

    Introduced in chapter 3.
    """
    check_instance("rng", rng, random.Random)
    problems = []
    for _ in range(rng.randint(1, 3)):
        a = rng.randint(0, 10 ** rng.randint(1, 3) - 1)
        b = rng.randint(0, 10 ** rng.randint(1, 3) - 1)
        op = rng.choice("+-")
        if op == "-" and a < b:
            a, b = b, a
        problems.append(format_arithmetic(a, op, b, think=rng.random() < 0.5))
    return "\n\n".join(problems)
