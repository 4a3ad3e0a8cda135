"""Every slate of a season the history has not seen: how many run, how many lineups are valid.

    .venv/bin/python bench/every_slate.py [--season 2024] [--scenarios 2000] [--lineups 20]

The history holds every race (all series) before the season's first day, nothing later, so the
season's rookies and one-off entries are drivers without history and any new venue needs its
type, exactly as a scheduler meets them. Each Cup race of the season is a slate with pre-race
salaries (`history.slate_from_race`); pitwall calibrates, simulates and solves it as
`pitwall optimize` does. Reported: races run and refused (with why), drivers without history, and
lineups breaking a DraftKings rule. Writes bench/out/every_slate.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from pitwall.calibration import calibrate
from pitwall.contest import DEFAULT_STYLE, PayoutTable
from pitwall.history import History, slate_from_race
from pitwall.portfolio import Controls
from pitwall.rules import LineupError, validate_lineup
from pitwall.run import solve_portfolio
from pitwall.simulation import simulate

OUT = Path(__file__).resolve().parent / "out"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--season", type=int, default=2024)
    parser.add_argument("--scenarios", type=int, default=2_000)
    parser.add_argument("--lineups", type=int, default=20)
    args = parser.parse_args()

    full = History.from_csv()
    known = full.before(dt.date(args.season, 1, 1))
    payout = PayoutTable.gpp(10_000, 20.0)
    rows, refused, invalid, lineups = [], [], 0, 0
    for number, race in enumerate(full.races_of("Cup", start=dt.date(args.season, 1, 1),
                                                 end=dt.date(args.season, 12, 31))):
        slate, _ = slate_from_race(full, "Cup", race.date, race.track)
        try:
            model = calibrate(known, slate)
            points = simulate(model, args.scenarios, seed=number).points
            portfolio = solve_portfolio(points, slate, Controls(n_lineups=args.lineups, max_exposure=0.5),
                                        payout, DEFAULT_STYLE, seed=number)
        except Exception as error:  # a refused slate is what this counts, whatever refused it
            refused.append({"race": f"{race.date} {race.track}", "error": str(error)})
            continue
        for lineup in portfolio.lineups:
            lineups += 1
            try:
                validate_lineup(lineup, slate.salaries)
            except LineupError:
                invalid += 1
        rows.append({"race": f"{race.date} {race.track}", "newcomers": [n.driver for n in model.newcomers]})
        print(f"{race.date} {race.track}: {len(model.newcomers)} without history", flush=True)
    newcomers = sum(len(r["newcomers"]) for r in rows)
    print(f"\nCup {args.season}, history before {args.season}: {len(rows)} slates run, {len(refused)} refused, "
          f"{newcomers} drivers without Cup history raced with the prior, {invalid} invalid of {lineups} lineups")
    for r in refused:
        print(f"refused: {r['race']}: {r['error']}")
    OUT.mkdir(exist_ok=True)
    (OUT / "every_slate.json").write_text(json.dumps(
        {"season": args.season, "run": rows, "refused": refused, "invalid_lineups": invalid, "lineups": lineups},
        indent=2) + "\n")


if __name__ == "__main__":
    main()
