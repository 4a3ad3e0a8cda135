"""The one reader of race results: its rules, one each."""

import csv
import datetime as dt

import pytest

from pitwall import results
from pitwall.history import bundled_results
from pitwall.results import (
    RACE_COLUMNS,
    RESULT_COLUMNS,
    UnknownTrackTypes,
    parse_row,
    race_track_type,
    read_race_columns,
    read_results,
)
from pitwall.tracks import parse_track_types, track_type


def row(**changes) -> dict:
    base = {c: "" for c in RESULT_COLUMNS} | {
        "driver_name": "A Driver", "driver_id": "1", "race_date": "2024/03/10", "series": "Cup",
        "track_name": "Phoenix Raceway", "start": "3", "finish": "1", "fastest_lap": "40", "laps_led": "100",
        "laps": "312", "rating": "120.5", "status": "running",
    }
    return base | {k: str(v) for k, v in changes.items()}


def field(n: int = 4, **changes) -> list[dict]:
    return [row(driver_name=f"D{i}", driver_id=i, start=i, finish=i, laps_led=0, **changes) for i in range(1, n + 1)]


def test_whole_numbers_may_be_written_as_spreadsheets_write_them():
    parsed = parse_row(row(start="12.0", finish="1"), 2)
    assert parsed.start == 12 and parsed.loop["rating"] == 120.5 and parsed.race_date == dt.date(2024, 3, 10)
    assert parse_row(row(race_date="2024-03-10"), 2).race_date == dt.date(2024, 3, 10)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"start": "0"}, "column 'start': 0: positions start at 1"),
        ({"finish": "first"}, "column 'finish': 'first' is not a whole number"),
        ({"start": "2.5"}, "column 'start': '2.5' is not a whole number"),
        ({"laps_led": "400"}, "column 'laps_led': 400 exceeds laps 312"),
        ({"fastest_lap": "-1"}, "column 'fastest_lap': -1 is negative"),
        ({"status": " "}, "column 'status': missing"),
        ({"race_date": "March 1"}, "column 'race_date'"),
        ({"rating": "fast"}, "column 'rating': 'fast' is not a number"),
        ({"track_type": "moon"}, "column 'track_type': unknown track type 'moon'"),
    ],
)
def test_a_bad_row_names_its_column(changes, message):
    with pytest.raises(ValueError, match=message):
        parse_row(row(**changes), 2)


def test_bad_and_repeated_rows_are_rejected_with_their_line_and_the_rest_is_read():
    rows = field(4)
    rows.insert(2, row(finish="x"))
    rows.append(dict(rows[0]))
    results = read_results(rows)
    assert [(r.line, r.reason.split(":")[0]) for r in results.rejected] == [(4, "column 'finish'"), (7, "duplicate of line 2")]
    assert results.rows_read == 6 and len(results.races) == 1 and len(results.races[0].rows) == 4


def test_merged_heats_are_found_by_a_repeated_position_or_driver():
    repeated_position = field(3) + [row(driver_name="D9", driver_id=9, start=9, finish=2, laps_led=0)]
    repeated_driver = field(3) + [row(driver_name="D1", driver_id=1, start=1, finish=4, laps_led=0, laps=100)]
    single = read_results(field(3)).races[0]
    assert not single.merged and single.laps == 312
    assert read_results(repeated_position).races[0].heats == 2
    assert read_results(repeated_driver).races[0].merged


def test_a_track_type_comes_from_the_rows_then_the_user_then_the_map():
    assert read_results(field(track_type="Road Course")).races[0].track_type == "road"
    assert read_results(field(track_name="Bowman Gray Stadium")).races[0].track_type == "short"
    named = {"Autódromo de Prueba": "road"}
    assert read_results(field(track_name="autodromo de  PRUEBA"), track_types=named).races[0].track_type == "road"
    assert race_track_type("Atlanta Motor Speedway", dt.date(2021, 3, 21)) == "intermediate"
    assert track_type("Autodromo Hermanos Rodriguez") == "road"  # accents ignored


