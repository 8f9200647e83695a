"""Tests of the interactive-figure helpers (stepbytoken.book.interactive, stepbytoken.book.plots)."""

from __future__ import annotations

import json
import re

import plotly.graph_objects as go
import pytest

from stepbytoken.book import interactive
from stepbytoken.book.plots import plotly_layout


def _figure():
    fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))
    fig.update_layout(**plotly_layout())
    return fig


def test_plotly_html_never_embeds_or_fetches_plotly_js(monkeypatch):
    monkeypatch.setenv("STEPBYTOKEN_SITE", "1")
    html = interactive.show_plotly(_figure()).html
    assert 'class="sbt-interactive sbt-plotly"' in html
    assert "<script src" not in html and "cdn" not in html.lower()
    assert len(html) < 20_000  # no 4.8 MB of inlined plotly.js


def test_plotly_output_is_deterministic_and_offers_plotly_json_in_notebooks(monkeypatch):
    monkeypatch.delenv("STEPBYTOKEN_SITE", raising=False)
    a, b = interactive.show_plotly(_figure()), interactive.show_plotly(_figure())
    assert a.html == b.html
    bundle = a._repr_mimebundle_()
    assert interactive.PLOTLY_MIME in bundle and "text/html" in bundle


def test_site_build_leaves_out_the_plotly_json(monkeypatch):
    monkeypatch.setenv("STEPBYTOKEN_SITE", "1")
    assert set(interactive.show_plotly(_figure())._repr_mimebundle_()) == {"text/html"}


def test_widget_data_survives_script_breaking_strings(monkeypatch):
    monkeypatch.setenv("STEPBYTOKEN_SITE", "1")
    data = {"text": "</script><script>alert(1)</script> <!-- x"}
    html = interactive.widget("next-token", data).html
    payload = re.search(r'<script type="application/json" class="sbt-data">(.*?)</script>', html)
    assert json.loads(payload.group(1)) == data


def test_widget_inlines_its_scripts_outside_the_site(monkeypatch):
    monkeypatch.delenv("STEPBYTOKEN_SITE", raising=False)
    html = interactive.widget("next-token", {"prefixes": []}).html
    assert "window.sbtWidgets" in html and "<style>" in html
    monkeypatch.setenv("STEPBYTOKEN_SITE", "1")
    assert "window.sbtWidgets" not in interactive.widget("next-token", {"prefixes": []}).html


def test_widget_arguments_are_checked():
    with pytest.raises(ValueError, match="kind must be a widget name"):
        interactive.widget("bad kind!", {})
    with pytest.raises(TypeError, match="data must be a dict"):
        interactive.widget("next-token", [1, 2])
    with pytest.raises(TypeError, match="fig must be a plotly Figure"):
        interactive.show_plotly({"data": []})


def test_saved_figure_is_a_standalone_page(tmp_path, monkeypatch):
    monkeypatch.setenv("STEPBYTOKEN_SITE", "1")
    path = tmp_path / "w.html"
    interactive.widget("next-token", {"prefixes": []}).save(str(path))
    assert "window.sbtWidgets" in path.read_text()
