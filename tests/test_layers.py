"""The package's layers: imports go downward only, private names stay home, files stay small.

Layers, lowest first (a module may import from its own subpackage and from lower layers):
checks -> world, text -> tokenizers -> nn -> training -> generation -> evaluation -> artifacts
-> recipes -> book -> cli -> __main__ (and the package's own ``__init__``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "stepbytoken"
LAYERS = [
    ("checks",),
    ("world", "text"),
    ("tokenizers",),
    ("nn",),
    ("training",),
    ("generation",),
    ("evaluation",),
    ("artifacts",),
    ("recipes",),
    ("book",),
    ("cli",),
    ("__main__", "__init__"),
]
LAYER = {name: rank for rank, names in enumerate(LAYERS) for name in names}
MAX_LINES = 500
MODULES = sorted(PACKAGE.rglob("*.py"))


def module_name(path: Path, package: Path = PACKAGE) -> str:
    """``stepbytoken.nn.gpt`` for ``src/stepbytoken/nn/gpt.py`` (packages by their ``__init__``)."""
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit(module: str) -> str:
    """The layer unit of a module: its subpackage, or its own name for top-level modules."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path, package: Path = PACKAGE) -> list[tuple[int, str, list[str]]]:
    """``(line, module, names)`` of each import from the package in a file, relative resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parent = module_name(path, package).split(".")
    if path.name != "__init__.py":
        parent = parent[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.split(".")[0] == package.name]
            found += [(node.lineno, name, []) for name in names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    parent[: len(parent) - node.level + 1] + ([base] if base else [])
                )
            if base.split(".")[0] == package.name:
                found.append((node.lineno, base, [a.name for a in node.names]))
    return found


def is_module(dotted: str, package: Path = PACKAGE) -> bool:
    path = package.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def upward_imports(path: Path, package: Path = PACKAGE) -> list[str]:
    here = module_name(path, package)
    problems = []
    for line, target, names in imports(path, package):
        targets = [target]
        # from stepbytoken import nn: the subpackage is the target
        if target == package.name:
            subs = [
                f"{target}.{n}" for n in names if is_module(f"{target}.{n}", package)
            ]
            targets = subs or [target]
        for dotted in targets:
            source, dest = unit(here), unit(dotted)
            if source == dest and dotted != package.name:
                continue
            if dest not in LAYER or source not in LAYER:
                problems.append(f"{path.name}:{line}: {dest or source} is in no layer")
            elif LAYER[dest] >= LAYER[source]:
                problems.append(
                    f"{here}:{line} imports {dotted} ({dest} is not below {source})"
                )
    return problems


def private_imports(path: Path, package: Path = PACKAGE) -> list[str]:
    here = module_name(path, package)
    problems = []
    for line, target, names in imports(path, package):
        private = [n for n in names if n.startswith("_") and not n.startswith("__")]
        if private and target != here:
            problems.append(f"{here}:{line} imports private {private} from {target}")
    return problems


def private_attributes(path: Path, package: Path = PACKAGE) -> list[str]:
    """``module._name`` uses of a private name of another stepbytoken module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases = {}
    for _, target, names in imports(path, package):
        aliases.update(
            {n: f"{target}.{n}" for n in names if is_module(f"{target}.{n}", package)}
        )
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == package.name and a.asname:
                    aliases[a.asname] = a.name
    here = module_name(path, package)
    return [
        f"{here}:{node.lineno} uses private {aliases[node.value.id]}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in aliases
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
    ]


@pytest.mark.parametrize(
    "path", MODULES, ids=[module_name(p) or "stepbytoken" for p in MODULES]
)
def test_imports_go_down_the_layers(path):
    assert upward_imports(path) == []


@pytest.mark.parametrize(
    "path", MODULES, ids=[module_name(p) or "stepbytoken" for p in MODULES]
)
def test_private_names_stay_in_their_module(path):
    assert private_imports(path) + private_attributes(path) == []


def test_no_source_file_is_over_500_lines():
    sizes = {
        p.relative_to(PACKAGE).as_posix(): len(p.read_text().splitlines())
        for p in MODULES
    }
    too_long = {name: n for name, n in sorted(sizes.items()) if n > MAX_LINES}
    assert too_long == {}, f"files over {MAX_LINES} lines: {too_long}"


def test_every_subpackage_is_in_a_layer():
    subpackages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert (subpackages | modules) - set(LAYER) == set()


def test_the_checker_finds_what_it_should(tmp_path):
    """The checks above, on a small fake package with one of each mistake."""
    fake = tmp_path / "stepbytoken"
    for sub in ("nn", "training"):
        (fake / sub).mkdir(parents=True)
        (fake / sub / "__init__.py").write_text("")
    (fake / "__init__.py").write_text("")
    (fake / "checks.py").write_text("")
    bad = fake / "nn" / "bad.py"
    bad.write_text(
        "from stepbytoken.training import loop\nfrom ..checks import check_int\n"
    )
    loop = fake / "training" / "loop.py"
    loop.write_text(
        "from stepbytoken.nn.bad import _helper\nfrom stepbytoken.nn import bad\nbad._x()\n"
        "from . import loop as me\nfrom .loop import _mine\nimport stepbytoken\n"
    )
    assert upward_imports(bad, fake) == [
        "stepbytoken.nn.bad:1 imports stepbytoken.training (training is not below nn)"
    ]
    assert upward_imports(loop, fake) == [
        "stepbytoken.training.loop:6 imports stepbytoken (__init__ is not below training)"
    ]
    assert private_imports(loop, fake) == [
        "stepbytoken.training.loop:1 imports private ['_helper'] from stepbytoken.nn.bad"
    ]
    assert private_attributes(loop, fake) == [
        "stepbytoken.training.loop:3 uses private stepbytoken.nn.bad._x"
    ]
