"""Every reader: phone and desktop widths, keyboard only, screen readers, dark mode.

For every chapter page of the built site (fixtures in conftest.py):

* at 390 px (a phone) and 1280 px (a desktop), the page never scrolls sideways and no
  interactive figure is wider than the column that holds it;
* every control of every interactive figure is reached by the Tab key, and the first control
  of each figure changes the figure when worked from the keyboard alone;
* axe-core (``axe-playwright-python``) finds no violation of any impact, in light and in dark
  mode;
* in dark mode, no figure is a bright box (mean luminance of its area in a screenshot).

Run against a built site, e.g. ``SBT_SITE_DIR=/tmp/b/html pytest tests/site/test_every_reader.py``.
"""

from __future__ import annotations

import io

import pytest

WIDTHS = {"phone": 390, "desktop": 1280}
#: Mean relative luminance (0 black, 1 white) that a figure's area may have in dark mode: the
#: page itself is about 0.01, a white figure about 1; the book's dark figures are about 0.1.
DARK_LUMINANCE_LIMIT = 0.35
#: Elements a reader can act on (the sequential focus order decides which are Tab stops).
CONTROLS = "a[href], button, input, select, textarea, [tabindex]"
#: What a figure shows: its text, and for a Plotly figure its traces' visibility and data.
SHOWN = """el => {
    const gd = el.querySelector('.plotly-graph-div');
    const traces = (gd ? gd.data : []).map(t => [t.visible, JSON.stringify([t.x, t.z])]);
    return el.innerText + JSON.stringify(traces);
}"""


def _open(page, server, path, *, width=1280, scheme="light"):
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=scheme)
    page.goto(f"{server}/{path}", wait_until="load")
    # every widget drawn, every Plotly figure enhanced (controls wired, theme applied)
    page.wait_for_function(
        """() => [...document.querySelectorAll('.sbt-widget')].every(w => w.dataset.sbtRendered)
              && [...document.querySelectorAll('.sbt-plotly')].every(p => p.dataset.sbtEnhanced)""",
        timeout=15_000,
    )
    page.wait_for_timeout(300)  # Plotly's relayout after the theme
    return page.locator(".sbt-interactive")


@pytest.mark.parametrize(
    ("width", "scheme"),
    [
        (WIDTHS["phone"], "light"),
        (WIDTHS["desktop"], "light"),
        (WIDTHS["phone"], "dark"),
    ],
    ids=["phone", "desktop", "phone-dark"],
)
def test_nothing_widens_the_page(page, server, chapter_page, width, scheme):
    _open(page, server, chapter_page, width=width, scheme=scheme)
    sizes = page.evaluate(
        """() => ({
            page: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
            figures: [...document.querySelectorAll('.sbt-interactive')].map((f, i) => ({
                i, kind: f.dataset.sbtWidget || 'plotly',
                width: f.getBoundingClientRect().width, inner: f.scrollWidth, own: f.clientWidth,
                column: f.parentElement.clientWidth,
            })),
        })"""
    )
    scroll, client = sizes["page"]
    assert scroll <= client, (
        f"{chapter_page} at {width} px scrolls sideways by {scroll - client} px"
    )
    for f in sizes["figures"]:
        assert f["width"] <= f["column"] + 1, f"figure {f} is wider than its column"
        assert f["inner"] <= f["own"] + 1, (
            f"figure {f}: its content is wider than the figure"
        )


def _tab_stops_inside(page, figure, limit):
    """Tab from just before ``figure``; the elements inside it that receive focus, in order."""
    figure.evaluate("el => { el.setAttribute('tabindex', '-1'); el.focus(); }")
    reached = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        inside = figure.evaluate(
            "el => el.contains(document.activeElement) ? "
            "[...el.querySelectorAll('*')].indexOf(document.activeElement) : -1"
        )
        if inside < 0:
            break
        if inside not in reached:
            reached.append(inside)
    figure.evaluate("el => el.removeAttribute('tabindex')")
    return reached


