"""A digest of the domain package's source: what a result cached by one version of the code is keyed on, so
another version never reads it (the flows' calibration cache, the parsed results kept between commands)."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path


@cache
def domain_code() -> str:
    """The digest of every module of the package, by path and content."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
