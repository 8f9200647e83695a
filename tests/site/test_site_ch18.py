"""Browser tests of chapter 18's KV-cache widget: stepping through prefill and decode, and the
live timing of the reference model with and without its cache in the reader's browser.

The steps are compared with the page's JSON (computed by the package); the timing run must
finish, report two positive times, and find that both paths produced the same tokens.
"""

from __future__ import annotations

PATH = "chapters/18-kv-cache.html"


def _open(open_widget):
    return open_widget(PATH, "kv-cache", ".sbt-kv-summary")


def _summary(widget):
    return widget.locator(".sbt-kv-summary")


def test_the_first_step_is_the_prefill_of_the_whole_prompt(open_widget):
    widget, data = _open(open_widget)
    state = data["state"]
    summary = _summary(widget)
    assert summary.get_attribute("data-step") == "1"
    assert summary.get_attribute("data-cache") == str(state["n_prompt"])
    assert "Prefill" in summary.inner_text()
    assert widget.locator(".sbt-kv-read").count() == state["n_prompt"]
    # a header row and one row per cached position, every one of them new
    assert widget.locator(".sbt-kv-row").count() == state["n_prompt"] + 1
    assert widget.locator(".sbt-kv-fresh").count() == state["n_prompt"]


def test_next_and_the_slider_add_one_cache_row_per_step(open_widget):
    widget, data = _open(open_widget)
    state = data["state"]
    widget.get_by_role("button", name="Next step").click()
    summary = _summary(widget)
    assert summary.get_attribute("data-step") == "2"
    assert summary.get_attribute("data-cache") == str(state["n_prompt"] + 1)
    assert "Decode" in summary.inner_text()
    assert widget.locator(".sbt-kv-read").count() == 1
    assert widget.locator(".sbt-kv-fresh").count() == 1
    slider = widget.get_by_label("Step")
    slider.focus()
    slider.press("End")
    last = state["steps"][-1]
    assert summary.get_attribute("data-step") == str(len(state["steps"]))
    assert summary.get_attribute("data-cache") == str(last["cache"])
    assert widget.locator(".sbt-kv-row").count() == last["cache"] + 1
    widget.get_by_role("button", name="Previous step").click()
    assert summary.get_attribute("data-step") == str(len(state["steps"]) - 1)


def test_the_browser_times_both_paths_and_gets_the_same_tokens(open_widget, page):
    widget, _ = _open(open_widget)
    widget.get_by_label("New tokens").fill("12")
    widget.get_by_role("button", name="Time both in your browser").click()
    page.wait_for_function(
        "el => el.querySelector('.sbt-kv-timing').getAttribute('data-state') === 'done'",
        arg=widget.element_handle(),
        timeout=30_000,
    )
    timing = widget.locator(".sbt-kv-timing")
    assert float(timing.get_attribute("data-with-ms")) > 0
    assert float(timing.get_attribute("data-without-ms")) > 0
    assert timing.get_attribute("data-same") == "true"
    assert "With the cache" in timing.inner_text()
