"""Race history: past results as columns, the races they form, and past races as slates.

The rows come through the one reader of results (`pitwall.results`): the bundled
`race-logs-2019-2024.csv`, a newer season's file, or rows read back from the graph store.
Races whose rows merge two heats (the Daytona Duels, the All-Star Open and main event)
cannot be split back into heats (nothing says which heat a driver ran), so they are left
out and listed in `History.merged`.

Salaries for past races come from a pre-race model (`pre_race_salaries`) that uses only
races strictly before the race date; see its docstring.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from pitwall.disk_cache import cached_history
from pitwall.results import RaceResults, Results, UnknownTracks, read_race_columns, read_results
from pitwall.rules import dk_points
from pitwall.slate import Entry, Slate

BUNDLED = "race-logs-2019-2024.csv"
# The results columns a History keeps (the loop data's average running position and rating among them): all
# a reader of the graph needs to fetch.
HISTORY_COLUMNS = (
    "driver_name", "driver_id", "start", "finish", "fastest_lap", "laps_led", "laps", "status", "avg", "rating",
)
# Rejected rows shown in a HistoryError before "… and N more".
SHOWN_REJECTIONS = 5

# DraftKings-like salary range for past races.
SALARY_TOP = 12_500
SALARY_BOTTOM = 4_500
SALARY_STEP = 100
# Trailing-form window for past salaries: recent races count more, older ones fade.
FORM_RACES = 16
FORM_DECAY = 0.9
# A driver new to a series is priced from his form in the other series, scaled down: a win in
# the O'Reilly or Truck series is worth less than one in Cup. The scale is the median ratio of
# Cup to other-series form over the drivers of every Cup race of 2020–2023 with both (0.72 of
# 4,165 such pairs: bench/other_series_scale.py).
OTHER_SERIES_FORM_SCALE = 0.72


class HistoryError(ValueError):
    """Race results that cannot be read; the message names the row and column."""


def bundled_results() -> Path:
    return Path(str(resources.files("pitwall").joinpath("data", BUNDLED)))


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
    (None for a track with no known type), start, finish, laps_led, fastest_laps,
    laps_run, race_laps, running (finished the race), avg_position (average running
    position, loop data), rating (driver rating, loop data), race (index into `races`), points (DraftKings points).
    """

    # The key of the file this history was read from (`pitwall.disk_cache`); None for one built otherwise,
    # such as a part of another (`before`, `since`) or rows from the graph.
    source: str | None = None

    def __init__(self, races: Sequence[RaceResults], merged: Sequence[tuple[str, dt.date, str]] = ()) -> None:
        results = sorted(races, key=lambda r: (r.date, r.series, r.track))
        rows = [row for race in results for row in race.rows]
        n = len(rows)
        self.driver = np.array([r.driver_name for r in rows], dtype=object)
        self.driver_id = np.array([r.driver_id for r in rows], dtype=np.int64)
        self.date = np.array([r.race_date for r in rows], dtype="datetime64[D]").reshape(n)
        self.series = np.array([r.series for r in rows], dtype=object)
        self.track = np.array([r.track_name for r in rows], dtype=object)
        self.start = np.array([r.start for r in rows], dtype=np.int64)
        self.finish = np.array([r.finish for r in rows], dtype=np.int64)
        self.fastest_laps = np.array([r.fastest_lap for r in rows], dtype=np.int64)
        self.laps_led = np.array([r.laps_led for r in rows], dtype=np.int64)
        self.laps_run = np.array([r.laps for r in rows], dtype=np.int64)
        self.running = np.array([r.running for r in rows], dtype=bool)
        # Loop data: the average running position over the laps run (NaN where the rows lack it).
        self.avg_position = np.array([r.loop.get("avg", np.nan) for r in rows], dtype=np.float64)
        self.rating = np.array([r.loop.get("rating", np.nan) for r in rows], dtype=np.float64)
        self.points = np.asarray(dk_points(self.start, self.finish, self.laps_led, self.fastest_laps), dtype=np.float32)
        sizes = [len(result.rows) for result in results]
        self.race_laps = np.repeat(np.array([result.laps for result in results], dtype=np.int64), sizes)
        self.track_type = np.repeat(np.array([result.track_type for result in results], dtype=object), sizes)
        self._index([Race(result.series, result.date, result.track, result.track_type, result.laps, slice(0, size))
                     for result, size in zip(results, sizes)])
        self.merged = tuple(merged)
        # Venues the rows gave no type for (kept without one, or skipped), and the races skipped.
        self.unknown_tracks: dict[str, int] = {}
        self.skipped: list[tuple[str, dt.date, str]] = []

    def _index(self, races: Sequence[Race]) -> None:
        """Set the races, their rows laid out one race after another in the order given, and each row's race."""
        ends = np.cumsum([race.size for race in races], dtype=np.int64).tolist()
        self.races: tuple[Race, ...] = tuple(
            replace(race, rows=slice(end - race.size, end)) for race, end in zip(races, ends)
        )
        self.race = np.repeat(np.arange(len(self.races), dtype=np.int64), [race.size for race in self.races])
        self._race_by_key = {(r.series, r.date, r.track): i for i, r in enumerate(self.races)}

    def __len__(self) -> int:
        return len(self.driver_id)

    @classmethod
    def from_csv(
        cls,
        path: str | Path | None = None,
        *,
        track_types: Mapping[str, str] | None = None,
        unknown_tracks: UnknownTracks = "keep",
    ) -> History:
        """Results from a CSV in the bundled format (default: the bundled 2019–2024 file), parsed once and
        then kept on disk for the next read of the same file (`pitwall.disk_cache`)."""
        path = Path(path or bundled_results())
        return cached_history(path, track_types, unknown_tracks,
                              lambda: cls.from_rows(path, track_types=track_types, unknown_tracks=unknown_tracks))

    @classmethod
    def from_rows(
        cls,
        rows: str | Path | Iterable[Mapping[str, Any]],
        *,
        track_types: Mapping[str, str] | None = None,
        unknown_tracks: UnknownTracks = "keep",
    ) -> History:
        """Results from a CSV path or records keyed by the CSV column names (e.g. rows from the graph).

        Any bad row is an error naming its line and column (a header being line 1, so record
        numbers match a CSV's lines); see `pitwall.results` for the rules and `unknown_tracks`.
        """
        try:
            results = read_results(rows, track_types=track_types, unknown_tracks=unknown_tracks)
        except OSError as error:
            raise HistoryError(f"cannot read {rows}: {error.strerror or error}") from None
        return cls._of(results)

    @classmethod
    def from_races(
        cls,
        races: Iterable[Mapping[str, Any]],
        *,
        track_types: Mapping[str, str] | None = None,
        unknown_tracks: UnknownTracks = "keep",
    ) -> History:
        """Results given a race at a time with a list per column (`pitwall.results.read_race_columns`), as
        the graph store reads them in one query; the same history `from_rows` builds from the same rows."""
        return cls._of(read_race_columns(races, track_types=track_types, unknown_tracks=unknown_tracks))

    @classmethod
    def _of(cls, results: Results) -> History:
        if results.rejected:
            shown = "; ".join(f"row {r.line}, {r.reason}" for r in results.rejected[:SHOWN_REJECTIONS])
            more = len(results.rejected) - SHOWN_REJECTIONS
            raise HistoryError(shown + (f"; and {more} more bad rows" if more > 0 else ""))
        history = cls([r for r in results.races if not r.merged], [r.key for r in results.merged])
        history.unknown_tracks = results.unknown_tracks
        history.skipped = results.skipped
        return history

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

    def since(self, first: dt.date) -> History:
        """The same history without the races before `first`."""
        return self._only(lambda race: race.date >= first)

    def before(self, date: dt.date) -> History:
        """The same history without the races on or after `date`."""
        return self._only(lambda race: race.date < date)

    def _only(self, keep: Callable[[Race], bool]) -> History:
        """The races `keep` accepts, their rows taken from the columns (a history keeps no parsed rows: a kept
        one loads as its columns alone, `pitwall.disk_cache`)."""
        races = [race for race in self.races if keep(race)]
        rows = np.concatenate([np.arange(race.rows.start, race.rows.stop) for race in races] or [np.zeros(0, np.int64)])
        part = object.__new__(History)
        for name, column in vars(self).items():
            if isinstance(column, np.ndarray):
                setattr(part, name, column[rows])
        part._index(races)
        part.merged, part.unknown_tracks, part.skipped = self.merged, self.unknown_tracks, self.skipped
        return part

    def driver_names(self) -> dict[int, str]:
        """The latest name each driver id appears under."""
        return dict(zip(self.driver_id.tolist(), self.driver.tolist()))

    def known_drivers(self, series: str | None = None) -> list[str]:
        """Names of drivers with a result (in a series, if given), sorted."""
        names = self.driver if series is None else self.driver[self.series == series]
        return sorted(set(names.tolist()))