def test_every_control_of_every_figure_is_a_tab_stop(page, server, chapter_page):
    figures = _open(page, server, chapter_page)
    for n in range(figures.count()):
        figure = figures.nth(n)
        figure.scroll_into_view_if_needed()
        controls = figure.evaluate(
            f"""el => [...el.querySelectorAll('*')].flatMap((c, i) =>
                c.matches('{CONTROLS}') && c.tabIndex >= 0 && !c.disabled
                && c.getClientRects().length && getComputedStyle(c).visibility !== 'hidden'
                ? [i] : [])"""
        )
        reached = _tab_stops_inside(page, figure, len(controls) + 3)
        assert set(controls) <= set(reached), (
            f"figure {n}: controls the Tab key never reaches"
        )


def test_plotly_sliders_and_menus_are_labelled_html_controls(
    page, server, chapter_page
):
    """Plotly's own (SVG) sliders and menus are hidden; a labelled HTML control stands for each."""
    figures = _open(page, server, chapter_page).filter(
        has=page.locator(".plotly-graph-div")
    )
    for n in range(figures.count()):
        info = figures.nth(n).evaluate(
            """el => {
                const gd = el.querySelector('.plotly-graph-div');
                const labelled = c => c.labels.length && c.labels[0].textContent.trim();
                return {
                    sliders: (gd.layout.sliders || []).length,
                    menus: (gd.layout.updatemenus || []).length,
                    shown: (gd.layout.sliders || []).concat(gd.layout.updatemenus || [])
                        .filter(c => c.visible !== false).length,
                    ranges: [...el.querySelectorAll('input[type=range][data-sbt-slider]')]
                        .map(labelled),
                    selects: [...el.querySelectorAll('select[data-sbt-menu]')].map(labelled),
                };
            }"""
        )
        assert info["shown"] == 0, f"figure {n} still draws Plotly's SVG controls"
        assert len(info["ranges"]) == info["sliders"] and all(info["ranges"]), info
        assert len(info["selects"]) == info["menus"] and all(info["selects"]), info


def _keyboard_changes(page, figure):
    """Work the figure's first control from the keyboard; True if the figure then changed."""
    control = figure.locator(
        "input[type=range], select, textarea, input[type=text]"
    ).first
    if not control.count():
        # not Plotly's mode bar
        control = figure.locator("button:not(.modebar-btn)").first
    if not control.count():
        return None  # nothing to work
    before = figure.evaluate(SHOWN)
    control.focus()
    tag, kind = control.evaluate("c => [c.tagName, c.type]")
    if tag == "SELECT":
        keys = ["ArrowDown", "ArrowUp"]
    elif kind == "range":
        keys = ["Home", "End"]
    elif tag == "BUTTON":
        keys = ["Enter"]
    else:
        keys = ["x"]
    for key in keys:
        page.keyboard.press(key)
        page.wait_for_timeout(400)
        after = figure.evaluate(SHOWN)
        if after != before:
            return True
    return False


def test_figures_with_controls_work_from_the_keyboard(page, server, chapter_page):
    figures = _open(page, server, chapter_page)
    for n in range(figures.count()):
        figure = figures.nth(n)
        figure.scroll_into_view_if_needed()
        changed = _keyboard_changes(page, figure)
        assert changed is not False, (
            f"figure {n} of {chapter_page} did not change from the keyboard"
        )
    assert page.problems == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violation(page, server, chapter_page, scheme):
    """No axe-core violation of any impact: critical, serious, moderate or minor."""
    from axe_playwright_python.sync_playwright import Axe

    _open(page, server, chapter_page, scheme=scheme)
    assert page.evaluate("document.documentElement.dataset.theme") == scheme
    results = Axe().run(page)
    bad = [
        f"{v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['target']})"
        for v in results.response["violations"]
    ]
    assert bad == [], "\n".join(bad)


def _mean_luminance(png: bytes) -> float:
    """Mean relative luminance (WCAG, 0 to 1) of a screenshot."""
    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float) / 255
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float((linear @ np.array([0.2126, 0.7152, 0.0722])).mean())


def test_no_figure_is_a_bright_box_in_dark_mode(page, server, chapter_page):
    _open(page, server, chapter_page, scheme="dark")
    figures = page.locator(".sbt-interactive, .bd-article .cell_output img")
    assert figures.count()
    for n in range(figures.count()):
        figure = figures.nth(n)
        figure.scroll_into_view_if_needed()
        luminance = _mean_luminance(figure.screenshot())
        assert luminance < DARK_LUMINANCE_LIMIT, (
            f"{chapter_page}: figure {n} is a bright box in dark mode (luminance {luminance:.2f})"
        )


