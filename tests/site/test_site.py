"""Real-browser tests of the built site (Chromium driven by Playwright; fixtures in conftest.py).

Every page must load without console errors and without any request leaving the site; every
interactive figure must draw and respond to the reader.
"""

from __future__ import annotations

import re

import nbformat


def chapter_pages(site):
    return sorted(
        p.relative_to(site).as_posix() for p in (site / "chapters").glob("*.html")
    )


def test_site_has_the_expected_pages(site):
    assert (site / "index.html").exists() and (site / "search.html").exists()
    assert "chapters/01-predicting-one-word.html" in chapter_pages(site)
    assert any((site / "api").glob("*.html"))


def test_page_loads_cleanly_and_stays_offline(page, server, site_page):
    page.goto(f"{server}/{site_page}", wait_until="load")
    page.wait_for_timeout(300)
    assert page.problems == []
    assert page.title()


def _interactive_figures(page):
    return page.locator(".sbt-interactive")


def _snapshot(figure):
    return figure.evaluate("el => el.innerHTML")


def _interact(page, figure):
    """Act on a figure as a reader would; return a description of what was done."""
    if "sbt-plotly" in (figure.get_attribute("class") or ""):
        figure.scroll_into_view_if_needed()
        drag = figure.locator(".nsewdrag").first
        box = drag.bounding_box()
        for fraction in (0.2, 0.35, 0.5, 0.65, 0.8):  # sweep the mouse across the plot
            page.mouse.move(
                box["x"] + fraction * box["width"], box["y"] + box["height"] / 2
            )
            page.wait_for_timeout(100)
            if figure.locator(".hoverlayer *").count():
                return "hover"
        # a figure without hover text must answer its own controls (below)
        if not figure.locator("select, input[type=range]").count():
            return "hover (nothing shown)"
    textarea = figure.locator("textarea, input[type=text]")
    if textarea.count():
        textarea.first.fill("Hello, world! héllo 👋")
        return "typed"
    selects = figure.locator("select")
    for i in range(selects.count()):
        options = selects.nth(i).locator("option")
        if options.count() > 1:
            selects.nth(i).select_option(index=options.count() - 1)
            return "selected"
    sliders = figure.locator("input[type=range]")
    if sliders.count():
        sliders.first.press("End")  # the keyboard's way to the slider's far end
        return "slid"
    figure.locator("button").last.click()
    return "clicked"


def test_chapter_pages_have_interactive_figures(site):
    for path in chapter_pages(site):
        html = (site / path).read_text(encoding="utf-8")
        assert re.search(r'class="sbt-interactive', html), path


def test_pages_load_widget_files_once_instead_of_inline_copies(site):
    for path in chapter_pages(site):
        html = (site / path).read_text(encoding="utf-8")
        assert "data-sbt-inline" not in html, (
            f"{path} keeps a widget's inline copy of a file"
        )
        if "data-sbt-widget=" in html:
            assert html.count('src="../_static/sbt-widgets.js') == 1, path


def test_every_interactive_figure_renders_and_responds(page, server, chapter_page):
    path = chapter_page
    page.goto(f"{server}/{path}", wait_until="load")
    figures = _interactive_figures(page)
    assert figures.count() >= 1
    for i in range(figures.count()):
        figure = figures.nth(i)
        classes = figure.get_attribute("class") or ""
        if "sbt-plotly" in classes:
            figure.locator(".main-svg").first.wait_for(state="attached", timeout=10_000)
        else:
            page.wait_for_function(
                "el => el.getAttribute('data-sbt-rendered') && el.children.length > 1",
                arg=figure.element_handle(),
                timeout=10_000,
            )
        before = _snapshot(figure)
        action = _interact(page, figure)
        page.wait_for_timeout(200)
        assert _snapshot(figure) != before, (
            f"figure {i} on {path} did not change ({action})"
        )
    assert page.problems == []


def test_generation_stepper_moves_through_steps(page, server):
    page.goto(f"{server}/chapters/01-predicting-one-word.html", wait_until="load")
    widget = page.locator('[data-sbt-widget="generation"]')
    status = widget.locator(".sbt-status")
    assert status.inner_text().startswith("step 1 of")
    widget.get_by_role("button", name="Next").click()
    widget.get_by_role("button", name="Next").click()
    assert status.inner_text().startswith("step 3 of")
    widget.get_by_label("Step").fill("0")
    assert status.inner_text().startswith("step 1 of")


def test_next_token_explorer_follows_the_chosen_prefix(page, server):
    page.goto(f"{server}/chapters/01-predicting-one-word.html", wait_until="load")
    widget = page.locator('[data-sbt-widget="next-token"]')
    widget.get_by_label("Text so far").select_option(label="raise a")
    assert widget.locator(".sbt-context").inner_text().startswith("raise a")
    labels = widget.locator(".sbt-bar-label").all_inner_texts()
    assert len(labels) == 10 and labels[0] == "valueerror"


def test_search_finds_a_chapter(page, server):
    page.goto(f"{server}/search.html?q=perplexity", wait_until="load")
    results = page.locator("#search-results li")
    results.first.wait_for(timeout=15_000)
    assert "Predicting one word" in page.locator("#search-results").inner_text()


