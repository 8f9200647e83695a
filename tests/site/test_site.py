"""Real-browser tests of the built site (Debian's chromium driven by Playwright).

The site is taken from ``$SBT_SITE_DIR`` (``nox -s tests`` builds it first) or built into
``_build/html`` when missing. Every page must load without console errors and without any
request leaving the site; every interactive figure must draw and respond to the reader.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

playwright_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (tests extra)")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("SBT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _site_dir() -> Path:
    site = Path(os.environ.get("SBT_SITE_DIR", ROOT / "_build" / "html"))
    if not (site / "index.html").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "sphinx",
                "-W",
                "--keep-going",
                "-b",
                "html",
                "-c",
                ".",
                "docs",
                str(site),
            ],
            cwd=ROOT,
            check=True,
        )
    return site


SITE = _site_dir()
PAGES = sorted(
    p.relative_to(SITE).as_posix()
    for p in SITE.rglob("*.html")
    if not p.relative_to(SITE).as_posix().startswith(("_modules/", "_static/", "_sources/"))
)
CHAPTER_PAGES = [p for p in PAGES if p.startswith("chapters/")]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (signature of the base class)
        pass


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(QuietHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.problems = []  # console errors, page errors, requests outside the site, failed loads
    page.on("console", lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: page.problems.append(f"failed: {r.url}"))
    page.on("response", lambda r: r.status >= 400 and page.problems.append(f"{r.status}: {r.url}"))

    def check_request(request):
        if not request.url.startswith((server, "data:", "blob:", "about:")):
            page.problems.append(f"request outside the site: {request.url}")

    page.on("request", check_request)
    yield page
    context.close()


def open_widget(page, server, path, kind, ready_selector):
    """Open ``path``, wait until its one widget of ``kind`` has drawn ``ready_selector``.

    Returns the widget's locator and the JSON data the page gave it.
    """
    assert (SITE / path).exists(), f"{path} is missing from the site in {SITE}"
    page.goto(f"{server}/{path}", wait_until="load")
    widget = page.locator(f'[data-sbt-widget="{kind}"]')
    assert widget.count() == 1
    page.wait_for_function(
        f"el => el.getAttribute('data-sbt-rendered') && el.querySelector('{ready_selector}')",
        arg=widget.element_handle(),
        timeout=10_000,
    )
    return widget, json.loads(widget.locator("script.sbt-data").text_content())


def test_site_has_the_expected_pages():
    assert "index.html" in PAGES and "search.html" in PAGES
    assert "chapters/01-predicting-one-word.html" in CHAPTER_PAGES
    assert any(p.startswith("api/") for p in PAGES)


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_cleanly_and_stays_offline(page, server, path):
    page.goto(f"{server}/{path}", wait_until="load")
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
            page.mouse.move(box["x"] + fraction * box["width"], box["y"] + box["height"] / 2)
            page.wait_for_timeout(100)
            if figure.locator(".hoverlayer *").count():
                return "hover"
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
    figure.locator("button").last.click()
    return "clicked"


def test_chapter_pages_have_interactive_figures():
    for path in CHAPTER_PAGES:
        html = (SITE / path).read_text(encoding="utf-8")
        assert re.search(r'class="sbt-interactive', html), path


@pytest.mark.parametrize("path", CHAPTER_PAGES)
def test_every_interactive_figure_renders_and_responds(page, server, path):
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
        assert _snapshot(figure) != before, f"figure {i} on {path} did not change ({action})"
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
    page.goto(f"{server}/api/ngram.html", wait_until="load")
    doctest = page.locator("div.doctest, div.highlight-pycon").first
    doctest.hover()
    doctest.locator("button.copybtn").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("model = NGramModel(") and ">>>" not in copied
    assert "0.167" not in copied  # the output line is not copied
    page.goto(f"{server}/chapters/01-predicting-one-word.html", wait_until="load")
    assert page.locator(".cell_output button.copybtn").count() == 0
    assert page.locator(".cell_input button.copybtn").count() > 0
    context.close()


def test_figures_stay_readable_in_dark_mode(browser, server):
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    page.goto(f"{server}/chapters/01-predicting-one-word.html", wait_until="load")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    image_bg = page.locator(".cell_output img").first.evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert image_bg == "rgb(255, 255, 255)"
    page.locator(".sbt-plotly .main-svg").first.wait_for(state="attached")
    paper = page.locator(".sbt-plotly .main-svg .bg").first.evaluate(
        "el => getComputedStyle(el).fill"
    )
    assert paper == "rgb(255, 255, 255)"
    context.close()


def test_math_renders_from_the_site(page, server):
    page.goto(f"{server}/chapters/01-predicting-one-word.html", wait_until="load")
    page.locator("mjx-container").first.wait_for(timeout=15_000)
    assert page.problems == []


def test_chapter_offers_a_notebook_download_and_notebook_launch_links(page, server):
    page.goto(f"{server}/chapters/01-predicting-one-word.html", wait_until="load")
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    downloads = [h for h in hrefs if h.endswith(".ipynb") and "_sources" in h]
    assert downloads, "no download-as-notebook link"
    assert (SITE / "chapters" / downloads[0]).resolve().exists()
    launches = [h for h in hrefs if "colab.research.google.com" in h or "mybinder.org" in h]
    assert len(launches) >= 2 and all(h.endswith(".ipynb") for h in launches), launches


def test_landing_page_lists_all_chapters_with_reading_times(page, server):
    page.goto(f"{server}/index.html", wait_until="load")
    contents = page.locator(".sbt-contents").inner_text()
    assert "21 chapters" in contents and "189 minutes" in contents
    for part in ("Part I", "Part II", "Part III", "Part IV"):
        assert part in contents
    assert contents.count(" min.") == 21
    link = page.get_by_role("link", name="01 · Predicting one word at a time")
    assert link.get_attribute("href").endswith("chapters/01-predicting-one-word.html")
    assert page.locator(".sbt-contents a").count() == len(CHAPTER_PAGES)
