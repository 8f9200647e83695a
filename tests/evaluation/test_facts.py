"""Tests for stepbytoken.evaluation.facts: asking the small world's questions to a model."""

from __future__ import annotations

import pytest

from stepbytoken.evaluation import MAX_ANSWER_TOKENS, answer_questions, fact_accuracy
from stepbytoken.world import make_world


@pytest.fixture(scope="module")
def world():
    return make_world(0)  # the reference model's world


def test_live_answers_match_the_recorded_accuracy(ref, world):
    pairs = world.questions("train")[::39]  # 20 questions spread over every relation
    assert len(pairs) == 20
    accuracy = fact_accuracy(ref.model, ref.tokenizer, pairs)
    assert accuracy >= ref.manifest["results"]["train_fact_accuracy"] - 0.15


def test_heldout_answers_are_confident_inventions(ref, world):
    pairs = world.questions("heldout")[:12]
    answers = answer_questions(ref.model, ref.tokenizer, [q for q, _ in pairs])
    assert all(answers), answers  # it always answers something...
    # ...mostly wrong
    assert sum(a == b for a, (_, b) in zip(answers, pairs, strict=True)) <= 3


def test_batched_answers_equal_one_at_a_time(ref, world):
    # Prompts of different lengths are answered in different batches; order must be kept.
    questions = [q for q, _ in world.questions("train")[::97]] + [
        "What is Gorrund famous for?"
    ]
    lengths = {len(ref.tokenizer.encode(q)) for q in questions}
    assert len(lengths) > 1
    together = answer_questions(ref.model, ref.tokenizer, questions)
    alone = [answer_questions(ref.model, ref.tokenizer, [q])[0] for q in questions]
    assert together == alone


def test_answers_are_one_line_and_respect_the_token_budget(ref, world):
    questions = [q for q, _ in world.questions("heldout")[:6]]
    short = answer_questions(ref.model, ref.tokenizer, questions, max_new_tokens=1)
    full = answer_questions(ref.model, ref.tokenizer, questions)
    for one, answer in zip(short, full, strict=True):
        assert "\n" not in answer and "<|endoftext|>" not in answer
        assert answer.startswith(one)  # greedy: the first token is the same
    assert answer_questions(ref.model, ref.tokenizer, []) == []
    assert MAX_ANSWER_TOKENS == 8


def test_fact_accuracy_counts_exact_matches(ref, world):
    pairs = world.questions("train")[:5]
    answers = answer_questions(ref.model, ref.tokenizer, [q for q, _ in pairs])
    wrong = [(q, a + "!") for q, a in zip([q for q, _ in pairs], answers, strict=True)]
    assert fact_accuracy(ref.model, ref.tokenizer, wrong) == 0.0
    right = [(q, a) for q, a in zip([q for q, _ in pairs], answers, strict=True)]
    assert fact_accuracy(ref.model, ref.tokenizer, right) == 1.0


def test_answer_questions_checks_arguments(ref):
    with pytest.raises(TypeError, match="list of strings"):
        answer_questions(ref.model, ref.tokenizer, "What?")
    with pytest.raises(ValueError, match="max_new_tokens"):
        answer_questions(ref.model, ref.tokenizer, ["What?"], max_new_tokens=0)
    with pytest.raises(TypeError, match="max_new_tokens"):
        answer_questions(ref.model, ref.tokenizer, ["What?"], max_new_tokens=True)
    with pytest.raises(TypeError, match="BPETokenizer"):
        answer_questions(ref.model, "tok", ["What?"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="torch.nn.Module"):
        answer_questions("model", ref.tokenizer, ["What?"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one"):
        fact_accuracy(ref.model, ref.tokenizer, [])


def test_a_question_longer_than_the_context_is_refused(ref):
    question = "What is " + "the capital of " * 200 + "Gorrund?"
    with pytest.raises(ValueError, match=r"questions\[1\] is \d+ tokens long"):
        answer_questions(ref.model, ref.tokenizer, ["Who?", question])


def test_answers_stop_at_their_end(ref, world):
    questions = [q for q, _ in world.questions("train")[:3]]
    # The answer ends at a newline, so a huge budget gives the same answers, and quickly.
    assert answer_questions(
        ref.model, ref.tokenizer, questions, max_new_tokens=10**6
    ) == answer_questions(ref.model, ref.tokenizer, questions)
