"""The plain environment a reader has: a fresh virtual environment with only ``pip install``.

Torch comes the CPU-only way that ``noxfile.py`` uses too (a local CPU wheel if pip has one in
``PIP_FIND_LINKS``, else PyTorch's CPU index); then the package is installed from a copy of
the repository's ``pyproject.toml``, ``README.md`` and ``src/`` (non-editable, no extras, and
no build files left in the checkout).
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TORCH = "torch==2.13.*"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
PACKAGE_FILES = ("pyproject.toml", "README.md")


def torch_pip_args() -> list[str]:
    """``pip install`` arguments for a CPU-only torch: a local wheel if any, else the CPU index."""
    local = [
        path
        for folder in os.environ.get("PIP_FIND_LINKS", "").split()
        for path in glob.glob(os.path.join(folder, "torch-2.13*cpu*.whl"))
    ]
    return [TORCH] if local else [TORCH, "--index-url", TORCH_CPU_INDEX]


def package_digest(root: Path, extra: tuple[str, ...] = ()) -> str:
    """Hash of the package's sources (and of the ``extra`` files named, relative to ``root``)."""
    digest = hashlib.sha256()
    paths = sorted((root / "src").rglob("*")) + [root / name for name in extra]
    for path in paths:
        if (
            path.is_file()
            and "__pycache__" not in path.parts
            and ".egg-info" not in str(path)
        ):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def make_plain_env(venv: Path, root: Path) -> Path:
    """Create (or bring up to date) ``venv`` with torch and the package; return its python.

    The environment is kept between runs: torch is installed once, the package again whenever
    its sources or ``pyproject.toml`` changed.
    """
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    stamp = venv / "stepbytoken.sha256"
    digest = package_digest(root, PACKAGE_FILES)
    if python.exists() and stamp.exists() and stamp.read_text() == digest:
        return python
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        pip(python, "install", *torch_pip_args())
    pip(python, "uninstall", "--yes", "stepbytoken")
    with tempfile.TemporaryDirectory() as tmp:
        for name in PACKAGE_FILES:
            shutil.copy2(root / name, tmp)
        ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
        shutil.copytree(root / "src", Path(tmp) / "src", ignore=ignore)
        pip(python, "install", tmp)
    stamp.write_text(digest)
    return python


def pip(python: Path, *args: str) -> None:
    """Run pip in the plain environment; fail with pip's own output if it fails."""
    result = subprocess.run(
        [str(python), "-m", "pip", "--quiet", *args], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"pip {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )
