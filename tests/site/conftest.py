"""Fixtures of the site tests: the built site, a local server, a headless Chromium, its pages.

The site is read from ``$SBT_SITE_DIR`` or ``_build/html``; nothing is built here (``nox -s
tests`` builds it first; alone, run ``nox -s docs``). Without a built site the tests that need
it are left out, and one line at the end of the run says so (with ``SBT_SITE_DIR`` set to a
folder without a site, the run stops at once).

Every test that drives the browser gets the ``browser`` marker, so ``-m "not browser"`` leaves
them out. The browser is found as Playwright users expect: ``$SBT_CHROMIUM`` if set, else
Playwright's own Chromium if it is installed, else the system's (Debian's ``chromium``); with
none, the run stops at once with one line saying what to install.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("SBT_SITE_DIR", ROOT / "_build" / "html"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NO_BROWSER = (
    "no Chromium for the browser tests: run `python -m playwright install chromium` or "
    "`apt-get install chromium` (or set SBT_CHROMIUM), or leave them out with -m 'not browser'"
)


def site_pages() -> list[str]:
    """Every HTML page of the built site (empty if there is none)."""
    if not (SITE / "index.html").exists():
        return []
    return sorted(
        p.relative_to(SITE).as_posix()
        for p in SITE.rglob("*.html")
        if not p.relative_to(SITE)
        .as_posix()
        .startswith(("_modules/", "_static/", "_sources/"))
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``site_page``: every page of the site; ``chapter_page``: every chapter page."""
    pages = site_pages()
    for name, chosen in (
        ("site_page", pages),
        ("chapter_page", [p for p in pages if p.startswith("chapters/")]),
    ):
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, chosen or ["(no built site)"])


def pytest_itemcollected(item: pytest.Item) -> None:
    if "browser" in getattr(item, "fixturenames", ()):
        item.add_marker(pytest.mark.browser)


MISSING_SITE: list[str] = []


@pytest.hookimpl(trylast=True)  # after -m and -k have chosen the tests
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Leave out the tests that need the built site when there is none, and say so once."""
    if (SITE / "index.html").exists():
        return
    needing = [item for item in items if "site" in getattr(item, "fixturenames", ())]
    if not needing:
        return
    if "SBT_SITE_DIR" in os.environ:
        pytest.exit(f"SBT_SITE_DIR={SITE} holds no built site", returncode=4)
    left_out = set(needing)
    items[:] = [item for item in items if item not in left_out]
    config.hook.pytest_deselected(items=needing)
    MISSING_SITE.append(
        f"{len(needing)} site tests not run: no built site in {SITE} (run `nox -s docs` first)"
    )


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for line in MISSING_SITE:
        terminalreporter.write_line(line, yellow=True)


@pytest.fixture(scope="session")
def site() -> Path:
    """The built site's folder."""
    return SITE


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (signature of the base class)
        pass


@pytest.fixture(scope="session")
def server(site: Path) -> Iterator[str]:
    """The base URL of a local server of the site."""
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def launch_chromium(chromium: Any) -> Any:
    """Launch a headless Chromium: SBT_CHROMIUM, else Playwright's own, else the system's."""
    from playwright.sync_api import Error

    if os.environ.get("SBT_CHROMIUM"):
        return chromium.launch(
            executable_path=os.environ["SBT_CHROMIUM"], args=CHROMIUM_ARGS
        )
    try:
        return chromium.launch(args=CHROMIUM_ARGS)
    except Error as exc:
        if "Executable doesn't exist" not in str(exc):
            raise
    system = shutil.which("chromium") or shutil.which("chromium-browser")
    if system is None:
        pytest.exit(NO_BROWSER, returncode=pytest.ExitCode.USAGE_ERROR)
    return chromium.launch(executable_path=system, args=CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Chromium driven by Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.exit(
            "the browser tests need playwright: pip install -e '.[tests]'", returncode=4
        )
    with sync_playwright() as p:
        chromium = launch_chromium(p.chromium)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A fresh browser tab that records problems: errors and any request that leaves the site."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    tab = context.new_page()
    # console errors, page errors, requests outside the site, failed loads
    tab.problems = []
    tab.on(
        "console",
        lambda m: m.type == "error" and tab.problems.append(f"console: {m.text}"),
    )
    tab.on("pageerror", lambda e: tab.problems.append(f"page error: {e}"))

    def check_failure(request: Any) -> None:
        # A load the browser cancels because the test navigated on (a font still downloading
        # when the next page opens) is not a fault of the site; a missing file is a 404 below.
        if request.failure != "net::ERR_ABORTED":
            tab.problems.append(f"failed ({request.failure}): {request.url}")

    tab.on("requestfailed", check_failure)
    tab.on(
        "response",
        lambda r: r.status >= 400 and tab.problems.append(f"{r.status}: {r.url}"),
    )

    def check_request(request: Any) -> None:
        if not request.url.startswith((server, "data:", "blob:", "about:")):
            tab.problems.append(f"request outside the site: {request.url}")

    tab.on("request", check_request)
    yield tab
    context.close()


@pytest.fixture
def open_widget(page: Any, server: str, site: Path) -> Callable[..., tuple[Any, dict]]:
    """``open_widget(path, kind, ready_selector)``: open a page, wait for its one widget of
    ``kind`` to draw ``ready_selector``; return the widget's locator and its JSON data."""

    def open_(path: str, kind: str, ready_selector: str) -> tuple[Any, dict]:
        assert (site / path).exists(), f"{path} is missing from the site in {site}"
        page.goto(f"{server}/{path}", wait_until="load")
        widget = page.locator(f'[data-sbt-widget="{kind}"]')
        assert widget.count() == 1
        page.wait_for_function(
            f"el => el.getAttribute('data-sbt-rendered') && el.querySelector('{ready_selector}')",
            arg=widget.element_handle(),
            timeout=10_000,
        )
        return widget, json.loads(widget.locator("script.sbt-data").text_content())

    return open_
