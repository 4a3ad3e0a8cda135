"""Race history: past results as columns, the races they form, and past races as slates.

The input is one row per driver per race with the columns of the bundled
`race-logs-2019-2024.csv` (driver_name, driver_id, race_date, series, track_name, start,
finish, fastest_lap, laps_led, laps, rating, status, …); any file or record source in that
shape works (a newer season, or rows read back from the graph store).

Merged heats: a few dates hold two heats under one race key (the Daytona Duels, the
All-Star Open and main event, split-field qualifying races). They give themselves away by
repeated finishing positions. The rows cannot be split back into heats reliably (nothing
says which heat a driver ran), so such races are dropped and listed in `History.merged`.

Salaries for past races come from a pre-race model (`pre_race_salaries`) that uses only
races strictly before the race date; see its docstring.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from pitwall.rules import dk_points
from pitwall.slate import Entry, Slate
from pitwall.tracks import UnknownTrack, track_type

BUNDLED = "race-logs-2019-2024.csv"
COLUMNS = (
    "driver_name",
    "driver_id",
    "race_date",
    "series",
    "track_name",
    "start",
    "finish",
    "fastest_lap",
    "laps_led",
    "laps",
    "status",
)
_INTEGERS = ("driver_id", "start", "finish", "fastest_lap", "laps_led", "laps")

# DraftKings-like salary range for past races.
SALARY_TOP = 12_500
SALARY_BOTTOM = 4_500
SALARY_STEP = 100
# Trailing-form window for past salaries: recent races count more, older ones fade.
FORM_RACES = 16
FORM_DECAY = 0.9


class HistoryError(ValueError):
    """Race results that cannot be read; the message names the row and column."""


def _date(value: object, row: int) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_native"):  # neo4j.time.Date
        return value.to_native()  # type: ignore[no-any-return,attr-defined]
    text = str(value).strip().replace("/", "-")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise HistoryError(f"row {row}, column 'race_date': {value!r} is not a date") from None


@dataclass(frozen=True)
class Race:
    """One race: its key, the track type it was raced as, its laps and its rows."""

    series: str
    date: dt.date
    track: str
    track_type: str | None
    laps: int
    rows: slice

    @property
    def size(self) -> int:
        return self.rows.stop - self.rows.start


@dataclass(frozen=True)
class Actual:
    """What happened in a past race, aligned with the entries of its slate."""

    finish: np.ndarray
    laps_led: np.ndarray
    fastest_laps: np.ndarray
    running: np.ndarray
    points: np.ndarray


class History:
    """Results sorted by race (date, series, track) and finish, as numpy columns.

    Columns: driver_id, driver (name), date (datetime64[D]), series, track, track_type
    (None for a track the map does not know), start, finish, laps_led, fastest_laps,
    laps_run, race_laps, running (finished the race), race (index into `races`), points
    (DraftKings points).
    """

    def __init__(self, records: Sequence[tuple], merged: Sequence[tuple[str, dt.date, str]] = ()) -> None:
        records = sorted(records, key=lambda r: (r[2], r[3], r[4], r[6]))
        n = len(records)
        self.driver = np.array([r[0] for r in records], dtype=object)
        self.driver_id = np.array([r[1] for r in records], dtype=np.int64)
        self.date = np.array([r[2] for r in records], dtype="datetime64[D]").reshape(n)
        self.series = np.array([r[3] for r in records], dtype=object)
        self.track = np.array([r[4] for r in records], dtype=object)
        self.start = np.array([r[5] for r in records], dtype=np.int64)
        self.finish = np.array([r[6] for r in records], dtype=np.int64)
        self.fastest_laps = np.array([r[7] for r in records], dtype=np.int64)
        self.laps_led = np.array([r[8] for r in records], dtype=np.int64)
        self.laps_run = np.array([r[9] for r in records], dtype=np.int64)
        self.running = np.array([r[10] == "running" for r in records], dtype=bool)
        self.merged = tuple(merged)

        races: list[Race] = []
        self.race = np.zeros(n, dtype=np.int64)
        self.race_laps = np.zeros(n, dtype=np.int64)
        self.track_type = np.empty(n, dtype=object)
        begin = 0
        for end in range(1, n + 1):
            if end < n and records[end][2:5] == records[begin][2:5]:
                continue
            date, series, track = records[begin][2:5]
            try:
                kind: str | None = track_type(track, on=date)
            except UnknownTrack:
                kind = None
            laps = int(self.laps_run[begin:end].max())
            races.append(Race(series, date, track, kind, laps, slice(begin, end)))
            self.race[begin:end] = len(races) - 1
            self.race_laps[begin:end] = laps
            self.track_type[begin:end] = kind
            begin = end
        self.races: tuple[Race, ...] = tuple(races)
        self.points = np.asarray(dk_points(self.start, self.finish, self.laps_led, self.fastest_laps), dtype=np.float32)
        self._race_by_key = {(r.series, r.date, r.track): i for i, r in enumerate(self.races)}

    def __len__(self) -> int:
        return len(self.driver_id)

    @classmethod
    def from_csv(cls, path: str | Path | None = None) -> History:
        """Results from a CSV in the bundled format (default: the bundled 2019–2024 file)."""
        if path is None:
            with resources.files("pitwall").joinpath("data", BUNDLED).open(newline="") as handle:
                return cls.from_rows(csv.DictReader(handle))
        with open(path, newline="") as handle:
            return cls.from_rows(csv.DictReader(handle))

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, object]]) -> History:
        """Results from records keyed by the CSV column names (e.g. rows from the graph).

        Row numbers in errors count a header line, so they match a CSV's line numbers.
        """
        records = []
        for number, row in enumerate(rows, start=2):
            missing = [c for c in COLUMNS if c not in row or row[c] is None or str(row[c]).strip() == ""]
            if missing:
                raise HistoryError(f"row {number}, column {missing[0]!r}: missing")
            values = {}
            for column in _INTEGERS:
                try:
                    values[column] = int(str(row[column]).strip())
                except ValueError:
                    raise HistoryError(f"row {number}, column {column!r}: {row[column]!r} is not a whole number") from None
            if values["finish"] < 1 or values["start"] < 0:
                raise HistoryError(f"row {number}, column 'finish': positions start at 1")
            records.append(
                (
                    str(row["driver_name"]).strip(),
                    values["driver_id"],
                    _date(row["race_date"], number),
                    str(row["series"]).strip(),
                    str(row["track_name"]).strip(),
                    values["start"],
                    values["finish"],
                    values["fastest_lap"],
                    values["laps_led"],
                    values["laps"],
                    str(row["status"]).strip().lower(),
                )
            )
        kept, merged = _drop_merged_heats(records)
        return cls(kept, merged)

    # -- lookups -------------------------------------------------------------------------

    def find_race(self, series: str, date: dt.date, track: str) -> Race:
        key = (series, date, track)
        if key not in self._race_by_key:
            same_day = [f"{r.series} at {r.track}" for r in self.races if r.date == date]
            if (series, date, track) in {(s, d, t) for s, d, t in self.merged}:
                raise KeyError(f"{series} {date} at {track} merges two heats and is not used")
            raise KeyError(f"no {series} race at {track!r} on {date}; that day: {', '.join(same_day) or 'none'}")
        return self.races[self._race_by_key[key]]

    def races_of(self, series: str, *, start: dt.date | None = None, end: dt.date | None = None) -> list[Race]:
        """Races of a series with start <= date <= end."""
        return [
            r
            for r in self.races
            if r.series == series and (start is None or r.date >= start) and (end is None or r.date <= end)
        ]

    def driver_names(self) -> dict[int, str]:
        """The latest name each driver id appears under."""
        return dict(zip(self.driver_id.tolist(), self.driver.tolist()))

    def known_drivers(self) -> list[str]:
        return sorted(set(self.driver.tolist()))

    def id_of(self, name: str) -> int | None:
        """A driver's id by exact name as it appears in the results."""
        hits = np.flatnonzero(self.driver == name)
        return int(self.driver_id[hits[-1]]) if len(hits) else None


