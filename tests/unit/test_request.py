"""What pitwall accepts as an optimize request, checked once at the edge."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from pitwall.request import MAX_DRIVERS, MAX_LINEUPS, MAX_SCENARIOS, OptimizeRequest

RACE = {"track": "Phoenix Raceway", "date": "2024-11-10", "laps": 312}
# Starts run 1 … the number of drivers (a grid of 7 has no 14th place), and a lineup fits the cap.
DRIVERS = [
    {"name": "Kyle Larson", "dk_id": 4030, "salary": 10500, "start": 4},
    {"name": "Christopher Bell", "dk_id": 4153, "salary": 9800, "start": 7},
    {"name": "Chase Elliott", "dk_id": 4062, "salary": 9000, "start": 5},
    {"name": "William Byron", "dk_id": 4184, "salary": 8200, "start": 2},
    {"name": "Denny Hamlin", "dk_id": 1361, "salary": 7500, "start": 6},
    {"name": "Ryan Blaney", "dk_id": 4023, "salary": 6800, "start": 3},
    {"name": "Joey Logano", "dk_id": 3922, "salary": 5400, "start": 1},
]


def inline(**changes) -> dict:
    return {"race": dict(RACE), "drivers": [dict(d) for d in DRIVERS], **changes}


def problems(body: dict) -> dict[str, str]:
    """Each refused field as `a.b.c` with pydantic's message, the shape the API turns into its 422 body."""
    with pytest.raises(ValidationError) as caught:
        OptimizeRequest.model_validate(body)
    return {".".join(str(p) for p in e["loc"]) or "body": e["msg"] for e in caught.value.errors()}


def test_an_inline_slate_takes_the_defaults_it_does_not_name():
    request = OptimizeRequest.model_validate(inline())
    assert request.slate_id is None
    assert request.race.date == dt.date(2024, 11, 10)
    assert request.race.series == "Cup"
    assert [d.name for d in request.drivers] == [d["name"] for d in DRIVERS]
    assert request.scenario_config.n_scenarios == 10_000
    assert request.portfolio.n_lineups == 20


def test_a_stored_slate_needs_only_its_id():
    request = OptimizeRequest.model_validate({"slate_id": "cup-2024-11-10-phoenix-raceway-0123abcd99"})
    assert request.drivers == [] and request.race is None


def test_the_stored_form_validates_back_to_the_same_request():
    # The job keeps model_dump(mode="json") and the flow validates it again: nothing may drift in between.
    request = OptimizeRequest.model_validate(inline(scenario_config={"n_scenarios": 500}, portfolio={"n_lineups": 3}))
    assert OptimizeRequest.model_validate(request.model_dump(mode="json")) == request


@pytest.mark.parametrize(
    "body, says",
    [
        ({}, "give either slate_id"),
        ({"slate_id": "test", "race": RACE, "drivers": DRIVERS}, "not both"),
        ({"drivers": DRIVERS}, "need race"),
        ({"race": RACE, "drivers": DRIVERS[:5]}, "at least 6 drivers"),
    ],
)
def test_a_request_must_name_exactly_one_slate(body, says):
    found = problems(body)
    assert list(found) == ["body"] and says in found["body"]


def test_the_checkpoint_request_names_a_stored_slate():
    # The seed plan's checkpoint body: an empty driver list still names a stored slate.
    request = OptimizeRequest.model_validate({"slate_id": "test", "drivers": [], "scenario_config": {"n_scenarios": 100}})
    assert request.slate_id == "test" and request.scenario_config.n_scenarios == 100


def test_unknown_fields_are_refused_at_every_level():
    found = problems(inline(n_lineup=5, scenario_config={"n_scenario": 500}, race={**RACE, "lap": 312}))
    assert set(found) == {"n_lineup", "scenario_config.n_scenario", "race.lap"}
    assert all("Extra inputs" in message for message in found.values())


def test_an_unknown_field_on_a_driver_names_the_driver_by_position():
    drivers = [dict(d) for d in DRIVERS]
    drivers[2]["team"] = "Hendrick"
    assert set(problems(inline(drivers=drivers))) == {"drivers.2.team"}


def test_wrong_types_are_refused_one_message_per_field():
    found = problems({
        "slate_id": 5,
        "scenario_config": {"n_scenarios": "many", "seed": 1.5},
        "portfolio": {"max_exposure": "most", "locks": "Kyle Larson"},
    })
    assert set(found) == {
        "slate_id", "scenario_config.n_scenarios", "scenario_config.seed", "portfolio.max_exposure", "portfolio.locks",
    }


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"scenario_config": {"n_scenarios": 99}}, "scenario_config.n_scenarios"),
        ({"scenario_config": {"n_scenarios": MAX_SCENARIOS + 1}}, "scenario_config.n_scenarios"),
        ({"scenario_config": {"shards": 0}}, "scenario_config.shards"),
        ({"scenario_config": {"seed": -1}}, "scenario_config.seed"),
        ({"portfolio": {"n_lineups": 0}}, "portfolio.n_lineups"),
        ({"portfolio": {"n_lineups": MAX_LINEUPS + 1}}, "portfolio.n_lineups"),
        ({"portfolio": {"max_exposure": 0}}, "portfolio.max_exposure"),
        ({"portfolio": {"max_overlap": 6}}, "portfolio.max_overlap"),
        ({"portfolio": {"locks": ["a", "b", "c", "d", "e", "f", "g"]}}, "portfolio.locks"),
        ({"race": {**RACE, "laps": 0}}, "race.laps"),
        ({"race": {**RACE, "date": "2024-13-01"}}, "race.date"),
        ({"race": {**RACE, "track": ""}}, "race.track"),
    ],
)
def test_values_out_of_range_name_their_field(changes, field):
    assert set(problems(inline(**changes))) == {field}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"salary": 999}, "salary"),
        ({"salary": 20_001}, "salary"),
        ({"start": 0}, "start"),
        ({"start": MAX_DRIVERS + 1}, "start"),
        ({"dk_id": 0}, "dk_id"),
        ({"name": ""}, "name"),
    ],
)
def test_a_driver_out_of_range_is_named_by_position_and_field(change, field):
    drivers = [dict(d) for d in DRIVERS]
    drivers[4].update(change)
    assert set(problems(inline(drivers=drivers))) == {f"drivers.4.{field}"}


def test_more_drivers_than_a_field_holds_are_refused():
    many = [{"name": f"Driver {i}", "dk_id": i, "salary": 5000, "start": i} for i in range(1, MAX_DRIVERS + 2)]
    assert "drivers" in problems(inline(drivers=many))


@pytest.mark.parametrize("slate_id", ["../../etc/passwd", "cup 2024", "slate;DROP", "", "x" * 129])
def test_a_slate_id_is_a_plain_token(slate_id):
    assert set(problems({"slate_id": slate_id})) == {"slate_id"}


def test_a_slate_id_may_use_the_characters_generated_ids_use():
    assert OptimizeRequest.model_validate({"slate_id": "cup-2024-11-10_phoenix.raceway:0123abcd99"})
