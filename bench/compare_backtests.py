"""Two season-backtest runs of the same races compared race by race (a model change, before and after).

    .venv/bin/python bench/compare_backtests.py --before F.json [...] --after G.json [...] [--tool pitwall]
        [--after-tool NAME]

BEFORE and AFTER are files `bench/season_backtest.py` wrote (bench/out/season_backtest-*.json), or the
same files with `--after-tool` naming another tool of the same runs; races are paired by season and
race (each race's seed, slate and field are the same in both runs), so the interval is of the change
alone. Prints, per season and pooled, each run's top-1% finishes per lineup and the 95% bootstrap
interval of the gain, and the same for ROI.
"""

from __future__ import annotations

import argparse
import json

from season_backtest import paired_interval


def _races(paths: list[str]) -> list[dict]:
    races = []
    for path in paths:
        with open(path) as file:
            races += json.load(file)["races"]
    return races


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", nargs="+", required=True)
    parser.add_argument("--after", nargs="+", required=True)
    parser.add_argument("--tool", default="pitwall")
    parser.add_argument("--after-tool", help="the tool's name in AFTER, when it differs (default: --tool)")
    args = parser.parse_args()
    after_tool = args.after_tool or args.tool
    before = {(r["season"], r["race"]): r[args.tool] for r in _races(args.before)}
    pairs = [{"season": r["season"], "before": before[(r["season"], r["race"])], "after": r[after_tool]}
             for r in _races(args.after) if (r["season"], r["race"]) in before]
    if not pairs:
        raise SystemExit("the two runs share no race")
    for season in [*sorted({p["season"] for p in pairs}), "all"]:
        chosen = [p for p in pairs if season == "all" or p["season"] == season]
        mean = {side: sum(p[side]["top1"] for p in chosen) / len(chosen) for side in ("before", "after")}
        top1 = paired_interval(chosen, "after", "before", "top1")
        roi = paired_interval(chosen, "after", "before", "roi")
        print(f"{season}: {len(chosen)} races, top-1% per lineup {mean['before']:.2%} -> {mean['after']:.2%} "
              f"(gain {top1[0]:+.2%} … {top1[1]:+.2%}), ROI gain {roi[0]:+.0%} … {roi[1]:+.0%}")


if __name__ == "__main__":
    main()
