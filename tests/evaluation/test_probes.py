"""Tests of stepbytoken.evaluation.probes: pronoun cases, the batched head probe, the split and
the model's own pronoun choice, each against a direct one-story-at-a-time computation."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.evaluation import (
    PRONOUN,
    PronounCase,
    held_out,
    pad_batch,
    prefers_right_pronoun,
    probe_heads,
    pronoun_cases,
    stories_of,
)
from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.world import DOC_SEPARATOR

GENDERS = {
    "Ada": "female",
    "Bo": "male",
    "Cy": "male",
    "Ann": "female",
    "Anna": "female",
}
STORIES = [
    "Ada met Bo. Then she left, and he stayed. She was tired.",  # three real tests
    "Bo met Cy. He waved.",  # only men: no test
    # first He has nobody named before it
    "He slept. Then Anna saw Bo, and she smiled.",
    "Ann and Cy ate. Later she sang. He said she sang well.",
]


@pytest.fixture(scope="module")
def tokenizer():
    text = " ".join(STORIES) * 3 + " she he She He" * 4
    return BPETokenizer.train(text, 40, special_tokens=[DOC_SEPARATOR])


@pytest.fixture(scope="module")
def model(tokenizer):
    config = GPTConfig(
        vocab_size=tokenizer.vocab_size, block_size=64, n_layer=2, n_head=2, d_model=16
    )
    return GPT(config, seed=1).eval()


@pytest.fixture(scope="module")
def cases(tokenizer):
    return pronoun_cases(STORIES, tokenizer, GENDERS, block_size=64)


def test_only_pronouns_after_both_genders_are_cases_with_the_right_referent(
    cases, tokenizer
):
    found = [
        (
            tokenizer.decode(c.ids[c.query : c.query + 1]).strip(),
            c.referent,
            c.most_recent,
        )
        for c in cases
    ]
    assert found == [
        ("she", "Ada", "Bo"),
        ("he", "Bo", "Bo"),
        ("She", "Ada", "Bo"),
        ("she", "Anna", "Bo"),
        ("she", "Ann", "Cy"),
        ("He", "Cy", "Cy"),
        ("she", "Ann", "Cy"),
    ]
    for c in cases:
        assert tokenizer.decode([c.ids[t] for t in c.targets]).strip() == c.referent
        assert all(t < c.query for t in c.targets)
        assert c.ids[0] == tokenizer.special_id(DOC_SEPARATOR)


def test_pronouns_past_the_context_window_are_skipped(tokenizer):
    story = STORIES[0]
    full = pronoun_cases([story], tokenizer, GENDERS, block_size=64)
    cut = full[0].query + 1  # the first pronoun is the last token that fits
    assert len(pronoun_cases([story], tokenizer, GENDERS, block_size=cut)) == 1
    assert pronoun_cases([story], tokenizer, GENDERS, block_size=cut - 1) == []


def test_pronoun_pattern_counts_whole_words_only():
    assert PRONOUN.findall("she, He; shed the hem. The hero: he") == ["she", "He", "he"]


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(0, 50), min_size=1, max_size=6), min_size=1, max_size=5
    )
)
def test_pad_batch_keeps_every_list_and_pads_the_rest(id_lists):
    idx = pad_batch(id_lists, pad_id=99)
    assert idx.shape == (len(id_lists), max(map(len, id_lists)))
    for row, ids in zip(idx.tolist(), id_lists, strict=True):
        assert row == ids + [99] * (idx.shape[1] - len(ids))


def test_probe_matches_reading_each_story_alone(model, cases):
    pad = 0
    probe = probe_heads(model, cases, pad_id=pad, batch_size=2)
    for n, c in enumerate(cases):
        maps = model.attention_maps(torch.tensor([c.ids[: c.query + 1]]))
        for layer, m in enumerate(maps):
            strongest = m[0, :, c.query, : c.query].argmax(dim=-1)
            assert probe.strongest[n, layer].tolist() == strongest.tolist()
            assert probe.found[n, layer].tolist() == [
                int(s) in c.targets for s in strongest
            ]
    # weight on the previous token: every position after the first, each story up to its last case
    total, top, uniform, count = 0.0, 0.0, 0.0, 0
    for ids, ns in stories_of(cases).items():
        T = 1 + max(cases[n].query for n in ns)
        maps = torch.stack(model.attention_maps(torch.tensor([ids[:T]])), dim=1)[0]
        total = total + maps.diagonal(offset=-1, dim1=-2, dim2=-1).sum(dim=-1)
        for t in range(1, T):  # is the previous token the strongest key of query t?
            top = top + (maps[:, :, t, : t + 1].argmax(dim=-1) == t - 1).float()
            uniform += 1 / (t + 1)
        count += T - 1
    torch.testing.assert_close(probe.previous_weight, total / count)
    torch.testing.assert_close(probe.previous_top, top / count)
    assert probe.uniform_previous == pytest.approx(uniform / count)


def test_probe_does_not_depend_on_the_batch_size(model, cases):
    one, all_ = (probe_heads(model, cases, pad_id=0, batch_size=b) for b in (1, 50))
    assert torch.equal(one.strongest, all_.strongest)
    torch.testing.assert_close(one.previous_weight, all_.previous_weight)
    torch.testing.assert_close(one.previous_top, all_.previous_top)


def test_held_out_is_the_second_half_of_the_stories(cases):
    stories = list(stories_of(cases))
    assert len(stories) == 3  # the story with only men has no case
    assert held_out(cases).tolist() == [stories.index(c.ids) >= 1 for c in cases]


def test_model_choice_matches_its_logits_one_case_at_a_time(model, tokenizer, cases):
    right = prefers_right_pronoun(model, tokenizer, cases, pad_id=0)
    assert right.shape == (len(cases),)
    swap = {" she": " he", " he": " she", " She": " He", " He": " She"}
    for c, r in zip(cases, right, strict=True):
        logits, _ = model(torch.tensor([c.ids[: c.query]]))
        said = tokenizer.decode([c.ids[c.query]])
        other = tokenizer.encode(swap[said])[0]
        assert bool(r) == bool(logits[0, -1, c.ids[c.query]] > logits[0, -1, other])


def test_arguments_are_checked(model, tokenizer, cases):
    with pytest.raises(ValueError, match="block_size must be an int >= 1"):
        pronoun_cases(STORIES, tokenizer, GENDERS, block_size=0)
    with pytest.raises(ValueError, match="genders"):
        pronoun_cases(STORIES, tokenizer, {}, block_size=8)
    with pytest.raises(ValueError, match="cases"):
        probe_heads(model, [], pad_id=0)
    with pytest.raises(ValueError, match="batch_size"):
        probe_heads(model, cases, pad_id=0, batch_size=0)
    with pytest.raises(ValueError, match="pad_id"):
        pad_batch([[1]], pad_id=-1)
    with pytest.raises(ValueError, match="id_lists"):
        pad_batch([], pad_id=0)
    case = PronounCase(tuple(tokenizer.encode("x y z")), 2, "A", (0,), "B")
    with pytest.raises(ValueError, match="one-token"):
        prefers_right_pronoun(model, tokenizer, [case], pad_id=0)
