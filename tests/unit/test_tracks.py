import csv
import datetime as dt
from importlib import resources

import pytest

from pitwall.tracks import TRACK_TYPE_NAMES, TRACK_TYPES, UnknownTrack, check_track_type, track_type


def test_every_track_in_the_bundled_results_has_a_type():
    with resources.files("pitwall").joinpath("data/race-logs-2019-2024.csv").open() as handle:
        names = {row["track_name"] for row in csv.DictReader(handle)}
    assert names - TRACK_TYPES.keys() == set()
    assert set(TRACK_TYPES.values()) <= set(TRACK_TYPE_NAMES)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Daytona International Speedway", "superspeedway"),
        ("Talladega Superspeedway", "superspeedway"),
        ("Las Vegas Motor Speedway", "intermediate"),
        ("Martinsville Speedway", "short"),
        ("Chicago Street Race", "road"),
        ("Watkins Glen International", "road"),
        ("Bristol Motor Speedway Dirt", "dirt"),
        ("Bristol Motor Speedway", "short"),
    ],
)
def test_known_tracks(name, kind):
    assert track_type(name) == kind


def test_lookup_ignores_case_and_spacing():
    assert track_type("  talladega   SUPERSPEEDWAY ") == "superspeedway"


def test_atlanta_changed_type_with_its_2022_reconfiguration():
    assert track_type("Atlanta Motor Speedway", on=dt.date(2021, 3, 21)) == "intermediate"
    assert track_type("Atlanta Motor Speedway", on=dt.date(2022, 3, 20)) == "superspeedway"
    assert track_type("Atlanta Motor Speedway") == "superspeedway"


def test_unknown_track_lists_the_types():
    with pytest.raises(UnknownTrack) as error:
        track_type("Rockingham Speedway")
    assert isinstance(error.value, ValueError)
    for kind in TRACK_TYPE_NAMES:
        assert kind in str(error.value)


def test_track_type_names_are_checked():
    assert check_track_type("Road Course") == "road"
    with pytest.raises(ValueError, match="superspeedway"):
        check_track_type("oval")
