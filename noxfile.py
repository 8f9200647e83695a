"""Developer commands: ``nox -s docs``, ``nox -s tests``, ``nox -s lint``, ``nox -s serve``,
``nox -s bench`` and ``nox -s notebooks``."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).parent
sys.path.insert(0, str(ROOT / "tests" / "reader"))
from plain_env import package_digest, torch_pip_args  # noqa: E402  (shared with the reader's check)

BUILD = ROOT / "_build"
HTML = BUILD / "html"
CACHE = BUILD / ".jupyter_cache"
PACKAGE_STAMP = BUILD / ".package-sha256"
SPHINX = ["sphinx-build", "-W", "--keep-going", "-b", "html", "-c", ".", "docs", str(HTML)]

nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True


def install_torch(session: nox.Session) -> None:
    """Install a CPU-only torch: a local CPU wheel if pip has one, else PyTorch's CPU index."""
    session.install(*torch_pip_args())


def build_docs(session: nox.Session, *extra: str) -> None:
    """Build the site; the execution cache is dropped whenever the package changed."""
    digest = package_digest(ROOT)
    if not PACKAGE_STAMP.exists() or PACKAGE_STAMP.read_text() != digest or "--fresh" in extra:
        session.log("package changed since the last build: re-executing every page")
        shutil.rmtree(CACHE, ignore_errors=True)
        shutil.rmtree(BUILD / "doctrees", ignore_errors=True)
    extra = tuple(arg for arg in extra if arg != "--fresh")
    session.run(*SPHINX, "-d", str(BUILD / "doctrees"), *extra)
    PACKAGE_STAMP.write_text(digest)
    session.run("python", "docs/_ext/execution_report.py", str(CACHE))


@nox.session
def docs(session: nox.Session) -> None:
    """Build the site into _build/html (pass --fresh to re-execute every page)."""
    install_torch(session)
    session.install("-e", ".[docs]")
    build_docs(session, *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Build the site, then run every test (pass --fresh to re-execute every page).

    Unit tests, doctests, the notebooks, the reader's check (each chapter run in a plain
    environment) and real-browser checks; other arguments go to pytest (``-m "not browser"``).
    """
    install_torch(session)
    session.install("-e", ".[docs,tests]")
    fresh = ("--fresh",) if "--fresh" in session.posargs else ()
    build_docs(session, *fresh)
    pytest_args = [arg for arg in session.posargs if arg != "--fresh"]
    session.run("pytest", *pytest_args, env={"SBT_SITE_DIR": str(HTML)})


@nox.session
def lint(session: nox.Session) -> None:
    """Check style with ruff."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", "src", "tests", "docs/_ext", "benchmarks", "noxfile.py", "conf.py")
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
    session.install("-e", ".[docs]", "sphinx-autobuild")
    session.run(
        "sphinx-autobuild", "-c", ".", "docs", str(HTML), "--watch", "src", *session.posargs
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks, reported as ratios measured in one run on this machine."""
    install_torch(session)
    session.install("-e", ".[tests]")
    session.run("python", "benchmarks/bench_bpe.py", *session.posargs)
    session.run("python", "benchmarks/bench_model.py")
    # gpt.js in headless Chromium, on the built site ($SBT_SITE_DIR or _build/html)
    if (Path(os.environ.get("SBT_SITE_DIR", HTML)) / "_static" / "gpt.js").exists():
        session.run("python", "benchmarks/bench_browser.py")
    else:
        session.warn("bench_browser.py not run: no built site; run `nox -s docs` first")


@nox.session
def notebooks(session: nox.Session) -> None:
    """Build the site, then regenerate the chapters' plain notebooks for Colab and Binder.

    The notebooks (docs/chapters/*.ipynb) quote the numbers that build measured.
    """
    install_torch(session)
    session.install("-e", ".[docs]")
    build_docs(session, *session.posargs)
    session.run("python", "docs/_ext/notebooks.py", str(BUILD / "jupyter_execute"))
