"""Race results: the one reader of results rows, for the history, the calibration, the CLI and the graph seed.

A results source has one row per driver per race with the columns of the bundled
`race-logs-2019-2024.csv` (driver_name, driver_id, race_date, series, track_name, start,
finish, fastest_lap, laps_led, laps, status, and the loop data: rating, avg, mid, …), plus
an optional `track_type` column for venues the track map does not know. The rules, in one
place:

* every required column is present and typed; whole numbers may be written `12` or `12.0`
  (as spreadsheets write them); dates as 2019/02/17 or 2019-02-17;
* positions start at 1, lap counts are never negative and laps led never exceed laps;
* a bad row is rejected whole, with its line and column, and the rest is read;
* a row repeated verbatim is rejected (it would otherwise pass for a second heat);
* merged heats: a few dates file two heats under one race (the Daytona Duels, the All-Star
  Open and main event). Repeated finishing positions, or a driver listed twice, give them
  away; such a race is no single finishing order, so it is flagged (`RaceResults.heats`);
* a race's track type comes from its rows' `track_type` column, else from the types the
  user named (`track_types`, by normalized track name), else from the track map as raced on
  that date; a venue none of them knows is kept without a type, skipped, or refused with
  every such venue listed at once (`unknown_tracks`).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from pitwall.tracks import UnknownTrack, check_track_type, track_key, track_type

REQUIRED_TEXT = ("driver_name", "race_date", "series", "track_name", "status")
REQUIRED_INT = ("driver_id", "start", "finish", "laps_led", "fastest_lap", "laps")
OPTIONAL_INT = ("mid", "best", "worst", "green_flag_passing_diff", "green_flag_passes",
                "green_flag_times_passed", "quality_passes", "top_15_laps")
OPTIONAL_FLOAT = ("avg", "pct_quality_passes", "pct_top_15_laps", "pct_laps_led", "rating")
# The bundled file's columns, in its order; `track_type` is the optional extra.
RESULT_COLUMNS = (
    "driver_name", "driver_id", "race_date", "series", "track_name", "start", "mid", "finish",
    "best", "worst", "avg", "green_flag_passing_diff", "green_flag_passes",
    "green_flag_times_passed", "quality_passes", "pct_quality_passes", "fastest_lap",
    "top_15_laps", "pct_top_15_laps", "laps_led", "pct_laps_led", "laps", "rating", "status",
)
LOOP_COLUMNS = OPTIONAL_INT + OPTIONAL_FLOAT

UnknownTracks = Literal["keep", "skip", "error"]


class UnknownTrackTypes(ValueError):
    """Venues with no track type from the rows, the user or the track map: all of them, at once."""

    def __init__(self, tracks: Mapping[str, int]) -> None:
        self.tracks = dict(tracks)
        listed = ", ".join(f"{name!r} ({races} race{'s' * (races != 1)})" for name, races in sorted(self.tracks.items()))
        super().__init__(
            f"no track type for {len(self.tracks)} track(s): {listed}; name each with --track-type \"NAME=TYPE\" "
            f"or a track_type column (types: superspeedway, intermediate, short, road, dirt), "
            f"or leave them out with --skip-unknown-tracks"
        )


@dataclass(frozen=True)
class RejectedRow:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One driver's result in one race, typed. `loop` holds the optional loop-data columns given."""

    line: int
    driver_name: str
    driver_id: int
    race_date: dt.date
    series: str
    track_name: str
    start: int
    finish: int
    fastest_lap: int
    laps_led: int
    laps: int
    status: str
    track_type: str | None = None
    loop: Mapping[str, float | int] = field(default_factory=dict)

    @property
    def running(self) -> bool:
        return self.status.lower() == "running"

    @property
    def race_key(self) -> tuple[str, dt.date, str]:
        return (self.series, self.race_date, self.track_name)


