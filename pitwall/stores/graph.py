"""The racing knowledge graph in Neo4j: results, slates and the lineups runs chose.

Schema (docs/graph.md has the diagram and the reasoning):

    (:Driver {driver_id, name})-[:DROVE]->(:Result {result_id, start, finish, ...})-[:IN]->(:Race)
    (:Race {race_id, series, date, track_name, track_type, laps, merged_heats, heats})-[:AT]->(:Track {name, track_type})
    (:Slate {slate_id, content_hash, version, ...})-[:HAS_ENTRY]->(:Entry {entry_id, index, dk_id, name, salary, start})
    (:Slate)-[:AT]->(:Track)   (:Slate)-[:FOR_RACE]->(:Race)   (:Entry)-[:IS]->(:Driver)
    (:Run {run_id, recorded_at})-[:ON]->(:Slate)   (:Run)-[:CHOSE]->(:Lineup)-[:PICKS]->(:Entry)

A result is a node rather than relationship properties so that a uniqueness constraint
guards it: two seeds racing each other, or a seed retried after a transient error, can
never leave a driver with two results for one race.

Every call runs in a transaction function (`execute_read`/`execute_write`), which the
driver retries on transient errors within `retry_seconds`; whatever still fails because
the server cannot be reached surfaces as `StoreUnavailable("neo4j", ...)`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from neo4j import Driver, GraphDatabase, ManagedTransaction, NotificationDisabledClassification
from neo4j import exceptions as neo4j_errors

from pitwall.history import HISTORY_COLUMNS, bundled_results
from pitwall.results import RESULT_COLUMNS, RejectedRow, Results, UnknownTracks, parse_race_date, read_results
from pitwall.rules import LineupError, validate_lineup
from pitwall.settings import Settings
from pitwall.slate import Entry, Slate, entries_from_mapping, normalize_name
from pitwall.slate_identity import slate_hash, slate_id_for
from pitwall.stores import DEFAULT_BATCH_SIZE
from pitwall.stores.errors import CredentialsRefused, StoreUnavailable
from pitwall.tracks import UnknownTrack

STORE = "neo4j"
BUNDLED_RESULTS = bundled_results()

_RESULT_PROPERTIES = tuple(
    c for c in RESULT_COLUMNS if c not in ("driver_name", "driver_id", "race_date", "series", "track_name")
)
# The properties every result row has; the loop-data columns are stored when given.
_ROW_PROPERTIES = ("start", "finish", "fastest_lap", "laps_led", "laps", "status")

# How often `GraphStore.warm_up` runs a job's reads: a fresh server runs a read at speed only after a few
# runs of it (its JVM compiles the read's code as it goes; docs/graph.md, warm-up, has the figures).
WARM_UP_READ_ROUNDS = 8
# What `GraphStore.warm_up` writes and deletes again.
WARM_UP_RUN = "pitwall-warm-up"
WARM_UP_SLATE = Slate(track="Phoenix Raceway", date=dt.date(2000, 1, 1), laps=1, entries=tuple(
    Entry(name=f"warm-up driver {i}", dk_id=i, salary=5_000, start=i) for i in range(1, 7)))

LABELS = ("Driver", "Track", "Race", "Result", "Slate", "Entry", "Run", "Lineup")

SCHEMA = (
    "CREATE CONSTRAINT driver_id IF NOT EXISTS FOR (n:Driver) REQUIRE n.driver_id IS UNIQUE",
    "CREATE CONSTRAINT track_name IF NOT EXISTS FOR (n:Track) REQUIRE n.name IS UNIQUE",
    "CREATE CONSTRAINT race_id IF NOT EXISTS FOR (n:Race) REQUIRE n.race_id IS UNIQUE",
    "CREATE CONSTRAINT result_id IF NOT EXISTS FOR (n:Result) REQUIRE n.result_id IS UNIQUE",
    "CREATE CONSTRAINT slate_id IF NOT EXISTS FOR (n:Slate) REQUIRE n.slate_id IS UNIQUE",
    "CREATE CONSTRAINT entry_id IF NOT EXISTS FOR (n:Entry) REQUIRE n.entry_id IS UNIQUE",
    "CREATE CONSTRAINT run_id IF NOT EXISTS FOR (n:Run) REQUIRE n.run_id IS UNIQUE",
    "CREATE CONSTRAINT lineup_id IF NOT EXISTS FOR (n:Lineup) REQUIRE n.lineup_id IS UNIQUE",
    # Calibration reads scan one series before a date, optionally one track type.
    "CREATE INDEX race_series_date IF NOT EXISTS FOR (n:Race) ON (n.series, n.date)",
    "CREATE INDEX race_track_type IF NOT EXISTS FOR (n:Race) ON (n.track_type)",
    # Slate validation and driver history look drivers up by name.
    "CREATE INDEX driver_name IF NOT EXISTS FOR (n:Driver) ON (n.name)",
    "CREATE INDEX slate_race IF NOT EXISTS FOR (n:Slate) ON (n.race_key)",
    "CREATE INDEX slate_date IF NOT EXISTS FOR (n:Slate) ON (n.date)",
    "CREATE INDEX run_recorded_at IF NOT EXISTS FOR (n:Run) ON (n.recorded_at)",
    # One revision counter of the racing history (see history_fingerprint), never two.
    "CREATE CONSTRAINT graph_revision IF NOT EXISTS FOR (n:GraphRevision) REQUIRE n.scope IS UNIQUE",
)
# The history a calibration reads: results, races, drivers, tracks. Every seed write that changes one of
# them moves its revision in the same transaction.
HISTORY_SCOPE = "history"
# Node labels and relationship types the fingerprint counts (Neo4j answers these from its count store).
# Tracks are left out: a slate saved at a venue the results do not know creates its Track node, and a track
# the history uses is counted through its races below (and its type through the seed's revision).
_FINGERPRINT_LABELS = ("Result", "Race", "Driver")
# The history's relationships, each counted from the count store: a slate's own AT to its track is not
# history, so AT is counted from races only (else every slate saved, uploads and inline runs alike, would
# make the next job of every slate calibrate again).
_FINGERPRINT_PATTERNS = {"DROVE": "()-[r:DROVE]->()", "IN": "()-[r:IN]->()", "AT": "(:Race)-[r:AT]->()"}

T = TypeVar("T")


class UnknownSlate(LookupError):
    """A slate id the graph does not hold."""

    def __init__(self, slate_id: str) -> None:
        super().__init__(f"unknown slate {slate_id!r}")
        self.slate_id = slate_id


# --- seeding: every row read and checked (pitwall.results) before anything is written ----------


@dataclass
class SeedReport:
    rows_read: int = 0
    rows_written: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    races: int = 0
    drivers: int = 0
    tracks: int = 0
    # Race ids whose rows merge two heats (duplicate finishing positions).
    merged_heat_races: list[str] = field(default_factory=list)
    # Venues with no track type (stored without one, or left out with their races when asked to).
    unknown_tracks: dict[str, int] = field(default_factory=dict)
    skipped_races: list[str] = field(default_factory=list)
    batches: int = 0
    elapsed_seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    # Seconds spent warming the queries a job runs over the new history (`seed(warm=True)`), if they were.
    warm_up_seconds: float | None = None


def race_id(series: str, date: dt.date, track: str) -> str:
    return f"{series}|{date.isoformat()}|{track}"


@dataclass
class _Prepared:
    """The graph's shape of a results source: nodes by kind, as write batches take them."""

    results: list[dict[str, Any]]
    races: list[dict[str, Any]]
    drivers: list[dict[str, Any]]
    tracks: list[dict[str, Any]]


