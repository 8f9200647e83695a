"""Browser tests of the live figures of chapters 1 and 7: the reference model in the page.

The widgets run the shipped weights with ``gpt.js``. Here a headless Chromium types prompts
into them, and what they show is compared with what the package computes with PyTorch: the
next-token probabilities (within 1e-4), the sampler's filtered distribution
(:func:`stepbytoken.generation.next_token_distribution`) and greedy generation
(:func:`stepbytoken.generation.generate`).
"""

from __future__ import annotations

import pytest
import torch

from stepbytoken.artifacts import load_reference
from stepbytoken.generation import generate, next_token_distribution

CH01 = "chapters/01-predicting-one-word.html"
CH07 = "chapters/07-choosing-the-next-word.html"
NEXT = "live-next-token"
SAMPLER = "live-sampler"
LONG = " ".join(["The king of Varnia was wise, and the queen of Skarra was kind."] * 20)
PROMPTS = [
    "One day a traveller came to",
    "<|endoftext|>\n",
    "The capital of Varnia is",
    "Café naïve ☕ the",
    LONG,
]


@pytest.fixture(scope="module")
def ref():
    return load_reference()


def _window(ref, text):
    """The ids the model reads for ``text`` (its last ``block_size`` tokens) and all of them."""
    ids = ref.tokenizer.encode(text)
    return ids[-ref.config.block_size :], ids


def _logits(ref, ids):
    with torch.no_grad():
        logits, _ = ref.model(torch.tensor([ids]))
    return logits[0, -1].double()


def _open(open_widget, kind):
    return open_widget(CH01 if kind == NEXT else CH07, kind, ".sbt-bar-row")


def _text_box(widget, kind):
    return widget.get_by_label("Text so far" if kind == NEXT else "Prompt", exact=True)


def _wait_live(page, widget, ids):
    """Wait until the widget shows the model's output for exactly these ids."""
    page.wait_for_function(
        "([el, ids]) => { const out = el.querySelector('.sbt-output');"
        " return out.getAttribute('data-state') === 'live'"
        " && out.getAttribute('data-ids') === ids; }",
        arg=[widget.element_handle(), ",".join(map(str, ids))],
        timeout=20_000,
    )


def _type(page, widget, kind, text, ids):
    _text_box(widget, kind).fill(text)
    _wait_live(page, widget, ids)


def _rows(widget):
    rows = widget.locator(".sbt-bar-row")
    return [
        (
            int(rows.nth(i).get_attribute("data-id")),
            float(rows.nth(i).get_attribute("data-prob")),
        )
        for i in range(rows.count())
    ]


def _set(widget, label, value):
    """Set an input (found by its label) as a reader would, firing its input event."""
    widget.get_by_label(label, exact=True).evaluate(
        "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }",
        str(value),
    )


@pytest.mark.parametrize("kind", [NEXT, SAMPLER])
def test_the_default_is_drawn_before_any_typing_and_fetches_nothing(
    page, open_widget, kind
):
    fetched = []
    page.on(
        "request", lambda r: r.url.endswith(".safetensors") and fetched.append(r.url)
    )
    widget, data = _open(open_widget, kind)
    default = data["default"]
    output = widget.locator(".sbt-output")
    assert output.get_attribute("data-state") == "default"
    assert _rows(widget) == [
        (row["id"], pytest.approx(row["prob"])) for row in default["top"]
    ]
    assert default["prompt"] in output.inner_text()
    assert _text_box(widget, kind).input_value() == default["prompt"]
    if kind == SAMPLER:
        assert default["sample"] in output.inner_text()
        assert output.get_attribute("data-kept") == str(default["kept"])
    page.wait_for_timeout(300)
    assert fetched == []  # the weights are fetched only when the reader uses the figure
    assert page.problems == []


