"""Tests of the agent loop (stepbytoken.generation.agent)."""

from __future__ import annotations

import pytest

from stepbytoken.generation.agent import STOPS, Episode, act, run_episode, split_thought
from stepbytoken.recipes.sft import eval_toolbox, load_sft
from stepbytoken.world import make_world
from stepbytoken.world.agent_tasks import AGENT_KINDS, agent_tasks, react_example
from stepbytoken.world.conversation import check_conversation
from stepbytoken.world.facts import Fact
from stepbytoken.world.tools import Toolbox


class SpyToolbox(Toolbox):
    """A toolbox that records every call it is asked to run."""

    def __init__(self, facts):
        super().__init__(facts)
        self.ran = []

    def call(self, call):
        self.ran.append(call)
        return super().call(call)


@pytest.fixture
def box():
    return SpyToolbox([Fact("Mira", "age", "34")])


def test_a_thought_is_split_from_its_call():
    assert split_thought("Thought: the age of Mira. [lookup: Mira, age]") == (
        "the age of Mira.",
        "[lookup: Mira, age]",
    )
    assert split_thought("Thought: easy. It is 4.") == ("easy.", "It is 4.")
    assert split_thought("It is 4.") == (None, "It is 4.")


def test_an_allowed_call_runs_and_its_result_is_the_observation(box):
    step = act("Thought: the age of Mira. [lookup: Mira, age]", box)
    assert (step.status, step.observation, step.thought) == (
        "ran",
        "34",
        "the age of Mira.",
    )
    assert box.ran == [step.call]


@pytest.mark.parametrize(
    "text",
    [
        "[python: __import__('os').system('rm -rf /')]",
        "[shell: ls]",
        "Thought: run code. [eval: 1 + 1]",
    ],
)
def test_a_tool_off_the_allow_list_is_refused_and_never_run(box, text):
    step = act(text, box)
    assert step.status == "refused" and step.observation is None
    assert box.ran == []


def test_malformed_and_invalid_calls(box):
    step = act("[lookup Mira age]", box)
    assert step.status == "malformed" and box.ran == []
    step = act("[calc: __import__('os')]", box)  # calc parses arithmetic, never code
    assert step.status == "invalid" and step.observation.startswith("error: calc")
    step = act("[lookup: Mira, favourite food]", box)
    assert step.status == "invalid" and "unknown relation" in step.observation
    assert act("Mira is 34.", box).status == "answer"


@pytest.fixture(scope="module")
def sft():
    return load_sft()


@pytest.fixture(scope="module")
def tasks():
    world = make_world(0)
    return [agent_tasks(world, k, 1, split="heldout", seed=1)[0] for k in AGENT_KINDS]


def test_episodes_are_well_formed_and_record_every_step(sft, tasks):
    toolbox = eval_toolbox()
    for task in tasks:
        prompt = react_example(task, toolbox).prompt
        episode = run_episode(sft.model, sft.tokenizer, prompt, toolbox, max_steps=3)
        assert isinstance(episode, Episode) and episode.stop in STOPS
        check_conversation(episode.messages)
        assert episode.messages[: len(prompt)] == prompt
        assistant = [m for m in episode.messages if m.role == "assistant"]
        assert len(assistant) == len(episode.steps) <= 4
        assert (episode.answer is not None) == (episode.stop == "answered")
        assert len(episode.calls) <= 3


def test_the_step_limit_stops_an_episode_before_its_call_runs(sft, tasks):
    toolbox = SpyToolbox(make_world(0).facts)
    prompt = react_example(tasks[0], Toolbox([])).prompt  # arithmetic: the SFT calls
    episode = run_episode(sft.model, sft.tokenizer, prompt, toolbox, max_steps=0)
    assert episode.stop == "step_limit" and episode.steps[0].status == "unrun"
    assert toolbox.ran == [] and episode.answer is None


def test_bad_arguments_are_refused(sft, tasks):
    prompt = react_example(tasks[0], Toolbox([])).prompt
    with pytest.raises(TypeError, match="toolbox"):
        run_episode(sft.model, sft.tokenizer, prompt, "calc")
    with pytest.raises(ValueError, match="max_steps"):
        run_episode(sft.model, sft.tokenizer, prompt, Toolbox([]), max_steps=-1)
    with pytest.raises(TypeError, match="toolbox"):
        act("[calc: 1 + 1]", None)