def test_the_luminance_check_can_fail():
    """A white box fails the dark-mode check, a dark one passes (so the test above can fail)."""
    from PIL import Image

    def png(colour):
        buffer = io.BytesIO()
        Image.new("RGB", (20, 10), colour).save(buffer, format="PNG")
        return buffer.getvalue()

    assert _mean_luminance(png("white")) > DARK_LUMINANCE_LIMIT
    assert _mean_luminance(png("#1b1f24")) < DARK_LUMINANCE_LIMIT


def test_probability_bars_share_one_honest_scale(page, server, chapter_page):
    """In every widget a probability bar's length is the probability: the full track is 1."""
    _open(page, server, chapter_page)
    rows = page.evaluate(
        """() => [...document.querySelectorAll('.sbt-bar-row')].flatMap(row => {
            const bar = row.querySelector('.sbt-bar'), track = row.querySelector('.sbt-bar-track');
            const value = row.querySelector('.sbt-bar-value');
            if (!bar || !track || !value || !/%$/.test(value.textContent.trim())) return [];
            const shown = bar.getBoundingClientRect().width / track.getBoundingClientRect().width;
            return [[shown, parseFloat(value.textContent) / 100, value.textContent]];
        })"""
    )
    for shown, probability, text in rows:
        assert shown == pytest.approx(probability, abs=0.01), (
            f"a bar for {text} fills {shown:.0%}"
        )


def test_reference_labels_read_as_the_citations_do(page, server, chapter_page):
    """A citation in the text ("Bengio et al., 2003") and the label of the entry it links to in
    the chapter's reference list are the same words, so a reader can find one from the other."""
    page.goto(f"{server}/{chapter_page}", wait_until="load")
    pairs = page.evaluate(
        """() => [...document.querySelectorAll('.bibtex-citation a[href^="#"]')].map(a => {
            const entry = document.getElementById(a.getAttribute('href').slice(1));
            const label = entry && entry.querySelector('.label');
            return [a.textContent.trim(),
                    label ? label.textContent.replace(/^\\[|\\]$/g, '').trim() : null];
        })"""
    )
    assert pairs, f"{chapter_page} cites nothing"
    mismatched = [(text, label) for text, label in pairs if text != label]
    assert not mismatched, f"{chapter_page}: citation text vs list label {mismatched}"


def test_code_fits_the_column_on_a_desktop(page, server, chapter_page):
    """At 1280 px no code block of a chapter (a cell's code or the package's, shown with
    ``literalinclude``) scrolls sideways: code is formatted to 88 columns (pyproject.toml) and
    the site's CSS fits 88 columns in the article (docs/_static/sbt-site.css)."""
    _open(page, server, chapter_page, width=WIDTHS["desktop"])
    wide = page.evaluate(
        """() => [...document.querySelectorAll('.bd-article div.highlight pre')]
            .filter(pre => pre.offsetParent && !pre.closest('.cell_output'))
            .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
            .map(pre => pre.textContent.split('\\n')
                .reduce((a, b) => b.length > a.length ? b : a))"""
    )
    assert not wide, (
        f"{chapter_page}: code blocks wider than the column, longest lines {wide}"
    )


def test_plotly_text_is_not_clipped_on_a_phone(page, server, chapter_page):
    """At 390 px every annotation and title of every Plotly figure lies inside the figure:
    the narrow-screen re-layout (sbt-plotly.js) keeps the margins that notes above the plot
    need, and long notes are wrapped to a phone's width."""
    _open(page, server, chapter_page, width=WIDTHS["phone"])
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('.sbt-plotly .plotly-graph-div')].flatMap(gd => {
            const box = gd.getBoundingClientRect();
            return [...gd.querySelectorAll('g.annotation, .gtitle')].filter(el => {
                const r = el.getBoundingClientRect();
                return r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1
                                       || r.top < box.top - 1 || r.bottom > box.bottom + 1);
            }).map(el => el.textContent.slice(0, 60));
        })"""
    )
    assert not clipped, (
        f"{chapter_page}: Plotly text outside its figure on a phone: {clipped}"
    )
