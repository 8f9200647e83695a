"""Browser tests of chapter 4's live attention maps: the reference model run in the page.

The widget shows a default sentence whose weights Python computed; once the reader types, it
loads the shipped weights with ``gpt.js`` and draws every head's attention on the sentence.
Here the weights the widget holds (``element.sbtAttention``) and draws (each cell's ``--w``)
are compared with PyTorch's ``attention_maps`` on the same token ids. Run against a built
site, e.g. ``SBT_SITE_DIR=/tmp/b/html pytest tests/site/test_site_live_ch04.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from stepbytoken.artifacts import load_reference

PATH = "chapters/04-attention.html"
KIND = "live-attention"
WEIGHTS = "el => el.sbtAttention.attention.map(l => l.map(h => Array.from(h)))"
VIEW = "el => ({ids: el.sbtAttention.ids, tokens: el.sbtAttention.tokens, \
source: el.sbtAttention.source, windowed: el.sbtAttention.windowed})"


@pytest.fixture(scope="module")
def ref():
    return load_reference()


def _open(open_widget):
    return open_widget(PATH, KIND, ".sbt-la-cell")


def _type(page, widget, text, state="live"):
    """Type ``text`` as a reader would and wait until the widget shows it in ``state``."""
    widget.get_by_label("Your sentence").fill(text)
    page.wait_for_function(
        "([el, t, s]) => el.getAttribute('data-state') === s && (s !== 'live' || "
        "(el.sbtAttention && el.sbtAttention.text === t))",
        arg=[widget.element_handle(), text, state],
        timeout=30_000,
    )


def _torch_attention(ref, ids):
    """PyTorch's weights for ``ids``: (n_layer, n_head, T, T)."""
    with torch.no_grad():
        maps = ref.model.attention_maps(torch.tensor([ids]))
    return torch.stack([m[0] for m in maps]).double().numpy()


def _python_ids(ref, data, text):
    ids = ref.tokenizer.encode(data["prefix"] + text, allowed_special="all")
    return ids[-ref.config.block_size :], len(ids) > ref.config.block_size


def _held(widget):
    """The weights the widget holds, (n_layer, n_head, T, T)."""
    flat = np.array(widget.evaluate(WEIGHTS))  # (n_layer, n_head, T * T), row = query
    T = round(flat.shape[-1] ** 0.5)
    return flat.reshape(*flat.shape[:2], T, T)


def _cell_weights(widget):
    """The --w of every cell drawn for the enlarged head, (T, T) with the masked ones zero."""
    return np.array(
        widget.locator(".sbt-la-matrix tbody").evaluate(
            "tb => Array.from(tb.rows, r => Array.from(r.cells).slice(1).map("
            "c => Number(c.style.getPropertyValue('--w') || 0)))"
        )
    )


def test_default_sentence_reads_before_typing_without_fetching_the_model(
    page, open_widget
):
    fetched = []
    page.on("request", lambda r: "model.safetensors" in r.url and fetched.append(r.url))
    widget, data = _open(open_widget)
    assert widget.get_attribute("data-state") == "default"
    view = widget.evaluate(VIEW)
    default = data["default"]
    assert view["source"] == "default" and view["ids"] == default["ids"]
    T = len(default["ids"])
    assert widget.locator(".sbt-la-matrix tbody tr").count() == T
    chips = widget.locator(".sbt-la-chip").all_inner_texts()
    assert chips == [
        t.replace(" ", "\u2423").replace("\n", "\u21b5") for t in default["tokens"]
    ]
    assert "\u2423She" in chips  # whitespace made visible
    # the weights held and drawn are Python's, for the head the chapter chose first
    layer, head = data["start"]
    held = _held(widget)
    for i, row in enumerate(default["attention"][layer][head]):
        assert np.abs(held[layer, head, i, : i + 1] - row).max() < 1e-6
    assert np.abs(_cell_weights(widget) - held[layer, head]).max() <= 5e-5  # toFixed(4)
    assert widget.get_by_label("Layer", exact=True).input_value() == str(layer)
    assert widget.get_by_label("Head", exact=True).input_value() == str(head)
    # the row first highlighted is the pronoun's
    active = widget.locator(".sbt-la-matrix tr.sbt-la-active th").inner_text()
    assert active == "\u2423She"
    assert "\u201c\u2423She\u201d" in widget.locator(".sbt-la-readout").inner_text()
    page.wait_for_timeout(300)
    assert fetched == [] and page.problems == []


SENTENCES = [
    "Ada met Bo at the mill. Then she gave him a loaf of bread.",
    "Café déjà vu, naïve: 👋 émoji and 你好!",
    "<|endoftext|>Tobin wrote a letter.<|endoftext|>",
    "a",
]


