"""Results of slow, pure steps kept on disk between commands: parsed results histories and calibrations.

Reading a results CSV checks every row (`pitwall.results`): about a second for the bundled 21,000 rows,
paid by every `pitwall optimize` and `pitwall calibrate` although the file rarely changes between them;
fitting a race model to it costs another half second, the same for every run on a slate while the
history stays as it is (a player reruns a slate with other exposures, locks or lineup counts). Each is
kept under the user's cache (`$PITWALL_CACHE/<kind>`, default `~/.cache/pitwall/<kind>`), keyed by
everything it is built from and the domain code's digest (`pitwall.source`): a changed input or changed
code is a different key, so a kept result is never stale. A history that fails its checks is never kept.
A cache that cannot be read or written is no reason to fail: the result is built as if there were none.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pitwall.slate_identity import slate_hash
from pitwall.source import domain_code

if TYPE_CHECKING:
    from pitwall.history import History
    from pitwall.simulation import RaceModel
    from pitwall.slate import Slate

T = TypeVar("T")

# Results kept at most, of each kind: each code change, data file or slate adds one, the oldest go first.
KEPT = 8


def cache_dir(kind: str) -> Path:
    return Path(os.environ.get("PITWALL_CACHE") or Path.home() / ".cache" / "pitwall") / kind


def history_key(path: Path, track_types: Mapping[str, str] | None, unknown_tracks: str) -> str:
    digest = hashlib.sha256(domain_code().encode())
    digest.update(json.dumps([sorted((track_types or {}).items()), unknown_tracks]).encode())
    digest.update(path.read_bytes())
    return digest.hexdigest()


def cached_history(
    path: Path, track_types: Mapping[str, str] | None, unknown_tracks: str, read: Callable[[], History]
) -> History:
    """The history `read()` builds from `path`, from the cache when it was built before. It carries its key
    (`History.source`), which the calibrations fitted to it are kept under."""
    try:
        key = history_key(path, track_types, unknown_tracks)
    except OSError:
        return read()  # the file itself cannot be read: `read` says so as it always has

    def keyed() -> History:
        history = read()
        history.source = key
        return history

    return kept("history", key, keyed)


def cached_calibration(history: History, slate: Slate, fit: Callable[[], RaceModel]) -> RaceModel:
    """The race model `fit()` builds for `slate` from `history`, from the cache when it was fitted before;
    fitted afresh for a history not read from a file (it has no key)."""
    if history.source is None:
        return fit()
    # The history's key holds the domain code's digest already.
    return kept("calibration", hashlib.sha256(f"{history.source}:{slate_hash(slate)}".encode()).hexdigest(), fit)


def kept(kind: str, key: str, build: Callable[[], T]) -> T:
    """What `build()` returns, from `$PITWALL_CACHE/<kind>/<key>.pickle` when it is there."""
    path = cache_dir(kind) / f"{key}.pickle"
    try:
        with open(path, "rb") as file:
            return pickle.load(file)  # noqa: S301 - the user's own cache, written by this module
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass
    value = build()
    _keep(path, value)
    return value


def _keep(path: Path, value: object) -> None:
    aside = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a command reading at the same moment sees the whole file or none.
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as file:
            aside = Path(file.name)
            pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(aside, path)
        aside = None
        older = sorted(path.parent.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)[KEPT:]
        for stale in older:
            stale.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError):
        if aside is not None:
            aside.unlink(missing_ok=True)
