"""Sphinx configuration of the Step by Token site.

The site is built with this folder as the configuration directory and ``docs/`` as the
source: ``sphinx-build -W -c . docs _build/html`` (what ``nox -s docs`` runs).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

from notebooks import repository_url  # noqa: E402  (docs/_ext is on the path from here on)

# Quiet, reproducible execution: no progress bars, no stray threads fighting for 2 cores.
# The kernels that execute the pages inherit these; `sphinx-build -j N` runs N of them at once,
# each with one torch (OpenMP / MKL) thread.
os.environ.setdefault("TQDM_DISABLE", "1")
for _threads in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")

project = "Step by Token"
author = "The Step by Token authors"
copyright = "2026, The Step by Token authors"
release = "0.1.0"

extensions = [
    "myst_nb",
    "jupyter_sphinx",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",
    "sphinx_copybutton",
    "sphinx_design",
    "sphinxcontrib.bibtex",
    # the reference lists labelled "Bengio et al., 2003", as the text cites
    "citation_labels",
    "sbt_site",
    # orders the pages so that `sphinx-build -j N` executes them evenly
    "execution_report",
]

exclude_patterns = ["_build", "**.ipynb_checkpoints", "chapters/*.ipynb", "_data"]
source_suffix = {".md": "myst-nb", ".rst": "restructuredtext"}

# --- MyST and notebook execution -------------------------------------------------------------
myst_enable_extensions = [
    "colon_fence",
    "dollarmath",
    "amsmath",
    "deflist",
    "substitution",
]
myst_heading_anchors = 3
nb_execution_mode = "cache"
# SBT_NB_CACHE lets a second build (a build folder of its own) keep its own execution cache.
nb_execution_cache_path = os.environ.get(
    "SBT_NB_CACHE", str(ROOT / "_build" / ".jupyter_cache")
)
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
# Plotly figures also carry Plotly's JSON for Jupyter front ends; the site draws their HTML.
# myst-nb notes every such unused type; an output with no usable type still warns (mime_priority).
suppress_warnings = ["mystnb.unknown_mime_type"]

# --- Executed examples on the API pages (jupyter-sphinx) -----------------------------------
# Its default require.js / ipywidgets scripts come from CDNs; the site uses neither
# (sbt_site drops them and refuses any other remote script).
jupyter_sphinx_require_url = ""
jupyter_sphinx_embed_url = ""
jupyter_execute_default_kernel = "python3"

# --- API reference --------------------------------------------------------------------------
autodoc_default_options = {
    "members": True,
    "member-order": "bysource",
    "show-inheritance": True,
}
autodoc_typehints = "description"
autodoc_mock_imports: list[str] = []
napoleon_numpy_docstring = True
napoleon_google_docstring = False

# --- Bibliography ------------------------------------------------------------------------------
bibtex_bibfiles = ["docs/references.bib"]  # relative to this folder
# plain, with author-year labels (docs/_ext/citation_labels.py)
bibtex_default_style = "sbt"
bibtex_reference_style = "label"  # the text cites by the list's own labels

# --- Copy buttons: code only, never prompts or outputs ----------------------------------------
copybutton_selector = "div:not(.output):not(.cell_output) > div.highlight pre"
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_remove_prompts = True

# --- HTML ---------------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "Step by Token"
html_favicon = "docs/_static/logo.svg"
html_logo = "docs/_static/logo.svg"
html_static_path = ["docs/_static"]
html_css_files = ["sbt-widgets.css", "sbt-site.css"]
html_js_files = ["sbt-site.js"]  # small fixes for keyboards and screen readers
# One search box: the header's search button (and Ctrl+K), not a second field in the sidebar.
html_sidebars = {"**": ["navbar-logo.html", "icon-links.html", "sbt-sidebar-nav.html"]}
html_last_updated_fmt = None
html_context = {"default_mode": "auto"}  # follow the reader's light/dark preference
html_theme_options = {
    "repository_url": repository_url(),  # [project.urls] in pyproject.toml
    "repository_branch": "main",
    "path_to_docs": "docs",
    "use_repository_button": True,
    "use_download_button": True,
    "use_fullscreen_button": True,
    "launch_buttons": {
        "colab_url": "https://colab.research.google.com",
        "binderhub_url": "https://mybinder.org",
        "notebook_interface": "jupyterlab",
    },
    "show_toc_level": 2,
    "navigation_with_keys": True,
    # The landing page is one list of the chapters: a contents panel would list one heading.
    "secondary_sidebar_items": {"**": ["page-toc"], "index": []},
}


def setup(app) -> None:
    # sphinx-mathjax-offline only copies MathJax into the output when the build has finished (in
    # the main process) but does not say so; undeclared, Sphinx would read and write serially.
    mathjax = app.extensions["sphinx-mathjax-offline"]
    mathjax.parallel_read_safe = mathjax.parallel_write_safe = True
