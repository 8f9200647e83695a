"""Fixtures for the tests of the book layer."""

from __future__ import annotations

import json
import re

import pytest


@pytest.fixture
def widget_data():
    """A function that returns the JSON data inside a widget's HTML."""

    def read(figure):
        found = re.search(
            r'<script type="application/json" class="sbt-data">(.*?)</script>',
            figure.html,
        )
        assert found, "no sbt-data script in the figure"
        return json.loads(found.group(1))

    return read
