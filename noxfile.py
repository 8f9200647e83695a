"""Developer commands: ``nox -s docs``, ``nox -s tests``, ``nox -s lint``, ``nox -s serve``,
``nox -s bench``, ``nox -s notebooks``, ``nox -s lock`` and ``nox -s rtd``.

Every session that installs the package installs it with ``constraints/docs.txt``, the exact
versions that ``nox -s lock`` resolved, so a new release of a dependency cannot break a build
that nobody changed; ``pyproject.toml`` keeps loose lower bounds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nox

ROOT = Path(__file__).parent
sys.path.insert(0, str(ROOT / "tests" / "reader"))
from plain_env import (  # noqa: E402  (shared with the reader's check)
    TORCH,
    TORCH_CPU_INDEX,
    package_digest,
    torch_pip_args,
)

BUILD = ROOT / "_build"
HTML = BUILD / "html"
CACHE = BUILD / ".jupyter_cache"
PACKAGE_STAMP = BUILD / ".package-sha256"
CONSTRAINTS = ROOT / "constraints" / "docs.txt"
# -j auto: one reading process per core; myst-nb executes the pages as they are read, each
# kernel with one torch thread (conf.py).
SPHINX = [
    "sphinx-build",
    "-j",
    "auto",
    "-W",
    "--keep-going",
    "-b",
    "html",
    "-c",
    ".",
    "docs",
]
RTD_LIMIT_SECONDS = 15 * 60  # Read the Docs' time limit for one build, install included

nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True


def install_torch(session: nox.Session) -> None:
    """Install a CPU-only torch: a local CPU wheel if pip has one, else PyTorch's CPU index."""
    session.install(*torch_pip_args())


def install_package(session: nox.Session, extras: str, *more: str) -> None:
    """Install the package (editable) with ``extras``, at the versions of the constraints file."""
    session.install("-c", str(CONSTRAINTS), "-e", f".[{extras}]", *more)


def build_docs(session: nox.Session, *extra: str) -> None:
    """Build the site; the execution cache is dropped whenever the package changed."""
    digest = package_digest(ROOT)
    if (
        not PACKAGE_STAMP.exists()
        or PACKAGE_STAMP.read_text() != digest
        or "--fresh" in extra
    ):
        session.log("package changed since the last build: re-executing every page")
        shutil.rmtree(CACHE, ignore_errors=True)
        shutil.rmtree(BUILD / "doctrees", ignore_errors=True)
    extra = tuple(arg for arg in extra if arg != "--fresh")
    start = time.perf_counter()
    session.run(*SPHINX, str(HTML), "-d", str(BUILD / "doctrees"), *extra)
    wall = time.perf_counter() - start
    PACKAGE_STAMP.write_text(digest)
    session.run(
        "python", "docs/_ext/execution_report.py", str(CACHE), f"--wall-time={wall:.1f}"
    )