@pytest.mark.parametrize("text", SENTENCES)
def test_every_heads_weights_equal_pytorchs(page, open_widget, ref, text):
    widget, data = _open(open_widget)
    _type(page, widget, text)
    view = widget.evaluate(VIEW)
    ids, windowed = _python_ids(ref, data, text)
    assert (
        view["source"] == "live" and view["ids"] == ids and view["windowed"] == windowed
    )
    assert view["tokens"] == [ref.tokenizer.token_str(i) for i in ids]
    held = _held(widget)
    expected = _torch_attention(ref, ids)
    assert held.shape == expected.shape == (4, 4, len(ids), len(ids))
    assert np.abs(held - expected).max() < 1e-5
    # what is drawn is the held weights of the enlarged head
    layer, head = (
        int(widget.get_by_label(n, exact=True).input_value()) for n in ("Layer", "Head")
    )
    assert np.abs(_cell_weights(widget) - expected[layer, head]).max() <= 5e-5 + 1e-5
    assert "Computed in your browser" in widget.locator(".sbt-la-status").inner_text()
    assert widget.locator(".sbt-la-window").is_hidden()
    assert page.problems == []


def test_text_longer_than_the_context_is_windowed_and_said_so(page, open_widget, ref):
    widget, data = _open(open_widget)
    text = "Nora baked bread for the whole town, and she sold it in the square. " * 12
    ids, windowed = _python_ids(ref, data, text)
    assert windowed and len(ids) == ref.config.block_size
    _type(page, widget, text)
    note = widget.locator(".sbt-la-window")
    assert note.is_visible() and "only the last 128 tokens" in note.inner_text()
    view = widget.evaluate(VIEW)
    assert view["ids"] == ids and view["windowed"]
    held = _held(widget)
    assert np.abs(held - _torch_attention(ref, ids)).max() < 1e-5
    _type(page, widget, "Nora baked bread.")
    assert note.is_hidden()
    assert page.problems == []


def test_hover_and_focus_highlight_where_a_token_looks(page, open_widget):
    widget, data = _open(open_widget)
    layer, head = data["start"]
    held = _held(widget)[layer, head]
    tokens = widget.locator(".sbt-la-chip").all_inner_texts()

    def active_row():
        rows = widget.locator(".sbt-la-matrix tbody tr")
        flags = rows.evaluate_all(
            "rs => rs.map(r => r.classList.contains('sbt-la-active'))"
        )
        assert sum(flags) == 1
        return flags.index(True)

    def strip_weights():
        return np.array(
            widget.locator(".sbt-la-chip").evaluate_all(
                "cs => cs.map(c => Number(c.style.getPropertyValue('--w')))"
            )
        )

    # hovering over a row of the map
    widget.locator(".sbt-la-matrix tbody tr").nth(9).locator("th").hover()
    assert active_row() == 9
    assert np.abs(strip_weights()[:10] - held[9, :10]).max() <= 5e-5
    assert (strip_weights()[10:] == 0).all()  # later tokens are not looked at
    assert (
        f"\u201c{tokens[9]}\u201d (token 9)"
        in widget.locator(".sbt-la-readout").inner_text()
    )
    # hovering over a token of the sentence
    widget.locator(".sbt-la-chip").nth(5).hover()
    assert active_row() == 5
    assert (
        widget.locator(".sbt-la-chip").nth(5).get_attribute("aria-selected") == "true"
    )
    # the keyboard: focus the row of tokens, move with the arrow keys
    widget.locator(".sbt-la-chip[tabindex='0']").focus()
    page.keyboard.press("ArrowLeft")
    assert active_row() == 4
    assert page.evaluate("document.activeElement.dataset.index") == "4"
    page.keyboard.press("End")
    assert active_row() == len(tokens) - 1
    page.keyboard.press("Home")
    assert active_row() == 0
    # the first token can only look at itself
    assert np.abs(strip_weights()[0] - 1) <= 5e-5
    assert page.problems == []


@pytest.mark.parametrize("blank", ["", "   ", "\t  "])
def test_nothing_typed_shows_a_message_not_an_exception(page, open_widget, blank):
    widget, _ = _open(open_widget)
    _type(page, widget, blank, state="empty")
    assert "Type a sentence" in widget.locator(".sbt-la-status").inner_text()
    assert widget.locator(".sbt-la-body").is_hidden()
    assert widget.evaluate("el => el.sbtAttention") is None
    _type(page, widget, "She smiled.")  # and it recovers
    assert widget.locator(".sbt-la-body").is_visible()
    assert page.problems == []


def test_a_corrupted_weights_file_is_refused_with_a_message(page, open_widget):
    widget, data = _open(open_widget)
    page.route(
        "**/model.safetensors",
        lambda route: route.fulfill(status=200, body=b"\0" * data["model"]["bytes"]),
    )
    _type(page, widget, "Ada met Bo.", state="error")
    assert "SHA-256 mismatch" in widget.locator(".sbt-la-status").inner_text()
    # still a figure
    assert widget.evaluate("el => el.sbtAttention.source") == "default"
    assert page.problems == []


