"""The calibration cache's key: one slate, one history, one code → one key; any of them changed → another."""

import dataclasses
import datetime as dt

import pytest

from pitwall.slate import Entry, Slate
from tasks.scenarios import calibration_key, domain_code

HISTORY = {"revision": 3, "Result": 21041, "Race": 642, "Driver": 730, "Track": 40, "DROVE": 21041, "IN": 21041,
           "AT": 642}
CODE = "c0de"


def _slate(**changes) -> Slate:
    entries = tuple(Entry(name=f"Driver {i}", dk_id=1000 + i, salary=5000 + 100 * i, start=i) for i in range(1, 7))
    return dataclasses.replace(
        Slate(track="Phoenix Raceway", date=dt.date(2024, 11, 10), laps=312, entries=entries), **changes)


def _entries(change: dict) -> tuple[Entry, ...]:
    entries = list(_slate().entries)
    entries[2] = dataclasses.replace(entries[2], **change)
    return tuple(entries)


def test_the_same_inputs_give_the_same_key():
    assert calibration_key(_slate(), False, dict(HISTORY), CODE) == calibration_key(_slate(), False, dict(HISTORY), CODE)


@pytest.mark.parametrize("changes", [
    {"series": "Trucks"},
    {"track_type": "short"},
    {"track": "Richmond Raceway"},
    {"date": dt.date(2024, 11, 9)},
    {"laps": 313},
    {"entries": _entries({"name": "Someone Else"})},
    {"entries": _entries({"salary": 9900})},
    {"entries": _entries({"start": 30})},
    {"entries": _slate().entries + (Entry(name="Driver 7", dk_id=1007, salary=5700, start=7),)},
])
def test_any_change_of_the_slate_changes_the_key(changes):
    assert calibration_key(_slate(**changes), False, HISTORY, CODE) != calibration_key(_slate(), False, HISTORY, CODE)


@pytest.mark.parametrize("field", sorted(HISTORY))
def test_any_change_of_the_history_fingerprint_changes_the_key(field):
    moved = {**HISTORY, field: HISTORY[field] + 1}
    assert calibration_key(_slate(), False, moved, CODE) != calibration_key(_slate(), False, HISTORY, CODE)


def test_strict_names_and_the_code_change_the_key():
    key = calibration_key(_slate(), False, HISTORY, CODE)
    assert calibration_key(_slate(), True, HISTORY, CODE) != key
    assert calibration_key(_slate(), False, HISTORY, "other code") != key


def test_the_domain_code_digest_is_stable_in_a_process():
    assert domain_code() == domain_code() and len(domain_code()) == 64
