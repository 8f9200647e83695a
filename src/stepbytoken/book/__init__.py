"""The book's own machinery: interactive figures, plot style, widget files."""

from __future__ import annotations
