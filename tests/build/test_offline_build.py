"""A small part of the site builds with no network, and builds the same twice (issue 13).

The part: ``docs/small-world.md`` (the smallest page with glued values) under a one-line
landing page, built cold with the project's ``conf.py``, each build with its own execution
cache and output folder, in parallel (``-j 2``: with ``-W``, an extension that does not declare
itself safe for parallel reading and writing fails the build). Every build runs with
networking cut off: in a new network namespace (``unshare --net``, as root or mapped to root
in a new user namespace) where only the loopback interface is up, which the Jupyter kernels
need to talk to Sphinx. Where ``unshare`` is not allowed, the tests say so and fail rather
than build with the network on.

The glued values of the two builds must be equal, timings excepted: the names that
``tests/test_notebooks.py`` treats as timings (``TIMING``) are left out.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "small-world.md"
INDEX = """\
# Offline build

```{toctree}
small-world
```
"""
# Run a command in a network namespace with only loopback up.
OFFLINE = [
    "unshare",
    "--net",
    "--map-root-user",
    "sh",
    "-c",
    'ip link set lo up && exec "$@"',
    "-",
]


def load(path: Path):
    """A module that is not in a package (docs/_ext, tests), imported by path."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TIMING = load(ROOT / "tests" / "test_notebooks.py").TIMING
glue = load(ROOT / "docs" / "_ext" / "glue_values.py")


def run_offline(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run ``command`` with no network; fail the test if the namespace cannot be made."""
    check = subprocess.run([*OFFLINE, "true"], capture_output=True, text=True)
    if check.returncode != 0:
        pytest.fail(
            "cannot cut the network off with `unshare --net --map-root-user` and `ip` "
            f"(util-linux, iproute2; user namespaces allowed): {check.stderr.strip()}"
        )
    return subprocess.run(
        [*OFFLINE, *command], capture_output=True, text=True, **kwargs
    )


def build(folder: Path) -> subprocess.CompletedProcess:
    """Build the small part of the site cold into ``folder``/html, offline."""
    source = folder / "src"
    source.mkdir(parents=True)
    (source / "index.md").write_text(INDEX, encoding="utf-8")
    shutil.copy2(PAGE, source / PAGE.name)
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-j",
        "2",
        "-W",
        "--keep-going",
        "-b",
        "html",
    ]
    command += [
        "-c",
        str(ROOT),
        str(source),
        str(folder / "html"),
        "-d",
        str(folder / "doctrees"),
    ]
    return run_offline(
        command, env={**os.environ, "SBT_NB_CACHE": str(folder / "cache")}
    )


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> list[Path]:
    """Two cold offline builds of the small part; their output folders."""
    folders = []
    for name in ("first", "second"):
        folder = tmp_path_factory.mktemp(name)
        result = build(folder)
        assert result.returncode == 0, (
            f"offline build failed:\n{result.stdout}\n{result.stderr}"
        )
        folders.append(folder)
    return folders


def test_the_network_is_really_cut_off():
    probe = (
        "import socket\n"
        "for host in ('pypi.org', '151.101.0.223'):\n"
        "    try:\n"
        "        socket.create_connection((host, 443), timeout=5)\n"
        "        print('reached', host)\n"
        "    except OSError:\n"
        "        pass\n"
    )
    result = run_offline([sys.executable, "-c", probe])
    assert result.returncode == 0, result.stderr
    assert "reached" not in result.stdout


def test_the_site_builds_offline(builds):
    html = builds[0] / "html"
    assert (html / "small-world.html").exists()
    values = glue.glue_values(builds[0] / "jupyter_execute")["small-world"]
    # the page ran and glued its numbers
    assert values["world_documents"] not in ("", "0")
    page = (html / "small-world.html").read_text(encoding="utf-8")
    # no script or image asks the browser for the network
    assert 'src="http' not in page


def test_two_builds_glue_the_same_values(builds):
    first, second = (glue.glue_values(folder / "jupyter_execute") for folder in builds)
    assert first["small-world"]
    assert glue.differences(first, second, ignore=TIMING) == []


def test_a_changed_value_is_a_difference_and_a_changed_timing_is_not():
    first = {
        "chapters/09": {
            "ch09_loss": "2.5",
            "ch09_seconds": "1.0",
            "ch09_time_exp_a": "1",
        }
    }
    second = {
        "chapters/09": {
            "ch09_loss": "2.5",
            "ch09_seconds": "1.2",
            "ch09_time_exp_a": "2",
        }
    }
    assert glue.differences(first, second, ignore=TIMING) == []
    second["chapters/09"]["ch09_loss"] = "2.6"
    assert glue.differences(first, second, ignore=TIMING) == ["chapters/09: ch09_loss"]