def _prepare(read: Results) -> _Prepared:
    races, results = [], []
    drivers: dict[int, str] = {}
    tracks: dict[str, str | None] = {}
    for race in read.races:
        rid = race_id(*race.key)
        # Races come in date order, so a venue keeps the type of its latest race (Atlanta's reprofile).
        tracks[race.track] = race.track_type
        races.append({
            "race_id": rid,
            "series": race.series,
            "date": race.date,
            "track_name": race.track,
            "track_type": race.track_type,
            "laps": race.laps,
            "merged_heats": race.merged,
            "heats": race.heats,
            "drivers": len(race.rows),
        })
        occurrence: Counter = Counter()
        for row in race.rows:
            occurrence[row.driver_id] += 1
            drivers[row.driver_id] = row.driver_name
            props = {c: getattr(row, c) for c in _ROW_PROPERTIES} | dict(row.loop)
            results.append({
                "result_id": f"{rid}|{row.driver_id}|{occurrence[row.driver_id]}",
                "race_id": rid,
                "driver_id": row.driver_id,
                "line": row.line,
                "props": props | {"heat_entry": occurrence[row.driver_id]},
            })
    return _Prepared(
        results=results,
        races=races,
        drivers=[{"driver_id": k, "name": v} for k, v in drivers.items()],
        tracks=[{"name": k, "track_type": v} for k, v in tracks.items()],
    )


# --- slates ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlateSummary:
    slate_id: str
    series: str
    track: str
    date: dt.date
    laps: int
    track_type: str | None
    entries: int
    content_hash: str
    # 1 for the first distinct slate of a race, 2 for the next re-upload with changes, ...
    version: int
    created_at: dt.datetime


@dataclass(frozen=True)
class DriverExposure:
    driver: str
    lineups: int
    runs: int
    total_lineups: int

    @property
    def exposure(self) -> float:
        return self.lineups / self.total_lineups if self.total_lineups else 0.0


# --- the store ---------------------------------------------------------------------------------


def _native(value: Any) -> Any:
    to_native = getattr(value, "to_native", None)
    return to_native() if callable(to_native) else value