@pytest.mark.parametrize(
    "prompt", PROMPTS, ids=["story", "eot", "question", "accents", "long"]
)
def test_next_token_probabilities_equal_pytorchs(page, open_widget, ref, prompt):
    widget, data = _open(open_widget, NEXT)
    window, ids = _window(ref, prompt)
    _type(page, widget, NEXT, prompt, window)
    probs = torch.softmax(_logits(ref, window), dim=-1)
    shown = _rows(widget)
    assert len(shown) == data["top"]
    expected = torch.topk(probs, data["top"])
    assert [p for _, p in shown] == pytest.approx(expected.values.tolist(), abs=1e-4)
    for token_id, p in shown:
        assert p == pytest.approx(probs[token_id].item(), abs=1e-4)
    assert shown[0][0] == int(probs.argmax())
    note = widget.locator(".sbt-live-window")
    if len(ids) > ref.config.block_size:
        assert "only the last 128 tokens are read" in note.inner_text()
        assert str(len(ids)) in note.inner_text()
    else:
        assert note.count() == 0
    assert page.problems == []


def test_greedy_writing_equals_stepbytokens_generate(page, open_widget, ref):
    widget, _ = _open(open_widget, NEXT)
    prompt = "Once upon a time, the king of"
    window, _ = _window(ref, prompt)
    _type(page, widget, NEXT, prompt, window)
    widget.get_by_label("Next token:").select_option("greedy")
    expected = generate(ref.model, window, 20, greedy=True).tolist()
    button = widget.get_by_role("button", name="Next token")
    for n in range(1, 21):
        button.click()
        _wait_live(page, widget, expected[: len(window) + n])
    assert _text_box(widget, NEXT).input_value() == ref.tokenizer.decode(expected)
    generated = widget.locator(".sbt-generated").text_content()
    assert generated == ref.tokenizer.decode(expected[len(window) :])
    assert page.problems == []


def _check_sampler(widget, ref, prompt, temperature, top_k, top_p):
    window, _ = _window(ref, prompt)
    logits = _logits(ref, window)
    expected = next_token_distribution(
        logits, temperature=temperature, top_k=top_k, top_p=top_p
    )
    shown = _rows(widget)
    raw = torch.softmax(logits, dim=-1)
    assert [i for i, _ in shown] == torch.sort(
        raw, descending=True, stable=True
    ).indices[: len(shown)].tolist()
    for token_id, p in shown:
        assert p == pytest.approx(expected[token_id].item(), abs=1e-4)
    kept = int(widget.locator(".sbt-output").get_attribute("data-kept"))
    assert kept == int((expected > 0).sum())
    assert widget.locator(".sbt-bar-row.sbt-removed").count() == sum(
        p == 0 for _, p in shown
    )
    return kept


@pytest.mark.parametrize(
    ("temperature", "top_k", "top_p"),
    [(0.7, 20, 0.9), (1.3, None, 0.5), (1.0, 5, None)],
)
def test_sampler_filters_equal_stepbytokens(
    page, open_widget, ref, temperature, top_k, top_p
):
    widget, _ = _open(open_widget, SAMPLER)
    prompt = "The capital of Varnia is"
    window, _ = _window(ref, prompt)
    _type(page, widget, SAMPLER, prompt, window)
    _set(widget, "Temperature", temperature)
    _set(widget, "Top-k (0: off)", 0 if top_k is None else top_k)
    _set(widget, "Top-p", 1 if top_p is None else top_p)
    page.wait_for_timeout(100)
    kept = _check_sampler(widget, ref, prompt, temperature, top_k, top_p)
    assert kept < ref.config.vocab_size
    assert page.problems == []


def test_the_browser_draws_the_books_sample_from_the_same_seed(page, open_widget, ref):
    widget, data = _open(open_widget, SAMPLER)
    default = data["default"]
    sample = widget.locator(".sbt-live-sample")
    assert sample.get_attribute("data-ids") == ",".join(map(str, default["sample_ids"]))
    # loads the model; the controls keep their defaults
    _text_box(widget, SAMPLER).focus()
    _wait_live(page, widget, default["ids"])
    assert sample.get_attribute("data-ids") == ",".join(map(str, default["sample_ids"]))
    assert sample.text_content() == default["prompt"] + default["sample"]
    assert page.problems == []


