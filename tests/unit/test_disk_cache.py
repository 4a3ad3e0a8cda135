"""A results file parsed once, and a race model fitted to it once, are read from the cache after: the same
history and model, never a stale one."""

import itertools
from dataclasses import replace

import numpy as np
import pytest

from pitwall import disk_cache, run
from pitwall.history import History, HistoryError, bundled_results, slate_from_race
from pitwall.slate import Slate

COLUMNS = ("driver_id", "start", "finish", "laps_led", "fastest_laps", "running", "avg_position", "rating", "points")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PITWALL_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "history"


@pytest.fixture
def results_csv(tmp_path):
    """The bundled file's first 2,000 rows (whole races are not needed: the rules are the reader's)."""
    path = tmp_path / "results.csv"
    with open(bundled_results(), encoding="utf-8") as source:
        path.write_text("".join(itertools.islice(source, 2001)), encoding="utf-8")
    return path


def same(a: History, b: History) -> bool:
    return (all(np.array_equal(getattr(a, c), getattr(b, c), equal_nan=True) for c in COLUMNS)
            and a.races == b.races and a.unknown_tracks == b.unknown_tracks and a.skipped == b.skipped)


def test_the_second_read_comes_from_the_cache_and_is_the_same_history(cache, results_csv, monkeypatch):
    first = History.from_csv(results_csv)
    assert len(list(cache.glob("*.pickle"))) == 1
    monkeypatch.setattr(History, "from_rows", lambda *a, **k: pytest.fail("parsed again"))
    again = History.from_csv(results_csv)
    assert same(first, again) and len(again.since(again.races[0].date)) == len(first)


def test_a_changed_file_or_named_track_types_is_read_anew(cache, results_csv):
    first = History.from_csv(results_csv)
    lines = results_csv.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace(",running", ",accident", 1)
    results_csv.write_text("".join(lines), encoding="utf-8")
    changed = History.from_csv(results_csv)
    assert changed.running.sum() == first.running.sum() - 1
    History.from_csv(results_csv, track_types={"Daytona International Speedway": "intermediate"})
    assert len(list(cache.glob("*.pickle"))) == 3


def test_a_damaged_cache_file_is_parsed_past_and_replaced(cache, results_csv):
    first = History.from_csv(results_csv)
    (kept,) = cache.glob("*.pickle")
    kept.write_bytes(b"not a pickle")
    assert same(History.from_csv(results_csv), first)
    assert same(History.from_csv(results_csv), first) and kept.stat().st_size > 1000


def test_a_file_that_fails_its_checks_is_never_kept(cache, results_csv):
    lines = results_csv.read_text(encoding="utf-8").splitlines(keepends=True)
    bad = lines[1].split(",")
    bad[5] = "first"  # the start column
    results_csv.write_text("".join(lines[:1] + [",".join(bad)] + lines[2:]), encoding="utf-8")
    with pytest.raises(HistoryError, match="start"):
        History.from_csv(results_csv)
    assert not list(cache.glob("*.pickle"))


def test_a_cache_that_cannot_be_written_is_no_reason_to_fail(tmp_path, results_csv, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("")
    monkeypatch.setenv("PITWALL_CACHE", str(blocker))
    assert len(History.from_csv(results_csv)) > 0


def test_only_the_newest_histories_are_kept(cache, results_csv, monkeypatch):
    monkeypatch.setattr(disk_cache, "KEPT", 2)
    for kind in ("intermediate", "short", "road"):
        History.from_csv(results_csv, track_types={"Somewhere Speedway": kind})
    assert len(list(cache.glob("*.pickle"))) == 2 and not list(cache.glob("*.tmp"))


# --- calibrations


@pytest.fixture
def past(cache, results_csv):
    """A history read from a file and the slate of its last race (the races before it are its history)."""
    history = History.from_csv(results_csv)
    last = history.races[-1]
    return history, slate_from_race(history, last.series, last.date, last.track)[0]


def kept_models(cache):
    return list((cache.parent / "calibration").glob("*.pickle"))


def test_a_rerun_on_the_same_slate_loads_the_model_fitted_the_first_time(past, cache, results_csv, monkeypatch):
    history, slate = past
    first = run.calibrate_race(history, slate, kept=True)
    assert len(kept_models(cache)) == 1
    monkeypatch.setattr(run, "calibrate", lambda *a: pytest.fail("fitted again"))
    again = run.calibrate_race(History.from_csv(results_csv), slate, kept=True)  # as the next command reads it
    assert np.array_equal(first.strength, again.strength) and np.array_equal(first.dnf, again.dnf)
    assert (first.lead_focus, first.names, first.newcomers) == (again.lead_focus, again.names, again.newcomers)


def test_another_slate_or_another_file_is_fitted_anew(past, cache, results_csv):
    history, slate = past
    run.calibrate_race(history, slate, kept=True)
    entries = list(slate.entries)
    entries[0], entries[1] = replace(entries[0], start=entries[1].start), replace(entries[1], start=entries[0].start)
    swapped = Slate(slate.track, slate.date, slate.laps, tuple(entries), slate.track_type, slate.series)
    moved = run.calibrate_race(history, swapped, kept=True)
    assert len(kept_models(cache)) == 2 and moved.starts[0] == slate.entries[1].start
    lines = results_csv.read_text(encoding="utf-8").splitlines(keepends=True)
    results_csv.write_text("".join(lines[:-1]), encoding="utf-8")  # one result fewer
    run.calibrate_race(History.from_csv(results_csv), slate, kept=True)
    assert len(kept_models(cache)) == 3


def test_a_history_not_read_from_a_file_is_never_kept(past, cache):
    history, slate = past
    part = history.before(slate.date)
    assert part.source is None and history.source is not None
    run.calibrate_race(part, slate, kept=True)
    run.calibrate_race(history, slate)  # without `kept`, as the flows and the quality report call it
    assert kept_models(cache) == []


def test_a_kept_model_still_answers_to_strict_names(past, cache):
    history, slate = past
    newcomer = replace(slate.entries[-1], name="Nobody Raced Before", dk_id=987654321)
    odd = Slate(slate.track, slate.date, slate.laps, slate.entries[:-1] + (newcomer,), slate.track_type, slate.series)
    run.calibrate_race(history, odd, kept=True)
    with pytest.raises(run.UnknownDrivers):
        run.calibrate_race(history, odd, strict_names=True, kept=True)
