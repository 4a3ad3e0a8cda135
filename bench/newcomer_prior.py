"""The newcomer prior: fitted on first Cup starts of earlier seasons, confirmed on a later one.

    .venv/bin/python bench/newcomer_prior.py [--fit 2020-2023] [--confirm 2024] [--scenarios 4000]

Every Cup race whose field holds a driver with no earlier Cup result is a slate as
`history.slate_from_race` builds it (pre-race salaries: a driver new to Cup is priced from
his other-series form). The prior's coefficients (`pitwall.newcomers`) maximize the exact
log-likelihood of those races' finishing orders (finishers and DNFs, `quality.order_loglik`)
over the fit seasons, every other driver's strength as calibrated; the confirm season is
scored with them, untouched. Reported per season set, for the fitted prior against the
"average driver" prior (skill 0): mean finish log-likelihood per race, and the newcomers'
DK points MAE (simulated mean against actual). Writes bench/out/newcomer_prior.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from pitwall.calibration import calibrate, fit_skills, newcomer_features
from pitwall.history import History, slate_from_race
from pitwall.newcomers import AVERAGE_DRIVER, NEWCOMER_PRIOR, NewcomerPrior
from pitwall.quality import order_loglik
from pitwall.simulation import simulate

OUT = Path(__file__).resolve().parent / "out"
# A light ridge keeps four coefficients fitted on a few dozen debuts from chasing noise.
RIDGE = 0.5


@dataclass
class Debut:
    date: dt.date
    track: str
    newcomers: np.ndarray  # mask over the slate's entries
    features: np.ndarray
    base: np.ndarray  # strength with the average-driver prior
    dnf: np.ndarray
    order: np.ndarray
    actual_points: np.ndarray


def _seasons(text: str) -> tuple[int, int]:
    first, _, last = text.partition("-")
    return int(first), int(last or first)


def debuts(history: History, first: int, last: int) -> list[Debut]:
    found = []
    for race in history.races_of("Cup", start=dt.date(first, 1, 1), end=dt.date(last, 12, 31)):
        slate, actual = slate_from_race(history, "Cup", race.date, race.track)
        earlier_cup = set(history.driver_id[(history.series == "Cup") & (history.date < np.datetime64(race.date))].tolist())
        new = np.array([e.dk_id not in earlier_cup for e in slate.entries])
        if not new.any():
            continue
        fitted = fit_skills(history, slate, slate.kind)
        model = calibrate(history, slate, prior=AVERAGE_DRIVER)
        found.append(Debut(
            date=race.date, track=race.track, newcomers=new,
            features=newcomer_features(history, slate, fitted.driver_ids, new),
            base=model.strength, dnf=model.dnf, order=np.argsort(actual.finish, kind="stable"),
            actual_points=actual.points,
        ))
    return found


def strength(debut: Debut, coefficients: np.ndarray) -> np.ndarray:
    return debut.base + np.where(debut.newcomers, debut.features @ coefficients, 0.0)


def loglik(races: list[Debut], coefficients: np.ndarray) -> float:
    return float(np.mean([order_loglik(strength(d, coefficients), d.dnf, d.order) for d in races]))


def fit(races: list[Debut]) -> NewcomerPrior:
    def objective(c: np.ndarray) -> float:
        return -loglik(races, c) * len(races) + 0.5 * RIDGE * float(c @ c)

    # A higher price never makes a driver slower: the salary's weight is held at 0 or above. The past
    # races' salaries are modeled from the same other-series form the prior reads, so the fit alone
    # cannot tell the two apart and would otherwise trade one against the other.
    bounds = [(None, None), (0.0, None), (None, None), (None, None)]
    found = minimize(objective, np.zeros(4), method="L-BFGS-B", bounds=bounds)
    return NewcomerPrior(*(round(float(v), 3) for v in found.x))


def points_mae(history: History, races: list[Debut], prior: NewcomerPrior, scenarios: int) -> float:
    errors = []
    for number, debut in enumerate(races):
        slate, _ = slate_from_race(history, "Cup", debut.date, debut.track)
        model = calibrate(history, slate, prior=prior)
        mean = simulate(model, scenarios, seed=number).points.mean(axis=0)
        errors.extend(np.abs(mean - debut.actual_points)[debut.newcomers].tolist())
    return float(np.mean(errors))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fit", default="2020-2023")
    parser.add_argument("--confirm", default="2024")
    parser.add_argument("--scenarios", type=int, default=4000)
    args = parser.parse_args()

    history = History.from_csv()
    fit_races = debuts(history, *_seasons(args.fit))
    confirm_races = debuts(history, *_seasons(args.confirm))
    prior = fit(fit_races)
    rows = []
    for label, races in ((f"fit {args.fit}", fit_races), (f"confirm {args.confirm}", confirm_races)):
        drivers = int(sum(d.newcomers.sum() for d in races))
        for name, candidate in (("average driver", AVERAGE_DRIVER), ("newcomer prior", prior)):
            rows.append({
                "seasons": label, "races": len(races), "newcomers": drivers, "prior": name,
                "finish_loglik": round(loglik(races, candidate.coefficients), 3),
                "newcomer_points_mae": round(points_mae(history, races, candidate, args.scenarios), 2),
            })
    print(f"fitted: {prior}  (shipped: {NEWCOMER_PRIOR})")
    print("| seasons | races | newcomers | prior | finish log-likelihood per race | newcomers' points MAE |")
    print("|---|---:|---:|---|---:|---:|")
    for r in rows:
        print(f"| {r['seasons']} | {r['races']} | {r['newcomers']} | {r['prior']} | {r['finish_loglik']:.3f} "
              f"| {r['newcomer_points_mae']:.2f} |")
    OUT.mkdir(exist_ok=True)
    (OUT / "newcomer_prior.json").write_text(json.dumps({"fitted": vars(prior), "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
