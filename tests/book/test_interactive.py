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
    html = html.split("<script data-sbt-inline=", 1)[0]  # the figure, not sbt-plotly.js
    match = re.search(
        r'Plotly\.newPlot\(\s*"([\w-]+)",.*,\s*(\{[^{}]*\})\s*\)', html, re.S
    )
    return match.group(1), json.loads(match.group(2))


def test_plotly_html_never_embeds_or_fetches_plotly_js():
    html = interactive.show_plotly(figure()).html
    assert html.startswith('<div class="sbt-interactive sbt-plotly" ')
    assert 'data-sbt-requires="plotly.min.js sbt-plotly.js sbt-plotly.css"' in html
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
    # before the inlined sbt-plotly.js
    figure_part = html.split("<script data-sbt-inline=", 1)[0]
    assert figure_part.count("</script>") == 1


def test_widget_data_survives_script_breaking_strings():
    data = {"text": "</script><script>alert(1)</script> <!-- x"}
    html = interactive.widget("next-token", data).html
    payload = re.search(
        r'<script type="application/json" class="sbt-data">(.*?)</script>', html
    )
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
    page = path.read_text()
    # the book's own Plotly bundle, the one the site serves, inlined before the figure
    bundle = interactive.static_text("plotly.min.js")
    assert page.index(bundle) < page.index('class="sbt-interactive')
    assert page.count(bundle) == 1 and "<script src" not in page


@pytest.mark.parametrize(
    "name",
    [
        "../__init__.py",
        "/etc/hostname",
        "static/bpe.js",
        "./bpe.js",
        "..",
        "",
        "BPE.JS",
    ],
)
def test_static_text_reads_only_the_package_static_files(name):
    with pytest.raises(ValueError, match="one of the files in stepbytoken/book/static"):
        interactive.static_text(name)


def test_static_text_refuses_non_strings():
    with pytest.raises(TypeError, match="name must be a str"):
        interactive.static_text(["bpe.js"])


@pytest.mark.parametrize(
    "requires", ["../__init__.py", "/etc/hostname", "bpe.js ../../x.py"]
)
def test_saving_a_figure_that_requires_a_foreign_file_is_refused(tmp_path, requires):
    html = (
        f'<div class="sbt-interactive sbt-plotly" data-sbt-requires="{requires}"></div>'
    )
    path = tmp_path / "f.html"
    with pytest.raises(ValueError, match="one of the files in stepbytoken/book/static"):
        interactive.InteractiveFigure(html).save(str(path))
    assert not path.exists()  # nothing written, nothing read from outside the folder


def test_plotly_bundle_is_the_pinned_one_at_plotlys_version():
    """The vendored partial bundle: pinned hash, and the plotly.js version the package uses."""
    import hashlib

    from plotly.offline import get_plotlyjs_version

    meta = interactive.PLOTLY_BUNDLE
    data = (
        resources.files("stepbytoken.book")
        .joinpath("static", meta["file"])
        .read_bytes()
    )
    assert hashlib.sha256(data).hexdigest() == meta["sha256"]
    assert meta["version"] == get_plotlyjs_version()
    assert f"plotly.js (cartesian - minified) v{meta['version']}" in data[:200].decode()
    assert "plotly.min.js.LICENSE.txt" in interactive.static_names()


def figure_with_controls() -> go.Figure:
    fig = figure()
    steps = [
        dict(label=str(n), method="restyle", args=[{"opacity": n / 2}]) for n in (1, 2)
    ]
    fig.update_layout(
        sliders=[dict(active=1, steps=steps, currentvalue=dict(prefix="opacity: "))],
        updatemenus=[
            dict(name="colour", buttons=[dict(label="red"), dict(label="<b>blue</b>")])
        ],
    )
    return fig


def test_plotly_sliders_and_menus_become_labelled_html_controls():
    fig = figure_with_controls()
    shown = interactive.show_plotly(fig)
    html = shown.html
    div_id, _ = plotly_call(html)
    assert f'<label for="{div_id}-slider-0">opacity</label>' in html
    assert (
        f'<input type="range" id="{div_id}-slider-0" min="0" max="1" step="1" value="1"'
        in html
    )
    assert f'<output for="{div_id}-slider-0">2</output>' in html
    assert f'<label for="{div_id}-menu-0">colour</label>' in html
    # labels are escaped
    assert '<option value="1">&lt;b&gt;blue&lt;/b&gt;</option>' in html
    # Plotly's own (SVG) controls are hidden on the page, but not in the caller's figure, nor in
    # the JSON that Jupyter draws with its own Plotly.
    drawn = html.split("<script data-sbt-inline=", 1)[0]  # the figure's own script
    # the last key of the slider and of the menu
    assert drawn.count('"visible":false}]') == 2
    assert fig.layout.sliders[0].visible is None
    assert (
        shown._repr_mimebundle_()[interactive.PLOTLY_MIME]["layout"]["sliders"][0].get(
            "visible"
        )
        is None
    )


def test_a_figure_without_controls_gets_none():
    assert (
        '<div class="sbt-plotly-controls">'
        not in interactive.show_plotly(figure()).html
    )


def test_json_for_script_names_data_that_json_cannot_hold():
    with pytest.raises(TypeError, match="data must be JSON-serializable"):
        interactive.json_for_script({"a": object()})
    with pytest.raises(ValueError, match="data must hold only finite numbers"):
        interactive.json_for_script([float("nan")])


def test_helpers_refuse_arguments_that_are_not_text():
    with pytest.raises(TypeError, match="payload must be a str, got NoneType"):
        interactive.stable_id("sbt", None)
    with pytest.raises(TypeError, match="prefix must be a str, got NoneType"):
        interactive.stable_id(None, "x")
    with pytest.raises(ValueError, match="payload must be valid Unicode text"):
        interactive.stable_id("sbt", "\ud800")
    with pytest.raises(TypeError, match="name must be a str, got NoneType"):
        interactive.static_exists(None)
    with pytest.raises(ValueError, match="name must be a plain file name"):
        interactive.static_exists("../interactive.py")
    with pytest.raises(TypeError, match="label must be a str, got NoneType"):
        interactive.widget("next-token", {}, label=None)
    with pytest.raises(TypeError, match="kind must be a str"):
        interactive.widget_requires(None)
    with pytest.raises(ValueError, match="kind must be a widget name"):
        interactive.widget_requires("a/b")
