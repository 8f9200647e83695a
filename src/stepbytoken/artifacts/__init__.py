"""What ships inside the package: weights, tokenizers, manifests, and loading them safely."""

from __future__ import annotations

from stepbytoken.artifacts.checksums import check_sha256, file_sha256, read_checked
from stepbytoken.artifacts.files import (
    PACKAGE_DIR,
    check_output_path,
    is_inside_package,
    write_atomically,
)
from stepbytoken.artifacts.manifest import (
    MANIFEST_FILE,
    RESERVED_KEYS,
    TIMING_FILE,
    ArtifactSpec,
    load_artifact,
    load_shipped,
    load_timing,
    manifest_bytes,
    write_artifact,
)
from stepbytoken.artifacts.reference import (
    MANIFEST_FORMAT,
    MANIFEST_SHA256,
    MANIFEST_VERSION,
    MODEL_FILE,
    RECIPE_COMMAND,
    REFERENCE_DIR,
    REFERENCE_SPEC,
    TOKENIZER_FILE,
    Reference,
    load_reference,
)
from stepbytoken.artifacts.weights import load_weights, parse_weights, save_weights

__all__ = [
    "MANIFEST_FILE",
    "MANIFEST_FORMAT",
    "MANIFEST_SHA256",
    "MANIFEST_VERSION",
    "MODEL_FILE",
    "PACKAGE_DIR",
    "RECIPE_COMMAND",
    "REFERENCE_DIR",
    "REFERENCE_SPEC",
    "RESERVED_KEYS",
    "TIMING_FILE",
    "TOKENIZER_FILE",
    "ArtifactSpec",
    "Reference",
    "check_output_path",
    "check_sha256",
    "file_sha256",
    "is_inside_package",
    "load_artifact",
    "load_shipped",
    "load_reference",
    "load_timing",
    "load_weights",
    "manifest_bytes",
    "parse_weights",
    "read_checked",
    "save_weights",
    "write_atomically",
    "write_artifact",
]
