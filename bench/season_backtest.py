"""Season backtest on actual results, against a field pitwall's own model never built.

    .venv/bin/python bench/season_backtest.py --seasons 2021 2022 2023 2024 [--lineups 20] [--scenarios 10000]

Per Cup race of each season:
- the slate: pre-race salaries (`history.slate_from_race`: trailing DK form of earlier races only);
- what the public sees: each driver's plain average of DK points over his last 16 races in the
  series (`history.trailing_average`; a driver with none gets the field's lowest average);
- the contest: 10,000 entries at $20, pitwall's typical top-heavy GPP payout;
- the field: 10,000 − lineups opponents drawn by the public ownership model below, which reads
  the public projection and salaries only — never pitwall's simulation nor its field model;
- the contestants, `--lineups` lineups each, max exposure 0.5, max overlap 4 where the tool has
  them: pitwall (calibrated on races before the date, told the contest's size, fee and payout);
  pydfs-lineup-optimizer on the public projection; pydfs on a grid-aware projection (drivers ranked
  by average finish over their last 16 races, scored as that finish plus place differential from
  their start); random valid lineups;
- scored on the race's actual DK points: top-1% finishes per lineup, whether any lineup reached
  the top 1%, and ROI (prizes over fees − 1).

Public ownership model: a driver's weight is exp(1.0 · z(projection) + 0.7 · z(value)), value
being projected points per $1,000 and z a standard score over the slate; an opponent's lineup is
six drivers drawn without replacement in proportion to weight (Gumbel top-6), kept if it costs
$45,000–$50,000 (real fields spend close to the cap). Duplicates stay, as in real fields.

`--field-choice` runs pitwall with its solver's opponents drawn from its own simulated means in each
style a request may ask for (`weak`, the default, and `sharp`), and nothing else: the default was
chosen between them on 2021–2023, with 2024 held out (docs/backtest.md).

`--choice NAME=VALUE ...` runs pitwall as shipped and with those calibration choices (the constants of
`pitwall.calibration` that `bench/model_choice.py` moves, its `CHOICES`), and nothing else: a model change's
portfolios, paired race by race with `bench/compare_backtests.py --after-tool`.

`--ownership` runs pitwall twice, as shipped and told the field's ownership as a player would
know it: each driver's share of the public field's lineups times lognormal noise (sd 0.25),
written as an ownership CSV and given to the solve step as `ownership_csv`; paired bootstrap
intervals over races compare the two.

`--ablation` adds, on the same races and field, pitwall with one part removed at a time: the loop
data left out of the skill fit (`calibration.RUNNING_ORDER_WEIGHT`, `RATING_ORDER_WEIGHT` and
`FASTEST_LAP_ORDER_WEIGHT` at 0: the finishing order alone), the dominance tilt left out (`calibration.DOMINANCE_WEIGHT = 0`), the
solver's field model replaced by random valid lineups (no pull toward projection or value), and the
payout objective replaced by mean points (pydfs maximizing pitwall's own simulated means, same controls).

Writes bench/out/season_backtest[-ablation]-SEASONS.{md,json}.
"""

from __future__ import annotations

import argparse
import datetime as dt

import numpy as np
from model_choice import CHOICES
from portfolio_common import pydfs, table, write

from pitwall import calibration
from pitwall.calibration import calibrate
from pitwall.contest import DEFAULT_STYLE, FIELD_STYLES, PayoutTable, contest_payouts
from pitwall.contest.field import Field
from pitwall.history import History, slate_from_race, trailing_average
from pitwall.portfolio import Controls
from pitwall.rules import ROSTER_SIZE, SALARY_CAP, finish_points
from pitwall.run import solve_portfolio, solve_slate
from pitwall.simulation import simulate

