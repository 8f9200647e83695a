"""Multiple-choice scoring, three ways, on fake models whose favourite answer is known."""

from __future__ import annotations

import math

import pytest
import torch

from stepbytoken.evaluation.memory import choice_scores
from stepbytoken.evaluation.multiple_choice import (
    METHODS,
    BenchmarkScore,
    accuracy_interval,
    generated_letter,
    letter_ids,
    letter_scores,
    mc_prompt,
    parse_letter,
    score_benchmark,
    text_scores,
)
from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.world.facts import Fact
from stepbytoken.world.multiple_choice import MCQuestion

SEP = "<|endoftext|>"


class Favour:
    """A fake language model: the same logits at every position, high on ``favoured``."""

    def __init__(self, vocab_size: int, favoured: list[int], block_size=None) -> None:
        self.vocab_size, self.block_size = vocab_size, block_size
        self.bias = torch.zeros(vocab_size)
        self.bias[favoured] = 5.0

    def __call__(self, idx, targets=None):
        B, T = idx.shape
        return self.bias.expand(B, T, self.vocab_size).clone(), None


class Bigram:
    """A fake language model that reads the previous token only (any context length)."""

    def __init__(self, tokenizer: BPETokenizer, text: str) -> None:
        self.vocab_size, self.block_size = tokenizer.vocab_size, None
        counts = torch.ones(self.vocab_size, self.vocab_size)
        ids = tokenizer.encode(text)
        for a, b in zip(ids, ids[1:], strict=False):
            counts[a, b] += 1
        self.table = counts.log()

    def __call__(self, idx, targets=None):
        return self.table[idx], None  # (B, T) -> (B, T, vocab_size)


def question(correct: int = 2) -> MCQuestion:
    options = ("Orrin", "Ivo", "Bram", "Edric")
    return MCQuestion(
        "Who is the king of Varnia?",
        options,
        correct,
        Fact("Varnia", "king", options[correct]),
    )


@pytest.fixture(scope="module")
def letters_tok() -> BPETokenizer:
    """A tokenizer whose first merges make " A" to " D" single tokens."""
    tok = BPETokenizer.train(" A B C D" * 20, 4, special_tokens=[SEP])
    assert all(len(ids) == 1 for ids in letter_ids(tok))
    return tok


@pytest.fixture(scope="module")
def bytes_tok() -> BPETokenizer:
    return BPETokenizer(special_tokens=[SEP])


def test_letter_scores_pick_the_favoured_letter(letters_tok):
    c = letter_ids(letters_tok)[2][0]
    model = Favour(letters_tok.vocab_size, [c])
    probs = letter_scores(model, letters_tok, question())
    assert len(probs) == 4 and max(probs) == probs[2]
    assert 0 < sum(probs) <= 1
    assert probs[2] == pytest.approx(
        math.exp(5) / (math.exp(5) + letters_tok.vocab_size - 1)
    )
    assert score_benchmark(model, letters_tok, [question(2)], "letter").accuracy == 1
    assert score_benchmark(model, letters_tok, [question(0)], "letter").accuracy == 0


def test_letters_of_two_tokens_score_the_product(bytes_tok):
    assert letter_ids(bytes_tok)[2] == [32, 67]  # a space, then "C"
    model = Favour(bytes_tok.vocab_size, [32, 67])
    probs = letter_scores(model, bytes_tok, question())
    assert max(range(4), key=probs.__getitem__) == 2
    prompt = bytes_tok.encode(mc_prompt(question()))
    expected = math.exp(choice_scores(model, prompt, [[32, 67]])[0])
    assert probs[2] == pytest.approx(expected)


def test_text_scores_pick_the_favoured_answer(bytes_tok):
    model = Favour(bytes_tok.vocab_size, bytes_tok.encode(" Bram\n"))
    scores = text_scores(model, bytes_tok, question())
    assert max(range(4), key=scores.total.__getitem__) == 2
    assert max(range(4), key=scores.per_token.__getitem__) == 2
    lengths = [len(bytes_tok.encode(f" {o}\n")) for o in question().options]
    for total, per, n in zip(scores.total, scores.per_token, lengths, strict=True):
        assert per == pytest.approx(total / n)
    for method in ("text", "text_per_token"):
        result = score_benchmark(model, bytes_tok, [question(2), question(1)], method)
        assert result.choices == (2, 2) and result.hits == (True, False)
        assert result.accuracy == 0.5


def test_text_scores_read_the_corpus_format_and_the_end_of_the_answer(bytes_tok):
    torch.manual_seed(0)
    model = GPT(
        GPTConfig(
            vocab_size=bytes_tok.vocab_size,
            block_size=64,
            n_layer=1,
            n_head=2,
            d_model=16,
        )
    )
    q = question()
    prompt = bytes_tok.encode(f"{SEP}\nQ: {q.question}\nA:")
    answers = [bytes_tok.encode(f" {o}\n") for o in q.options]
    assert text_scores(model, bytes_tok, q).total == pytest.approx(
        choice_scores(model, prompt, answers)
    )


