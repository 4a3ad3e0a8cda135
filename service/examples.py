"""Examples in the OpenAPI document: the sample slate (examples/sample-slate/DKSalaries.csv), held here because
the service is installed without the examples folder; tests/unit/test_openapi.py keeps the two identical."""

from __future__ import annotations

import csv
import io
from typing import Any

SAMPLE_SALARIES_CSV = """\
Position,Name + ID,Name,ID,Roster Position,Salary,Game Info,TeamAbbrev,AvgPointsPerGame,Start
D,Kyle Larson (4030),Kyle Larson,4030,D,12500,Phoenix Raceway 2024-11-10,,,4
D,Christopher Bell (4153),Christopher Bell,4153,D,12200,Phoenix Raceway 2024-11-10,,,7
D,Chase Elliott (4062),Chase Elliott,4062,D,11900,Phoenix Raceway 2024-11-10,,,5
D,William Byron (4184),William Byron,4184,D,11500,Phoenix Raceway 2024-11-10,,,8
D,Denny Hamlin (1361),Denny Hamlin,1361,D,11200,Phoenix Raceway 2024-11-10,,,14
D,Ryan Blaney (4023),Ryan Blaney,4023,D,10900,Phoenix Raceway 2024-11-10,,,17
D,Brad Keselowski (1816),Brad Keselowski,1816,D,10600,Phoenix Raceway 2024-11-10,,,27
D,Tyler Reddick (4065),Tyler Reddick,4065,D,10300,Phoenix Raceway 2024-11-10,,,10
D,Alex Bowman (4045),Alex Bowman,4045,D,10000,Phoenix Raceway 2024-11-10,,,16
D,Bubba Wallace (4025),Bubba Wallace,4025,D,9800,Phoenix Raceway 2024-11-10,,,29
D,Chris Buescher (3989),Chris Buescher,3989,D,9500,Phoenix Raceway 2024-11-10,,,24
D,Ross Chastain (4001),Ross Chastain,4001,D,9200,Phoenix Raceway 2024-11-10,,,3
D,Joey Logano (3859),Joey Logano,3859,D,8900,Phoenix Raceway 2024-11-10,,,2
D,Daniel Suarez (4113),Daniel Suarez,4113,D,8700,Phoenix Raceway 2024-11-10,,,34
D,Carson Hocevar (4326),Carson Hocevar,4326,D,8400,Phoenix Raceway 2024-11-10,,,15
D,Martin Truex Jr. (3368),Martin Truex Jr.,3368,D,8200,Phoenix Raceway 2024-11-10,,,1
D,Austin Cindric (4180),Austin Cindric,4180,D,7900,Phoenix Raceway 2024-11-10,,,11
D,Kyle Busch (454),Kyle Busch,454,D,7700,Phoenix Raceway 2024-11-10,,,25
D,Ryan Preece (4070),Ryan Preece,4070,D,7500,Phoenix Raceway 2024-11-10,,,33
D,Zane Smith (4272),Zane Smith,4272,D,7200,Phoenix Raceway 2024-11-10,,,28
D,Chase Briscoe (4228),Chase Briscoe,4228,D,7000,Phoenix Raceway 2024-11-10,,,12
D,Austin Dillon (3873),Austin Dillon,3873,D,6800,Phoenix Raceway 2024-11-10,,,36
D,Michael McDowell (3832),Michael McDowell,3832,D,6600,Phoenix Raceway 2024-11-10,,,35
D,Ty Gibbs (4368),Ty Gibbs,4368,D,6400,Phoenix Raceway 2024-11-10,,,6
D,Noah Gragson (4224),Noah Gragson,4224,D,6200,Phoenix Raceway 2024-11-10,,,21
D,Ricky Stenhouse Jr. (3888),Ricky Stenhouse Jr.,3888,D,6100,Phoenix Raceway 2024-11-10,,,30
D,Todd Gilliland (4231),Todd Gilliland,4231,D,5900,Phoenix Raceway 2024-11-10,,,32
D,Erik Jones (4059),Erik Jones,4059,D,5700,Phoenix Raceway 2024-11-10,,,19
D,Daniel Hemric (4093),Daniel Hemric,4093,D,5600,Phoenix Raceway 2024-11-10,,,22
D,Justin Haley (4172),Justin Haley,4172,D,5400,Phoenix Raceway 2024-11-10,,,13
D,Josh Berry (4123),Josh Berry,4123,D,5300,Phoenix Raceway 2024-11-10,,,39
D,Corey LaJoie (4096),Corey LaJoie,4096,D,5100,Phoenix Raceway 2024-11-10,,,20
D,Harrison Burton (4217),Harrison Burton,4217,D,5000,Phoenix Raceway 2024-11-10,,,9
D,John Hunter Nemechek (4092),John Hunter Nemechek,4092,D,4900,Phoenix Raceway 2024-11-10,,,18
D,Derek Kraus (4297),Derek Kraus,4297,D,4800,Phoenix Raceway 2024-11-10,,,26
D,Kaz Grala (4191),Kaz Grala,4191,D,4700,Phoenix Raceway 2024-11-10,,,31
D,Jimmie Johnson (1717),Jimmie Johnson,1717,D,4600,Phoenix Raceway 2024-11-10,,,23
D,JJ Yeley (3669),JJ Yeley,3669,D,4600,Phoenix Raceway 2024-11-10,,,37
D,Chad Finchum (4232),Chad Finchum,4232,D,4500,Phoenix Raceway 2024-11-10,,,38
D,Jeb Burton (4018),Jeb Burton,4018,D,4500,Phoenix Raceway 2024-11-10,,,40
"""

SAMPLE_RACE = {"track": "Phoenix Raceway", "date": "2024-11-10", "laps": 312}


def _inline_drivers() -> list[dict[str, Any]]:
    return [
        {"name": row["Name"], "dk_id": int(row["ID"]), "salary": int(row["Salary"]), "start": int(row["Start"])}
        for row in csv.DictReader(io.StringIO(SAMPLE_SALARIES_CSV))
    ]


OPTIMIZE_EXAMPLES: dict[str, dict[str, Any]] = {
    "inline sample slate": {
        "summary": "The sample slate inline (Phoenix, 2024-11-10, 40 drivers), 20 lineups",
        "value": {
            "race": SAMPLE_RACE,
            "drivers": _inline_drivers(),
            "scenario_config": {"n_scenarios": 10_000, "seed": 7},
            "portfolio": {"n_lineups": 20, "max_exposure": 0.5, "max_overlap": 4, "locks": ["Ryan Blaney"]},
            "contest": {"entries": 10_000, "entry_fee": 20, "field": "weak"},
        },
    },
    "stored slate": {
        "summary": "A slate uploaded before (POST /api/v1/slates), as make demo submits it",
        "value": {
            "slate_id": "cup-2024-11-10-phoenix-raceway-364a08e1f5",
            "scenario_config": {"n_scenarios": 10_000, "seed": 7},
            "portfolio": {"n_lineups": 20, "max_exposure": 0.5, "max_overlap": 4},
        },
    },
}

SLATE_UPLOAD_EXAMPLES: dict[str, dict[str, Any]] = {
    "sample slate": {
        "summary": "The sample slate's DraftKings salary CSV, with its Start column",
        "value": {"salaries_csv": SAMPLE_SALARIES_CSV, **SAMPLE_RACE},
    },
}