# -- past races as slates ---------------------------------------------------------------


def trailing_form(
    history: History, series: str, date: dt.date, driver_ids: Sequence[int], *, other_series: bool = False
) -> np.ndarray:
    """Recency-weighted mean DK points, without place differential, over each driver's
    last races before `date` in the series (or, with `other_series`, in every other series);
    NaN for a driver with no such race.

    Place differential is left out because it rewards a bad qualifying run rather than
    a fast car, which is not what a salary prices.
    """
    in_series = history.series == series
    before = (~in_series if other_series else in_series) & (history.date < np.datetime64(date, "D"))
    form = np.full(len(driver_ids), np.nan)
    for i, driver in enumerate(driver_ids):
        mine = before & (history.driver_id == driver)
        points = (history.points[mine] - (history.start - history.finish)[mine])[-FORM_RACES:]
        if len(points):
            weights = FORM_DECAY ** np.arange(len(points))[::-1]
            form[i] = float(np.dot(weights, points) / weights.sum())
    return form


def trailing_average(
    history: History, series: str, date: dt.date, driver_ids: Sequence[int], *, races: int = FORM_RACES
) -> np.ndarray:
    """Each driver's plain mean DK points over his last `races` races in the series before `date`
    (NaN with none): the naive projection every player can compute."""
    before = (history.series == series) & (history.date < np.datetime64(date, "D"))
    average = np.full(len(driver_ids), np.nan)
    for i, driver in enumerate(driver_ids):
        points = history.points[before & (history.driver_id == driver)][-races:]
        if len(points):
            average[i] = float(points.mean())
    return average


def pre_race_salaries(history: History, series: str, date: dt.date, driver_ids: Sequence[int]) -> np.ndarray:
    """DraftKings-like salaries for a past race, from nothing but races before it.

    Drivers are ranked by trailing form (`trailing_form`: recency-weighted mean DK points
    less place differential over their last 16 races in the series, weight 0.9 per race
    back). A driver new to the series is ranked by his form in the other series times
    `OTHER_SERIES_FORM_SCALE`, as DraftKings prices a lower-series regular moving up; one with
    no earlier race anywhere ranks below every driver with one (ties by driver id). Rank maps
    onto $12,500 (best) down to $4,500 (worst) along a convex curve, as DraftKings prices a
    few stars high and a long tail cheaply, rounded to $100.
    """
    form = trailing_form(history, series, date, driver_ids)
    new = np.isnan(form)
    if new.any():
        moving_up = trailing_form(history, series, date, [d for d, n in zip(driver_ids, new) if n], other_series=True)
        form[new] = OTHER_SERIES_FORM_SCALE * moving_up
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
