"""Tool calls: the syntax an assistant writes, and the program that runs allow-listed tools.

An assistant asks for a tool by writing ``[name: arguments]`` in its message, in square
brackets as Toolformer does: for example ``[calc: 17 * 23]`` or ``[lookup: Mira, age]``.
Square brackets never occur in the world's text, and take one token each (an XML-like
``<call>`` would take five). The space after the colon matters to a small model: it makes
the arguments the same tokens as in the question (``" Mira"`` is one token, ``"(Mira"``
would spell the name in other pieces), so the model copies them instead of re-spelling them. A
program (not the model) finds the call with :func:`parse_call`, and :class:`Toolbox` runs
it, but only if the tool is on the allow-list (:data:`TOOLS`) and its arguments pass
validation; the result, or an ``error: ...`` line, goes back to the model as a ``tool``
message. Nothing the model writes is ever executed as code.

Introduced in chapter 11.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from stepbytoken.checks import check_str
from stepbytoken.world.calculator import CalculatorError, calculate
from stepbytoken.world.facts import RELATIONS, Fact

__all__ = [
    "CALL_CLOSE",
    "CALL_OPEN",
    "TOOLS",
    "ToolCall",
    "ToolError",
    "Toolbox",
    "format_call",
    "has_call",
    "parse_call",
]

CALL_OPEN = "["
CALL_CLOSE = "]"

#: The allow-list: each tool's name and what its arguments are.
TOOLS = {
    "calc": "a whole-number expression with + - * / and brackets, e.g. calc: 17 * 23",
    "lookup": "an entity and a relation of the world's fact table, e.g. lookup: Mira, age",
}

_CALL = re.compile(re.escape(CALL_OPEN) + r"(.*?)" + re.escape(CALL_CLOSE), re.S)
_SHAPE = re.compile(r"([A-Za-z_]\w*):(.*)", re.S)
_NAME = re.compile(r"[A-Z][a-z]+")
MAX_ARGUMENTS = 64  # characters between the brackets


class ToolError(ValueError):
    """A tool call that is refused: unknown tool, bad syntax or invalid arguments.

    Introduced in chapter 11.
    """


class ToolCall(NamedTuple):
    """A parsed call: the tool's name and the text between its brackets.

    Examples
    --------
    >>> str(ToolCall("calc", "17 * 23"))
    '[calc: 17 * 23]'

    Introduced in chapter 11.
    """

    name: str
    arguments: str

    def __str__(self) -> str:
        return format_call(self.name, self.arguments)


def format_call(name: str, arguments: str) -> str:
    """The text an assistant writes to call tool ``name``.

    >>> format_call("lookup", "Mira, age")
    '[lookup: Mira, age]'

    Introduced in chapter 11.
    """
    name, arguments = check_str("name", name), check_str("arguments", arguments)
    return f"{CALL_OPEN}{name}: {arguments}{CALL_CLOSE}"


def has_call(text: str) -> bool:
    """Whether ``text`` holds a tool call (well-formed or not).

    >>> has_call("[calc: 1 + 1]"), has_call("No call.")
    (True, False)

    Introduced in chapter 11.
    """
    return _CALL.search(check_str("text", text)) is not None


def parse_call(text: str) -> ToolCall | None:
    """The first tool call in ``text``, or ``None`` if it holds none.

    The call is parsed but not checked against the allow-list (:class:`Toolbox` does that).

    Raises
    ------
    ToolError
        If the text between the markers is not ``name: arguments``.

    Examples
    --------
    >>> parse_call("Let me compute. [calc: 17 * 23]")
    ToolCall(name='calc', arguments='17 * 23')
    >>> parse_call("No tools needed.") is None
    True

    Introduced in chapter 11.
    """
    match = _CALL.search(check_str("text", text))
    if match is None:
        return None
    shape = _SHAPE.fullmatch(match.group(1).strip())
    if shape is None:
        raise ToolError(
            f"a call must look like [name: arguments], got {match.group(0)!r}"
        )
    return ToolCall(shape.group(1), shape.group(2).strip())


class Toolbox:
    """The allow-listed tools, with the world's fact table for ``lookup``.

    Parameters
    ----------
    facts
        The facts ``lookup`` may return, e.g. ``world.facts + world.heldout_facts``.

    Examples
    --------
    >>> box = Toolbox([Fact("Mira", "age", "34")])
    >>> box.run("[lookup: Mira, age]"), box.run("[calc: 34 - 30]")
    ('34', '4')
    >>> box.run("[shell: rm -rf /]")
    "error: unknown tool 'shell'; allowed tools: calc, lookup"

    Introduced in chapter 11.
    """

    def __init__(self, facts: Iterable[Fact]) -> None:
        if isinstance(facts, (str, bytes)) or not isinstance(facts, Iterable):
            raise TypeError(
                f"facts must be a list of Fact triples, got {type(facts).__name__}"
            )
        self._table: dict[tuple[str, str], str] = {}
        for fact in facts:
            if not isinstance(fact, Fact):
                raise TypeError(
                    f"facts must be Fact triples, got {type(fact).__name__}"
                )
            self._table[(fact.subject, fact.relation)] = fact.object

    def facts(self) -> tuple[Fact, ...]:
        """The fact table ``lookup`` reads, one :class:`~stepbytoken.world.facts.Fact` per
        (subject, relation), in the order given (a later duplicate replaces an earlier one).

        >>> Toolbox([Fact("Mira", "age", "34")]).facts()
        (Fact(subject='Mira', relation='age', object='34'),)
        """
        return tuple(Fact(s, r, o) for (s, r), o in self._table.items())

    def call(self, call: ToolCall) -> str:
        """Run one parsed call and return its result; raise :class:`ToolError` if refused."""
        if not isinstance(call, ToolCall):
            raise TypeError(f"call must be a ToolCall, got {type(call).__name__}")
        if call.name not in TOOLS:
            raise ToolError(
                f"unknown tool {call.name!r}; allowed tools: {', '.join(TOOLS)}"
            )
        if len(call.arguments) > MAX_ARGUMENTS:
            raise ToolError(f"arguments may have at most {MAX_ARGUMENTS} characters")
        if call.name == "calc":
            try:
                return str(calculate(call.arguments))
            except CalculatorError as err:
                raise ToolError(f"calc: {err}") from None
        return self._lookup(call.arguments)

    def _lookup(self, arguments: str) -> str:
        parts = [p.strip() for p in arguments.split(",")]
        if len(parts) != 2:
            raise ToolError("lookup takes two arguments: an entity and a relation")
        subject, relation = parts
        if not _NAME.fullmatch(subject):
            raise ToolError(f"lookup: {subject!r} is not a name (one capitalised word)")
        if relation not in RELATIONS:
            raise ToolError(f"lookup: unknown relation {relation!r}")
        try:
            return self._table[(subject, relation)]
        except KeyError:
            raise ToolError(f"lookup: no {relation} known for {subject}") from None

    def run(self, text: str) -> str:
        """Find the call in an assistant's text and run it; errors come back as text.

        Returns the result, or ``"error: ..."`` when the call is refused (the line an agent
        loop hands back to the model), or ``"error: no call"`` if ``text`` holds none.
        """
        try:
            call = parse_call(text)
            if call is None:
                return "error: no call"
            return self.call(call)
        except ToolError as err:
            return f"error: {err}"
