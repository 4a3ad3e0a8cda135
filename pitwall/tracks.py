"""Track types: the grouping that decides how a race is shaped.

Laps-led concentration, how much a driver's form carries over, and how often the field
wrecks all depend on the kind of track more than on the track itself, so calibration pools
races by type. Every track in the bundled results is mapped here; a track the history does
not know needs its type given explicitly.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable

SUPERSPEEDWAY = "superspeedway"
INTERMEDIATE = "intermediate"
SHORT = "short"
ROAD = "road"
DIRT = "dirt"

TRACK_TYPE_NAMES: tuple[str, ...] = (SUPERSPEEDWAY, INTERMEDIATE, SHORT, ROAD, DIRT)

# Atlanta was repaved and re-profiled for 2022 and has raced like a drafting
# superspeedway since; before that it was a worn-out intermediate.
ATLANTA = "Atlanta Motor Speedway"
ATLANTA_RECONFIGURED = dt.date(2022, 1, 1)

TRACK_TYPES: dict[str, str] = {
    # Drafting tracks: pack racing, random finishes, leaders change constantly.
    "Daytona International Speedway": SUPERSPEEDWAY,
    "Talladega Superspeedway": SUPERSPEEDWAY,
    ATLANTA: SUPERSPEEDWAY,
    # 1.33–2.5 mile ovals where speed decides and a dominant car leads for long spells.
    "Auto Club Speedway": INTERMEDIATE,
    "Charlotte Motor Speedway": INTERMEDIATE,
    "Chicagoland Speedway": INTERMEDIATE,
    "Darlington Raceway": INTERMEDIATE,
    "Homestead-Miami Speedway": INTERMEDIATE,
    "Indianapolis Motor Speedway": INTERMEDIATE,
    "Kansas Speedway": INTERMEDIATE,
    "Kentucky Speedway": INTERMEDIATE,
    "Las Vegas Motor Speedway": INTERMEDIATE,
    "Michigan International Speedway": INTERMEDIATE,
    "Nashville Superspeedway": INTERMEDIATE,  # a 1.33-mile concrete oval despite its name
    "Pocono Raceway": INTERMEDIATE,
    "Texas Motor Speedway": INTERMEDIATE,
    # Ovals of about a mile and a quarter or less: many laps, track position, long leads.
    "Bowman Gray Stadium": SHORT,  # a quarter-mile around a football field (the Clash from 2025)
    "Bristol Motor Speedway": SHORT,
    "Dover International Speedway": SHORT,
    "Dover Motor Speedway": SHORT,
    "ISM Raceway": SHORT,
    "Phoenix Raceway": SHORT,
    "Iowa Speedway": SHORT,
    "Los Angeles Memorial Coliseum": SHORT,
    "Lucas Oil Indianapolis Raceway Park": SHORT,
    "Martinsville Speedway": SHORT,
    "Milwaukee Mile Speedway": SHORT,
    "The Milwaukee Mile": SHORT,
    "New Hampshire Motor Speedway": SHORT,
    "North Wilkesboro Speedway": SHORT,
    "Richmond Raceway": SHORT,
    "World Wide Technology Raceway": SHORT,
    "World Wide Technology Raceway at Gateway": SHORT,
    # Road and street courses: few laps, strategy-driven, specialists matter.
    "Autódromo Hermanos Rodríguez": ROAD,  # Mexico City, from 2025
    "Canadian Tire Motorsport Park": ROAD,
    "Charlotte Motor Speedway Road Course": ROAD,
    "Chicago Street Race": ROAD,
    "Circuit of The Americas": ROAD,
    "DAYTONA Road Course": ROAD,
    "Daytona International Speedway Road Course": ROAD,
    "Indianapolis Motor Speedway Road Course": ROAD,
    "Mid-Ohio Sports Car Course": ROAD,
    "Portland International Raceway": ROAD,
    "Road America": ROAD,
    "Sonoma Raceway": ROAD,
    "Watkins Glen International": ROAD,
    # Dirt ovals (Bristol covered in dirt races nothing like Bristol on concrete).
    "Bristol Motor Speedway Dirt": DIRT,
    "Eldora Speedway": DIRT,
    "Knoxville Raceway": DIRT,
}



def track_key(name: str) -> str:
    """A track name reduced for matching: no accents, case or repeated spaces."""
    plain = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return " ".join(plain.casefold().split())


_BY_KEY = {track_key(name): kind for name, kind in TRACK_TYPES.items()}


class UnknownTrack(ValueError):
    """A track with no known type; the message lists the types that can be given instead."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"unknown track {name!r}: give its track type explicitly, one of "
            f"{', '.join(TRACK_TYPE_NAMES)}"
        )


def track_type(name: str, on: dt.date | None = None) -> str:
    """The type of a track, optionally as it was raced on a given date.

    Without a date the track's current type is returned. Accents, case and repeated spaces
    are ignored; a track not in the map raises `UnknownTrack`.
    """
    key = track_key(name)
    if key not in _BY_KEY:
        raise UnknownTrack(name)
    kind = _BY_KEY[key]
    if key == track_key(ATLANTA) and on is not None and on < ATLANTA_RECONFIGURED:
        return INTERMEDIATE
    return kind


def check_track_type(kind: str) -> str:
    """A track type name as given by a user, validated against the known types."""
    normalized = str(kind).strip().lower()
    if normalized == "road course":
        normalized = ROAD
    if normalized not in TRACK_TYPE_NAMES:
        raise ValueError(f"unknown track type {kind!r}: one of {', '.join(TRACK_TYPE_NAMES)}")
    return normalized


def parse_track_types(items: Iterable[str]) -> dict[str, str]:
    """Track types a user names as "NAME=TYPE" (e.g. `--track-type "Bowman Gray Stadium=short"`)."""
    named: dict[str, str] = {}
    for item in items:
        name, sep, kind = item.rpartition("=")
        if not sep or not name.strip():
            raise ValueError(f"{item!r}: name a track's type as NAME=TYPE, e.g. \"Bowman Gray Stadium=short\"")
        named[name.strip()] = check_track_type(kind)
    return named
