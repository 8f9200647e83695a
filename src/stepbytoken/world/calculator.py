"""A calculator for whole-number arithmetic that a model may call: parsed, never evaluated.

The expression is parsed by Python's own parser (:func:`ast.parse`) into a tree, and the
tree is walked here: whole numbers, ``+ - * /``, unary minus and brackets are allowed, and
anything else (a name, a call, an attribute, a power, a float, a string) is refused before
any arithmetic happens. ``eval`` is never used. Limits on length, digits and size keep a
hostile expression from taking time or memory.

Introduced in chapter 11.
"""

from __future__ import annotations

import ast

from stepbytoken.checks import check_str

__all__ = ["MAX_DIGITS", "MAX_EXPRESSION", "MAX_RESULT", "CalculatorError", "calculate"]

#: Longest expression accepted, in characters.
MAX_EXPRESSION = 64
#: Most digits of one number in the expression.
MAX_DIGITS = 9
#: Largest absolute value of any intermediate or final result.
MAX_RESULT = 10**15

_ALLOWED_CHARS = set("0123456789+-*/() ")
_OPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
}


class CalculatorError(ValueError):
    """An expression the calculator refuses, with the reason.

    Introduced in chapter 11.
    """


def _value(node: ast.AST) -> int:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        if len(str(abs(node.value))) > MAX_DIGITS:
            raise CalculatorError(f"numbers may have at most {MAX_DIGITS} digits")
        result = node.value
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        result = (
            -_value(node.operand)
            if isinstance(node.op, ast.USub)
            else _value(node.operand)
        )
    elif isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        result = _OPS[type(node.op)](_value(node.left), _value(node.right))
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        a, b = _value(node.left), _value(node.right)
        if b == 0:
            raise CalculatorError("division by zero")
        if a % b:
            raise CalculatorError(f"{a} / {b} is not a whole number")
        result = a // b
    else:
        raise CalculatorError(
            f"{type(node).__name__} is not allowed; use whole numbers, + - * /"
        )
    if abs(result) > MAX_RESULT:
        raise CalculatorError(f"results must stay within +-{MAX_RESULT}")
    return result


def calculate(expression: str) -> int:
    """The value of a whole-number expression such as ``"17*23"`` or ``"(5 - 8) * 2"``.

    Division must come out whole (``"7/2"`` is refused). Only digits, spaces, ``+ - * /``
    and brackets may appear, at most :data:`MAX_EXPRESSION` characters.

    Raises
    ------
    TypeError
        If ``expression`` is not a str.
    CalculatorError
        (a ``ValueError``) If the expression is empty, too long, holds anything else, does
        not parse, divides by zero or grows past :data:`MAX_RESULT`.

    Examples
    --------
    >>> calculate("17*23"), calculate("(5 - 8) * 2"), calculate("84 / 4")
    (391, -6, 21)
    >>> try:
    ...     calculate("__import__('os')")
    ... except CalculatorError as err:
    ...     print(err)
    only digits, spaces, + - * / and brackets are allowed, got '_'

    Introduced in chapter 11.
    """
    check_str("expression", expression)
    if not expression.strip():
        raise CalculatorError("the expression is empty")
    if len(expression) > MAX_EXPRESSION:
        raise CalculatorError(
            f"expressions may have at most {MAX_EXPRESSION} characters"
        )
    bad = [c for c in expression if c not in _ALLOWED_CHARS]
    if bad:
        raise CalculatorError(
            f"only digits, spaces, + - * / and brackets are allowed, got {bad[0]!r}"
        )
    if "**" in expression or "//" in expression:
        raise CalculatorError("only single + - * / operators are allowed")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise CalculatorError(f"{expression!r} is not a valid expression") from None
    return _value(tree.body)
