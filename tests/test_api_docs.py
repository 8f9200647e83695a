"""Every module of the package has a place in the API reference (docs/api/LAYER.md)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "stepbytoken"


def documented_modules() -> set[str]:
    pages = (ROOT / "docs" / "api").glob("*.md")
    text = "\n".join(page.read_text(encoding="utf-8") for page in pages)
    return set(re.findall(r"^\.\. automodule:: (\S+)$", text, flags=re.M))


def package_modules() -> set[str]:
    modules = set()
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        modules.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return modules - {"stepbytoken", "stepbytoken.cli"}


def test_every_module_has_an_api_page():
    missing = package_modules() - documented_modules()
    assert not missing, f"add these modules to a page in docs/api: {sorted(missing)}"


def test_api_pages_name_only_real_modules():
    stale = documented_modules() - package_modules()
    assert not stale, (
        f"docs/api documents modules that no longer exist: {sorted(stale)}"
    )