ENTRIES, FEE = 10_000, 20.0
PROJECTION_PULL, VALUE_PULL = 1.0, 0.7
MIN_SPEND = 45_000
TOOLS = ("pitwall", "pydfs recent", "pydfs grid", "random")
# Each ablation's calibration choices (`pitwall.calibration`), or None where the model stays as shipped.
ABLATIONS = {
    "pitwall, finishing order only": {"RUNNING_ORDER_WEIGHT": 0.0, "RATING_ORDER_WEIGHT": 0.0, "FASTEST_LAP_ORDER_WEIGHT": 0.0},
    "pitwall, no dominance tilt": {"DOMINANCE_WEIGHT": 0.0},
    "pitwall, solver's field random": None,
    "pitwall's means, mean-points objective": None,
}
# --field-choice: pitwall with its solver's field in each style a request may ask for beside the default.
OTHER_FIELDS = {f"pitwall, solver's field {style}": style for style in FIELD_STYLES if style != DEFAULT_STYLE}
OWNED = "pitwall, told the field's ownership"
OWNERSHIP_NOISE = 0.25
BOOTSTRAP = 2_000


def _z(values: np.ndarray) -> np.ndarray:
    spread = values.std()
    return (values - values.mean()) / spread if spread > 0 else np.zeros_like(values)


def public_field(projection: np.ndarray, salaries: np.ndarray, size: int, seed: int) -> Field:
    """Opponents drawn from the public ownership model (module docstring)."""
    rng = np.random.default_rng(seed)
    weight = PROJECTION_PULL * _z(projection) + VALUE_PULL * _z(projection / salaries * 1000)
    kept: list[np.ndarray] = []
    while sum(len(k) for k in kept) < size:
        keys = weight[None, :] + rng.gumbel(size=(4 * size, len(salaries)))
        picks = np.sort(np.argpartition(-keys, ROSTER_SIZE, axis=1)[:, :ROSTER_SIZE], axis=1)
        cost = salaries[picks].sum(axis=1)
        kept.append(picks[(cost <= SALARY_CAP) & (cost >= MIN_SPEND)])
    return Field(lineups=np.concatenate(kept)[:size].astype(np.int16), style="public", seed=seed)


def known_ownership(field: Field, slate, seed: int) -> str:
    """The field's ownership as a player would know it (module docstring), as an ownership CSV."""
    owned = field.ownership(len(slate.entries)) * 100
    # No driver is in more than every lineup, however the player's estimate errs.
    noisy = np.minimum(owned * np.random.default_rng(seed + 11).lognormal(0.0, OWNERSHIP_NOISE, len(owned)), 100.0)
    return "Name,Ownership\n" + "".join(f"{name},{share:.3f}\n" for name, share in zip(slate.names, noisy))


def paired_interval(records: list[dict], tool: str, reference: str, key: str, seed: int = 0) -> tuple[float, float]:
    """95% bootstrap interval, over races, of `tool`'s mean `key` minus `reference`'s."""
    gap = np.array([r[tool][key] - r[reference][key] for r in records], dtype=np.float64)
    picks = np.random.default_rng(seed).integers(0, len(gap), size=(BOOTSTRAP, len(gap)))
    low, high = np.percentile(gap[picks].mean(axis=1), [2.5, 97.5])
    return float(low), float(high)


def grid_projection(history: History, slate, date: dt.date) -> np.ndarray:
    before = (history.series == slate.series) & (history.date < np.datetime64(date, "D"))
    average = np.array([
        history.finish[before & (history.driver_id == d)][-16:].mean() if (before & (history.driver_id == d)).any()
        else np.inf for d in slate.dk_ids
    ])
    expected = np.empty(len(average), dtype=np.int64)
    expected[np.argsort(average, kind="stable")] = np.arange(1, len(average) + 1)
    return np.asarray(finish_points(expected), dtype=np.float64) + (slate.starts - expected)


