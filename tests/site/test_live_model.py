"""The book's GPT in the browser (static/gpt.js) must compute what PyTorch computes.

A built chapter page loads ``bpe.js`` and ``gpt.js`` from the site's ``_static`` (added here if
the page does not load them already), then fetches the reference model's weights that the site
ships in ``_static/models/reference/`` through ``sbtGPT.load``, exactly as a live figure does.
Its logits, attention weights and greedy generations are compared with
:func:`stepbytoken.artifacts.load_reference`'s model; the SHA-256 check, the windowing of long
prompts and the errors for bad input are checked too. Every test ends with no console errors
and no request outside the site. The last tests run ``gpt.js`` under Node, without a site: on
the reference model, and on small random models with the other switches of
:class:`~stepbytoken.nn.GPTConfig`.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import stepbytoken
from stepbytoken.artifacts import load_reference, save_weights
from stepbytoken.book.live import EOT, live_model_files, live_model_spec
from stepbytoken.generation import generate, next_token_distribution
from stepbytoken.nn import GPT, GPTConfig

# A chapter that has no live figure (so the page itself never fetches the weights).
PATH = "chapters/05-transformer.html"
WEIGHTS = "**/_static/models/reference/model.safetensors"
PROMPTS = [
    EOT,  # nothing after the document separator
    "Q: What is the capital of Varnia?\nA:",
    "Café naïve résumé, the crème brûlée of Élodie",
    "Stories 🐉🏰 and flags 🇫🇷 👨‍👩‍👧",
    f"The end.{EOT}Once upon a time, a king",
]
LOGITS_TOL = 1e-4
ATTENTION_TOL = 1e-5

# Loads the model once per page into window.__sbtModel (the promise is cached by gpt.js too).
LOAD = """async (spec) => {
  window.__sbtModel = await window.sbtGPT.load(spec);
  return window.__sbtModel.config.vocab_size;
}"""
# The message of the error that load() rejects with (null if it loads).
LOAD_ERROR = "spec => sbtGPT.load(spec).then(() => null, e => e.message)"


@functools.cache
def reference() -> Any:
    return load_reference()


def encode(text: str) -> list[int]:
    return reference().tokenizer.encode(text, allowed_special="all")


def long_ids(n: int) -> list[int]:
    """The first ``n`` token ids of a long text made of the book's prompts."""
    ids = encode(" ".join(PROMPTS * 40))
    assert len(ids) >= n
    return ids[:n]


def torch_logits(ids: list[int]) -> np.ndarray:
    with torch.no_grad():
        logits, _ = reference().model(torch.tensor([ids]))
    return logits[0].numpy()  # (T, vocab_size)


def run(page: Any, script: str, arg: Any = None) -> Any:
    return page.evaluate(script, arg)


@pytest.fixture
def live(page: Any, server: str, site: Any) -> Any:
    """The chapter page with gpt.js and the reference model loaded (``window.__sbtModel``)."""
    assert (site / PATH).exists(), f"{PATH} is missing from the site in {site}"
    page.goto(f"{server}/{PATH}", wait_until="load")
    for name, ready in (("bpe.js", "window.sbtBPE"), ("gpt.js", "window.sbtGPT")):
        if not run(page, f"() => !!{ready}"):
            page.add_script_tag(url=f"{server}/_static/{name}")
    assert run(page, "() => sbtGPT.available()") is True
    assert run(page, "() => sbtGPT.modelUrl('reference')") == (
        f"{server}/_static/models/reference/model.safetensors"
    )
    assert run(page, LOAD, live_model_spec()) == reference().config.vocab_size
    yield page
    assert page.problems == []


def js_forward(page: Any, ids: list[int], attention: bool = False) -> dict[str, Any]:
    return run(
        page,
        """([ids, attention]) => {
          const out = window.__sbtModel.forward(ids, {attention: attention});
          return {T: out.T, logits: Array.from(out.logits),
                  attention: attention ? out.attention.map(l => l.map(h => Array.from(h))) : null};
        }""",
        [ids, attention],
    )


def test_the_page_encodes_like_python(live):
    for text in PROMPTS:
        assert run(live, "t => window.__sbtModel.encode(t)", text) == encode(text), text
        assert (
            run(
                live, "t => window.__sbtModel.decode(window.__sbtModel.encode(t))", text
            )
            == text
        )
    assert (
        run(live, "id => window.__sbtModel.tokenText(id)", live_model_spec()["eot"])
        == EOT
    )


