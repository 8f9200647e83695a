"""Browser tests of chapter 3's figures: the analogy explorer and the embedding map.

The analogy explorer computes ``b - a + c`` in the browser from 8-bit vectors shipped in the
page. These tests decode the same vectors in Python and check that the browser shows the same
answers, in the same order, with the same cosines.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

PAGE = "chapters/03-space-of-meaning.html"


def _widget_data(site) -> dict:
    """The analogy explorer's JSON data, read from the built page."""
    html = (site / PAGE).read_text(encoding="utf-8")
    start = html.index('data-sbt-widget="analogy"')
    start = html.index('class="sbt-data">', start) + len('class="sbt-data">')
    end = html.index("</script>", start)
    return json.loads(html[start:end])


def _answers(data: dict, a: str, b: str, c: str, k: int) -> list[tuple[str, float]]:
    """The k words nearest to b - a + c, computed in Python from the page's vectors."""
    words = data["words"]
    raw = np.frombuffer(base64.b64decode(data["vectors"]), dtype=np.int8).astype(
        np.float64
    )
    E = raw.reshape(len(words), data["dim"])
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    row = {w: i for i, w in enumerate(words)}
    q = E[row[b]] - E[row[a]] + E[row[c]]
    scores = E @ (q / np.linalg.norm(q))
    scores[[row[a], row[b], row[c]]] = -np.inf
    order = np.argsort(-scores, kind="stable")[:k]
    return [(words[i], float(scores[i])) for i in order]


def _shown(widget) -> list[tuple[str, float]]:
    labels = widget.locator(".sbt-bar-label").all_inner_texts()
    values = widget.locator(".sbt-bar-value").all_inner_texts()
    return [(w, float(v)) for w, v in zip(labels, values, strict=True)]


def test_page_data_is_small_and_complete(site):
    data = _widget_data(site)
    assert len(base64.b64decode(data["vectors"])) == len(data["words"]) * data["dim"]
    assert (site / PAGE).stat().st_size < 1_500_000
    offered = {w for _, group in data["groups"] for w in group}
    assert offered <= set(data["words"])
    assert {"king", "queen", "man", "woman"} <= offered


def test_king_man_woman_matches_python(page, server, site):
    data = _widget_data(site)
    page.goto(f"{server}/{PAGE}", wait_until="load")
    widget = page.locator('[data-sbt-widget="analogy"]')
    widget.locator(".sbt-bar-label").first.wait_for(timeout=10_000)
    widget.get_by_label("a", exact=True).select_option("man")
    widget.get_by_label("b", exact=True).select_option("woman")
    widget.get_by_label("c", exact=True).select_option("king")
    expected = _answers(data, "man", "woman", "king", data["k"])
    shown = _shown(widget)
    assert [w for w, _ in shown] == [w for w, _ in expected]
    assert [s for _, s in shown] == pytest.approx([s for _, s in expected], abs=1.5e-3)
    assert expected[0][0] == "queen"  # what Python computes from the shipped vectors
    assert (
        "Expected (gender): queen. Correct"
        in widget.locator(".sbt-analogy-verdict").inner_text()
    )
    assert page.problems == []


def test_every_example_matches_python(page, server, site):
    data = _widget_data(site)
    page.goto(f"{server}/{PAGE}", wait_until="load")
    widget = page.locator('[data-sbt-widget="analogy"]')
    widget.locator(".sbt-bar-label").first.wait_for(timeout=10_000)
    examples = widget.get_by_label("Example")
    for i, (a, b, c) in enumerate(data["presets"]):
        examples.select_option(str(i))
        assert widget.get_by_label("c", exact=True).input_value() == c
        expected = _answers(data, a, b, c, len(data["words"]))
        assert [w for w, _ in _shown(widget)] == [w for w, _ in expected[: data["k"]]]
        verdict = widget.locator(".sbt-analogy-verdict").inner_text()
        answer = None
        for relation_pairs in data["pairs"].values():
            pairs = [tuple(p) for p in relation_pairs]
            if (a, b) in pairs:
                answer = next((d for x, d in pairs if x == c and d != b), None)
        if answer is None:
            assert "not in the test set" in verdict
        elif expected[0][0] == answer:
            assert "Correct" in verdict
        else:
            rank = [w for w, _ in expected].index(answer) + 1
            assert f"Wrong: it comes at rank {rank}." in verdict
    assert page.problems == []


def test_map_hover_lists_neighbours_for_every_word(page, server, site):
    data = _widget_data(site)
    page.goto(f"{server}/{PAGE}", wait_until="load")
    target = page.locator(".sbt-plotly .plotly-graph-div").first
    target.locator(".main-svg").first.wait_for(state="attached", timeout=10_000)
    traces = target.evaluate(
        "el => el.data.map(t => ({name: t.name, hover: t.hovertext}))"
    )
    hovers = [h for t in traces for h in t["hover"]]
    # every word of the vocabulary is on the map
    assert len(hovers) == len(data["words"])
    assert all("nearest: " in h for h in hovers)
    names = [t["name"] for t in traces]
    assert "colours" in names and "other words" in names
    colours = next(t for t in traces if t["name"] == "colours")
    assert any(h.startswith("<b>red</b>") for h in colours["hover"])