def _drop_merged_heats(records: list[tuple]) -> tuple[list[tuple], list[tuple[str, dt.date, str]]]:
    finishes: dict[tuple, set[int]] = {}
    merged: set[tuple] = set()
    for record in records:
        key = record[2:5]
        seen = finishes.setdefault(key, set())
        if record[6] in seen:
            merged.add(key)
        seen.add(record[6])
    kept = [r for r in records if r[2:5] not in merged]
    return kept, sorted((series, date, track) for date, series, track in merged)


# -- past races as slates ---------------------------------------------------------------


def trailing_form(history: History, series: str, date: dt.date, driver_ids: Sequence[int]) -> np.ndarray:
    """Recency-weighted mean DK points, without place differential, over each driver's
    last races before `date`; NaN for a driver with no earlier race in the series.

    Place differential is left out because it rewards a bad qualifying run rather than
    a fast car, which is not what a salary prices.
    """
    before = (history.series == series) & (history.date < np.datetime64(date, "D"))
    form = np.full(len(driver_ids), np.nan)
    for i, driver in enumerate(driver_ids):
        points = history.points[before & (history.driver_id == driver)][-FORM_RACES:]
        points = points - (history.start - history.finish)[before & (history.driver_id == driver)][-FORM_RACES:]
        if len(points):
            weights = FORM_DECAY ** np.arange(len(points))[::-1]
            form[i] = float(np.dot(weights, points) / weights.sum())
    return form


