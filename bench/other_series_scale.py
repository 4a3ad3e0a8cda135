"""How a driver's form in the other series compares with his Cup form: the scale `history.pre_race_salaries`
prices a driver new to Cup with (`OTHER_SERIES_FORM_SCALE`).

    .venv/bin/python bench/other_series_scale.py [--first 2020 --last 2023]

For every Cup race of the seasons, each driver with both a Cup and an other-series trailing form before it
(`history.trailing_form`) gives one ratio, Cup form over other-series form; the median is printed.
"""

from __future__ import annotations

import argparse
import datetime as dt

import numpy as np

from pitwall.history import History, trailing_form


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--first", type=int, default=2020)
    parser.add_argument("--last", type=int, default=2023)
    args = parser.parse_args()
    history = History.from_csv()
    ratios: list[float] = []
    for race in history.races_of("Cup", start=dt.date(args.first, 1, 1), end=dt.date(args.last, 12, 31)):
        ids = history.driver_id[race.rows].tolist()
        cup = trailing_form(history, "Cup", race.date, ids)
        other = trailing_form(history, "Cup", race.date, ids, other_series=True)
        both = ~np.isnan(cup) & ~np.isnan(other) & (other > 0)
        ratios += (cup[both] / other[both]).tolist()
    print(f"Cup {args.first}-{args.last}: {len(ratios)} driver-race pairs, median Cup/other-series form "
          f"{np.median(ratios):.3f}, mean {np.mean(ratios):.3f}")


if __name__ == "__main__":
    main()
