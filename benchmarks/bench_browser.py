"""Benchmark the book's GPT in a browser (``gpt.js``, chapters 1, 4 and 7): forward and decoding.

Serves a built site locally, opens a page in headless Chromium (Playwright's sync API, with the
system's Chromium: ``$SBT_CHROMIUM``, else ``/usr/bin/chromium``), loads the reference model
from the site's ``_static/models/reference/`` as a live figure does, and times, as the median
of several runs:

- ``forward``: one forward pass over ``--tokens`` tokens (128, the model's block_size), all
  logits;
- ``decode``: per-token time of greedy decoding of ``--new`` tokens after a ``--prompt``-token
  prompt, with the KV cache (``model.decodeStep``) and without it (``model.lastLogits`` on the
  whole sequence at every step); the ratio of the two is the cache's speed-up.

The site comes from ``$SBT_SITE_DIR`` or ``_build/html``; build it first with ``nox -s docs``.
Usage::

    python benchmarks/bench_browser.py [--runs 7] [--tokens 128] [--prompt 64] [--new 64]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import shutil
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
]
PAGE = "index.html"

# Runs in the page: times the forward pass and decoding; returns milliseconds.
MEASURE = """async ([spec, runs, nTokens, nPrompt, nNew]) => {
  const model = await sbtGPT.load(spec);
  const V = model.config.vocab_size;
  const ids = [];
  for (let i = 0; i < Math.max(nTokens, nPrompt + nNew); i++) ids.push((i * 7919 + 13) % (V - 1));
  const median = (xs) => { const s = xs.slice().sort((a, b) => a - b); return s[s.length >> 1]; };
  const time = (fn) => { const t0 = performance.now(); fn(); return performance.now() - t0; };
  const forward = [], cached = [], uncached = [], prefill = [];
  const prompt = ids.slice(0, nPrompt);
  const decodeCached = () => {
    const cache = model.newCache();
    let logits;
    prefill.push(time(() => { logits = model.prefill(prompt, cache); }));
    const seq = prompt.slice();
    return time(() => {
      for (let s = 0; s < nNew; s++) {
        let best = 0;
        for (let v = 1; v < V; v++) if (logits[v] > logits[best]) best = v;
        seq.push(best);
        logits = model.decodeStep(best, cache);
      }
    }) / nNew;
  };
  const decodeUncached = () => {
    const seq = prompt.slice();
    let logits = model.lastLogits(seq);
    return time(() => {
      for (let s = 0; s < nNew; s++) {
        let best = 0;
        for (let v = 1; v < V; v++) if (logits[v] > logits[best]) best = v;
        seq.push(best);
        logits = model.lastLogits(seq);
      }
    }) / nNew;
  };
  model.forward(ids.slice(0, nTokens)); decodeCached(); decodeUncached();  // warm up the JIT
  prefill.length = 0;
  for (let r = 0; r < runs; r++) {
    forward.push(time(() => model.forward(ids.slice(0, nTokens))));
    cached.push(decodeCached());
    uncached.push(decodeUncached());
  }
  return {forward: median(forward), prefill: median(prefill), cached: median(cached),
          uncached: median(uncached), userAgent: navigator.userAgent};
}"""


def site_dir() -> Path:
    site = Path(os.environ.get("SBT_SITE_DIR", ROOT / "_build" / "html"))
    if (
        not (site / "_static" / "gpt.js").exists()
        or not (site / "_static" / "models").is_dir()
    ):
        raise SystemExit(
            f"no built site with gpt.js and the live model in {site}: build it first with "
            "`nox -s docs` (or point SBT_SITE_DIR at a built site)"
        )
    return site


def chromium_path() -> str:
    path = (
        os.environ.get("SBT_CHROMIUM")
        or shutil.which("chromium")
        or "/usr/bin/chromium"
    )
    if not Path(path).exists():
        raise SystemExit("no Chromium: apt-get install chromium, or set SBT_CHROMIUM")
    return path


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (signature of the base class)
        pass


def main(argv: list[str] | None = None) -> dict[str, float | str]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--runs", type=int, default=7, help="timed runs (the median is shown)"
    )
    parser.add_argument(
        "--tokens", type=int, default=128, help="tokens of the forward pass"
    )
    parser.add_argument(
        "--prompt", type=int, default=64, help="prompt tokens before decoding"
    )
    parser.add_argument("--new", type=int, default=64, help="tokens decoded")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    from stepbytoken.book.live import live_model_spec

    spec = live_model_spec("reference")
    block_size = spec["config"]["block_size"]
    if not 1 <= args.tokens <= block_size or args.prompt < 1 or args.new < 1:
        raise SystemExit(
            f"--tokens must be in 1..{block_size}; --prompt and --new >= 1"
        )
    site = site_dir()
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site))
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium_path(), args=CHROMIUM_ARGS
            )
            page = browser.new_page()
            page.goto(f"{base}/{PAGE}", wait_until="load")
            for name in ("bpe.js", "gpt.js"):
                page.add_script_tag(url=f"{base}/_static/{name}")
            result = page.evaluate(
                MEASURE, [spec, args.runs, args.tokens, args.prompt, args.new]
            )
            browser.close()
    finally:
        httpd.shutdown()

    c = spec["config"]
    print(
        f"gpt.js in {result['userAgent']}\n"
        f"model: {c['n_layer']} layers, d_model {c['d_model']}, vocab {c['vocab_size']}, "
        f"block_size {block_size}; median of {args.runs} runs\n"
    )
    rows = [
        (f"forward, {args.tokens} tokens", result["forward"]),
        (f"prefill, {args.prompt} tokens", result["prefill"]),
        (f"decode per token, KV cache ({args.prompt}+{args.new})", result["cached"]),
        (f"decode per token, no cache ({args.prompt}+{args.new})", result["uncached"]),
    ]
    for label, ms in rows:
        print(f"{label:<44} {ms:9.2f} ms")
    print(f"\nKV cache decode speed-up: {result['uncached'] / result['cached']:.1f}x")
    sys.stdout.flush()
    return {
        "browser": result["userAgent"],
        "forward_ms": result["forward"],
        "prefill_ms": result["prefill"],
        "decode_cached_ms": result["cached"],
        "decode_uncached_ms": result["uncached"],
        "ratio": result["uncached"] / result["cached"],
        "ratio_means": "decode time per token without / with the KV cache (gpt.js)",
    }


def run(quick: bool = False) -> dict[str, float | str]:
    """Figures for ``run_all.py`` (quick: 3 runs of 16 new tokens)."""
    return main(["--runs", "3", "--new", "16"] if quick else [])


if __name__ == "__main__":
    main()