def random_lineups(salaries: np.ndarray, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    found: set[tuple[int, ...]] = set()
    while len(found) < n:
        lineup = tuple(sorted(rng.choice(len(salaries), ROSTER_SIZE, replace=False).tolist()))
        if salaries[list(lineup)].sum() <= SALARY_CAP:
            found.add(lineup)
    return np.array(sorted(found))


def with_choices(history: History, slate, choices: dict[str, float], controls: Controls, payout: PayoutTable,
                 n_scenarios: int, seed: int) -> np.ndarray:
    """pitwall's portfolio from a model calibrated with `choices` in place of the shipped constants."""
    shipped = {key: getattr(calibration, key) for key in choices}
    for key, value in choices.items():
        setattr(calibration, key, value)
    try:
        changed = simulate(calibrate(history, slate), n_scenarios, seed).points
    finally:
        for key, value in shipped.items():
            setattr(calibration, key, value)
    return solve_portfolio(changed, slate, controls, payout, DEFAULT_STYLE, seed).lineups


def _choice(text: str) -> tuple[str, float]:
    name, _, value = text.partition("=")
    if name not in CHOICES or not value:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE with NAME one of {', '.join(CHOICES)}: {text!r}")
    return name, float(value)


def ablations(history: History, slate, points: np.ndarray, controls: Controls, payout: PayoutTable,
              n_scenarios: int, seed: int) -> dict[str, np.ndarray]:
    """pitwall's portfolio with one part removed at a time (`ABLATIONS`)."""
    out = {name: with_choices(history, slate, choices, controls, payout, n_scenarios, seed)
           for name, choices in ABLATIONS.items() if choices is not None}
    random_field = np.zeros(len(slate.entries))
    out["pitwall, solver's field random"] = solve_portfolio(points, slate, controls, payout, DEFAULT_STYLE, seed,
                                                            pull=random_field).lineups
    out["pitwall's means, mean-points objective"] = pydfs(slate, points.mean(axis=0), controls.n_lineups, 0.5, 4)[0]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seasons", type=int, nargs="+", default=[2024])
    parser.add_argument("--lineups", type=int, default=20)
    parser.add_argument("--scenarios", type=int, default=10_000)
    parser.add_argument("--ablation", action="store_true")
    parser.add_argument("--field-choice", action="store_true")
    parser.add_argument("--ownership", action="store_true")
    parser.add_argument("--choice", type=_choice, nargs="+", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    choices = dict(args.choice)
    chosen_tool = "pitwall, " + " ".join(f"{name}={value:g}" for name, value in choices.items())
    tools = TOOLS + tuple(ABLATIONS) if args.ablation else TOOLS
    if args.field_choice:
        tools = ("pitwall", *OTHER_FIELDS)
    if args.ownership:
        tools = ("pitwall", OWNED)
    if choices:
        tools = ("pitwall", chosen_tool)

    history = History.from_csv()
    payout = PayoutTable.gpp(ENTRIES, FEE)
    n = args.lineups
    controls = Controls(n_lineups=n, max_exposure=0.5, max_overlap=4)
    records = []
    for season in args.seasons:
        races = history.races_of("Cup", start=dt.date(season, 1, 1), end=dt.date(season, 12, 31))
        for number, race in enumerate(races):
            seed = season * 100 + number
            slate, actual = slate_from_race(history, "Cup", race.date, race.track)
            public = trailing_average(history, "Cup", race.date, slate.dk_ids.tolist())
            public = np.where(np.isnan(public), np.nanmin(public), public)
            model = calibrate(history, slate)
            scenarios = simulate(model, args.scenarios, seed)
            points = scenarios.points
            field = public_field(public, slate.salaries.astype(np.float64), ENTRIES - n, seed=seed + 7)
            portfolios = {"pitwall": solve_portfolio(points, slate, controls, payout, DEFAULT_STYLE, seed).lineups}
            if args.ownership:
                portfolios[OWNED] = solve_slate([scenarios], slate, controls, payout, DEFAULT_STYLE, seed,
                                                ownership_csv=known_ownership(field, slate, seed)).portfolio.lineups
            elif choices:
                portfolios[chosen_tool] = with_choices(history, slate, choices, controls, payout, args.scenarios, seed)
            elif args.field_choice:
                portfolios |= {name: solve_portfolio(points, slate, controls, payout, style, seed).lineups
                               for name, style in OTHER_FIELDS.items()}
            else:
                portfolios |= {
                    "pydfs recent": pydfs(slate, public, n, 0.5, 4)[0],
                    "pydfs grid": pydfs(slate, grid_projection(history, slate, race.date), n, 0.5, 4)[0],
                    "random": random_lineups(slate.salaries, n, seed),
                }
            if args.ablation:
                portfolios |= ablations(history, slate, points, controls, payout, args.scenarios, seed)
            record = {"season": season, "race": f"{race.date} {race.track}", "track_type": slate.kind}
            for tool, lineups in portfolios.items():
                prize, ahead = contest_payouts(lineups, actual.points[None, :], field, payout)
                top = ahead[:, 0] < payout.top_places
                record[tool] = {"top1": float(top.mean()), "any_top1": bool(top.any()),
                                "roi": float(prize.sum() / (len(lineups) * FEE) - 1)}
            records.append(record)
            print(season, record["race"], "  ".join(f"{t} {record[t]['top1']:.0%}" for t in tools), flush=True)

    rows = []
    summary = {}
    for season in [*args.seasons, "all"]:
        chosen = [r for r in records if season == "all" or r["season"] == season]
        for tool in tools:
            roi = np.array([r[tool]["roi"] for r in chosen])
            summary[f"{season} {tool}"] = entry = {
                "races": len(chosen),
                "top1_per_lineup": float(np.mean([r[tool]["top1"] for r in chosen])),
                "races_with_top1": float(np.mean([r[tool]["any_top1"] for r in chosen])),
                "roi": float(roi.mean()), "roi_se": float(roi.std(ddof=1) / np.sqrt(len(roi))),
            }
            rows.append([str(season), tool, str(entry["races"]), f"{entry['top1_per_lineup']:.2%}",
                         f"{entry['races_with_top1']:.0%}", f"{entry['roi']:+.0%} ± {entry['roi_se']:.0%}"])
    lines = [
        f"Season backtest on actual results: {n} lineups per race, a public field of {ENTRIES - n:,} "
        f"(ownership from the trailing 16-race average and value), ${FEE:g} entry, typical GPP payout.",
        "",
        table(["season", "tool", "races", "top-1% finishes per lineup", "races with a top-1% lineup",
               "ROI per race (± s.e.)"], rows),
    ]
    if args.ownership:
        gaps = []
        for season in [*args.seasons, "all"]:
            chosen = [r for r in records if season == "all" or r["season"] == season]
            top1 = paired_interval(chosen, OWNED, "pitwall", "top1")
            roi = paired_interval(chosen, OWNED, "pitwall", "roi")
            summary[f"{season} ownership gain"] = {"top1": top1, "roi": roi}
            gaps.append([str(season), f"{top1[0]:+.2%} … {top1[1]:+.2%}", f"{roi[0]:+.0%} … {roi[1]:+.0%}"])
        lines += ["", f"Told the field's ownership minus as shipped, 95% bootstrap interval over races ({BOOTSTRAP:,} resamples):",
                  "", table(["season", "top-1% finishes per lineup", "ROI per race"], gaps)]
    text = "\n".join(lines)
    print("\n" + text)
    variant = (["ablation"] if args.ablation else ["field-choice"] if args.field_choice
               else ["ownership"] if args.ownership else ["choice"] if choices else [])
    name = "-".join(["season_backtest", *variant, *map(str, args.seasons)])
    write(name, text, {"races": records, "summary": summary})


if __name__ == "__main__":
    main()
