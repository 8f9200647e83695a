"""Refresh the book's Plotly bundle from Plotly's own npm package (needs network and npm).

The book ships ``src/stepbytoken/book/static/plotly.min.js``: the minified cartesian partial
bundle that Plotly publishes on npm as ``plotly.js-cartesian-dist-min``, at the plotly.js
version that the installed ``plotly`` Python package draws with, and its license as
``plotly.min.js.LICENSE.txt``. Builds and tests never fetch it; when ``plotly`` is upgraded,
``tests/book/test_interactive.py`` fails until the bundle is refreshed::

    .venv/bin/python docs/_ext/vendor_plotly.py          # fetch, verify, copy; print the pin

then paste the printed ``version`` and ``sha256`` into ``PLOTLY_BUNDLE`` in
``src/stepbytoken/book/interactive.py``. ``npm pack`` checks the tarball against the
registry's integrity hash. Check that every trace type of the book's figures is in the bundle
(its README lists them; ``tests/site/test_page_weight.py`` draws every figure of the site).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "src" / "stepbytoken" / "book" / "static"


def main() -> int:
    from plotly.offline import get_plotlyjs_version

    sys.path.insert(0, str(ROOT / "src"))
    from stepbytoken.book.interactive import PLOTLY_BUNDLE

    version = get_plotlyjs_version()
    spec = f"{PLOTLY_BUNDLE['npm_package']}@{version}"
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", "--silent", spec], cwd=tmp, check=True)
        (tarball,) = Path(tmp).glob("*.tgz")
        with tarfile.open(tarball) as tar:
            tar.extractall(tmp, filter="data")
        package = Path(tmp) / "package"
        bundle = package / PLOTLY_BUNDLE["npm_file"]
        if f"v{version}" not in bundle.read_text(encoding="utf-8")[:200]:
            raise SystemExit(f"{bundle.name} does not say it is plotly.js v{version}")
        shutil.copyfile(bundle, STATIC / PLOTLY_BUNDLE["file"])
        shutil.copyfile(
            package / "LICENSE", STATIC / f"{PLOTLY_BUNDLE['file']}.LICENSE.txt"
        )
        print((package / "README.md").read_text(encoding="utf-8").split("\n\n")[2])
    digest = hashlib.sha256((STATIC / PLOTLY_BUNDLE["file"]).read_bytes()).hexdigest()
    print(f'"version": "{version}",\n"sha256": "{digest}",')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
