"""Tests for stepbytoken.artifacts.weights: exact round trips, hash checks, and no unpickling."""

from __future__ import annotations

import hashlib
import json
import pickle

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.artifacts import file_sha256, load_weights, parse_weights, save_weights
from stepbytoken.nn import GPT, GPTConfig


def tiny_gpt(seed: int = 0, tie_weights: bool = True) -> GPT:
    config = GPTConfig(
        vocab_size=30,
        block_size=8,
        n_layer=2,
        n_head=2,
        d_model=16,
        tie_weights=tie_weights,
    )
    return GPT(config, seed=seed)


@pytest.mark.parametrize("tie_weights", [True, False])
def test_round_trip_restores_every_tensor_exactly(tmp_path, tie_weights):
    model = tiny_gpt(seed=3, tie_weights=tie_weights)
    digest = save_weights(model, tmp_path / "m.safetensors")
    state = load_weights(tmp_path / "m.safetensors", sha256=digest)
    expected = model.state_dict()
    assert list(sorted(state)) == sorted(expected)
    for name, tensor in expected.items():
        assert state[name].dtype == tensor.dtype
        assert torch.equal(state[name], tensor), name
    copy = tiny_gpt(seed=99, tie_weights=tie_weights)
    copy.load_state_dict(state, strict=True)
    idx = torch.tensor([[1, 2, 3, 4]])
    assert torch.equal(copy(idx)[0], model(idx)[0])
    if tie_weights:  # still one matrix after loading
        assert copy.lm_head.weight is copy.wte.weight


def test_tied_weights_are_stored_once(tmp_path):
    tied, untied = tiny_gpt(tie_weights=True), tiny_gpt(tie_weights=False)
    save_weights(tied, tmp_path / "tied.safetensors")
    save_weights(untied, tmp_path / "untied.safetensors")
    matrix_bytes = 30 * 16 * 4  # the embedding matrix, float32
    size_tied = (tmp_path / "tied.safetensors").stat().st_size
    size_untied = (tmp_path / "untied.safetensors").stat().st_size
    assert size_untied - size_tied >= matrix_bytes - 64  # headers differ a little


def test_file_bytes_are_deterministic(tmp_path):
    # Golden hash written by save_weights (safetensors 0.4+ layout) for these two tensors; if a
    # safetensors release changes its layout, regenerate it by printing the digest below.
    state = {
        "b.weight": torch.arange(3.0),
        "a.weight": torch.ones(2, 2, dtype=torch.float16),
    }
    golden = "338157286f052592969e37034eea2d89f45136d2571ceeb372834e2e2728e9af"
    assert save_weights(state, tmp_path / "g.safetensors") == golden
    # Same weights, same bytes, whatever the model object.
    first = save_weights(tiny_gpt(seed=1), tmp_path / "a.safetensors")
    second = save_weights(tiny_gpt(seed=1), tmp_path / "b.safetensors")
    assert first == second != save_weights(tiny_gpt(seed=2), tmp_path / "c.safetensors")
    # safetensors stores metadata in a hash map whose order varies between processes: a single
    # metadata key keeps the header bytes fixed.
    data = (tmp_path / "a.safetensors").read_bytes()
    header = json.loads(data[8 : 8 + int.from_bytes(data[:8], "little")])
    assert list(header["__metadata__"]) == ["stepbytoken"]


def test_returned_hash_is_the_file_hash(tmp_path):
    path = tmp_path / "w.safetensors"
    digest = save_weights({"a": torch.arange(6.0).reshape(2, 3)}, path)
    assert digest == file_sha256(path) == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_changed_byte_is_refused_before_parsing(tmp_path):
    path = tmp_path / "w.safetensors"
    digest = save_weights(tiny_gpt(), path)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x01  # flip one bit of the last tensor's data: still a valid file
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="sha256") as info:
        load_weights(path, sha256=digest)
    message = str(info.value)
    assert digest in message and file_sha256(path) in message
    assert "corrupted or was changed" in message


def test_missing_file_names_the_hint(tmp_path):
    with pytest.raises(FileNotFoundError, match="rebuild me"):
        load_weights(
            tmp_path / "nope.safetensors", sha256="0" * 64, missing_hint="rebuild me"
        )


@pytest.mark.parametrize("bad", ["abc", "g" * 64, "0" * 63])
def test_bad_hash_argument(tmp_path, bad):
    with pytest.raises(ValueError, match="64 hex digits"):
        load_weights(tmp_path / "x.safetensors", sha256=bad)
    with pytest.raises(TypeError, match="sha256 must be a str"):
        load_weights(tmp_path / "x.safetensors", sha256=None)  # type: ignore[arg-type]


