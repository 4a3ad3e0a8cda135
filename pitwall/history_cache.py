"""Parsed results histories kept on disk between commands.

Reading a results CSV checks every row (`pitwall.results`): about a second for the bundled 21,000 rows,
paid by every `pitwall optimize` and `pitwall calibrate` although the file rarely changes between them.
A history parsed once is kept under the user's cache (`$PITWALL_CACHE/history`, default
`~/.cache/pitwall/history`), keyed by everything it is built from: the file's bytes, the track types the
user named, what to do with unknown tracks, and the domain code's digest (`pitwall.source`). A
changed file or changed code is a different key, so a kept history is never stale; a file that fails
its checks is never kept. A cache that cannot be read or written is no reason to fail: the file is
parsed as if there were none.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pitwall.source import domain_code

if TYPE_CHECKING:
    from pitwall.history import History

# Histories kept at most: each code change or data file adds one, the oldest go first.
KEPT = 8


def cache_dir() -> Path:
    return Path(os.environ.get("PITWALL_CACHE") or Path.home() / ".cache" / "pitwall") / "history"


def history_key(path: Path, track_types: Mapping[str, str] | None, unknown_tracks: str) -> str:
    digest = hashlib.sha256(domain_code().encode())
    digest.update(json.dumps([sorted((track_types or {}).items()), unknown_tracks]).encode())
    digest.update(path.read_bytes())
    return digest.hexdigest()


def cached_history(
    path: Path, track_types: Mapping[str, str] | None, unknown_tracks: str, read: Callable[[], History]
) -> History:
    """The history `read()` builds from `path`, from the cache when it was built before."""
    try:
        kept = cache_dir() / f"{history_key(path, track_types, unknown_tracks)}.pickle"
    except OSError:
        return read()  # the file itself cannot be read: `read` says so as it always has
    try:
        with open(kept, "rb") as file:
            return pickle.load(file)  # noqa: S301 - the user's own cache, written by this module
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass
    history = read()
    _keep(kept, history)
    return history


def _keep(kept: Path, history: History) -> None:
    aside = None
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a command reading at the same moment sees the whole file or none.
        with tempfile.NamedTemporaryFile(dir=kept.parent, suffix=".tmp", delete=False) as file:
            aside = Path(file.name)
            pickle.dump(history, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(aside, kept)
        aside = None
        older = sorted(kept.parent.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)[KEPT:]
        for stale in older:
            stale.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError):
        if aside is not None:
            aside.unlink(missing_ok=True)