@pytest.mark.parametrize("case", [*range(len(PROMPTS)), "block_size"])
def test_logits_match_pytorch(live, case):
    V = reference().config.vocab_size
    if case == "block_size":  # exactly as many tokens as the model reads
        ids = long_ids(reference().config.block_size)
    else:
        ids = encode(PROMPTS[case])
    out = js_forward(live, ids)
    assert out["T"] == len(ids)
    js = np.asarray(out["logits"], dtype=np.float64).reshape(len(ids), V)
    diff = np.abs(js - torch_logits(ids)).max()
    assert diff < LOGITS_TOL, f"{case}: max |JS - PyTorch| logits = {diff:.2e}"
    last = np.asarray(
        run(live, "ids => Array.from(window.__sbtModel.lastLogits(ids))", ids)
    )
    assert np.abs(last - torch_logits(ids)[-1]).max() < LOGITS_TOL


@pytest.mark.parametrize("prompt", [PROMPTS[1], PROMPTS[4]])
def test_every_heads_attention_matches_pytorch(live, prompt):
    ids = encode(prompt)
    T = len(ids)
    # n_layer x (1, n_head, T, T)
    maps = reference().model.attention_maps(torch.tensor([ids]))
    out = js_forward(live, ids, attention=True)
    config = reference().config
    assert len(out["attention"]) == config.n_layer
    for layer, heads in enumerate(out["attention"]):
        assert len(heads) == config.n_head
        js = np.asarray(heads, dtype=np.float64).reshape(config.n_head, T, T)
        diff = np.abs(js - maps[layer][0].numpy()).max()
        assert diff < ATTENTION_TOL, (
            f"layer {layer}: max |JS - PyTorch| weights = {diff:.2e}"
        )
        assert np.all(np.triu(js, k=1) == 0)  # causal: nothing above the diagonal


@pytest.mark.parametrize("prompt_tokens", [None, 100])
def test_greedy_generation_matches_python_with_and_without_the_cache(
    live, prompt_tokens
):
    # 100 + 50 tokens pass block_size, so the cache must re-read the last block_size tokens
    ids = encode(PROMPTS[1]) if prompt_tokens is None else long_ids(prompt_tokens)
    expected = generate(reference().model, ids, 50, greedy=True).tolist()
    got = run(
        live,
        """ids => {
          const m = window.__sbtModel;
          const steps = [];
          const onToken = (id, step) => steps.push(step);
          const cached = m.generate(ids, 50, {greedy: true, onToken: onToken});
          return {cached: cached, uncached: m.generate(ids, 50, {greedy: true, cache: false}),
                  steps: steps};
        }""",
        ids,
    )
    assert got["cached"] == got["uncached"] == expected
    assert got["steps"] == list(range(50))


def test_decode_steps_equal_last_logits(live):
    """The KV cache gives the numbers of a full forward pass, also past block_size."""
    ids = long_ids(reference().config.block_size + 6)
    diff = run(
        live,
        """ids => {
          const m = window.__sbtModel, cache = m.newCache();
          let worst = 0, logits = m.prefill(ids.slice(0, 120), cache);
          for (let t = 120; t < ids.length; t++) {
            logits = m.decodeStep(ids[t], cache);
            const full = m.lastLogits(ids.slice(0, t + 1));
            for (let v = 0; v < full.length; v++) {
              worst = Math.max(worst, Math.abs(full[v] - logits[v]));
            }
          }
          return worst;
        }""",
        ids,
    )
    assert diff == 0


def test_a_long_prompt_reads_the_last_block_size_tokens(live):
    block_size = reference().config.block_size
    ids = long_ids(block_size + 72)
    window = run(live, "ids => window.__sbtModel.window(ids)", ids)
    assert window == ids[-block_size:]
    last = np.asarray(
        run(live, "ids => Array.from(window.__sbtModel.lastLogits(ids))", ids)
    )
    assert np.abs(last - torch_logits(ids[-block_size:])[-1]).max() < LOGITS_TOL
    # and the first token Python's generate picks from the long prompt is the argmax
    assert (
        int(last.argmax())
        == generate(reference().model, ids, 1, greedy=True)[-1].item()
    )


