"""The graph store against a real Neo4j (PITWALL_NEO4J_URI).

The graph may be shared with a running stack, so nothing here wipes it: the bundled
results are seeded (idempotently) once, and everything else a test writes lives under
names of its own and is removed afterwards.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import pickle
import uuid
from concurrent.futures import ThreadPoolExecutor
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from pitwall.history import History, slate_from_race
from pitwall.run import calibrate_race
from pitwall.settings import Settings
from pitwall.slate import Entry, Slate
from pitwall.stores.errors import StoreUnavailable
from pitwall.stores.graph import (
    BUNDLED_RESULTS, RESULT_COLUMNS, WARM_UP_RUN, WARM_UP_SLATE, GraphStore, UnknownSlate,
)
from pitwall.tracks import track_type
from tasks.scenarios import calibrate_race as calibrate_task
from tests.conftest import free_port

pytestmark = pytest.mark.integration

EXPECTED_CONSTRAINTS = {"driver_id", "track_name", "race_id", "result_id", "slate_id", "entry_id", "run_id", "lineup_id"}


@pytest.fixture(scope="session")
def store():
    graph = GraphStore.from_settings(Settings())
    try:
        graph.ping()
    except StoreUnavailable as error:
        pytest.fail(f"these tests need a Neo4j at PITWALL_NEO4J_URI: {error}")
    yield graph
    graph.close()


@pytest.fixture(scope="session")
def seeded(store):
    return store.seed(BUNDLED_RESULTS)


@pytest.fixture(scope="session")
def bundled_rows():
    with open(BUNDLED_RESULTS, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def namespace(store):
    """A series name no real data uses; whatever a test seeds under it is deleted after."""
    tag = f"Test-{uuid.uuid4().hex[:10]}"
    driver_ids: list[int] = []
    yield tag, driver_ids
    store._write(
        "cleanup",
        lambda tx: tx.run(
            """
            MATCH (race:Race {series: $series})
            OPTIONAL MATCH (res:Result)-[:IN]->(race)
            DETACH DELETE res, race
            WITH count(*) AS _
            MATCH (d:Driver) WHERE d.driver_id IN $ids DETACH DELETE d
            WITH count(*) AS _
            MATCH (t:Track) WHERE t.name STARTS WITH $series AND NOT (t)<-[:AT]-() DELETE t
            """,
            series=tag,
            ids=driver_ids,
        ).consume(),
    )


def _race_rows(tag: str, driver_ids: list[int], finishes: list[int], *, date="2020/05/01", drivers=None) -> list[dict]:
    """Result rows of one made-up race, each column as the CSV writes it."""
    base = 900_000_000 + uuid.uuid4().int % 1_000_000 * 100
    rows = []
    for i, finish in enumerate(finishes):
        driver_id = drivers[i] if drivers else base + i
        if driver_id not in driver_ids:
            driver_ids.append(driver_id)
        row = {c: "" for c in RESULT_COLUMNS}
        row.update(
            driver_name=f"{tag} Driver {driver_id}",
            driver_id=str(driver_id),
            race_date=date,
            series=tag,
            track_name=f"{tag} Oval",
            start=str(i + 1),
            finish=str(finish),
            laps_led="0",
            fastest_lap="0",
            laps="100",
            status="running",
            rating="80.5",
        )
        rows.append(row)
    return rows


def _write_csv(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=RESULT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _results_of(store: GraphStore, series: str) -> list[dict]:
    return store._read(
        "test read",
        lambda tx: tx.run(
            "MATCH (d:Driver)-[:DROVE]->(res:Result)-[:IN]->(race:Race {series: $series}) "
            "RETURN d.driver_id AS driver_id, res.finish AS finish, res.heat_entry AS heat_entry, "
            "race.merged_heats AS merged_heats, race.heats AS heats",
            series=series,
        ).data(),
    )


def test_constraints_exist_after_ensure_schema(store):
    store.ensure_schema()
    store.ensure_schema()  # a second start-up must not trip over what the first created
    schema = store.schema()
    assert EXPECTED_CONSTRAINTS <= set(schema["constraints"])
    assert {"race_series_date", "driver_name", "run_recorded_at"} <= set(schema["indexes"])


def test_seeding_twice_changes_no_counts(store, seeded, bundled_rows):
    assert seeded.rows_read == len(bundled_rows)
    assert seeded.rejected == []
    before = store.counts()
    again = store.seed(BUNDLED_RESULTS)
    after = store.counts()
    assert after == before
    assert again.rows_written == len(bundled_rows)
    assert after["Result"] >= len(bundled_rows)


def test_merged_heats_in_the_bundled_file_are_flagged(seeded, bundled_rows):
    finishes = defaultdict(list)
    for row in bundled_rows:
        finishes[f"{row['series']}|{row['race_date'].replace('/', '-')}|{row['track_name']}"].append(row["finish"])
    duplicated = {race for race, f in finishes.items() if len(f) != len(set(f))}
    assert duplicated, "the bundled file is known to merge heats (Daytona Duels, All-Star)"
    assert set(seeded.merged_heat_races) == duplicated


def test_results_before_returns_only_races_before_the_date(store, seeded, bundled_rows):
    cutoff = dt.date(2021, 5, 9)  # a Cup race day: its own race must be left out
    cup_dates = {dt.datetime.strptime(r["race_date"], "%Y/%m/%d").date() for r in bundled_rows if r["series"] == "Cup"}
    assert cutoff in cup_dates
    merged = set(seeded.merged_heat_races)
    expected_races = {
        f"Cup|{d.isoformat()}|{r['track_name']}"
        for r in bundled_rows
        if r["series"] == "Cup" and (d := dt.datetime.strptime(r["race_date"], "%Y/%m/%d").date()) < cutoff
    } - merged

    rows = store.results_before(cutoff)
    assert {r["race_id"] for r in rows} == expected_races
    assert all(dt.datetime.strptime(r["race_date"], "%Y/%m/%d").date() < cutoff for r in rows)
    assert all(r["series"] == "Cup" for r in rows)
    assert set(RESULT_COLUMNS) - {"mid", "best", "worst", "avg"} <= set(rows[0])  # the CSV's columns

    short = store.results_before(cutoff, track_type="short")
    assert short and {r["track_type"] for r in short} == {"short"}
    assert {r["race_id"] for r in short} < expected_races

    with_heats = store.results_before(cutoff, include_merged_heats=True)
    merged_before = {m for m in merged if m.startswith("Cup|") and m.split("|")[1] < cutoff.isoformat()}
    assert merged_before
    assert {r["race_id"] for r in with_heats} == expected_races | merged_before


def test_driver_history_is_one_driver_at_one_track_type_before_the_date(store, seeded, bundled_rows):
    before = dt.date(2023, 1, 1)
    rows = store.driver_history("Kyle Larson", "road", before)
    expected = [
        r for r in bundled_rows
        if r["driver_name"] == "Kyle Larson" and r["series"] == "Cup"
        and (day := dt.datetime.strptime(r["race_date"], "%Y/%m/%d").date()) < before
        and track_type(r["track_name"], on=day) == "road"
    ]
    assert len(rows) == len(expected) > 0
    assert {r["driver_name"] for r in rows} == {"Kyle Larson"}
    assert {r["track_type"] for r in rows} == {"road"}
    assert store.driver_history("No Such Driver", None, before) == []


def test_malformed_row_is_reported_with_its_line_and_not_written(store, namespace, tmp_path):
    tag, driver_ids = namespace
    rows = _race_rows(tag, driver_ids, [1, 2, 3, 4])
    rows[1]["finish"] = "second"  # line 3 of the file
    rows[3]["laps_led"] = "250"  # line 5: more laps led than laps run
    path = _write_csv(tmp_path / "results.csv", rows)

    report = store.seed(path, batch_size=2)

    assert [(r.line, "finish" in r.reason) for r in report.rejected] == [(3, True), (5, False)]
    assert "laps_led" in report.rejected[1].reason
    assert report.rows_read == 4 and report.rows_written == 2
    written = _results_of(store, tag)
    assert sorted(r["driver_id"] for r in written) == [driver_ids[0], driver_ids[2]]
    # Nothing of a rejected row: not even its driver.
    present = store._read(
        "test read",
        lambda tx: tx.run("MATCH (d:Driver) WHERE d.driver_id IN $ids RETURN d.driver_id AS id",
                          ids=[driver_ids[1], driver_ids[3]]).value("id"),
    )
    assert present == []


def test_merged_heats_keep_every_result_and_stay_out_of_calibration(store, namespace):
    tag, driver_ids = namespace
    heat_one = _race_rows(tag, driver_ids, [1, 2, 3])
    # A driver who ran both heats (as in the All-Star Open and main event) appears twice.
    heat_two = _race_rows(tag, driver_ids, [1, 2, 3])
    heat_two[0].update(driver_id=heat_one[2]["driver_id"], driver_name=heat_one[2]["driver_name"], start="3")
    report = store.seed(heat_one + heat_two)

    assert report.rejected == []
    assert len(report.merged_heat_races) == 1
    written = _results_of(store, tag)
    assert len(written) == 6
    assert {(r["merged_heats"], r["heats"]) for r in written} == {(True, 2)}
    twice = [r for r in written if r["driver_id"] == int(heat_one[2]["driver_id"])]
    assert sorted(r["heat_entry"] for r in twice) == [1, 2]

    assert store.results_before("2021-01-01", series=tag) == []
    assert len(store.results_before("2021-01-01", series=tag, include_merged_heats=True)) == 6


def _slate(store: GraphStore, tag: str, salary_step: int = 300) -> Slate:
    names = store.known_drivers(series="Cup")[:8]
    entries = tuple(Entry(name, 70_000 + i, 5_000 + salary_step * i, i + 1) for i, name in enumerate(names))
    return Slate(track=f"{tag} Speedway", date=dt.date(2031, 3, 2), laps=300, entries=entries,
                 track_type="short", series=tag)


@pytest.fixture
def slate_cleanup(store):
    slate_ids: list[str] = []
    run_ids: list[str] = []
    yield slate_ids, run_ids
    store._write(
        "cleanup",
        lambda tx: tx.run(
            """
            OPTIONAL MATCH (run:Run) WHERE run.run_id IN $runs
            OPTIONAL MATCH (run)-[:CHOSE]->(l:Lineup)
            DETACH DELETE l, run
            WITH count(*) AS _
            MATCH (s:Slate) WHERE s.slate_id IN $slates
            OPTIONAL MATCH (s)-[:HAS_ENTRY]->(e:Entry)
            OPTIONAL MATCH (s)-[:AT]->(t:Track)
            DETACH DELETE e, s
            WITH DISTINCT t WHERE t IS NOT NULL AND NOT (t)--()
            DELETE t
            """,
            runs=run_ids,
            slates=slate_ids,
        ).consume(),
    )


def test_slate_round_trips_and_a_reupload_is_recognised(store, seeded, slate_cleanup):
    slate_ids, _ = slate_cleanup
    tag = f"Test-{uuid.uuid4().hex[:10]}"
    slate = _slate(store, tag)
    slate_id = store.save_slate(slate)
    slate_ids.append(slate_id)

    assert store.get_slate(slate_id) == slate
    assert [e.name for e in store.get_slate(slate_id).entries] == [e.name for e in slate.entries]
    assert store.save_slate(slate) == slate_id
    summary = store.get_slate_summary(slate_id)
    assert (summary.entries, summary.version, summary.track_type) == (8, 1, "short")

    changed = _slate(store, tag, salary_step=400)  # new salaries for the same race
    changed_id = store.save_slate(changed)
    slate_ids.append(changed_id)
    assert changed_id != slate_id
    listed = store.list_slates(series=tag)
    assert {(s.slate_id, s.version) for s in listed} == {(slate_id, 1), (changed_id, 2)}
    assert store.counts()["Slate"] >= 2
    assert store.get_slate(f"{tag}-missing") is None


def test_concurrent_first_saves_of_one_slate_all_succeed(store, seeded, slate_cleanup):
    slate_ids, _ = slate_cleanup
    slate = _slate(store, f"Test-{uuid.uuid4().hex[:10]}")
    with ThreadPoolExecutor(max_workers=6) as pool:
        saved = list(pool.map(lambda _: store.save_slate(slate), range(6)))
    slate_ids.extend(set(saved))
    assert len(set(saved)) == 1
    assert store.get_slate_summary(saved[0]).version == 1
    assert store.get_slate(saved[0]) == slate


def test_run_lineups_are_recorded_and_exposure_counts_them(store, seeded, slate_cleanup):
    slate_ids, run_ids = slate_cleanup
    tag = f"Test-{uuid.uuid4().hex[:10]}"
    slate = _slate(store, tag)
    slate_id = store.save_slate(slate)
    slate_ids.append(slate_id)
    names = slate.names
    # A window no real run falls in, so the exposure below is this test's alone.
    at = dt.datetime(1971, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=uuid.uuid4().int % 500_000)
    run_ids += [f"{tag}-a", f"{tag}-b"]

    store.record_run(run_ids[0], slate_id, [(0, 1, 2, 3, 4, 5), (0, 1, 2, 3, 4, 6)], recorded_at=at)
    # A retried flow records the same run again: its lineups are replaced, not doubled.
    store.record_run(run_ids[0], slate_id, [(0, 1, 2, 3, 4, 5), (0, 1, 2, 3, 4, 6)], recorded_at=at)
    store.record_run(run_ids[1], slate_id, [[names[0], names[2], names[3], names[4], names[6], names[7]]],
                     recorded_at=at + dt.timedelta(seconds=1))

    assert store.run_lineups(run_ids[0]) == [names[:6], names[:5] + [names[6]]]
    exposure = {e.driver: e for e in store.driver_exposure(at, at + dt.timedelta(minutes=1))}
    assert exposure[names[0]].lineups == 3 and exposure[names[0]].runs == 2
    assert exposure[names[1]].lineups == 2
    assert exposure[names[7]].lineups == 1
    assert exposure[names[0]].exposure == pytest.approx(1.0)
    assert exposure[names[5]].exposure == pytest.approx(1 / 3)
    assert store.driver_exposure(at + dt.timedelta(minutes=1), at + dt.timedelta(minutes=2)) == []

    with pytest.raises(UnknownSlate):
        store.record_run(f"{tag}-c", f"{tag}-missing", [(0, 1, 2, 3, 4, 5)])
    with pytest.raises(ValueError):
        store.record_run(f"{tag}-c", slate_id, [(0, 1, 2, 3, 4)])  # five drivers is no lineup


def test_the_warm_up_runs_a_jobs_queries_and_leaves_the_graph_as_it_was(store, seeded):
    # A warm-up that died between its writes and its deletes left its slate and run behind.
    leftover = store.save_slate(WARM_UP_SLATE)
    store.record_run(WARM_UP_RUN, leftover, [tuple(range(6))])
    fingerprint = store.history_fingerprint()

    assert store.warm_up() > 0

    assert store.get_slate(leftover) is None and store.run_lineups(WARM_UP_RUN) is None
    assert leftover not in {summary.slate_id for summary in store.list_slates(limit=1000)}
    assert store.history_fingerprint() == fingerprint


def test_a_seed_can_end_by_warming_a_jobs_queries_over_what_it_wrote(store, seeded, bundled_rows):
    counts, fingerprint = store.counts(), store.history_fingerprint()
    first_race = [row for row in bundled_rows if row["race_date"] == bundled_rows[0]["race_date"]]

    assert store.seed(first_race).warm_up_seconds is None
    warmed = store.seed(first_race, warm=True)

    assert warmed.rows_written == len(first_race) and warmed.warm_up_seconds > 0
    assert store.counts() == counts and store.history_fingerprint() == fingerprint


def test_a_dead_server_raises_store_unavailable():
    dead = GraphStore(f"bolt://127.0.0.1:{free_port()}", timeout_seconds=1.0)
    try:
        with pytest.raises(StoreUnavailable) as ping_error:
            dead.ping()
        assert ping_error.value.store == "neo4j"
        with pytest.raises(StoreUnavailable) as read_error:
            dead.results_before("2022-01-01")
        assert "history" in read_error.value.reason
        with pytest.raises(StoreUnavailable):
            dead.save_slate(Slate(track="Martinsville Speedway", date=dt.date(2031, 3, 2), laps=400,
                                  entries=tuple(Entry(f"D{i}", i, 6000, i) for i in range(1, 7))))
    finally:
        dead.close()


# -- the calibration's read: one aggregated query, the same history ------------------------------------------


def _history_by_rows(store: GraphStore, before: dt.date, series: str, newcomers=()) -> History:
    """The history as the calibration read it before: every result a record, then `History.from_rows`."""
    rows = store.results_before(before, series=series)
    return History.from_rows(rows + store.other_series_results(list(newcomers), before, series=series))


def _same_history(a: History, b: History) -> None:
    assert len(a) == len(b) > 0
    for name, column in vars(a).items():
        other = getattr(b, name)
        if isinstance(column, np.ndarray):
            assert column.dtype == other.dtype and np.array_equal(column, other, equal_nan=column.dtype.kind == "f"), name
        else:
            assert column == other, name


@pytest.mark.parametrize(("before", "series"), [(dt.date(2024, 11, 10), "Cup"), (dt.date(2021, 5, 9), "Cup"),
                                                (dt.date(2023, 6, 1), "Trucks")])
def test_races_before_build_the_history_the_result_rows_build(store, seeded, before, series):
    _same_history(_history_by_rows(store, before, series), History.from_races(store.races_before(before, series=series)))


def test_a_missing_loop_value_in_the_graph_shifts_no_other_driver(store, namespace):
    tag, driver_ids = namespace
    rows = _race_rows(tag, driver_ids, [1, 2, 3, 4])
    for row, avg in zip(rows, ["1.5", "", "3.25", "4"]):
        row["avg"] = avg
    store.seed(rows)
    by_races = History.from_races(store.races_before("2021-01-01", series=tag))
    _same_history(_history_by_rows(store, dt.date(2021, 1, 1), tag), by_races)
    assert by_races.avg_position.tolist()[:1] == [1.5] and np.isnan(by_races.avg_position[1])
    assert by_races.avg_position.tolist()[2:] == [3.25, 4.0]


def test_the_calibrate_task_fits_the_same_model_as_from_every_result_row(store, seeded):
    """The flow's calibration (tasks.scenarios.calibrate_race) on the aggregated read, against the model fitted
    on the history read row by row, to the bit; the slate has a driver new to Cup, so the other series' races
    are read too."""
    before = dt.date(2024, 11, 10)
    full = History.from_csv()
    slate, _ = slate_from_race(full, "Cup", before, "Phoenix Raceway")
    in_cup = set(full.driver[(full.series == "Cup") & (full.date < np.datetime64(before))].tolist())
    newcomer = next(name for name in full.driver[(full.series == "Trucks") & (full.date < np.datetime64(before))][::-1]
                    if name not in in_cup)
    last = slate.entries[-1]
    slate = dataclasses.replace(slate, entries=slate.entries[:-1] + (dataclasses.replace(last, name=newcomer),))

    model = calibrate_task.fn(slate, False, {})
    reference = calibrate_race(_history_by_rows(store, before, "Cup", [newcomer]), slate)
    assert [n.driver for n in model.newcomers] == [newcomer]
    assert pickle.dumps(model) == pickle.dumps(reference)