class _Trap:
    """Unpickling this object creates a marker file (so we can tell if it ever happened)."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickle_files_are_never_unpickled(tmp_path):
    marker = tmp_path / "unpickled.txt"
    path = tmp_path / "model.safetensors"  # a pickle in disguise
    torch.save({"weight": torch.ones(2), "trap": _Trap(str(marker))}, path)
    with pytest.raises(ValueError, match="not a safetensors file"):
        # the right hash: parsing is reached
        load_weights(path, sha256=file_sha256(path))
    raw = tmp_path / "raw.safetensors"
    raw.write_bytes(pickle.dumps(_Trap(str(marker))))
    with pytest.raises(ValueError, match="not a safetensors file"):
        load_weights(raw, sha256=file_sha256(raw))
    assert not marker.exists()


def test_bad_arguments_to_save(tmp_path):
    with pytest.raises(TypeError, match="nn.Module or a dict"):
        save_weights([torch.ones(1)], tmp_path / "x.safetensors")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be a torch.Tensor"):
        save_weights({"a": [1.0]}, tmp_path / "x.safetensors")  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="empty"):
        save_weights({}, tmp_path / "x.safetensors")
    with pytest.raises(FileNotFoundError, match="folder"):
        save_weights({"a": torch.ones(1)}, tmp_path / "no" / "x.safetensors")


_DTYPES = [
    torch.float32,
    torch.float16,
    torch.bfloat16,
    torch.int64,
    torch.int32,
    torch.bool,
]


@settings(max_examples=50, deadline=None)
@given(
    shapes=st.lists(
        st.lists(st.integers(0, 4), min_size=0, max_size=3), min_size=1, max_size=4
    ),
    dtype=st.sampled_from(_DTYPES),
    seed=st.integers(0, 2**16),
)
def test_round_trip_any_tensors(tmp_path_factory, shapes, dtype, seed):
    generator = torch.Generator().manual_seed(seed)
    state = {}
    for k, shape in enumerate(shapes):
        values = torch.randn(shape, generator=generator) * 100
        state[f"t{k}.weight"] = values.to(dtype)
    path = tmp_path_factory.mktemp("w") / "w.safetensors"
    digest = save_weights(state, path)
    loaded = load_weights(path, sha256=digest)
    assert sorted(loaded) == sorted(state)
    for name, tensor in state.items():
        assert loaded[name].dtype == tensor.dtype and loaded[name].shape == tensor.shape
        assert torch.equal(loaded[name], tensor)


def test_a_name_safetensors_reserves_is_refused(tmp_path):
    # A tensor named "__metadata__" would make a file that no reader accepts.
    with pytest.raises(ValueError, match="safetensors reserves the names") as info:
        save_weights(
            {"__metadata__": torch.ones(2), "w": torch.ones(1)}, tmp_path / "w.st"
        )
    assert "'__metadata__'" in str(info.value)
    assert not any(tmp_path.iterdir())


def test_an_interrupted_save_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "w.safetensors"
    digest = save_weights({"w": torch.ones(3)}, path)

    def fail(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("pathlib.Path.write_bytes", fail)  # interrupted mid-write
    with pytest.raises(KeyboardInterrupt):
        save_weights({"w": torch.zeros(3)}, path)
    monkeypatch.undo()
    # no temporary left
    assert [p.name for p in tmp_path.iterdir()] == ["w.safetensors"]
    assert torch.equal(load_weights(path, sha256=digest)["w"], torch.ones(3))


def test_malformed_tied_metadata_is_refused():
    from safetensors.torch import save

    for metadata in ({"stepbytoken": "not json"}, {"stepbytoken": '{"tied": [1]}'}):
        data = save({"w": torch.ones(1)}, metadata=metadata)
        with pytest.raises(ValueError, match="mine.safetensors"):
            parse_weights(data, source="mine.safetensors")


@pytest.mark.parametrize(
    ("path", "error", "match"),
    [
        (None, TypeError, "path must be a str or path, got NoneType"),
        (3, TypeError, "path must be a str or path, got int"),
        ("", ValueError, "path must be a non-empty path"),
        ("a\ud800b.safetensors", ValueError, "path cannot be encoded as a file name"),
    ],
)
def test_save_weights_refuses_what_is_not_a_path(path, error, match):
    with pytest.raises(error, match=match):
        save_weights({"w": torch.zeros(2)}, path)


def test_parse_weights_refuses_what_is_not_bytes_by_name(tmp_path):
    save_weights({"w": torch.zeros(2)}, tmp_path / "w.safetensors")
    data = (tmp_path / "w.safetensors").read_bytes()
    assert parse_weights(bytearray(data))["w"].tolist() == [0.0, 0.0]
    for bad in (None, "text", 0.0, [1, 2]):
        with pytest.raises(TypeError, match="data must be bytes"):
            parse_weights(bad)
    with pytest.raises(TypeError, match="source must be a str or path, got int"):
        parse_weights(data, source=3)