@dataclass(frozen=True)
class RaceResults:
    """The rows of one race (series, date, track), in finishing order."""

    series: str
    date: dt.date
    track: str
    track_type: str | None
    rows: tuple[ResultRow, ...]
    # More than 1 when the rows merge heats (repeated finishing positions or drivers).
    heats: int

    @property
    def merged(self) -> bool:
        return self.heats > 1

    @property
    def laps(self) -> int:
        """The distance run: the winner runs it all; for merged heats, the longer heat."""
        return max(row.laps for row in self.rows)

    @property
    def key(self) -> tuple[str, dt.date, str]:
        return (self.series, self.date, self.track)


@dataclass
class Results:
    """What a results source held: its races, the rows refused, and the venues left without a type."""

    races: list[RaceResults]
    rejected: list[RejectedRow]
    rows_read: int
    # Venue → races with no track type (kept without one, or skipped when asked to).
    unknown_tracks: dict[str, int]
    skipped: list[tuple[str, dt.date, str]]

    @property
    def merged(self) -> list[RaceResults]:
        return [race for race in self.races if race.merged]


def parse_race_date(value: Any) -> dt.date:
    """A date as the results CSV writes it (2019/02/17), ISO (2019-02-17), a date, or a Neo4j date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_native"):  # neo4j.time.Date
        return value.to_native()  # type: ignore[no-any-return]
    return _date_text(str(value).strip())


@functools.lru_cache(maxsize=4096)  # a season's rows share a few dozen dates
def _date_text(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY/MM/DD or YYYY-MM-DD)") from None


def _whole(value: Any) -> int:
    try:
        return int(value)  # the common case, "12", costs one call
    except (TypeError, ValueError):
        number = float(str(value).strip())  # "12.0" and " 12 " as spreadsheets write them
    if not number.is_integer():
        raise ValueError
    return int(number)


def _text(raw: Mapping[str, Any], column: str) -> str:
    value = raw.get(column)
    text = "" if value is None else str(value).strip()
    if not text:
        raise ValueError(f"column {column!r}: missing")
    return text


def parse_row(raw: Mapping[str, Any], line: int) -> ResultRow:
    """One results row, typed and checked; raises ValueError naming the first bad column."""
    text = {column: _text(raw, column) for column in REQUIRED_TEXT}
    try:
        date = parse_race_date(raw["race_date"])
    except ValueError as error:
        raise ValueError(f"column 'race_date': {error}") from None
    number: dict[str, int] = {}
    for column in REQUIRED_INT:
        value = raw.get(column)
        try:
            number[column] = _whole(value)
        except (TypeError, ValueError):
            if value is None or str(value).strip() == "":
                raise ValueError(f"column {column!r}: missing") from None
            raise ValueError(f"column {column!r}: {value!r} is not a whole number") from None
    for column in ("start", "finish"):
        if number[column] < 1:
            raise ValueError(f"column {column!r}: {number[column]}: positions start at 1")
    for column in ("laps_led", "fastest_lap", "laps"):
        if number[column] < 0:
            raise ValueError(f"column {column!r}: {number[column]} is negative")
    if number["laps_led"] > number["laps"]:
        raise ValueError(f"column 'laps_led': {number['laps_led']} exceeds laps {number['laps']}")
    loop: dict[str, float | int] = {}
    for column in LOOP_COLUMNS:
        value = raw.get(column)
        if value is None or value == "":
            continue
        try:
            loop[column] = _whole(value) if column in OPTIONAL_INT else float(value)
        except (TypeError, ValueError):
            if not str(value).strip():
                continue
            raise ValueError(f"column {column!r}: {value!r} is not a number") from None
    kind = raw.get("track_type")
    if kind is not None and str(kind).strip():
        try:
            kind = check_track_type(str(kind))
        except ValueError as error:
            raise ValueError(f"column 'track_type': {error}") from None
    else:
        kind = None
    return ResultRow(
        line=line,
        driver_name=text["driver_name"],
        driver_id=number["driver_id"],
        race_date=date,
        series=text["series"],
        track_name=text["track_name"],
        start=number["start"],
        finish=number["finish"],
        fastest_lap=number["fastest_lap"],
        laps_led=number["laps_led"],
        laps=number["laps"],
        status=text["status"].lower(),
        track_type=kind,
        loop=loop,
    )


def _numbered(source: str | Path | Iterable[Mapping[str, Any]]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """(line, row) pairs. Lines count as in the file, the header being line 1; rows given as
    mappings are numbered the same way, so a caller's first row is line 2."""
    if isinstance(source, (str, Path)):
        with open(source, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in REQUIRED_TEXT + REQUIRED_INT if c not in (reader.fieldnames or [])]
            if missing:
                raise ValueError(f"{source}: line 1: missing column(s) {', '.join(missing)}")
            for row in reader:
                yield reader.line_num, row
        return
    yield from enumerate(source, start=2)


