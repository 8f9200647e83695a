"""Golden outputs of the small world: the corpus must stay byte-identical.

The shipped reference model was trained on this corpus, and every number the book measures
depends on it, so a change to a word list, a template or the order of the random draws shows
up here. The values below were computed with the single-module ``world.py`` of commit
867491a, before it was split into this subpackage; the reference corpus hash is also the
``corpus.sha256`` of ``src/stepbytoken/data/reference/manifest.json``. If a change to the
corpus is intended, regenerate them with ``python tests/world/test_golden.py`` (and retrain
the reference model).
"""

from __future__ import annotations

import hashlib

from stepbytoken.world import corpus_stats, format_arithmetic, make_world


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def golden_values() -> dict[str, object]:
    """What the tests below pin, computed by the current code."""
    world = make_world(0)
    subjects = [k.name for k in world.kingdoms + world.heldout_kingdoms]
    subjects += [p.name for p in world.people + world.heldout_people]
    problems = [
        format_arithmetic(a, op, b, think=think)
        for a in range(0, 1000, 37)
        for b in range(0, 1000, 53)
        for op in "+-"
        for think in (True, False)
        if op == "+" or a >= b
    ]
    return {
        "corpus": sha256(world.corpus()),
        "reference_corpus": sha256(
            world.corpus(n_stories=5000, n_facts=2500, n_qa=2500, seed=0)
        ),
        "corpus_world_1": sha256(make_world(1).corpus(n_stories=500, seed=2)),
        "train_questions": sha256(
            "\n".join(f"{q}\t{a}" for q, a in world.questions("train"))
        ),
        "heldout_questions": sha256(
            "\n".join(f"{q}\t{a}" for q, a in world.questions("heldout"))
        ),
        "fact_documents": sha256("\n".join(world.fact_document(s) for s in subjects)),
        "arithmetic": sha256("\n".join(problems)),
    }


GOLDEN = {
    "corpus": "8f0827f5f6e453d805c4c508be269f62d788193376f5a60dd4a7bcc53d15896d",
    "reference_corpus": "c400277390576d136d6f652378abac91ffbc07ac8de89c3e20deae0636a889fb",
    "corpus_world_1": "e92c7184386f19d744f7d962b09772f27224a0b7bd6ab40e280e376635fced39",
    "train_questions": "93fb22aaa2c3735f69f28d219a7f305842e6e566d1ee96b8165e2ad4a4240852",
    "heldout_questions": "3febcccb0fad73addfdefb819efcd28c95b0d2cd06fe9433f923913e27225107",
    "fact_documents": "9212f872da0c2539cd9794d844a3d5d6dec6a8d8404abc01b06829cc09c03775",
    "arithmetic": "31c929ee52bc7389bc5af439095bb7df83125830c3bd23f560287efa7369f38a",
}

#: ``make_world(0).stats()``: the counts the small-world page and chapter 3 quote.
GOLDEN_STATS = {
    "documents": 7908,
    "by_kind": {
        "story": 5000,
        "facts": 1250,
        "qa": 833,
        "pattern": 200,
        "arithmetic": 625,
    },
    "characters": 2058283,
    "characters_by_kind": {
        "story": 1363610,
        "facts": 311151,
        "qa": 152125,
        "pattern": 36869,
        "arithmetic": 75923,
    },
    "words": 372193,
    "unique_words": 796,
}


def test_outputs_match_the_golden_hashes():
    assert golden_values() == GOLDEN


def test_default_corpus_stats_match(default_corpus):
    assert corpus_stats(default_corpus[0]) == GOLDEN_STATS


if __name__ == "__main__":
    for name, value in golden_values().items():
        print(f'    "{name}": "{value}",')
    print(make_world(0).stats())