def test_unknown_venues_are_kept_skipped_or_all_listed():
    rows = field(track_name="Rockingham Speedway") + field(track_name="Hill Country Circuit", race_date="2024/04/01")
    rows += field(race_date="2024/05/01")
    kept = read_results(rows)
    assert [r.track_type for r in kept.races] == [None, None, "short"]
    assert kept.unknown_tracks == {"Rockingham Speedway": 1, "Hill Country Circuit": 1}
    skipped = read_results(rows, unknown_tracks="skip")
    assert len(skipped.races) == 1 and len(skipped.skipped) == 2
    with pytest.raises(UnknownTrackTypes) as error:
        read_results(rows, unknown_tracks="error")
    assert "'Hill Country Circuit' (1 race)" in str(error.value) and "'Rockingham Speedway'" in str(error.value)


def test_track_types_are_named_as_name_equals_type():
    assert parse_track_types(["Rockingham Speedway=short", "A=B Circuit=road course"]) == {
        "Rockingham Speedway": "short", "A=B Circuit": "road"}
    with pytest.raises(ValueError, match="NAME=TYPE"):
        parse_track_types(["short"])
    with pytest.raises(ValueError, match="unknown track type 'moon'"):
        parse_track_types(["Luna=moon"])


# -- a race at a time, as columns (the graph's aggregated read) ---------------------------------------------


def typed(raw: dict) -> dict:
    """A row as the graph holds it: numbers as numbers, a date as a date, a missing loop value as None."""
    out = {}
    for column, value in raw.items():
        if column in results.REQUIRED_INT + results.OPTIONAL_INT:
            out[column] = int(value) if str(value).strip().lstrip("-").isdigit() else (value or None)
        elif column in results.OPTIONAL_FLOAT:
            out[column] = float(value) if value else None
        elif column == "race_date":
            out[column] = dt.date.fromisoformat(value.replace("/", "-"))
        else:
            out[column] = value
    return out


def as_races(rows: list[dict]) -> list[dict]:
    """Consecutive rows of one race → one record with a list per column, as `GraphStore.races_before` gives."""
    races: list[dict] = []
    for r in rows:
        key = {c: r.get(c) for c in RACE_COLUMNS}
        if not races or any(races[-1][c] != v for c, v in key.items()):
            races.append(key | {c: [] for c in r if c not in RACE_COLUMNS})
        for c, v in r.items():
            if c not in RACE_COLUMNS:
                races[-1][c].append(v)
    return races


def test_races_as_columns_read_as_the_same_rows_do(monkeypatch):
    with open(bundled_results(), newline="") as handle:
        rows = [typed(r) for r in csv.DictReader(handle) if r["race_date"].startswith("2023")]
    by_rows = read_results(rows)

    def row_by_row(*args):
        raise AssertionError("clean races are read a column at a time")

    monkeypatch.setattr(results, "parse_row", row_by_row)
    by_races = read_race_columns(as_races(rows))
    assert by_races.rows_read == by_rows.rows_read == len(rows)
    assert by_races.rejected == by_rows.rejected == []
    assert by_races.races == by_rows.races  # every row, its line and loop data, and each race's heats and type
    assert any(r.merged for r in by_races.races)


def test_a_race_with_a_bad_row_gets_the_same_rejections_and_lines():
    first = [typed(r) for r in field(3)]
    second = [typed(r) for r in field(4, race_date="2024/03/17")]
    second[1]["finish"] = None  # line 6
    second[2]["laps_led"] = 400  # line 7: more than the laps
    second[3]["start"] = "4.0"  # line 8: spreadsheet-written, still read
    second[0]["status"] = " Running "  # line 5: trimmed and read
    rows = first + second + [dict(first[0])]  # line 9 repeats line 2
    by_rows, by_races = read_results(rows), read_race_columns(as_races(rows))
    assert [(r.line, r.reason) for r in by_races.rejected] == [(r.line, r.reason) for r in by_rows.rejected]
    assert [r.line for r in by_races.rejected] == [6, 7, 9]
    assert by_races.races == by_rows.races


def test_a_missing_loop_value_leaves_the_other_drivers_theirs():
    rows = [typed(r) for r in field(3)]
    rows[1]["rating"] = None
    (race,) = read_race_columns(as_races(rows)).races
    assert [r.loop.get("rating") for r in race.rows] == [120.5, None, 120.5]
    assert race.rows == read_results(rows).races[0].rows