def race_track_type(
    track: str, date: dt.date, given: str | None = None, track_types: Mapping[str, str] | None = None
) -> str | None:
    """A race's track type: as its rows give it, else as the user named it, else from the track map."""
    if given is not None:
        return given
    key = track_key(track)
    for name, kind in (track_types or {}).items():
        if track_key(name) == key:
            return check_track_type(kind)
    try:
        return track_type(track, on=date)
    except UnknownTrack:
        return None


def read_results(
    source: str | Path | Iterable[Mapping[str, Any]],
    *,
    track_types: Mapping[str, str] | None = None,
    unknown_tracks: UnknownTracks = "keep",
) -> Results:
    """Every row checked and grouped by race; see the module docstring for the rules.

    `unknown_tracks`: "keep" keeps such races without a type, "skip" leaves them out (listed in
    `skipped`), "error" raises `UnknownTrackTypes` naming every such venue.
    """
    rejected: list[RejectedRow] = []
    by_race: dict[tuple[str, dt.date, str], list[ResultRow]] = defaultdict(list)
    seen: dict[tuple, int] = {}
    rows_read = 0
    for line, raw in _numbered(source):
        rows_read += 1
        try:
            row = parse_row(raw, line)
        except ValueError as error:
            rejected.append(RejectedRow(line, str(error)))
            continue
        fingerprint = tuple(map(raw.get, RESULT_COLUMNS))
        if fingerprint in seen:
            rejected.append(RejectedRow(line, f"duplicate of line {seen[fingerprint]}"))
            continue
        seen[fingerprint] = line
        by_race[row.race_key].append(row)
    return _grouped(by_race, rejected, rows_read, track_types, unknown_tracks)


def _grouped(
    by_race: Mapping[tuple[str, dt.date, str], list[ResultRow]],
    rejected: list[RejectedRow],
    rows_read: int,
    track_types: Mapping[str, str] | None,
    unknown_tracks: UnknownTracks,
) -> Results:
    """Checked rows by race → races in date order, each in finishing order, with its heats and track type."""
    races: list[RaceResults] = []
    unknown: Counter[str] = Counter()
    skipped: list[tuple[str, dt.date, str]] = []
    for (series, date, track), members in sorted(by_race.items(), key=lambda item: (item[0][1], item[0][0], item[0][2])):
        members.sort(key=lambda r: (r.finish, r.driver_id))
        given = next((r.track_type for r in members if r.track_type is not None), None)
        kind = race_track_type(track, date, given, track_types)
        heats = max(max(Counter(r.finish for r in members).values()), max(Counter(r.driver_id for r in members).values()))
        if kind is None:
            unknown[track] += 1
            if unknown_tracks == "skip":
                skipped.append((series, date, track))
                continue
        races.append(RaceResults(series, date, track, kind, tuple(members), heats))
    if unknown and unknown_tracks == "error":
        raise UnknownTrackTypes(unknown)
    return Results(races=races, rejected=rejected, rows_read=rows_read, unknown_tracks=dict(unknown), skipped=skipped)


# A race's own columns when results come a race at a time (`read_race_columns`); every other column is a list.
RACE_COLUMNS = ("series", "race_date", "track_name", "track_type")