def test_sampler_probabilities_match_python(live):
    logits = torch_logits(encode(PROMPTS[1]))[-1]
    settings = [
        {},
        {"temperature": 0.5},
        {"temperature": 1.7, "topK": 20},
        {"topP": 0.9},
        {"temperature": 0.8, "topK": 50, "topP": 0.5},
    ]
    for setting in settings:
        js = np.asarray(
            run(
                live,
                "([l, s]) => Array.from(sbtGPT.probs(l, s))",
                [logits.tolist(), setting],
            )
        )
        py = next_token_distribution(
            torch.tensor(logits),
            temperature=setting.get("temperature", 1.0),
            top_k=setting.get("topK"),
            top_p=setting.get("topP"),
        ).numpy()
        assert np.abs(js - py).max() < 1e-6, setting
        assert ((js > 0) == (py > 0)).all(), setting
    seeded = run(
        live,
        """() => { const a = sbtGPT.rng(7), b = sbtGPT.rng(7), m = window.__sbtModel;
                   const ids = m.encode("Once upon a time");
                   const options = {seed: 3, topK: 5};
                   return [[a(), a()], [b(), b()],
                           m.generate(ids, 10, options), m.generate(ids, 10, options)]; }""",
    )
    assert seeded[0] == seeded[1] and all(0 <= u < 1 for u in seeded[0])
    assert seeded[2] == seeded[3]


def test_invalid_input_throws_a_clear_error(live):
    vocab_size = reference().config.vocab_size
    too_long = long_ids(reference().config.block_size + 1)
    cases = [
        ("m.forward([])", "RangeError", "at least one token"),
        (
            f"m.forward([0, {vocab_size}])",
            "RangeError",
            f"valid ids are 0..{vocab_size - 1}",
        ),
        ("m.forward([-1])", "RangeError", "valid ids are 0.."),
        ("m.forward([1.5])", "TypeError", "integer token id"),
        ("m.forward('abc')", "TypeError", "array of token ids"),
        (f"m.forward({too_long})", "RangeError", "more than block_size=128"),
        ("m.lastLogits([])", "RangeError", "at least one token"),
        ("m.generate([1], -1)", "RangeError", "int >= 0"),
        ("m.decodeStep(1, m.newCache())", "Error", "call model.prefill"),
        (
            "sbtGPT.probs(m.lastLogits([1]), {temperature: 0})",
            "RangeError",
            "greedy decoding",
        ),
        ("sbtGPT.probs(m.lastLogits([1]), {topP: 1.5})", "RangeError", "(0, 1]"),
        ("m.encode(42)", "TypeError", "text must be a string"),
    ]
    for code, kind, message in cases:
        error = run(
            live,
            f"() => {{ const m = window.__sbtModel; try {{ {code}; return null; }} "
            "catch (e) { return [e.name, e.message]; } }",
        )
        assert error is not None, f"{code} did not throw"
        assert error[0] == kind and message in error[1], (code, error)


def test_unsupported_config_is_refused(live):
    spec = live_model_spec()
    spec["name"] = "unsupported"
    spec["config"]["norm"] = "batchnorm"
    error = run(live, LOAD_ERROR, spec)
    assert (
        error is not None
        and "unsupported config: norm" in error
        and "layernorm" in error
    )


