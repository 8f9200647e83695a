"""Browser tests of chapter 17's budget explorer: the slider cuts the thoughts it shows.

Run against a built site, e.g.
``SBT_SITE_DIR=_build_ch17/html pytest tests/site/test_site_ch17.py``.
"""

from __future__ import annotations

PATH = "chapters/17-thinking.html"
PREFIX = "thinking budget"


def _figure(tab):
    """The Plotly figure with the budget slider, once it is drawn."""
    figures = tab.locator(".sbt-plotly")
    for i in range(figures.count()):
        figure = figures.nth(i)
        figure.locator(".main-svg").first.wait_for(state="attached", timeout=10_000)
        found = figure.evaluate(
            """(el, prefix) => {
                const gd = el.querySelector('.js-plotly-plot');
                const sliders = (gd && gd.layout.sliders) || [];
                return sliders.some(s => (s.currentvalue.prefix || '').startsWith(prefix));
            }""",
            PREFIX,
        )
        if found:
            return figure
    raise AssertionError(
        f"no Plotly figure with a slider labelled {PREFIX!r} on {PATH}"
    )


def _state(figure):
    return figure.evaluate(
        """el => {
            const gd = el.querySelector('.js-plotly-plot');
            const chosen = gd.data[gd.data.length - 1];
            return {
                x: Array.from(chosen.x),
                labels: gd.layout.sliders[0].steps.map(s => s.label),
                active: gd.layout.sliders[0].active,
                note: (gd.layout.annotations || []).map(a => a.text).join(' '),
                shown: el.querySelector('.main-svg').parentElement.textContent,
            };
        }"""
    )


def _press(tab, figure, key):
    slider = figure.locator("input[type=range][data-sbt-slider]").first
    slider.scroll_into_view_if_needed()
    tab.wait_for_function("el => el.dataset.sbtEnhanced", arg=figure.element_handle())
    slider.focus()
    tab.keyboard.press(key)
    tab.wait_for_timeout(400)


def test_the_budget_slider_cuts_the_thought(page, server):
    page.goto(f"{server}/{PATH}", wait_until="load")
    figure = _figure(page)
    before = _state(figure)
    last = before["labels"][-1]
    assert before["active"] == len(before["labels"]) - 1
    assert f"budget {last} tokens" in before["note"] and "thinks:" in before["note"]
    _press(page, figure, "Home")  # no thinking at all
    start = _state(figure)
    assert start["active"] == 0 and start["x"] == [int(before["labels"][0])]
    assert f"budget {start['labels'][0]} tokens" in start["note"]
    assert "(no thought)" in start["note"] and start["note"] != before["note"]
    assert "(no thought)" in start["shown"]
    _press(page, figure, "ArrowRight")
    step = _state(figure)
    assert step["active"] == 1 and step["note"] not in (start["note"], before["note"])
    assert page.problems == []


# ------------------------------------------------------------------ the live thinking budget

LIVE_TIMEOUT = 120_000  # ms: loading the weights, then thinking


def _think(question: str, budget: int) -> tuple[str, str, int]:
    from stepbytoken.generation.thinking import think
    from stepbytoken.recipes.thinking_small import load_thinking_small

    small = load_thinking_small()
    ((thought, answer),) = think(
        small.model, small.tokenizer, [question], budget=budget
    )
    return thought, answer.text, answer.thought_tokens


def _shown(widget) -> dict:
    out = widget.locator(".sbt-live-output")
    return {
        "state": out.get_attribute("data-state"),
        "budget": int(out.get_attribute("data-budget")),
        "thought": out.locator(".sbt-lt-thought").inner_text(),
        "answer": out.locator(".sbt-lt-answer").inner_text().removeprefix("Answers: "),
    }


def _wait_live(page, widget, question: str, budget: int) -> None:
    page.wait_for_function(
        "([el, q, b]) => { const out = el.querySelector('.sbt-live-output');"
        " const s = out.getAttribute('data-state');"
        " return (s === 'live' && out.getAttribute('data-question') === q"
        " && out.getAttribute('data-budget') === String(b)) || s === 'error'; }",
        arg=[widget.element_handle(), question, budget],
        timeout=LIVE_TIMEOUT,
    )
    status = widget.locator(".sbt-live-status").inner_text()
    assert widget.locator(".sbt-live-output").get_attribute("data-state") == "live", (
        status
    )


def test_the_live_budget_starts_from_the_books_thoughts_and_fetches_nothing(
    page, open_widget
):
    fetched = []
    page.on(
        "request", lambda r: r.url.endswith(".safetensors") and fetched.append(r.url)
    )
    widget, data = open_widget(PATH, "live-thinking", ".sbt-live-output .sbt-lt-answer")
    first = _shown(widget)
    assert first["state"] == "default"
    assert first["budget"] == data["budgets"][data["start"]]
    assert first["answer"] == data["book"][data["start"]]["answer"]
    slider = widget.get_by_label("Thinking budget")
    slider.focus()
    slider.press("Home")  # no thought at all
    shown = _shown(widget)
    assert shown["budget"] == 0 and shown["state"] == "default"
    assert shown["answer"] == data["book"][0]["answer"] != first["answer"]
    assert shown["thought"].startswith("(no thought")
    page.wait_for_timeout(300)
    assert fetched == []
    assert page.problems == []


def test_the_readers_problem_is_thought_about_in_the_browser_as_in_python(
    page, open_widget
):
    widget, data = open_widget(PATH, "live-thinking", ".sbt-live-output .sbt-lt-answer")
    question = "What is 405 + 296?"
    widget.get_by_label("Your problem", exact=True).fill(question)
    slider = widget.get_by_label("Thinking budget")
    slider.focus()
    slider.press("Home")
    slider.press("ArrowRight")
    slider.press("ArrowRight")  # the third budget: a thought cut short
    short = data["budgets"][2]
    widget.get_by_role("button").click()
    _wait_live(page, widget, question, short)
    thought, answer, used = _think(question, short)
    shown = _shown(widget)
    assert (shown["thought"], shown["answer"]) == (thought, answer)
    assert used == short  # cut at the budget
    slider.focus()
    slider.press("End")  # moving the slider thinks again, live
    longest = data["budgets"][-1]
    _wait_live(page, widget, question, longest)
    thought, answer, used = _think(question, longest)
    shown = _shown(widget)
    assert (shown["thought"], shown["answer"]) == (thought, answer)
    assert used < longest and answer == "701"  # a finished thought, and the sum
    assert page.problems == []
