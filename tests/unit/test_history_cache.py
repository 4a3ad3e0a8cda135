"""A results file parsed once is read from the cache after: the same history, never a stale one."""

import itertools

import numpy as np
import pytest

from pitwall import history_cache
from pitwall.history import History, HistoryError, bundled_results

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
    monkeypatch.setattr(history_cache, "KEPT", 2)
    for kind in ("intermediate", "short", "road"):
        History.from_csv(results_csv, track_types={"Somewhere Speedway": kind})
    assert len(list(cache.glob("*.pickle"))) == 2 and not list(cache.glob("*.tmp"))