def test_a_corrupted_weights_file_is_rejected(page, server):
    """A copy with one byte changed (same size) fails the SHA-256 check with a clear error."""

    def corrupt(route: Any) -> None:
        body = bytearray(route.fetch().body())
        body[len(body) // 2] ^= 0xFF
        route.fulfill(
            status=200, body=bytes(body), content_type="application/octet-stream"
        )

    page.route(WEIGHTS, corrupt)
    page.goto(f"{server}/{PATH}", wait_until="load")
    for name in ("bpe.js", "gpt.js"):
        page.add_script_tag(url=f"{server}/_static/{name}")
    error = run(page, LOAD_ERROR, live_model_spec())
    assert error is not None, "a corrupted file was loaded"
    assert "SHA-256 mismatch" in error and live_model_spec()["sha256"] in error
    # the failure is not cached: once the file is right again, load() succeeds
    page.unroute(WEIGHTS)
    assert run(page, LOAD, live_model_spec()) == reference().config.vocab_size
    assert page.problems == []


def test_a_missing_weights_file_gives_a_clear_error(page, server):
    page.route(WEIGHTS, lambda route: route.fulfill(status=404, body="not found"))
    page.goto(f"{server}/{PATH}", wait_until="load")
    for name in ("bpe.js", "gpt.js"):
        page.add_script_tag(url=f"{server}/_static/{name}")
    error = run(page, LOAD_ERROR, live_model_spec())
    assert error is not None and re.search(
        r"could not fetch .*model\.safetensors: HTTP 404", error
    )
    assert [p for p in page.problems if "404" not in p] == []


def test_pages_without_a_live_figure_do_not_fetch_the_weights(page, server):
    fetched = []
    page.on("request", lambda r: "model.safetensors" in r.url and fetched.append(r.url))
    page.goto(f"{server}/{PATH}", wait_until="networkidle")
    page.goto(f"{server}/index.html", wait_until="networkidle")
    assert fetched == []
    assert page.problems == []


# The same numbers without a browser: gpt.js under Node, straight from the package's files.
NODE = shutil.which("node")
GPT_JS = Path(stepbytoken.__file__).parent / "book" / "static" / "gpt.js"
NODE_DRIVER = """
const fs = require("fs");
const gpt = require(process.argv[1]);
const req = JSON.parse(fs.readFileSync(0, "utf8"));
const file = fs.readFileSync(req.weights);
const buffer = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength);
const model = gpt.fromBuffer(req.spec, buffer);
const errors = [];
for (const bad of [buffer.slice(0, 4), buffer.slice(0, 1000)]) {
  try { gpt.fromBuffer(req.spec, bad); errors.push(null); } catch (e) { errors.push(e.message); }
}
process.stdout.write(JSON.stringify({
  sha256: gpt.sha256Sync(buffer),
  logits: req.prompts.map((ids) => Array.from(model.forward(ids).logits)),
  errors: errors,
}));
"""


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_gpt_js_under_node_matches_pytorch():
    spec = live_model_spec()
    prompts = [encode(p) for p in PROMPTS] + [long_ids(reference().config.block_size)]
    request = {
        "spec": spec,
        "weights": str(live_model_files()["reference"]),
        "prompts": prompts,
    }
    result = subprocess.run(
        [NODE, "-e", NODE_DRIVER, str(GPT_JS)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
        cwd=GPT_JS.parent,
    )
    out = json.loads(result.stdout)
    # the plain-JS SHA-256 (pages without crypto.subtle)
    assert out["sha256"] == spec["sha256"]
    for ids, logits in zip(prompts, out["logits"], strict=True):
        js = np.asarray(logits).reshape(len(ids), -1)
        assert np.abs(js - torch_logits(ids)).max() < LOGITS_TOL
    assert "shorter than 8 bytes" in out["errors"][0]
    assert "passes the end of the file" in out["errors"][1]


VARIANT_DRIVER = """
const fs = require("fs");
const gpt = require(process.argv[1]);
const req = JSON.parse(fs.readFileSync(0, "utf8"));
const file = fs.readFileSync(req.weights);
const buffer = file.buffer.slice(file.byteOffset, file.byteOffset + file.length);
const model = gpt.fromBuffer(req.spec, buffer);
const out = model.forward(req.ids, {attention: true});
const cache = model.newCache();
let last = model.prefill(req.ids.slice(0, 5), cache);
for (let t = 5; t < req.ids.length; t++) last = model.decodeStep(req.ids[t], cache);
process.stdout.write(JSON.stringify({
  logits: Array.from(out.logits),
  attention: out.attention.map((layer) => layer.map((head) => Array.from(head))),
  last: Array.from(last),
}));
"""


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize(
    "switches",
    [
        {"norm": "rmsnorm"},
        {"mlp": "swiglu", "bias": False, "d_ff": 88},
        {"positions": "rope"},
        {"positions": "sinusoidal", "tie_weights": False},
        {"use_norm": False, "residual": False},
    ],
)
def test_gpt_js_follows_every_config_switch(tmp_path, switches):
    """Small random models with the other switches of GPTConfig give PyTorch's numbers too."""
    config = GPTConfig(
        vocab_size=300, block_size=48, n_layer=2, n_head=4, d_model=32, **switches
    )
    model = GPT(config, seed=1).eval()
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():  # move norm gains and biases away from 1 and 0
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=generator) * 0.1)
    save_weights(model, tmp_path / "model.safetensors")
    spec = {
        **live_model_spec(),
        "name": "variant",
        "config": asdict(config),
        "stored_vocab": config.vocab_size,
    }
    ids = [(7 * i + 3) % config.vocab_size for i in range(40)]
    request = {"spec": spec, "weights": str(tmp_path / "model.safetensors"), "ids": ids}
    result = subprocess.run(
        [NODE, "-e", VARIANT_DRIVER, str(GPT_JS)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
        cwd=GPT_JS.parent,
    )
    out = json.loads(result.stdout)
    with torch.no_grad():
        logits, _ = model(torch.tensor([ids]))
    maps = model.attention_maps(torch.tensor([ids]))
    js = np.asarray(out["logits"]).reshape(len(ids), -1)
    assert np.abs(js - logits[0].numpy()).max() < LOGITS_TOL
    assert np.abs(np.asarray(out["last"]) - logits[0, -1].numpy()).max() < LOGITS_TOL
    for layer, heads in enumerate(out["attention"]):
        js_maps = np.asarray(heads).reshape(config.n_head, len(ids), len(ids))
        assert np.abs(js_maps - maps[layer][0].numpy()).max() < ATTENTION_TOL
