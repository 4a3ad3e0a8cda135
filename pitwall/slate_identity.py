"""A slate's identity: what makes two uploads the same slate, and the id it is stored and run under.

Content-addressed, so the same upload always gets the same id and a changed one (a new grid after
qualifying, new salaries) a new id: a run always names exactly the slate it ran on.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from pitwall.slate import Slate, normalize_name


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", normalize_name(text)).strip("-") or "x"


def slate_content(slate: Slate) -> dict[str, Any]:
    """What makes two uploads the same slate: the race facts and the entries, in order."""
    return {
        "series": slate.series,
        "track": slate.track,
        "date": slate.date.isoformat(),
        "laps": slate.laps,
        "track_type": slate.track_type,
        "entries": [[e.name, e.dk_id, e.salary, e.start] for e in slate.entries],
    }


def slate_hash(slate: Slate) -> str:
    canonical = json.dumps(slate_content(slate), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def slate_id_for(slate: Slate) -> str:
    """Readable and content-addressed: the same upload always gets the same id, a changed
    one (new grid after qualifying, new salaries) a new id, so a run always names exactly the
    slate it ran on."""
    return f"{_slug(slate.series)}-{slate.date.isoformat()}-{_slug(slate.track)}-{slate_hash(slate)[:10]}"
