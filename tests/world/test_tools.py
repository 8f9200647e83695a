"""Tests for tool calls: syntax, the allow-list, validated arguments, errors as text."""

from __future__ import annotations

import pytest

from stepbytoken.world.facts import Fact
from stepbytoken.world.tools import (
    TOOLS,
    Toolbox,
    ToolCall,
    ToolError,
    format_call,
    parse_call,
)

BOX = Toolbox([Fact("Mira", "age", "34"), Fact("Varnia", "capital", "Tolm")])


def test_format_and_parse_round_trip():
    for name, arguments in (("calc", "17*23"), ("lookup", "Mira, age")):
        text = format_call(name, arguments)
        assert parse_call(f"Sure. {text} and more") == ToolCall(name, arguments)
        assert str(ToolCall(name, arguments)) == text
    assert parse_call("no call here") is None


def test_malformed_calls_are_tool_errors():
    with pytest.raises(ToolError, match=r"\[name: arguments\]"):
        parse_call("[calc 17*23]")


def test_allow_listed_tools_run():
    assert set(TOOLS) == {"calc", "lookup"}
    assert BOX.run("[calc: 17*23]") == "391"
    assert BOX.run("[lookup: Mira, age]") == "34"
    assert BOX.run("[lookup: Varnia ,capital]") == "Tolm"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[shell: rm -rf /]", "unknown tool 'shell'"),
        ("[eval: 1+1]", "unknown tool 'eval'"),
        ("[__import__: os]", "unknown tool '__import__'"),
        ("[calc: __import__('os')]", "calc: only digits"),
        ("[calc: 2**100000]", "calc: only single"),
        ("[calc: " + "1+" * 40 + "1]", "at most 64 characters"),
        ("[lookup: Mira]", "two arguments"),
        ("[lookup: Mira, age, x]", "two arguments"),
        ("[lookup: Mira; drop, age]", "is not a name"),
        ("[lookup: mira, age]", "is not a name"),
        ("[lookup: Mira, password]", "unknown relation 'password'"),
        ("[lookup: Mira, pet]", "no pet known for Mira"),
        ("[lookup: Nobody, age]", "no age known for Nobody"),
        ("[calc 1]", "[name: arguments]"),
        ("just text", "no call"),
    ],
)
def test_refused_calls_come_back_as_error_text(text, words):
    out = BOX.run(text)
    assert out.startswith("error: ") and words in out


def test_call_raises_and_checks_types():
    with pytest.raises(ToolError, match="unknown tool"):
        BOX.call(ToolCall("python", "print(1)"))
    with pytest.raises(TypeError, match="ToolCall"):
        BOX.call("calc(1)")
    with pytest.raises(TypeError, match="Fact"):
        Toolbox([("Mira", "age", "34")])


@pytest.mark.parametrize(
    ("facts", "match"),
    [
        (None, "facts must be a list of Fact triples, got NoneType"),
        (3, "facts must be a list of Fact triples, got int"),
        ("Mira", "facts must be a list of Fact triples, got str"),
        ([("Mira", "age", "34")], "facts must be Fact triples, got tuple"),
    ],
)
def test_toolbox_refuses_what_is_not_a_list_of_facts(facts, match):
    with pytest.raises(TypeError, match=match):
        Toolbox(facts)