def read_race_columns(
    races: Iterable[Mapping[str, Any]],
    *,
    track_types: Mapping[str, str] | None = None,
    unknown_tracks: UnknownTracks = "keep",
) -> Results:
    """Results given a race at a time: its `RACE_COLUMNS` once and every other column as a list with a value
    per driver, as the graph store reads a history in one aggregated query.

    The rules are `read_results`'s: the same rows, given as records keyed by the CSV's columns in the same
    order, give the same races, rejections and line numbers (the first row being line 2). A race whose
    columns are typed and within the rules (what a seed wrote) is checked a column at a time; any other race
    goes through `parse_row` row by row, for its messages.
    """
    rejected: list[RejectedRow] = []
    by_race: dict[tuple[str, dt.date, str], list[ResultRow]] = defaultdict(list)
    seen: dict[tuple, int] = {}
    line = 1
    for race in races:
        size = len(race["driver_name"])
        first, line = line + 1, line + size
        columns = [c for c in RESULT_COLUMNS if c in race and c not in RACE_COLUMNS]
        rows = _clean_race(race, columns, size, first)
        if rows is None:
            rows = []
            for i in range(size):
                raw = {c: race.get(c) for c in RACE_COLUMNS} | {c: _nth(race[c], i) for c in columns}
                try:
                    rows.append(parse_row(raw, first + i))
                except ValueError as error:
                    rejected.append(RejectedRow(first + i, str(error)))
        key = (race.get("series"), race.get("race_date"), race.get("track_name"))
        if all(len(race[c] or ()) == size for c in columns):
            values = list(zip(*(race[c] for c in columns)))
        else:
            values = [tuple(_nth(race[c], i) for c in columns) for i in range(size)]
        for row in rows:
            fingerprint = key + values[row.line - first]
            if fingerprint in seen:
                rejected.append(RejectedRow(row.line, f"duplicate of line {seen[fingerprint]}"))
                continue
            seen[fingerprint] = row.line
            by_race[row.race_key].append(row)
    return _grouped(by_race, rejected, line - 1, track_types, unknown_tracks)


def _nth(values: Any, i: int) -> Any:
    return values[i] if values is not None and i < len(values) else None


def _clean_race(race: Mapping[str, Any], columns: list[str], size: int, first: int) -> list[ResultRow] | None:
    """The rows of a race whose columns need no row-by-row reading (typed, trimmed, within the rules), or None."""

    def trimmed(value: Any) -> bool:
        return type(value) is str and value != "" and value == value.strip()

    series, track = race.get("series"), race.get("track_name")
    names, statuses = race.get("driver_name"), race.get("status")
    if not (trimmed(series) and trimmed(track)) or statuses is None or len(statuses) != size:
        return None
    if not all(map(trimmed, names)) or not all(map(trimmed, statuses)):
        return None
    try:
        date = parse_race_date(race["race_date"])
        given = race.get("track_type")
        kind = check_track_type(str(given)) if given is not None and str(given).strip() else None
    except ValueError:
        return None
    number: dict[str, np.ndarray] = {}
    for column in REQUIRED_INT:
        values = np.asarray(race.get(column) if race.get(column) is not None else [])
        if values.shape != (size,) or values.dtype.kind != "i":
            return None
        number[column] = values
    if (number["start"] < 1).any() or (number["finish"] < 1).any() or (number["laps_led"] > number["laps"]).any():
        return None
    if any((number[c] < 0).any() for c in ("laps_led", "fastest_lap", "laps")):
        return None
    loops: list[dict[str, float | int]] = [{} for _ in range(size)]
    for column in columns:
        if column not in LOOP_COLUMNS:
            continue
        whole = column in OPTIONAL_INT
        for i, value in enumerate(race[column]):
            if value is None or value == "":
                continue
            if type(value) is int or (type(value) is float and not whole):
                loops[i][column] = float(value) if not whole else value
            else:
                return None
    listed = {column: values.tolist() for column, values in number.items()}
    return [
        ResultRow(line=first + i, driver_name=names[i], driver_id=listed["driver_id"][i], race_date=date,
                  series=series, track_name=track, start=listed["start"][i], finish=listed["finish"][i],
                  fastest_lap=listed["fastest_lap"][i], laps_led=listed["laps_led"][i], laps=listed["laps"][i],
                  status=statuses[i].lower(), track_type=kind, loop=loops[i])
        for i in range(size)
    ]