def test_sampler_with_top_k_one_is_greedy_and_a_seed_repeats(page, open_widget, ref):
    widget, data = _open(open_widget, SAMPLER)
    prompt = "One day a traveller came to"
    window, _ = _window(ref, prompt)
    _type(page, widget, SAMPLER, prompt, window)
    sample = widget.locator(".sbt-live-sample")
    _set(widget, "Seed", 7)
    first = sample.get_attribute("data-ids")
    widget.get_by_role("button", name="New seed").click()
    assert widget.get_by_label("Seed", exact=True).input_value() == "8"
    _set(widget, "Seed", 7)
    # the same seed draws the same text
    assert sample.get_attribute("data-ids") == first
    n = data["default"]["n_tokens_sampled"]
    assert len(first.split(",")) == n
    _set(widget, "Top-k (0: off)", 1)
    greedy = generate(ref.model, window, n, greedy=True).tolist()[len(window) :]
    assert sample.get_attribute("data-ids") == ",".join(map(str, greedy))
    assert widget.locator(".sbt-output").get_attribute("data-kept") == "1"
    assert page.problems == []


@pytest.mark.parametrize("kind", [NEXT, SAMPLER])
@pytest.mark.parametrize("text", ["", "   \n  "])
def test_nothing_typed_shows_a_message(page, open_widget, ref, kind, text):
    widget, _ = _open(open_widget, kind)
    window, _ = _window(ref, "The queen")
    _type(page, widget, kind, "The queen", window)  # the model is loaded
    _text_box(widget, kind).fill(text)
    output = widget.locator(".sbt-output")
    assert output.get_attribute("data-state") == "empty"
    assert "Type" in widget.locator(".sbt-live-message").inner_text()
    assert widget.locator(".sbt-bar-row").count() == 0
    if kind == NEXT:
        widget.get_by_role("button", name="Next token").click()
        page.wait_for_timeout(100)
        assert output.get_attribute("data-state") == "empty"
    else:
        widget.get_by_role("button", name="Sample 40 tokens").click()
        assert output.get_attribute("data-state") == "empty"
    assert page.problems == []


def test_sampler_says_when_the_prompt_is_windowed(page, open_widget, ref):
    widget, _ = _open(open_widget, SAMPLER)
    window, ids = _window(ref, LONG)
    assert len(ids) > ref.config.block_size
    _type(page, widget, SAMPLER, LONG, window)
    assert (
        "only the last 128 tokens are read"
        in widget.locator(".sbt-live-window").inner_text()
    )
    _check_sampler(widget, ref, LONG, 0.8, 40, 0.95)  # the chapter's settings
    assert page.problems == []


def test_next_token_controls_are_keyboard_operable(page, open_widget, ref):
    widget, _ = _open(open_widget, NEXT)
    box = _text_box(widget, NEXT)
    box.focus()
    window, _ = _window(ref, box.input_value())
    _wait_live(page, widget, window)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "SELECT"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").startswith("Next token")
    page.keyboard.press("Enter")
    expected = generate(ref.model, window, 1, greedy=True).tolist()
    _wait_live(page, widget, expected)
    page.keyboard.press("Space")
    _wait_live(page, widget, generate(ref.model, window, 2, greedy=True).tolist())
    assert page.problems == []


def test_sampler_controls_are_keyboard_operable(page, open_widget, ref):
    widget, data = _open(open_widget, SAMPLER)
    box = _text_box(widget, SAMPLER)
    box.focus()
    window, _ = _window(ref, box.input_value())
    _wait_live(page, widget, window)
    labels = []
    for _ in range(6):
        page.keyboard.press("Tab")
        labels.append(
            page.evaluate(
                "(() => { const a = document.activeElement; return a.labels && a.labels.length"
                " ? a.labels[0].textContent : a.textContent; })()"
            )
        )
    assert labels == [
        "Temperature",
        "Top-k (0: off)",
        "Top-p",
        "Seed",
        "Sample 40 tokens",
        "New seed",
    ]
    temperature = widget.get_by_label("Temperature", exact=True)
    temperature.focus()
    page.keyboard.press("ArrowLeft")
    assert temperature.input_value() == "0.75"
    assert "0.75" in widget.locator(".sbt-controls").inner_text()
    top_k = widget.get_by_label("Top-k (0: off)", exact=True)
    top_k.focus()
    page.keyboard.press("Control+a")
    page.keyboard.type("3")
    page.wait_for_timeout(100)
    assert widget.locator(".sbt-output").get_attribute("data-kept") in {"1", "2", "3"}
    _check_sampler(widget, ref, data["default"]["prompt"], 0.75, 3, 0.95)
    assert page.problems == []