def pre_race_salaries(history: History, series: str, date: dt.date, driver_ids: Sequence[int]) -> np.ndarray:
    """DraftKings-like salaries for a past race, from nothing but races before it.

    Drivers are ranked by trailing form (`trailing_form`: recency-weighted mean DK points
    less place differential over their last 16 races in the series, weight 0.9 per race
    back); a driver with no
    earlier race ranks below every driver with one (ties by driver id). Rank maps onto
    $12,500 (best) down to $4,500 (worst) along a convex curve, as DraftKings prices a
    few stars high and a long tail cheaply, rounded to $100.
    """
    form = trailing_form(history, series, date, driver_ids)
    ids = np.asarray(driver_ids)
    order = np.lexsort((ids, -np.nan_to_num(form, nan=-1e9)))
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    quality = 1.0 - rank / max(len(ids) - 1, 1)
    salary = SALARY_BOTTOM + (SALARY_TOP - SALARY_BOTTOM) * quality**1.6
    return (np.round(salary / SALARY_STEP) * SALARY_STEP).astype(np.int64)


def slate_from_race(history: History, series: str, date: dt.date, track: str) -> tuple[Slate, Actual]:
    """A past race as a slate (salaries from `pre_race_salaries`) and what actually happened.

    Entries are the race's drivers in finishing order hidden behind their starting order
    (sorted by start), DK ids are the driver ids; `laps` is the laps the race ran.
    """
    race = history.find_race(series, date, track)
    rows = np.arange(race.rows.start, race.rows.stop)
    rows = rows[np.argsort(history.start[rows], kind="stable")]
    ids = history.driver_id[rows]
    salaries = pre_race_salaries(history, series, date, ids.tolist())
    starts = history.start[rows]
    if np.any(starts < 1) or len(set(starts.tolist())) != len(starts):
        # A few old rows lack a grid slot; rank by the recorded start to keep it a grid.
        starts = np.arange(1, len(rows) + 1)
    entries = tuple(
        Entry(str(history.driver[r]), int(ids[i]), int(salaries[i]), int(starts[i])) for i, r in enumerate(rows)
    )
    slate = Slate(track=track, date=date, laps=race.laps, entries=entries, track_type=race.track_type, series=series)
    actual = Actual(
        finish=history.finish[rows].copy(),
        laps_led=history.laps_led[rows].copy(),
        fastest_laps=history.fastest_laps[rows].copy(),
        running=history.running[rows].copy(),
        points=np.asarray(
            dk_points(starts, history.finish[rows], history.laps_led[rows], history.fastest_laps[rows]), dtype=np.float32
        ),
    )
    return slate, actual