def _instant(value: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    return dt.datetime.combine(value, dt.time(), tzinfo=dt.timezone.utc)


_RESULT_RETURN = ", ".join(f"res.{c} AS {c}" for c in _RESULT_PROPERTIES)
_ROWS_OF_RACE = f"""
RETURN d.name AS driver_name, d.driver_id AS driver_id, race.date AS race_date,
       race.series AS series, race.track_name AS track_name, race.track_type AS track_type,
       race.race_id AS race_id, race.merged_heats AS merged_heats, {_RESULT_RETURN}
ORDER BY race.date, race.race_id, res.finish, d.driver_id
"""
_HISTORY_QUERY = """
MATCH (race:Race)
WHERE race.series = $series AND race.date < $before
  AND ($track_type IS NULL OR race.track_type = $track_type)
  AND ($merged OR NOT race.merged_heats)
MATCH (d:Driver)-[:DROVE]->(res:Result)-[:IN]->(race)
WHERE $driver_id IS NULL OR d.driver_id = $driver_id
""" + _ROWS_OF_RACE
# Whole fields of the other series' races some drivers ran: a newcomer's skill there is measured against them.
_OTHER_SERIES_QUERY = """
MATCH (named:Driver)-[:DROVE]->(:Result)-[:IN]->(race:Race)
WHERE named.name IN $names AND race.series <> $series AND race.date < $before AND NOT race.merged_heats
WITH DISTINCT race
MATCH (d:Driver)-[:DROVE]->(res:Result)-[:IN]->(race)
""" + _ROWS_OF_RACE

# A race a row, its drivers' results as one list per driver in finishing order: a history's ~8k results cross
# the driver as a few hundred records of plain lists instead of ~8k records of ~25 fields, which the driver
# decodes value by value (bench/history_read.py has the figures). A list per driver, not a collect per column:
# collect() drops nulls, which would shift a column with a missing value (loop data) against the others.
_RACE_COLUMN_SOURCE = {"driver_name": "d.name", "driver_id": "d.driver_id"}
_RACES_OF = f"""
CALL (race) {{
  MATCH (d:Driver)-[:DROVE]->(res:Result)-[:IN]->(race)
  WITH d, res ORDER BY res.finish, d.driver_id
  RETURN collect([{", ".join(_RACE_COLUMN_SOURCE.get(c, "res." + c) for c in HISTORY_COLUMNS)}]) AS results
}}
RETURN race.series AS series, race.date AS race_date, race.track_name AS track_name, race.track_type AS track_type,
       race.race_id AS race_id, results
ORDER BY race.date, race.race_id
"""
_HISTORY_RACES_QUERY = """
MATCH (race:Race)
WHERE race.series = $series AND race.date < $before
  AND ($track_type IS NULL OR race.track_type = $track_type)
  AND ($merged OR NOT race.merged_heats)
""" + _RACES_OF
_OTHER_SERIES_RACES_QUERY = """
MATCH (named:Driver)-[:DROVE]->(:Result)-[:IN]->(race:Race)
WHERE named.name IN $names AND race.series <> $series AND race.date < $before AND NOT race.merged_heats
WITH DISTINCT race
""" + _RACES_OF


class GraphStore:
    """Reads and writes of the racing knowledge graph; one instance per process."""

    def __init__(
        self,
        uri: str,
        *,
        auth: tuple[str, str] | None = None,
        timeout_seconds: float = 3.0,
        retry_seconds: float | None = None,
        database: str | None = None,
    ) -> None:
        self.uri = uri
        self.timeout_seconds = timeout_seconds
        self._database = database
        try:
            self._driver: Driver = GraphDatabase.driver(
                uri,
                auth=auth,
                connection_timeout=timeout_seconds,
                # Bounds the whole wait for a usable connection, opening it included, so a
                # listener that accepts but never answers fails a readiness probe in time.
                connection_acquisition_timeout=timeout_seconds,
                # Retries of a transaction function stop after this, so an outage is reported
                # within seconds instead of the driver's default half minute.
                max_transaction_retry_time=timeout_seconds if retry_seconds is None else retry_seconds,
                max_connection_lifetime=3600,
                liveness_check_timeout=60,
                # Counting a label nothing carries yet (an empty graph) is normal here, not a typo.
                notifications_disabled_classifications=[NotificationDisabledClassification.UNRECOGNIZED],
            )
        except (neo4j_errors.DriverError, ValueError) as error:
            raise StoreUnavailable(STORE, f"cannot use {uri}: {error}") from error

    @classmethod
    def from_settings(cls, settings: Settings, *, retry_seconds: float | None = None) -> GraphStore:
        password = settings.neo4j_password
        auth = (settings.neo4j_user, password.get_secret_value()) if password is not None else None
        return cls(
            settings.neo4j_uri,
            auth=auth,
            timeout_seconds=settings.neo4j_timeout_seconds,
            retry_seconds=retry_seconds,
        )

    def close(self) -> None:
        self._driver.close()

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except neo4j_errors.AuthError as error:
            # Not an outage: the server is up and refuses the user or password, every time.
            detail = " ".join(str(error).split())[:200]
            raise CredentialsRefused(
                STORE, f"{what} at {self.uri}: refuses the credentials, check PITWALL_NEO4J_USER and "
                       f"PITWALL_NEO4J_PASSWORD ({type(error).__name__}: {detail})"
            ) from error
        except (
            neo4j_errors.ServiceUnavailable,
            neo4j_errors.SessionExpired,
            # Still transient after the driver's retries ran out: the server is not coping.
            neo4j_errors.TransientError,
            neo4j_errors.DriverError,
            OSError,
        ) as error:
            # One line, bounded: it ends up in a 503 detail and a failed job's error.
            detail = " ".join(str(error).split())[:300]
            raise StoreUnavailable(STORE, f"{what} at {self.uri}: {type(error).__name__}: {detail}") from error

    def _read(self, what: str, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        def run() -> T:
            with self._driver.session(database=self._database) as session:
                return session.execute_read(work, *args, **kwargs)

        return self._call(what, run)

    def _write(self, what: str, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        def run() -> T:
            with self._driver.session(database=self._database) as session:
                try:
                    return session.execute_write(work, *args, **kwargs)
                except neo4j_errors.ResultFailedError as error:
                    # Rolling back a transaction whose query failed can raise this, with the failure as its
                    # cause: a lost MERGE race is then told apart below, not taken for an unreachable graph.
                    if isinstance(error.__cause__, neo4j_errors.ConstraintError):
                        raise error.__cause__ from error
                    raise

        try:
            return self._call(what, run)
        except neo4j_errors.ConstraintError:
            # Two writers MERGEd the same new node at once (two first runs of one slate, say) and this one
            # lost. The node exists now, so the same idempotent write matches it instead of creating it.
            return self._call(what, run)

    # -- health and schema

    def ping(self) -> float:
        """Seconds a round trip to the server took; raises StoreUnavailable within the timeout.

        A listener that accepts connections but never answers would otherwise hang the
        readiness probe, hence the explicit acquisition timeout.
        """
        started = time.perf_counter()
        self._call(
            "ping",
            # Per-call options to verify_connectivity are a driver preview feature; the
            # driver-wide acquisition timeout set above already bounds it.
            self._driver.verify_connectivity,
        )
        return time.perf_counter() - started

    def warm_up(self) -> float:
        """Run every query a job runs, the reads `WARM_UP_READ_ROUNDS` times and the writes once, and return
        the seconds it took.

        A server that has just started compiles each query at its first run, reads into an empty page cache
        and commits its first transactions slowly: on a 2-core machine the first job's lineage write took
        5.3 s against 0.4 s for the next. The reads run as a job's do (the whole history before today, the
        newcomers' lookups); the writes store a made-up slate and a run on it, then delete both, so the graph
        is left as it was (the same made-up slate each time: one left by a warm-up that died is deleted by
        the next).
        """
        started = time.perf_counter()
        today = dt.date.today()
        slate = _slate_params(WARM_UP_SLATE)
        for _ in range(WARM_UP_READ_ROUNDS):
            self.history_fingerprint()
            self.races_before(today, series="Cup")
            self.other_series_races(self.known_drivers()[:1], today, series="Cup")
            self.get_slate(slate["slate_id"])  # not stored yet: a lookup that finds nothing, as a job's miss would
            self.list_slates(limit=1)
        self._write("warm-up", _write_slate, slate)
        lineups = [WARM_UP_SLATE.entries] * 20  # a portfolio's worth, as a job writes
        self._write("warm-up", _write_run, _run_params(WARM_UP_RUN, slate["slate_id"], lineups))
        self._write("warm-up", _forget_warm_up, slate["slate_id"], slate["track"])
        return time.perf_counter() - started

    def replan(self) -> None:
        """Have the server resample its indexes and forget its query plans (`db.prepareForReplanning`), so
        each query is next planned on the graph as it is now.

        A seed changes the statistics the plans were made on, and the server replans a query once they
        have moved, at the query's first run ten seconds or more after its last plan: without this, that
        was the first job's history read after `pitwall seed` (0.24 s against 0.07 s on a fresh stack).
        """
        self._write("replan", lambda tx: tx.run("CALL db.prepareForReplanning()").consume())

    def ensure_schema(self) -> None:
        """Create the constraints and indexes the graph relies on; safe to run at every start."""
        for statement in SCHEMA:
            self._write("schema", lambda tx, q=statement: tx.run(q).consume())
        self._write("schema", lambda tx: tx.run("CALL db.awaitIndexes(300)").consume())

    def schema(self) -> dict[str, list[str]]:
        """Names of the constraints and indexes present (for checks and tests)."""

        def work(tx: ManagedTransaction) -> dict[str, list[str]]:
            constraints = [r["name"] for r in tx.run("SHOW CONSTRAINTS YIELD name RETURN name")]
            indexes = [r["name"] for r in tx.run("SHOW INDEXES YIELD name RETURN name")]
            return {"constraints": sorted(constraints), "indexes": sorted(indexes)}

        return self._read("schema", work)

    def counts(self) -> dict[str, int]:
        """Nodes per label and relationships in all."""

        def work(tx: ManagedTransaction) -> dict[str, int]:
            found = {label: tx.run(f"MATCH (n:{label}) RETURN count(n) AS n").single()["n"] for label in LABELS}
            found["relationships"] = tx.run("MATCH ()-[r]->() RETURN count(r) AS n").single()["n"]
            return found

        return self._read("counts", work)

    def history_fingerprint(self) -> dict[str, int]:
        """What identifies the racing history a calibration reads, in a few constant-time lookups.

        The revision moves with every seed write that changed a result, race, driver or track (`seed`
        compares each node before and after its write, so seeding the same rows again leaves it);
        the counts of those nodes and their relationships catch what was added or deleted outside `seed`.
        A calibration cached under one fingerprint is stale under any other.
        """

        def work(tx: ManagedTransaction) -> dict[str, int]:
            found = {"revision": tx.run("OPTIONAL MATCH (h:GraphRevision {scope: $scope}) "
                                        "RETURN coalesce(h.revision, 0) AS n", scope=HISTORY_SCOPE).single()["n"]}
            for label in _FINGERPRINT_LABELS:
                found[label] = tx.run(f"MATCH (n:{label}) RETURN count(n) AS n").single()["n"]
            for kind, pattern in _FINGERPRINT_PATTERNS.items():
                found[kind] = tx.run(f"MATCH {pattern} RETURN count(r) AS n").single()["n"]
            return found

        return self._read("history fingerprint", work)

    # -- seeding

    def seed(
        self,
        source: str | Path | Iterable[Mapping[str, Any]] = BUNDLED_RESULTS,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        track_types: Mapping[str, str] | None = None,
        unknown_tracks: UnknownTracks = "keep",
        warm: bool = False,
    ) -> SeedReport:
        """Load race results (a CSV path or rows keyed by the CSV columns) into the graph.

        Idempotent: everything is MERGEd on its natural key, so a second run over the same
        rows changes no counts. Rows are read by `pitwall.results` before the first write; a
        malformed row is reported with its line number and left out whole. Races whose rows
        merge two heats are written but flagged `merged_heats` and kept out of calibration
        reads. `track_types` and `unknown_tracks` name venues the track map does not know.

        With `warm`, a seed that wrote results then has the server plan its queries afresh on the new
        history (`replan`) and runs every query a job runs (`warm_up`) over it: the first read of a
        freshly written history costs the server most of a core for a second (its code for the read
        compiled as it runs), which the next job would otherwise pay beside its own work (the stack's
        warm-up at start reads the graph as it was then, often empty).
        """
        if batch_size < 1:
            raise ValueError("batch_size must be positive")
        started = time.perf_counter()
        read = read_results(source, track_types=track_types, unknown_tracks=unknown_tracks)
        prepared = _prepare(read)
        report = SeedReport(
            rows_read=read.rows_read,
            rejected=read.rejected,
            races=len(prepared.races),
            drivers=len(prepared.drivers),
            tracks=len(prepared.tracks),
            merged_heat_races=[race_id(*race.key) for race in read.merged],
            unknown_tracks=read.unknown_tracks,
            skipped_races=[race_id(*key) for key in read.skipped],
        )
        self.ensure_schema()
        # Tracks, races and drivers first (a few thousand nodes), so each results batch only
        # matches on unique keys and never repeats a MERGE of the same race per row.
        self._write("seed tracks", _write_tracks, prepared.tracks)
        for chunk in _chunks(prepared.races, batch_size):
            self._write("seed races", _write_races, chunk)
            report.batches += 1
        for chunk in _chunks(prepared.drivers, batch_size):
            self._write("seed drivers", _write_drivers, chunk)
            report.batches += 1
        for chunk in _chunks(prepared.results, batch_size):
            report.rows_written += self._write("seed results", _write_results, chunk)
            report.batches += 1
        report.counts = self.counts()
        report.elapsed_seconds = time.perf_counter() - started
        if warm and report.rows_written:
            # Best effort, as at the stack's start: the results are written whatever the warm-up meets.
            with contextlib.suppress(StoreUnavailable):
                # The procedure may be refused to a user without admin rights; the warm-up still helps then.
                with contextlib.suppress(neo4j_errors.ClientError):
                    self.replan()
                report.warm_up_seconds = self.warm_up()
        return report

    # -- reads the engine needs

    def results_before(
        self,
        before: dt.date | str,
        *,
        series: str = "Cup",
        track_type: str | None = None,
        include_merged_heats: bool = False,
    ) -> list[dict[str, Any]]:
        """Result rows of races strictly before a date: the calibration input.

        Rows carry the results CSV's column names (race_date as YYYY/MM/DD) plus track_type
        and race_id, in race date then finishing order. Merged-heat races are left out unless
        asked for: their finishing order is not one permutation of the field.
        """
        return self._history(before, series=series, track_type=track_type, driver_id=None,
                             include_merged_heats=include_merged_heats)

    def driver_history(
        self,
        driver: str | int,
        track_type: str | None,
        before: dt.date | str,
        *,
        series: str = "Cup",
        include_merged_heats: bool = False,
    ) -> list[dict[str, Any]]:
        """One driver's result rows (by name or driver id) at a track type before a date.

        `track_type=None` means every type. An unknown driver has no history: [] .
        """
        if isinstance(driver, int):
            driver_id: int | None = driver
        else:
            driver_id = self._driver_id(driver)
            if driver_id is None:
                return []
        return self._history(before, series=series, track_type=track_type, driver_id=driver_id,
                             include_merged_heats=include_merged_heats)

    def other_series_results(self, names: Sequence[str], before: dt.date | str, *, series: str) -> list[dict[str, Any]]:
        """Result rows, in the shape of `results_before`, of every race outside `series` before a date
        that one of the named drivers (as the graph spells them) ran: the newcomer prior's input."""
        if not names:
            return []
        params = {"names": list(names), "before": parse_race_date(before), "series": series}
        return self._rows("other-series results", _OTHER_SERIES_QUERY, params)

    def races_before(
        self,
        before: dt.date | str,
        *,
        series: str = "Cup",
        track_type: str | None = None,
        include_merged_heats: bool = False,
    ) -> list[dict[str, Any]]:
        """The races of `results_before`, one record per race: series, race_date (a date), track_name,
        track_type, race_id, and each of `pitwall.history.HISTORY_COLUMNS` as a list over the race's drivers
        in finishing order; `History.from_races` reads them. The calibration's read: one aggregated query."""
        params = {"before": parse_race_date(before), "series": series, "track_type": track_type,
                  "merged": include_merged_heats}
        return self._races("history races", _HISTORY_RACES_QUERY, params)

    def other_series_races(self, names: Sequence[str], before: dt.date | str, *, series: str) -> list[dict[str, Any]]:
        """The races of `other_series_results` in the shape of `races_before`: the newcomer prior's input."""
        if not names:
            return []
        params = {"names": list(names), "before": parse_race_date(before), "series": series}
        return self._races("other-series races", _OTHER_SERIES_RACES_QUERY, params)

    def _races(self, what: str, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            result = tx.run(query, **params)
            keys = result.keys()
            # Plain tuples of the record: Record.data() would walk every value of every list again.
            return [dict(zip(keys, record)) for record in result]

        races = self._read(what, work)
        for race in races:
            race["race_date"] = _native(race["race_date"])
            race.update(zip(HISTORY_COLUMNS, map(list, zip(*race.pop("results")))))
        return races

    def driver_series(self) -> dict[str, set[str]]:
        """Each driver's name → the series he has results in."""

        def work(tx: ManagedTransaction) -> dict[str, set[str]]:
            query = ("MATCH (d:Driver)-[:DROVE]->(:Result)-[:IN]->(r:Race) "
                     "RETURN d.name AS name, collect(DISTINCT r.series) AS series")
            return {r["name"]: set(r["series"]) for r in tx.run(query)}

        return self._read("driver series", work)

    def _driver_id(self, name: str) -> int | None:
        def work(tx: ManagedTransaction) -> list[tuple[int, str]]:
            return [(r["id"], r["name"]) for r in tx.run("MATCH (d:Driver) RETURN d.driver_id AS id, d.name AS name")]

        exact = self._read("driver lookup", lambda tx: tx.run(
            "MATCH (d:Driver {name: $name}) RETURN d.driver_id AS id", name=name).value("id"))
        if exact:
            return exact[0]
        key = normalize_name(name)
        matches = [i for i, n in self._read("driver lookup", work) if normalize_name(n) == key]
        return matches[0] if len(matches) == 1 else None

    def _history(self, before: dt.date | str, *, series: str, track_type: str | None,
                 driver_id: int | None, include_merged_heats: bool) -> list[dict[str, Any]]:
        params = {
            "before": parse_race_date(before),
            "series": series,
            "track_type": track_type,
            "driver_id": driver_id,
            "merged": include_merged_heats,
        }
        return self._rows("history", _HISTORY_QUERY, params)

    def _rows(self, what: str, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            return [record.data() for record in tx.run(query, **params)]

        rows = self._read(what, work)
        for row in rows:
            row["race_date"] = _native(row["race_date"]).strftime("%Y/%m/%d")
        return rows

    def known_drivers(self, *, series: str | None = None) -> list[str]:
        """Names of drivers with at least one result (in a series, if given), sorted."""

        def work(tx: ManagedTransaction) -> list[str]:
            if series is None:
                return tx.run("MATCH (d:Driver) RETURN DISTINCT d.name AS name ORDER BY name").value("name")
            return tx.run(
                "MATCH (d:Driver)-[:DROVE]->(:Result)-[:IN]->(r:Race {series: $series}) "
                "RETURN DISTINCT d.name AS name ORDER BY name",
                series=series,
            ).value("name")

        return self._read("known drivers", work)

    # -- slates

    def save_slate(self, slate: Slate) -> str:
        """Store a slate and return its id; saving the same content again is a no-op."""
        params = _slate_params(slate)
        self._write("save slate", _write_slate, params)
        return params["slate_id"]

    def get_slate(self, slate_id: str) -> Slate | None:
        def work(tx: ManagedTransaction) -> dict[str, Any] | None:
            record = tx.run(
                "MATCH (s:Slate {slate_id: $slate_id}) "
                "OPTIONAL MATCH (s)-[:HAS_ENTRY]->(e:Entry) "
                "WITH s, e ORDER BY e.index "
                "RETURN s {.*} AS slate, collect(e {.*}) AS entries",
                slate_id=slate_id,
            ).single()
            return None if record is None else record.data()

        found = self._read("get slate", work)
        if found is None:
            return None
        s = found["slate"]
        return Slate(
            track=s["track"],
            date=_native(s["date"]),
            laps=s["laps"],
            entries=entries_from_mapping(found["entries"]),
            track_type=s.get("track_type"),
            series=s["series"],
        )

    def get_slate_summary(self, slate_id: str) -> SlateSummary | None:
        found = self._list_slates("MATCH (s:Slate {slate_id: $slate_id})", {"slate_id": slate_id}, 1)
        return found[0] if found else None

    def list_slates(
        self,
        *,
        series: str | None = None,
        track: str | None = None,
        date_from: dt.date | str | None = None,
        date_to: dt.date | str | None = None,
        limit: int = 100,
    ) -> list[SlateSummary]:
        """Stored slates, newest race first, then newest upload first; dates inclusive."""
        match = (
            "MATCH (s:Slate) WHERE ($series IS NULL OR s.series = $series) "
            "AND ($track IS NULL OR s.track = $track) "
            "AND ($date_from IS NULL OR s.date >= $date_from) "
            "AND ($date_to IS NULL OR s.date <= $date_to)"
        )
        params = {
            "series": series,
            "track": track,
            "date_from": None if date_from is None else parse_race_date(date_from),
            "date_to": None if date_to is None else parse_race_date(date_to),
        }
        return self._list_slates(match, params, limit)

    def _list_slates(self, match: str, params: dict[str, Any], limit: int) -> list[SlateSummary]:
        query = (
            f"{match} "
            "RETURN s {.*} AS s, COUNT { (s)-[:HAS_ENTRY]->(:Entry) } AS entries "
            "ORDER BY s.date DESC, s.created_at DESC LIMIT $limit"
        )

        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            return [r.data() for r in tx.run(query, **params, limit=int(limit))]

        return [
            SlateSummary(
                slate_id=r["s"]["slate_id"],
                series=r["s"]["series"],
                track=r["s"]["track"],
                date=_native(r["s"]["date"]),
                laps=r["s"]["laps"],
                track_type=r["s"].get("kind"),
                entries=r["entries"],
                content_hash=r["s"]["content_hash"],
                version=r["s"]["version"],
                created_at=_native(r["s"]["created_at"]),
            )
            for r in self._read("list slates", work)
        ]

    # -- lineage

    def record_run(
        self,
        run_id: str,
        slate_id: str,
        lineups: Iterable[Sequence[int | str | Entry]],
        *,
        recorded_at: dt.datetime | None = None,
    ) -> int:
        """Write a finished run's lineups to the graph; returns how many were written.

        A lineup names its drivers as indices into the slate's entries (as the engine and
        `pitwall.rules` do), as driver names, or as `Entry` objects. Recording the same run
        again (a retried flow) replaces its lineups rather than adding to them. Raises
        UnknownSlate for a slate the graph does not hold, ValueError for a driver not on it.
        """
        slate = self.get_slate(slate_id)
        if slate is None:
            raise UnknownSlate(slate_id)
        resolved = []
        for number, lineup in enumerate(lineups):
            members = []
            for item in lineup:
                if isinstance(item, Entry):
                    index = slate.index(item.name)
                elif isinstance(item, str):
                    index = slate.index(item)
                else:
                    index = int(item)
                    if not 0 <= index < len(slate.entries):
                        raise ValueError(f"lineup {number + 1}: index {index} is not on slate {slate_id}")
                members.append(index)
            try:
                validate_lineup(members, slate.salaries)
            except LineupError as error:
                raise ValueError(f"lineup {number + 1}: {error}") from error
            resolved.append([slate.entries[i] for i in members])
        self._write("record run", _write_run, _run_params(run_id, slate_id, resolved, recorded_at))
        return len(resolved)

    def run_lineups(self, run_id: str) -> list[list[str]] | None:
        """The drivers of each lineup a run recorded, in lineup order; None for an unknown run."""

        def work(tx: ManagedTransaction) -> list[list[str]] | None:
            rows = tx.run(
                "MATCH (run:Run {run_id: $run_id}) "
                "OPTIONAL MATCH (run)-[:CHOSE]->(l:Lineup)-[:PICKS]->(e:Entry) "
                "RETURN l.index AS lineup, e.name AS name ORDER BY l.index, e.index",
                run_id=run_id,
            ).data()
            if not rows:
                return None
            lineups: dict[int, list[str]] = defaultdict(list)
            for row in rows:
                if row["lineup"] is not None:
                    lineups[row["lineup"]].append(row["name"])
            return [lineups[i] for i in sorted(lineups)]

        return self._read("run lineups", work)

    def driver_exposure(
        self,
        start: dt.date | dt.datetime,
        end: dt.date | dt.datetime,
        *,
        series: str | None = None,
    ) -> list[DriverExposure]:
        """Which drivers the runs recorded in [start, end) leaned on, most used first.

        Exposure is the share of all those runs' lineups that include the driver.
        """
        query = """
        MATCH (run:Run)-[:ON]->(s:Slate)
        WHERE run.recorded_at >= $start AND run.recorded_at < $end
          AND ($series IS NULL OR s.series = $series)
        MATCH (run)-[:CHOSE]->(l:Lineup)
        WITH collect(l) AS lineups
        WITH lineups, size(lineups) AS total
        UNWIND lineups AS l
        MATCH (l)-[:PICKS]->(e:Entry)
        RETURN e.name AS driver, count(l) AS lineups, count(DISTINCT l.run_id) AS runs, total
        ORDER BY lineups DESC, driver
        """
        params = {"start": _instant(start), "end": _instant(end), "series": series}

        def work(tx: ManagedTransaction) -> list[DriverExposure]:
            return [
                DriverExposure(r["driver"], r["lineups"], r["runs"], r["total"])
                for r in tx.run(query, **params)
            ]

        return self._read("driver exposure", work)


def _kind_or_none(slate: Slate) -> str | None:
    try:
        return slate.kind
    except UnknownTrack:
        return None


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- write transactions (module functions so the driver can retry them as a unit) ---------------


def _revised(tx: ManagedTransaction, changed: int) -> None:
    """Move the history's revision when a write changed anything, in the write's own transaction."""
    if changed:
        tx.run("MERGE (h:GraphRevision {scope: $scope}) SET h.revision = coalesce(h.revision, 0) + 1",
               scope=HISTORY_SCOPE).consume()


# Each write compares every node's properties before and after it: a node created, or one whose values
# changed, counts as changed; the same rows seeded again change nothing.
_CHANGED = "sum(CASE WHEN before = properties({node}) THEN 0 ELSE 1 END) AS changed"


def _write_tracks(tx: ManagedTransaction, tracks: list[dict[str, Any]]) -> None:
    record = tx.run(
        "UNWIND $tracks AS t MERGE (track:Track {name: t.name}) "
        "WITH t, track, properties(track) AS before "
        "SET track.track_type = coalesce(t.track_type, track.track_type) "
        "RETURN " + _CHANGED.format(node="track"),
        tracks=tracks,
    ).single()
    _revised(tx, record["changed"] if record else 0)


def _write_races(tx: ManagedTransaction, races: list[dict[str, Any]]) -> None:
    record = tx.run(
        """
        UNWIND $races AS r
        MATCH (track:Track {name: r.track_name})
        MERGE (race:Race {race_id: r.race_id})
        WITH r, track, race, properties(race) AS before
        SET race.series = r.series, race.date = r.date, race.track_name = r.track_name,
            race.track_type = r.track_type, race.laps = r.laps,
            race.merged_heats = r.merged_heats, race.heats = r.heats
        MERGE (race)-[:AT]->(track)
        RETURN """ + _CHANGED.format(node="race"),
        races=races,
    ).single()
    _revised(tx, record["changed"] if record else 0)


def _write_drivers(tx: ManagedTransaction, drivers: list[dict[str, Any]]) -> None:
    record = tx.run(
        "UNWIND $drivers AS d MERGE (driver:Driver {driver_id: d.driver_id}) "
        "WITH d, driver, properties(driver) AS before SET driver.name = d.name "
        "RETURN " + _CHANGED.format(node="driver"),
        drivers=drivers,
    ).single()
    _revised(tx, record["changed"] if record else 0)


def _write_results(tx: ManagedTransaction, results: list[dict[str, Any]]) -> int:
    record = tx.run(
        """
        UNWIND $results AS r
        MATCH (race:Race {race_id: r.race_id})
        MATCH (driver:Driver {driver_id: r.driver_id})
        MERGE (res:Result {result_id: r.result_id})
        WITH r, race, driver, res, properties(res) AS before
        SET res += r.props
        MERGE (driver)-[:DROVE]->(res)
        MERGE (res)-[:IN]->(race)
        RETURN count(res) AS written, """ + _CHANGED.format(node="res"),
        results=results,
    ).single()
    if record is None:
        return 0
    _revised(tx, record["changed"])
    return record["written"]


def _slate_params(slate: Slate) -> dict[str, Any]:
    slate_id = slate_id_for(slate)
    return {
        "slate_id": slate_id,
        "content_hash": slate_hash(slate),
        "race_key": race_id(slate.series, slate.date, slate.track),
        "series": slate.series,
        "track": slate.track,
        "date": slate.date,
        "laps": slate.laps,
        "track_type": slate.track_type,
        "kind": _kind_or_none(slate),
        "now": dt.datetime.now(dt.timezone.utc),
        "entries": [
            {"entry_id": f"{slate_id}|{e.dk_id}", "index": i, "dk_id": e.dk_id, "name": e.name,
             "salary": e.salary, "start": e.start}
            for i, e in enumerate(slate.entries)
        ],
    }


def _run_params(run_id: str, slate_id: str, lineups: Sequence[Sequence[Entry]],
                recorded_at: dt.datetime | None = None) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "slate_id": slate_id,
        "at": recorded_at or dt.datetime.now(dt.timezone.utc),
        "lineups": [
            {"lineup_id": f"{run_id}#{number}", "index": number, "salary": sum(e.salary for e in entries),
             "entry_ids": [f"{slate_id}|{e.dk_id}" for e in entries]}
            for number, entries in enumerate(lineups)
        ],
    }


def _forget_warm_up(tx: ManagedTransaction, slate_id: str, track: str) -> None:
    tx.run(
        """
        OPTIONAL MATCH (s:Slate {slate_id: $slate_id})
        OPTIONAL MATCH (s)-[:HAS_ENTRY]->(e:Entry)
        OPTIONAL MATCH (run:Run {run_id: $run_id})
        OPTIONAL MATCH (run)-[:CHOSE]->(l:Lineup)
        DETACH DELETE e, l, s, run
        """,
        slate_id=slate_id, run_id=WARM_UP_RUN,
    ).consume()
    # The warm-up's track, when it made it (a graph not seeded yet).
    tx.run("MATCH (t:Track {name: $track}) WHERE NOT (t)--() DELETE t", track=track).consume()


def _write_slate(tx: ManagedTransaction, p: dict[str, Any]) -> None:
    existing = tx.run("MATCH (s:Slate {slate_id: $slate_id}) RETURN s.slate_id", slate_id=p["slate_id"]).single()
    if existing is not None:
        return  # same content, same id: already stored with its entries
    tx.run(
        """
        MERGE (track:Track {name: $track})
        ON CREATE SET track.track_type = $kind
        WITH track
        OPTIONAL MATCH (earlier:Slate {race_key: $race_key})
        WITH track, count(earlier) AS before
        CREATE (s:Slate {slate_id: $slate_id, content_hash: $content_hash, race_key: $race_key,
                         series: $series, track: $track, date: $date, laps: $laps,
                         track_type: $track_type, kind: $kind, created_at: $now,
                         version: before + 1})
        CREATE (s)-[:AT]->(track)
        WITH s
        OPTIONAL MATCH (race:Race {race_id: $race_key})
        FOREACH (_ IN CASE WHEN race IS NULL THEN [] ELSE [1] END | CREATE (s)-[:FOR_RACE]->(race))
        WITH s
        UNWIND $entries AS e
        CREATE (s)-[:HAS_ENTRY]->(entry:Entry {entry_id: e.entry_id, slate_id: $slate_id, index: e.index,
                                                dk_id: e.dk_id, name: e.name, salary: e.salary, start: e.start})
        WITH entry
        OPTIONAL MATCH (driver:Driver {name: entry.name})
        FOREACH (_ IN CASE WHEN driver IS NULL THEN [] ELSE [1] END | CREATE (entry)-[:IS]->(driver))
        """,
        **p,
    ).consume()


def _write_run(tx: ManagedTransaction, p: dict[str, Any]) -> None:
    tx.run(
        """
        MATCH (s:Slate {slate_id: $slate_id})
        MERGE (run:Run {run_id: $run_id})
        SET run.slate_id = $slate_id, run.recorded_at = $at, run.lineups = size($lineups)
        WITH run, s
        OPTIONAL MATCH (run)-[on:ON]->()
        DELETE on
        WITH DISTINCT run, s
        OPTIONAL MATCH (run)-[:CHOSE]->(old:Lineup)
        DETACH DELETE old
        WITH DISTINCT run, s
        CREATE (run)-[:ON]->(s)
        """,
        **p,
    ).consume()
    tx.run(
        """
        MATCH (run:Run {run_id: $run_id})
        UNWIND $lineups AS lu
        CREATE (run)-[:CHOSE]->(l:Lineup {lineup_id: lu.lineup_id, run_id: $run_id, index: lu.index,
                                          salary: lu.salary})
        WITH l, lu
        UNWIND lu.entry_ids AS entry_id
        MATCH (e:Entry {entry_id: entry_id})
        CREATE (l)-[:PICKS]->(e)
        """,
        **p,
    ).consume()