def test_controls_are_labelled_and_keyboard_operable(page, open_widget):
    widget, data = _open(open_widget)
    held = _held(widget)
    # Tab from the text box reaches the menus, the tokens, every head and the map's box
    widget.get_by_label("Your sentence").focus()
    reached = []
    for _ in range(8 + len(held) * len(held[0])):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                "() => { const e = document.activeElement; return [e.tagName, e.className, "
                "e.getAttribute('aria-label') || (e.labels && e.labels[0] ? "
                "e.labels[0].textContent : '')]; }"
            )
        )
    labels = [r[2] for r in reached]
    assert labels[:2] == ["Layer", "Head"]
    assert reached[2][1].startswith("sbt-la-chip")
    assert labels[3:19] == [
        f"layer {lay}, head {h}" for lay in range(4) for h in range(4)
    ]
    assert "sbt-la-box" in reached[19][1]
    # choose a head with the keyboard: its map is enlarged and the menus follow
    target = widget.get_by_role("button", name="layer 3, head 1", exact=True)
    target.focus()
    page.keyboard.press("Enter")
    assert target.get_attribute("aria-pressed") == "true"
    assert widget.locator(".sbt-la-head[aria-pressed='true']").count() == 1
    assert widget.get_by_label("Layer", exact=True).input_value() == "3"
    assert widget.get_by_label("Head", exact=True).input_value() == "1"
    assert np.abs(_cell_weights(widget) - held[3, 1]).max() <= 5e-5
    assert "Layer 3, head 1" in widget.locator(".sbt-la-matrix caption").inner_text()
    widget.get_by_label("Layer", exact=True).select_option("0")
    widget.get_by_label("Head", exact=True).select_option("2")
    assert np.abs(_cell_weights(widget) - held[0, 2]).max() <= 5e-5
    assert widget.get_by_role("button", name="layer 0, head 2").get_attribute(
        "aria-pressed"
    ) == ("true")
    assert page.problems == []


def _luminance(rgb: str) -> float:
    channels = [
        int(v) / 255 for v in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]
    ]
    lin = [
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    ]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_fits_a_phone_and_reads_in_dark_mode(browser, server):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, color_scheme="dark"
    )
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/{PATH}", wait_until="load")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    widget = page.locator(f'[data-sbt-widget="{KIND}"]')
    widget.locator(".sbt-la-cell").first.wait_for(state="attached")
    widget.scroll_into_view_if_needed()
    box = widget.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    # every part stays inside the widget; the map scrolls inside its own box
    right = widget.evaluate(
        "el => Math.max(...Array.from(el.querySelectorAll('.sbt-controls, .sbt-la-strip, "
        ".sbt-la-grid, .sbt-la-box, .sbt-la-readout'), e => e.getBoundingClientRect().right))"
    )
    assert right <= box["x"] + box["width"] + 0.5
    matrix = widget.locator(".sbt-la-box")
    assert matrix.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    # 31 tokens: it scrolls
    assert matrix.evaluate("e => e.scrollWidth > e.clientWidth")
    # text on the widget's background: the theme's light text on a dark surface
    colours = widget.evaluate(
        "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color, "
        "getComputedStyle(el.querySelector('.sbt-la-query')).color]"
    )
    background, text, label = (_luminance(c) for c in colours)
    assert background < 0.1
    for fg in (text, label):
        assert (fg + 0.05) / (background + 0.05) >= 4.5
    assert errors == []
    context.close()


def test_outside_the_site_the_figure_shows_its_default_and_says_why(
    browser, ref, tmp_path
):
    """In a notebook (no ``data-content_root`` to fetch weights from) typing gives a note."""
    from stepbytoken.book.figures import live_attention_widget

    path = tmp_path / "figure.html"
    live_attention_widget(ref.model, ref.tokenizer, "Nora met Tobin. She smiled.").save(
        str(path)
    )
    page = browser.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri(), wait_until="load")
    widget = page.locator(f'[data-sbt-widget="{KIND}"]')
    widget.locator(".sbt-la-cell").first.wait_for(state="attached")
    assert widget.get_attribute("data-state") == "default"
    assert "website" in widget.locator(".sbt-la-status").inner_text()
    _type(page, widget, "Ada met Bo.", state="unavailable")
    assert widget.evaluate("el => el.sbtAttention.source") == "default"
    _type(page, widget, " ", state="empty")
    _type(page, widget, "Ada met Bo again.", state="unavailable")
    assert widget.locator(".sbt-la-body").is_visible()  # the default sentence again
    assert widget.evaluate("el => el.sbtAttention.source") == "default"
    assert "runs on the book's website" in widget.locator(".sbt-la-status").inner_text()
    assert errors == []
    page.close()