@nox.session
def docs(session: nox.Session) -> None:
    """Build the site into _build/html (pass --fresh to re-execute every page)."""
    install_torch(session)
    install_package(session, "docs")
    build_docs(session, *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Build the site, then run every test (pass --fresh to re-execute every page).

    Unit tests, doctests, the notebooks, the reader's check (each chapter run in a plain
    environment) and real-browser checks; other arguments go to pytest (``-m "not browser"``).
    """
    install_torch(session)
    install_package(session, "docs,tests")
    fresh = ("--fresh",) if "--fresh" in session.posargs else ()
    build_docs(session, *fresh)
    pytest_args = [arg for arg in session.posargs if arg != "--fresh"]
    session.run("pytest", *pytest_args, env={"SBT_SITE_DIR": str(HTML)})


@nox.session
def lint(session: nox.Session) -> None:
    """Check style with ruff."""
    session.install("ruff>=0.6")
    session.run(
        "ruff",
        "check",
        "src",
        "tests",
        "docs/_ext",
        "benchmarks",
        "noxfile.py",
        "conf.py",
    )
    session.run(
        "ruff",
        "format",
        "--check",
        "src",
        "tests",
        "docs/_ext",
        "benchmarks",
        "noxfile.py",
        "conf.py",
    )


@nox.session
def serve(session: nox.Session) -> None:
    """Live preview: rebuild on change and reload the browser (http://127.0.0.1:8000)."""
    install_torch(session)
    install_package(session, "docs", "sphinx-autobuild")
    session.run(
        "sphinx-autobuild",
        "-c",
        ".",
        "docs",
        str(HTML),
        "--watch",
        "src",
        *session.posargs,
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks, reported as ratios measured in one run on this machine.

    Writes ``_build/bench.json`` and prints one table (benchmarks/run_all.py); the docs
    benchmark builds the site cold and warm in a temporary folder (minutes). Arguments go to
    run_all.py: ``nox -s bench -- --quick`` (small sizes, no cold build), ``-- --only bpe``.
    The browser benchmark needs a built site ($SBT_SITE_DIR or _build/html).
    """
    install_torch(session)
    install_package(session, "docs,tests")
    session.run("python", "benchmarks/run_all.py", *session.posargs)


@nox.session
def notebooks(session: nox.Session) -> None:
    """Build the site, then regenerate the chapters' plain notebooks for Colab and Binder.

    The notebooks (docs/chapters/*.ipynb) quote the numbers that build measured.
    """
    install_torch(session)
    install_package(session, "docs")
    build_docs(session, *session.posargs)
    session.run("python", "docs/_ext/notebooks.py", str(BUILD / "jupyter_execute"))


@nox.session
def lock(session: nox.Session) -> None:
    """Regenerate constraints/docs.txt: the docs and tests extras resolved afresh, pinned.

    pip-tools resolves ``pyproject.toml``'s ``docs`` and ``tests`` extras and
    ``constraints/docs.in`` (a CPU-only torch) for this Python, taking the newest versions the
    lower bounds allow (``nox -s lock -- --no-upgrade`` keeps the current pins where they still
    fit). Torch comes from a local CPU wheel if pip has one, else from PyTorch's CPU index.
    """
    inputs = ROOT / "constraints" / "docs.in"
    if TORCH not in inputs.read_text(encoding="utf-8").split():
        session.error(f"{inputs} must pin {TORCH}, as tests/reader/plain_env.py does")
    session.install("pip-tools>=7.4")
    index = (
        []
        if "--index-url" not in torch_pip_args()
        else ["--extra-index-url", TORCH_CPU_INDEX]
    )
    session.run(
        "pip-compile",
        "--quiet",
        "--upgrade",
        "--strip-extras",
        "--no-emit-index-url",
        "--no-emit-find-links",
        "--extra=docs",
        "--extra=tests",
        f"--output-file={CONSTRAINTS.relative_to(ROOT)}",
        *index,
        "pyproject.toml",
        str(inputs.relative_to(ROOT)),
        *session.posargs,
        # the command the file's header names
        env={"CUSTOM_COMPILE_COMMAND": "nox -s lock"},
    )


def rtd_commands(session: nox.Session) -> tuple[str, list[tuple[str, str]]]:
    """The Python version and the (job, command) list of ``.readthedocs.yaml``, in RTD's order."""
    session.install("pyyaml>=6")
    script = "import json, yaml; print(json.dumps(yaml.safe_load(open('.readthedocs.yaml'))))"
    config = json.loads(session.run("python", "-c", script, silent=True))
    jobs = config["build"]["jobs"]
    steps = [
        (job, cmd) for job in ("pre_install", "install") for cmd in jobs.get(job, [])
    ]
    steps += [("build.html", cmd) for cmd in jobs.get("build", {}).get("html", [])]
    steps += [("post_build", cmd) for cmd in jobs.get("post_build", [])]
    return str(config["build"]["tools"]["python"]), steps


def print_times(times: list[tuple[str, float]]) -> float:
    """Print the rehearsal's steps with their times, and the total; return the total."""
    total = sum(seconds for _, seconds in times)
    print("Read the Docs rehearsal, time of each step:")
    for step, seconds in times:
        print(f"  {seconds:7.1f} s  {step[:100]}")
    print(
        f"  {total:7.1f} s  total, against Read the Docs' limit of {RTD_LIMIT_SECONDS} s"
    )
    return total


@nox.session
def rtd(session: nox.Session) -> None:
    """Rehearse Read the Docs: run ``.readthedocs.yaml``'s jobs cold, timed against 15 minutes.

    As Read the Docs does: a fresh copy of the repository (the working tree's tracked and
    not-ignored files, so no ``_build`` and no execution cache), a fresh virtual environment with
    pip and setuptools upgraded, then each command of ``build.jobs`` (``pre_install``,
    ``install``, ``build.html``, ``post_build``) run by the shell in the copy, with the
    environment's ``bin`` first on ``PATH``, ``READTHEDOCS=True`` and ``READTHEDOCS_OUTPUT`` a
    temporary folder. Prints each step's time and the total; fails if a step fails or the total
    is over Read the Docs' limit.

    What differs from Read the Docs: the Python is this session's (a warning says so if it is
    not the ``build.tools.python`` version); pip reads this machine's configuration (pip.conf,
    ``PIP_FIND_LINKS``), and where pip has a local CPU wheel of torch, ``--index-url`` of
    PyTorch's CPU index is dropped from the commands so that pip takes that wheel instead of
    downloading one; the machine (cores, speed) is this one; no clone and no upload are timed.
    """
    python, steps = rtd_commands(session)
    if not sys.version_info[:2] == tuple(int(x) for x in python.split(".")[:2]):
        session.warn(
            f"Read the Docs uses Python {python}; this rehearsal uses {sys.version}"
        )
    local_torch = "--index-url" not in torch_pip_args()
    times: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="sbt-rtd-") as tmp:
        checkout, venv, output = (
            Path(tmp) / "checkout",
            Path(tmp) / "venv",
            Path(tmp) / "output",
        )
        files = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.decode()
        for name in filter(None, files.split("\0")):
            if (ROOT / name).is_file():
                (checkout / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, checkout / name)
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("SBT_NB_CACHE", "PYTHONPATH")
        }
        env.update(
            PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
            VIRTUAL_ENV=str(venv),
            READTHEDOCS="True",
            READTHEDOCS_OUTPUT=str(output),
            READTHEDOCS_VIRTUALENV_PATH=str(venv),
        )
        steps = [
            ("create_environment", f"{sys.executable} -m venv {venv}"),
            (
                "create_environment",
                "python -m pip install --upgrade --no-cache-dir pip setuptools",
            ),
            *steps,
        ]
        for job, command in steps:
            if local_torch and f"--index-url {TORCH_CPU_INDEX}" in command:
                command = command.replace(f"--index-url {TORCH_CPU_INDEX}", "").strip()
                session.log(f"(local torch wheel: PyTorch's index dropped) {command}")
            session.log(f"[{job}] {command}")
            start = time.perf_counter()
            result = subprocess.run(command, shell=True, cwd=checkout, env=env)
            times.append((f"{job}: {command}", time.perf_counter() - start))
            if result.returncode != 0:
                print_times(times)
                session.error(f"[{job}] failed (exit {result.returncode}): {command}")
    total = print_times(times)
    if total > RTD_LIMIT_SECONDS:
        session.error(
            f"the build took {total:.0f} s, over Read the Docs' {RTD_LIMIT_SECONDS} s"
        )
