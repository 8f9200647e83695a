"""Tests of the model family's recipe and artifact (stepbytoken.recipes.family)."""

from __future__ import annotations

import pytest

from stepbytoken.artifacts import MANIFEST_FILE, file_sha256, load_reference
from stepbytoken.recipes import RECIPES, family
from stepbytoken.recipes.family import MEMBERS, family_config, load_family, train_family
from stepbytoken.training import estimate_loss


@pytest.fixture(scope="module")
def members():
    return load_family()


def test_the_recipe_is_a_command():
    assert family in RECIPES and family.NAME == "train family"


def test_the_family_is_ordered_by_size_and_ends_with_the_reference(members):
    assert list(members) == [*MEMBERS, "l"]
    sizes = [sum(p.numel() for p in m.model.parameters()) for m in members.values()]
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)
    assert members["l"] is load_reference()
    tokenizers = {m.tokenizer.vocab_size for m in members.values()}
    assert tokenizers == {members["l"].tokenizer.vocab_size}


def test_members_differ_from_the_reference_in_size_alone(members):
    reference = members["l"].config
    for name in MEMBERS:
        config = members[name].config
        assert config == family_config(name, reference.vocab_size)
        assert config.block_size == reference.block_size
        assert config.positions == reference.positions


def test_a_bigger_member_predicts_held_out_text_better(members):
    """The measured property: held-out loss falls with size (recomputed, not read back)."""
    from stepbytoken.recipes.reference import reference_token_ids

    _, val_data = reference_token_ids(members["l"].tokenizer)
    losses = []
    for member in members.values():
        losses.append(
            estimate_loss(member.model, val_data, batch_size=8, eval_batches=3)
        )
    assert losses == sorted(losses, reverse=True), losses
    recorded = members["m"].manifest["results"]["final_val_loss"]
    assert abs(losses[2] - recorded) < 0.15


def test_the_recipe_runs_end_to_end(tmp_path, monkeypatch):
    monkeypatch.setattr(family, "fact_accuracy", lambda *args: 0.5)
    manifest = train_family(tmp_path, steps=2, progress=False)
    assert sorted(manifest["members"]) == sorted(MEMBERS)
    assert manifest["recipe"] == "python -m stepbytoken train family --steps 2"
    loaded = load_family(
        tmp_path, manifest_sha256=file_sha256(tmp_path / MANIFEST_FILE)
    )
    assert list(loaded) == [*MEMBERS, "l"]
    assert loaded["xs"].manifest["results"]["train_fact_accuracy"] == 0.5


def test_bad_names_are_refused():
    with pytest.raises(ValueError, match="name must be one of"):
        family_config("xl", 100)
    with pytest.raises(TypeError, match="name must be a str"):
        family_config(3, 100)