def test_a_shorter_answer_is_not_favoured_for_being_a_prefix(bytes_tok):
    q = MCQuestion(
        "How old is Mira?", ("3", "34", "5", "6"), 1, Fact("Mira", "age", "34")
    )
    # a bigram model that has read "A: 34" answers: after "3" comes "4", not the end
    model = Bigram(bytes_tok, "Q: How old is Mira?\nA: 34\n" * 20)
    assert score_benchmark(model, bytes_tok, [q], "text").accuracy == 1
    # without the end of the answer, the prefix "3" would win
    prompt = bytes_tok.encode(f"{SEP}\nQ: {q.question}\nA:")
    bare = choice_scores(
        model, prompt, [bytes_tok.encode(" 3"), bytes_tok.encode(" 34")]
    )
    assert bare[0] > bare[1]


def test_generated_letter(letters_tok):
    b = letter_ids(letters_tok)[1][0]
    model = Favour(letters_tok.vocab_size, [b])
    assert generated_letter(model, letters_tok, question()) == 1
    result = score_benchmark(
        model, letters_tok, [question(1), question(3)], "generated"
    )
    assert result == BenchmarkScore("generated", 0.5, (1, 1), (True, False))
    rambler = Favour(letters_tok.vocab_size, letters_tok.encode("x"))
    result = score_benchmark(rambler, letters_tok, [question(0)], "generated")
    assert result.choices == (None,) and result.accuracy == 0


def test_parse_letter():
    assert parse_letter(" B") == 1 and parse_letter("D.") == 3
    assert parse_letter(" (A) Orrin") == 0 and parse_letter("\nC\n") == 2
    assert parse_letter(" Bexholm") is None and parse_letter(" E") is None
    assert parse_letter("") is None and parse_letter(" the B") is None


def test_every_method_on_a_small_gpt_whose_context_is_shorter_than_the_prompt(
    bytes_tok,
):
    torch.manual_seed(0)
    model = GPT(
        GPTConfig(
            vocab_size=bytes_tok.vocab_size,
            block_size=16,
            n_layer=1,
            n_head=2,
            d_model=16,
        )
    )
    qs = [question(c) for c in range(4)]
    for method in METHODS:
        result = score_benchmark(model, bytes_tok, qs, method)
        assert result.method == method and len(result.choices) == len(result.hits) == 4
        assert 0 <= result.accuracy <= 1
        assert all(c is None or 0 <= c < 4 for c in result.choices)


def test_reference_model(ref):
    """The shipped model's tokenizer has one token per letter; it knows the facts as text."""
    from stepbytoken.world import make_world
    from stepbytoken.world.multiple_choice import make_mc_questions

    assert all(len(ids) == 1 for ids in letter_ids(ref.tokenizer))
    qs = make_mc_questions(make_world(0), n=12, split="heldout", seed=3)
    assert score_benchmark(ref.model, ref.tokenizer, qs, "text").accuracy >= 0.75


def test_bad_arguments(letters_tok):
    model = Favour(letters_tok.vocab_size, [0])
    q = question()
    with pytest.raises(TypeError, match="model"):
        letter_scores(torch.nn.Linear(2, 2), letters_tok, q)
    with pytest.raises(TypeError, match="tokenizer"):
        text_scores(model, "tok", q)
    with pytest.raises(TypeError, match="question"):
        generated_letter(model, letters_tok, ("Who?", ("a", "b", "c", "d"), 0, None))
    with pytest.raises(ValueError, match="max_new_tokens"):
        generated_letter(model, letters_tok, q, max_new_tokens=0)
    with pytest.raises(ValueError, match="vocab_size"):
        letter_scores(Favour(10, [0]), letters_tok, q)
    with pytest.raises(ValueError, match="questions"):
        score_benchmark(model, letters_tok, [], "letter")
    with pytest.raises(TypeError, match="questions"):
        score_benchmark(model, letters_tok, "abc", "letter")
    with pytest.raises(TypeError, match=r"questions\[1\]"):
        score_benchmark(model, letters_tok, [q, "q"], "letter")
    with pytest.raises(ValueError, match="method"):
        score_benchmark(model, letters_tok, [q], "likelihood")
    with pytest.raises(TypeError, match="text"):
        parse_letter(None)


def test_accuracy_interval_brackets_the_accuracy_and_narrows_with_more_questions():
    small = accuracy_interval([True] * 6 + [False] * 4, seed=1)
    large = accuracy_interval([True] * 600 + [False] * 400, seed=1)
    assert small[0] <= 0.6 <= small[1] and large[0] < 0.6 < large[1]
    assert large[1] - large[0] < (small[1] - small[0]) / 3
    # the binomial standard error of 1000 questions at 0.6 is 0.0155: +-1.96 of it
    assert large[1] - large[0] == pytest.approx(2 * 1.96 * 0.0155, abs=0.01)
    assert accuracy_interval([True] * 5) == (1.0, 1.0)
    assert accuracy_interval([True, False], seed=3) == accuracy_interval(
        [True, False], seed=3
    )


def test_accuracy_interval_rejects_bad_arguments():
    with pytest.raises(ValueError):
        accuracy_interval([])
    with pytest.raises(TypeError):
        accuracy_interval([1, 0])
    with pytest.raises(ValueError):
        accuracy_interval([True], confidence=1.0)
    with pytest.raises(TypeError):
        accuracy_interval("TF")