def test_copy_button_copies_code_without_prompts_or_outputs(browser, server):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{server}/api/nn.html", wait_until="load")
    doctests = page.locator("div.doctest, div.highlight-pycon")
    doctest = doctests.filter(has_text="model = NGramModel(").first
    doctest.hover()
    doctest.locator("button.copybtn").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    shown = doctest.locator("pre").inner_text().splitlines()
    outputs = [
        line for line in shown if line.strip() and not line.startswith((">>>", "..."))
    ]
    assert "model = NGramModel(" in copied and ">>>" not in copied
    assert outputs and not any(line in copied.splitlines() for line in outputs)
    page.goto(f"{server}/chapters/01-predicting-one-word.html", wait_until="load")
    assert page.locator(".cell_output button.copybtn").count() == 0
    assert page.locator(".cell_input button.copybtn").count() > 0
    context.close()


def test_figures_follow_dark_mode(browser, server):
    """In dark mode the Plotly paper turns dark and static figures are shown inverted."""
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    page.goto(f"{server}/chapters/01-predicting-one-word.html", wait_until="load")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    image_filter = page.locator(".cell_output img").first.evaluate(
        "el => getComputedStyle(el).filter"
    )
    assert "invert" in image_filter
    page.locator(".sbt-plotly .main-svg").first.wait_for(state="attached")
    paper = page.locator(".sbt-plotly .main-svg .bg").first.evaluate(
        "el => getComputedStyle(el).fill"
    )
    red, green, blue = (int(v) for v in paper[4:-1].split(","))
    assert red + green + blue < 3 * 80, paper
    context.close()


def test_math_renders_from_the_site(page, server):
    page.goto(f"{server}/chapters/01-predicting-one-word.html", wait_until="load")
    page.locator("mjx-container").first.wait_for(timeout=15_000)
    assert page.problems == []


def test_chapter_offers_a_notebook_download_and_notebook_launch_links(
    page, server, site
):
    page.goto(f"{server}/chapters/01-predicting-one-word.html", wait_until="load")
    hrefs = page.eval_on_selector_all(
        "a[href]", "els => els.map(e => e.getAttribute('href'))"
    )
    downloads = [h for h in hrefs if h.endswith(".ipynb") and "_sources" in h]
    assert downloads, "no download-as-notebook link"
    assert (site / "chapters" / downloads[0]).resolve().exists()
    launches = [
        h for h in hrefs if "colab.research.google.com" in h or "mybinder.org" in h
    ]
    assert len(launches) >= 2 and all(h.endswith(".ipynb") for h in launches), launches


def test_landing_page_lists_all_chapters_with_reading_times(page, server, site):
    page.goto(f"{server}/index.html", wait_until="load")
    contents = page.locator(".sbt-contents").inner_text()
    assert "21 chapters" in contents and "189 minutes" in contents
    for part in ("Part I", "Part II", "Part III", "Part IV"):
        assert part in contents
    assert contents.count(" min.") == 21
    link = page.get_by_role(
        "link", name="01 · Predicting one word at a time", exact=True
    )
    assert link.get_attribute("href") == "chapters/01-predicting-one-word.html"
    written = chapter_pages(site)
    assert page.locator(".sbt-contents a").count() == len(written)
    assert contents.count("(coming soon)") == 21 - len(written)


def test_navigation_lists_the_parts_and_chapters_of_the_outline(page, server, site):
    page.goto(f"{server}/index.html", wait_until="load")
    nav = page.locator("nav.bd-docs-nav")
    captions = nav.locator("p.caption").all_inner_texts()
    assert captions[:3] == [
        "About this book",
        "Part I · The basics",
        "Part II · Inside the machine",
    ]
    links = nav.locator("a.reference.internal").evaluate_all(
        "els => els.map(e => e.href)"
    )
    chapters = [h.rsplit("/", 1)[-1] for h in links if "/chapters/" in h]
    assert chapters == [p.rsplit("/", 1)[-1] for p in chapter_pages(site)]


def test_downloaded_notebooks_are_the_plain_ones(site):
    for path in chapter_pages(site):
        source = site / "_sources" / path.replace(".html", ".ipynb")
        nb = nbformat.read(source, as_version=4)
        assert nb.cells[1].source.startswith("%pip install"), source
        assert "myst_nb" not in source.read_text(encoding="utf-8"), source


def test_plotly_mode_bar_offers_nothing_that_leaves_the_site(
    page, server, chapter_page
):
    page.goto(f"{server}/{chapter_page}", wait_until="load")
    figures = page.locator(".sbt-plotly")
    for i in range(figures.count()):
        figure = figures.nth(i)
        figure.scroll_into_view_if_needed()
        figure.locator(".modebar").first.wait_for(state="attached", timeout=10_000)
        titles = figure.locator(".modebar-btn").evaluate_all(
            "els => els.map(e => e.getAttribute('data-title') || '')"
        )
        assert titles, f"figure {i} on {chapter_page} has no mode bar"
        assert figure.locator(".modebar-btn--logo, a[href*='plotly']").count() == 0
        leaving = [
            t for t in titles if re.search(r"cloud|share|chart studio|edit", t, re.I)
        ]
        assert leaving == [], f"figure {i} on {chapter_page} offers {leaving}"
