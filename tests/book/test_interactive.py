"""Tests of the interactive-figure helpers (stepbytoken.book.interactive and book.plots)."""

from __future__ import annotations

import json
import re
from importlib import resources

import plotly.graph_objects as go
import pytest

from stepbytoken.book import interactive
from stepbytoken.book.plots import plotly_layout


def figure(title: str = "demo") -> go.Figure:
    fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))
    fig.update_layout(**plotly_layout(title=title))
    return fig


def plotly_call(html: str) -> tuple[str, dict]:
    """The div id and the config that the figure's script passes to Plotly.newPlot."""
    match = re.search(r'Plotly\.newPlot\(\s*"([\w-]+)",.*,\s*(\{[^{}]*\})\s*\)', html, re.S)
    return match.group(1), json.loads(match.group(2))


def test_plotly_html_never_embeds_or_fetches_plotly_js():
    html = interactive.show_plotly(figure()).html
    assert html.startswith('<div class="sbt-interactive sbt-plotly" ')
    assert 'data-sbt-requires="plotly.min.js"' in html
    assert "<script src" not in html and "cdn" not in html.lower()
    assert len(html) < 20_000  # no 4.8 MB of inlined plotly.js


def test_plotly_output_is_deterministic_and_offers_plotly_json_to_notebooks():
    a, b = interactive.show_plotly(figure()), interactive.show_plotly(figure())
    assert a.html == b.html
    div_id, _ = plotly_call(a.html)
    assert div_id.startswith("sbt-plotly-") and f'id="{div_id}"' in a.html
    assert plotly_call(interactive.show_plotly(figure("other")).html)[0] != div_id
    bundle = a._repr_mimebundle_()
    assert set(bundle) == {interactive.PLOTLY_MIME, "text/html"}


def test_plotly_mode_bar_offers_nothing_that_leaves_the_page():
    _, config = plotly_call(interactive.show_plotly(figure()).html)
    assert config["displaylogo"] is False and config["showSendToCloud"] is False
    assert "sendChartToCloud" in config["modeBarButtonsToRemove"]
    assert "plotlyServerURL" not in config


def test_plotly_data_cannot_end_its_script_early():
    fig = go.Figure(go.Bar(x=["</script><script>alert(1)</script>"], y=[1]))
    html = interactive.show_plotly(fig).html
    assert html.count("</script>") == 1


def test_widget_data_survives_script_breaking_strings():
    data = {"text": "</script><script>alert(1)</script> <!-- x"}
    html = interactive.widget("next-token", data).html
    payload = re.search(r'<script type="application/json" class="sbt-data">(.*?)</script>', html)
    assert json.loads(payload.group(1)) == data


def test_widget_inlines_each_file_it_requires_once_and_marks_it():
    html = interactive.widget("tokenizer", {"text": ""}).html
    requires = re.search(r'data-sbt-requires="([^"]+)"', html).group(1).split()
    assert requires == interactive.widget_requires("tokenizer")
    inlined = re.findall(r'<(?:script|style) data-sbt-inline="([\w.-]+)">', html)
    assert inlined == requires
    assert "window.sbtWidgets" in html


def test_figures_do_not_depend_on_the_environment(monkeypatch):
    before = interactive.widget("next-token", {"prefixes": []}).html
    plot = interactive.show_plotly(figure()).html
    monkeypatch.setenv("STEPBYTOKEN_SITE", "1")
    assert interactive.widget("next-token", {"prefixes": []}).html == before
    assert interactive.show_plotly(figure()).html == plot


def test_static_files_can_be_inlined():
    """An inline copy ends at its first closing tag, so no shipped file may contain one."""
    for path in resources.files("stepbytoken.book").joinpath("static").iterdir():
        text = path.read_text(encoding="utf-8").lower()
        assert "</script" not in text and "</style" not in text, path.name


def test_widget_arguments_are_checked():
    with pytest.raises(ValueError, match="kind must be a widget name"):
        interactive.widget("bad kind!", {})
    with pytest.raises(TypeError, match="data must be a dict"):
        interactive.widget("next-token", [1, 2])
    with pytest.raises(TypeError, match="fig must be a plotly Figure"):
        interactive.show_plotly({"data": []})


def test_saved_figures_are_standalone_pages(tmp_path):
    path = tmp_path / "w.html"
    interactive.widget("next-token", {"prefixes": []}).save(str(path))
    assert "window.sbtWidgets" in path.read_text()
    interactive.show_plotly(figure()).save(str(path))
    assert len(path.read_text()) > 1_000_000  # plotly.js itself
