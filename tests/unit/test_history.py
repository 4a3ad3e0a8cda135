import csv
import datetime as dt
import io

import numpy as np
import pytest

from pitwall.history import History, HistoryError, bundled_results, pre_race_salaries, slate_from_race

HEADER = "driver_name,driver_id,race_date,series,track_name,start,finish,fastest_lap,laps_led,laps,status"


@pytest.fixture(scope="module")
def history():
    return History.from_csv()


def test_bundled_results_load(history):
    assert len(history) > 20_000
    cup_2024 = history.races_of("Cup", start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    assert 30 <= len(cup_2024) <= 40
    # races are contiguous and in finishing order
    for race in history.races[:50]:
        assert list(history.finish[race.rows]) == sorted(history.finish[race.rows])


def test_merged_heats_are_dropped(history):
    merged = {(s, d, t) for s, d, t in history.merged}
    assert ("Cup", dt.date(2024, 2, 16), "Daytona International Speedway") in merged  # the Duels
    assert ("Cup", dt.date(2024, 5, 20), "North Wilkesboro Speedway") in merged  # All-Star + Open
    for race in history.races:
        finishes = history.finish[race.rows]
        assert len(set(finishes.tolist())) == len(finishes)
    with pytest.raises(KeyError, match="merges two heats"):
        history.find_race("Cup", dt.date(2024, 2, 16), "Daytona International Speedway")


def test_from_rows_matches_from_csv_and_takes_iso_dates():
    text = "\n".join(
        [HEADER]
        + [f"Driver {i},{i},2024-03-0{d},Cup,Phoenix Raceway,{i},{(i + d) % 6 + 1},{i},{10 * (i == d)},10,running"
           for d in (1, 2) for i in range(1, 7)]
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    history = History.from_rows(rows)
    assert len(history.races) == 2
    assert history.races[0].laps == 10 and history.races[0].track_type == "short"
    # DK points recomputed from the columns: winner of race 1 is driver 5 (start 5)
    winner = np.flatnonzero((history.race == 0) & (history.finish == 1))[0]
    assert history.driver_id[winner] == 5
    assert history.points[winner] == pytest.approx(45 + 4 + 0.45 * 5)


def test_bad_rows_name_row_and_column():
    good = "A,1,2024/03/01,Cup,Phoenix Raceway,1,1,0,0,10,running"
    with pytest.raises(HistoryError, match=r"row 3, column 'finish': 'first'"):
        History.from_rows(csv.DictReader(io.StringIO("\n".join([HEADER, good, good.replace(",1,1,0", ",1,first,0")]))))
    with pytest.raises(HistoryError, match=r"row 2, column 'race_date'"):
        History.from_rows(csv.DictReader(io.StringIO("\n".join([HEADER, good.replace("2024/03/01", "March 1")]))))
    with pytest.raises(HistoryError, match=r"row 2, column 'status': missing"):
        History.from_rows([{k: v for k, v in zip(HEADER.split(","), good.split(",")) if k != "status"}])


def test_unknown_track_is_kept_without_a_type():
    text = HEADER + "\nA,1,2025/06/01,Cup,Rockingham Speedway,1,1,0,0,10,running\n"
    history = History.from_rows(csv.DictReader(io.StringIO(text)))
    assert history.races[0].track_type is None


def test_slate_from_race_keeps_the_actual_results(history):
    slate, actual = slate_from_race(history, "Cup", dt.date(2024, 11, 10), "Phoenix Raceway")
    assert slate.laps == 312 and slate.kind == "short" and len(slate.entries) == 40
    logano = slate.index("Joey Logano")
    assert slate.entries[logano].start == 2 and actual.finish[logano] == 1
    assert actual.points[logano] == pytest.approx(94.8, abs=1e-4)
    assert actual.laps_led.sum() == 312
    assert [e.start for e in slate.entries] == list(range(1, 41))
    assert 4_500 <= slate.salaries.min() and slate.salaries.max() <= 12_500


def test_pre_race_salaries_ignore_the_race_itself(history):
    date = dt.date(2024, 11, 10)
    slate, _ = slate_from_race(history, "Cup", date, "Phoenix Raceway")
    ids = slate.dk_ids.tolist()
    # Removing the race (and everything after it) from the history changes nothing.
    keep = history.date < np.datetime64(date)
    rows = [
        {"driver_name": history.driver[i], "driver_id": history.driver_id[i], "race_date": history.date[i].astype(dt.date),
         "series": history.series[i], "track_name": history.track[i], "start": history.start[i],
         "finish": history.finish[i], "fastest_lap": history.fastest_laps[i], "laps_led": history.laps_led[i],
         "laps": history.laps_run[i], "status": "running" if history.running[i] else "accident"}
        for i in np.flatnonzero(keep)
    ]
    earlier = History.from_rows(rows)
    np.testing.assert_array_equal(pre_race_salaries(earlier, "Cup", date, ids), slate.salaries)
    # The 2024 champion's trailing form prices him near the top.
    assert slate.entries[int(np.argmax(slate.salaries))].name in {"Kyle Larson", "Christopher Bell", "William Byron"}


def _assert_same(a: History, b: History) -> None:
    assert len(a) == len(b) > 0 and a.races == b.races
    for name, column in vars(a).items():
        if isinstance(column, np.ndarray):
            other = getattr(b, name)
            assert column.dtype == other.dtype, name
            np.testing.assert_array_equal(column, other, err_msg=name)


def test_a_part_of_a_history_is_the_history_of_its_races_read_alone():
    with open(bundled_results(), encoding="utf-8") as file:
        records = [r for r in csv.DictReader(file) if r["race_date"] < "2019/07/01"]
    whole = History.from_rows(records)
    cut = dt.date(2019, 4, 1)
    _assert_same(whole.before(cut), History.from_rows([r for r in records if r["race_date"] < "2019/04/01"]))
    _assert_same(whole.since(cut), History.from_rows([r for r in records if r["race_date"] >= "2019/04/01"]))
    # A part is not the file it came from: a calibration fitted to it is not kept under the file's key.
    whole.source = "the file's key"
    assert whole.since(cut).source is None and len(whole.before(dt.date(2019, 1, 1))) == 0
