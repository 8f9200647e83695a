"""Browser tests of chapter 2's tokenizer playground: the page must give Python's token ids.

The playground encodes whatever the reader types with ``static/bpe.js``, from the tokenizer
model embedded in the page. Here texts of many kinds are typed into it and the ids it shows are
compared with :meth:`stepbytoken.tokenizers.bpe.BPETokenizer.encode` of the book's tokenizer,
rebuilt in Python exactly as the page builds it (the reference model's recipe), and with the first
``n`` merges only (:meth:`~stepbytoken.tokenizers.bpe.BPETokenizer.truncated`) when the merges
slider is moved.
"""

from __future__ import annotations

import functools
import re

from stepbytoken.artifacts import REFERENCE_DIR
from stepbytoken.recipes import reference_corpus, reference_settings
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.world import DOC_SEPARATOR

PATH = "chapters/02-text-to-tokens.html"

TEXTS = [
    "Hello, world! It's a test: 12345 apples & 67 pears.",
    "Q: What is the capital of Varnia?\nA: Tolm",
    "café naïve résumé",
    "👍🏽 👨‍👩‍👧‍👦 family, flags 🇫🇷🇯🇵, heart ❤️",
    "你好，世界",
    "a   b\n\n\t c",
    "   leading and trailing   ",
    f"one{DOC_SEPARATOR}two{DOC_SEPARATOR}{DOC_SEPARATOR} three <|endoftext| end",
    "Q: 514 - 325 = ?\nA: 189 3.14159 1,000,000 2024-06-01",
    "strawberry yrrebwarts Strawberry STRAWBERRY",
    "",
]


@functools.cache
def book_tokenizer() -> BPETokenizer:
    """The book's tokenizer, built the way the chapter builds it (the reference recipe)."""
    return BPETokenizer.train(
        reference_corpus(),
        reference_settings()["num_merges"],
        special_tokens=[DOC_SEPARATOR],
    )


def _open(open_widget):
    return open_widget(PATH, "tokenizer", ".sbt-token-ids")


def _shown_ids(widget) -> list[int]:
    """The ids the page shows, from the data-ids attribute and from the chips."""
    raw = widget.locator(".sbt-token-ids").get_attribute("data-ids")
    ids = [int(x) for x in raw.split(",")] if raw else []
    chips = [
        int(x)
        for x in widget.locator(".sbt-token").evaluate_all(
            "els => els.map(e => e.getAttribute('data-id'))"
        )
    ]
    assert chips == ids, "the chips and the id list disagree"
    return ids


def _set_merges(widget, n: int) -> None:
    widget.get_by_label("Merges used").evaluate(
        "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }",
        str(n),
    )


def test_page_embeds_the_book_tokenizer_and_shows_its_ids(page, open_widget):
    widget, data = _open(open_widget)
    assert BPETokenizer.from_dict(data["model"]) == book_tokenizer()
    # the file the reference model reads with
    if (REFERENCE_DIR / "tokenizer.json").exists():
        assert BPETokenizer.load(REFERENCE_DIR / "tokenizer.json") == book_tokenizer()
    # Before any interaction: the pre-filled text and its ids, special token included.
    assert widget.locator("textarea").input_value() == data["text"]
    assert _shown_ids(widget) == book_tokenizer().encode(data["text"])
    assert DOC_SEPARATOR in data["text"]
    assert widget.locator(".sbt-token-special").count() == data["text"].count(
        DOC_SEPARATOR
    )


def test_typed_text_gives_the_ids_python_gives(page, open_widget):
    widget, _ = _open(open_widget)
    tok = book_tokenizer()
    for text in TEXTS:
        widget.locator("textarea").fill(text)
        expected = tok.encode(text)
        assert _shown_ids(widget) == expected, text
        counts = widget.locator(".sbt-token-counts").inner_text()
        assert counts.startswith(
            f"{len(text)} characters · {len(text.encode('utf-8'))} bytes · {len(expected)} tokens"
        ), text
    assert page.problems == []


def test_merge_slider_gives_the_truncated_tokenizers_ids(page, open_widget):
    widget, _ = _open(open_widget)
    text = (
        "Q: What is the capital of Varnia?\nA: Tolm" + DOC_SEPARATOR + "café 12345 👋"
    )
    widget.locator("textarea").fill(text)
    tok = book_tokenizer()
    status = widget.locator(".sbt-status")
    for n in (0, 1, 10, 100, len(tok.merges) // 2, len(tok.merges)):
        _set_merges(widget, n)
        truncated = tok.truncated(n)
        assert _shown_ids(widget) == truncated.encode(text), n
        assert status.inner_text().startswith(f"{n} of {len(tok.merges)} merges")
        assert f"vocabulary of {truncated.vocab_size} tokens" in status.inner_text()
    _set_merges(widget, 0)
    assert len(_shown_ids(widget)) == len(text.encode("utf-8")) - len(DOC_SEPARATOR) + 1


def test_example_buttons_fill_the_text_box(page, open_widget):
    widget, data = _open(open_widget)
    for label, text in data["examples"]:
        widget.get_by_role("button", name=label, exact=True).click()
        assert widget.locator("textarea").input_value() == text
        assert _shown_ids(widget) == book_tokenizer().encode(text)


def test_merge_steps_figure_has_a_slider(page, server):
    page.goto(f"{server}/{PATH}", wait_until="load")
    figure = page.locator(".sbt-plotly").first
    figure.locator(".main-svg").first.wait_for(state="attached", timeout=10_000)
    # Plotly's, as an HTML control
    slider = figure.get_by_role("slider", name="merges used")
    assert slider.count() == 1
    assert figure.locator(".gtitle").text_content().startswith("100 merges: ")
    # Move the slider to its left end with the keyboard: no merges, one token per byte.
    figure.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => document.querySelector('.sbt-plotly').dataset.sbtEnhanced"
    )
    slider.focus()
    page.keyboard.press("Home")
    sentence = "Return the path to which the symbolic link points."
    figure.locator(".gtitle").filter(has_text=re.compile("^0 merges")).wait_for(
        timeout=5_000
    )
    assert (
        figure.locator(".gtitle").text_content() == f"0 merges: {len(sentence)} tokens"
    )
