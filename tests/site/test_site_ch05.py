"""Browser tests of chapter 5's widgets: the block explorer and the parameter calculator.

The calculator computes parameter counts in JavaScript; these tests check them against
``stepbytoken.nn.gpt.parameter_count`` for the presets and for configurations that exercise
every option (norm, positions, biases, tied head, d_ff).
"""

from __future__ import annotations

import dataclasses
import json
import random

from stepbytoken.nn import GPTConfig, parameter_count

PAGE = "chapters/05-transformer.html"
GPT2_SMALL = 124_439_808


def open_calculator(page, server):
    page.goto(f"{server}/{PAGE}", wait_until="load")
    calc = page.locator(".sbt-widget:has(.sbt-param-total)")
    calc.locator(".sbt-param-total[data-total]").wait_for(timeout=10_000)
    return calc


def total(calc) -> int | None:
    value = calc.locator(".sbt-param-total").get_attribute("data-total")
    return int(value) if value else None


CHOICE_LABELS = {
    "mlp": {"gelu": "GELU (2 matrices)", "swiglu": "SwiGLU (3 matrices)"},
    "norm": {"layernorm": "LayerNorm", "rmsnorm": "RMSNorm"},
    "positions": {"learned": "learned", "sinusoidal": "sinusoidal", "rope": "RoPE"},
    "bias": {True: "with biases", False: "no biases"},
    "tie_weights": {True: "tied to the embedding", False: "separate (untied)"},
}


def enter(calc, config: GPTConfig, *, blank_d_ff: bool = False) -> None:
    """Type a configuration into the calculator, as a reader would."""
    for field in ("vocab_size", "block_size", "n_layer", "n_head", "d_model", "d_ff"):
        value = "" if field == "d_ff" and blank_d_ff else str(getattr(config, field))
        calc.locator(f'input[data-field="{field}"]').fill(value)
    for field, labels in CHOICE_LABELS.items():
        calc.locator(f'select[data-field="{field}"]').select_option(
            label=labels[getattr(config, field)]
        )


def test_gpt2_small_preset_gives_the_exact_count(page, server):
    calc = open_calculator(page, server)
    calc.get_by_role("button", name="GPT-2 small", exact=True).click()
    assert total(calc) == GPT2_SMALL == parameter_count(GPTConfig.gpt2_small())
    assert "124,439,808" in calc.locator(".sbt-param-total").inner_text()


def test_every_preset_matches_parameter_count(page, server):
    calc = open_calculator(page, server)
    data = json.loads(calc.locator("script.sbt-data").text_content())
    fields = {f.name for f in dataclasses.fields(GPTConfig)}
    assert len(data["presets"]) >= 5
    for preset in data["presets"]:
        config = GPTConfig(**{k: v for k, v in preset.items() if k in fields})
        calc.get_by_role("button", name=preset["name"], exact=True).click()
        assert total(calc) == parameter_count(config), preset["name"]


def configs_to_try() -> list[GPTConfig]:
    chosen = [
        GPTConfig.gpt2_small(tie_weights=False),
        GPTConfig.gpt2_small(n_layer=48, n_head=25, d_model=1600),  # GPT-2 XL
        GPTConfig(vocab_size=32000, block_size=4096, n_layer=32, n_head=32, d_model=4096,
                  d_ff=11008, norm="rmsnorm", positions="rope", bias=False,
                  tie_weights=False),  # Llama-7B-like sizes with a GELU MLP
        GPTConfig(vocab_size=32000, block_size=2048, n_layer=32, n_head=32, d_model=4096,
                  d_ff=11008, mlp="swiglu", norm="rmsnorm", positions="rope", bias=False,
                  tie_weights=False),  # Llama-7B's sizes, SwiGLU included
        GPTConfig(vocab_size=10, block_size=4, n_layer=1, n_head=1, d_model=2),
        GPTConfig(vocab_size=97, block_size=33, n_layer=3, n_head=3, d_model=24, d_ff=50,
                  norm="layernorm", positions="sinusoidal", bias=False),
    ]  # fmt: skip
    rng = random.Random(5)  # a few more, drawn once, over every option
    for _ in range(10):
        n_head = rng.choice([1, 2, 4, 8])
        chosen.append(
            GPTConfig(
                vocab_size=rng.randint(2, 300_000),
                block_size=rng.randint(1, 70_000),
                n_layer=rng.randint(1, 120),
                n_head=n_head,
                d_model=n_head * 2 * rng.randint(1, 700),
                d_ff=rng.randint(1, 50_000),
                norm=rng.choice(["layernorm", "rmsnorm"]),
                positions=rng.choice(["learned", "sinusoidal", "rope"]),
                bias=rng.choice([True, False]),
                tie_weights=rng.choice([True, False]),
                mlp=rng.choice(["gelu", "swiglu"]),
            )
        )
    return chosen


def test_typed_sizes_match_parameter_count(page, server):
    calc = open_calculator(page, server)
    for config in configs_to_try():
        enter(calc, config)
        assert total(calc) == parameter_count(config), config


def test_blank_d_ff_means_four_times_d_model(page, server):
    calc = open_calculator(page, server)
    config = GPTConfig(vocab_size=500, block_size=64, n_layer=6, n_head=4, d_model=96)
    enter(calc, config, blank_d_ff=True)
    assert config.d_ff == 4 * 96
    assert total(calc) == parameter_count(config)


def test_impossible_sizes_show_an_error_instead_of_a_total(page, server):
    calc = open_calculator(page, server)
    calc.get_by_role("button", name="GPT-2 small", exact=True).click()
    calc.locator('input[data-field="n_head"]').fill("5")  # 768 is not divisible by 5
    assert total(calc) is None
    assert "n_head must divide d_model" in calc.locator(".sbt-error").inner_text()
    calc.locator('input[data-field="n_head"]').fill("12")
    assert total(calc) == GPT2_SMALL


def test_block_explorer_shows_shapes_and_counts_for_the_chosen_model(page, server):
    page.goto(f"{server}/{PAGE}", wait_until="load")
    explorer = page.locator(".sbt-widget:has(.sbt-tf-diagram)")
    explorer.locator(".sbt-tf-stage").first.wait_for(timeout=10_000)
    explorer.get_by_label("Model", exact=True).select_option(label="GPT-2 small")
    assert "124,439,808 parameters" in explorer.locator(".sbt-tf-summary").inner_text()
    explorer.locator(".sbt-tf-stage", has_text="Attention weights").click()
    detail = explorer.locator(".sbt-tf-detail").inner_text()
    assert "(B, 12, T, T)" in detail and "(1, 12, 1024, 1024)" in detail
    explorer.locator(".sbt-tf-stage", has_text="Token embedding").click()
    assert "38,597,376" in explorer.locator(".sbt-tf-detail").inner_text()
    explorer.locator(".sbt-tf-stage", has_text="MLP up").click()
    assert "(B, T, 3072)" in explorer.locator(".sbt-tf-detail").inner_text()
    # the keyboard moves along the stages too
    explorer.locator('.sbt-tf-stage[aria-pressed="true"]').press("ArrowDown")
    assert "GELU" in explorer.locator('.sbt-tf-stage[aria-pressed="true"]').inner_text()
    assert page.problems == []
