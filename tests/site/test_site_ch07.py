"""Browser tests of chapter 7's sampling widget: the page must compute what the package computes.

The widget recomputes a sampler's distribution in JavaScript from the logits stored in the
page. Here the reader's controls are set to several settings and every probability shown is
compared with :func:`stepbytoken.generation.sampling.next_token_distribution` on the same logits.
"""

from __future__ import annotations

import pytest
import torch

from stepbytoken.generation import next_token_distribution

PATH = "chapters/07-choosing-the-next-word.html"


def _open(open_widget):
    return open_widget(PATH, "sampling", ".sbt-bar-row")


def _set(widget, label, value):
    """Set a range input (found by its label) as a reader would, firing its input event."""
    widget.get_by_label(label, exact=True).evaluate(
        "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }",
        str(value),
    )


def _shown(widget):
    rows = widget.locator(".sbt-bar-row")
    probs = [float(rows.nth(i).get_attribute("data-prob")) for i in range(rows.count())]
    kept = int(widget.locator(".sbt-output").get_attribute("data-kept"))
    entropy = float(widget.locator(".sbt-output").get_attribute("data-entropy"))
    return probs, kept, entropy


def _not_on_a_boundary(logits, temperature, top_k, top_p):
    """True if no cumulative mass lies within 1e-6 of top_p (float rounding could flip a token)."""
    if top_p == 1:
        return True  # no nucleus cut at all
    probs = next_token_distribution(
        logits.double(), temperature=temperature, top_k=top_k
    )
    ordered = torch.sort(probs, descending=True).values
    # mass ranked above each token
    before = (torch.cumsum(ordered, 0) - ordered)[ordered > 0]
    return bool(((before - top_p).abs() > 1e-6).all())


# (prompt index, temperature, top_k, top_p); None means "no filter" (the slider at its maximum)
SETTINGS = [
    (0, 1.0, None, 1.0),
    (0, 0.5, None, 1.0),
    (0, 1.8, None, 1.0),
    (0, 1.0, 5, 1.0),
    (0, 1.0, None, 0.5),
    (-1, 0.7, 20, 0.9),
    (-1, 1.5, 40, 0.95),
    (1, 0.3, 3, 0.8),
    (1, 2.0, None, 0.3),
]


@pytest.mark.parametrize(("prompt", "temperature", "top_k", "top_p"), SETTINGS)
def test_widget_matches_next_token_distribution(
    page, open_widget, prompt, temperature, top_k, top_p
):
    widget, data = _open(open_widget)
    index = prompt % len(data["prompts"])
    entry = data["prompts"][index]
    logits = torch.tensor(entry["logits"], dtype=torch.float64)
    k = len(entry["logits"]) if top_k is None else top_k
    assert _not_on_a_boundary(logits, temperature, k, top_p)

    widget.get_by_label("Prompt").select_option(index=index)
    _set(widget, "Temperature", temperature)
    _set(widget, "Top-k", k)
    _set(widget, "Top-p", top_p)
    shown, kept, entropy = _shown(widget)

    expected = next_token_distribution(
        logits,
        temperature=temperature,
        top_k=top_k,
        top_p=None if top_p == 1 else top_p,
    )
    assert len(shown) == min(data["shown"], len(entry["logits"]))
    assert shown == pytest.approx(expected[: len(shown)].tolist(), abs=1e-3)
    assert kept == int((expected > 0).sum())
    nonzero = expected[expected > 0]
    assert entropy == pytest.approx(float(-(nonzero * nonzero.log()).sum()), abs=1e-3)
    # the removed tokens are drawn greyed, the kept ones are not
    greyed = widget.locator(".sbt-bar-row.sbt-removed").count()
    assert greyed == sum(p == 0 for p in expected[: len(shown)].tolist())
    assert page.problems == []


def test_controls_are_labelled_keyboard_operable_and_show_their_values(
    page, open_widget
):
    widget, data = _open(open_widget)
    n = len(data["prompts"][0]["logits"])
    # all kept at first
    assert widget.locator(".sbt-output").get_attribute("data-kept") == str(n)
    temperature = widget.get_by_label("Temperature", exact=True)
    temperature.focus()
    before = _shown(widget)
    page.keyboard.press("ArrowLeft")
    assert temperature.input_value() == "0.95"
    assert "0.95" in widget.locator(".sbt-controls").inner_text()
    after = _shown(widget)
    assert after[0][0] > before[0][0]  # a colder distribution: the top token gains mass
    assert after[2] < before[2]  # and the entropy falls

    _set(widget, "Top-k", 1)
    probs, kept, entropy = _shown(widget)
    assert kept == 1 and probs[0] == 1.0 and entropy == 0.0
    widget.get_by_role("button", name="Reset").click()
    assert widget.locator(".sbt-output").get_attribute("data-kept") == str(n)
    assert temperature.input_value() == "1"
    assert page.problems == []
