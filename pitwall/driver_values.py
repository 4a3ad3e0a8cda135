"""A player's per-driver numbers file (projections, ownership): one row per driver, named by `Name` or by
DraftKings' `ID`, with a number column. Every bad row is reported at once, naming its row and column."""

from __future__ import annotations

import csv
import io

import numpy as np

from pitwall.slate import Slate, SlateError


def header_of(text: str) -> list[str]:
    """A CSV's column names, stripped."""
    return [c.strip() for c in next(csv.reader(io.StringIO(text.lstrip("\ufeff"))), [])]


def read_driver_values(
    text: str, slate: Slate, column: str, what: str, low: float, high: float, unit: str = "",
    blank_ok: bool = False,
) -> tuple[np.ndarray, tuple[str, ...]]:
    """`column` per slate entry (NaN: not in the file) and the names of the entries the file left out.

    A value may end in `unit` (as `12.5%`); values outside `low`…`high` are errors; with `blank_ok` a blank
    cell leaves the driver at NaN (an optional column)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [c.strip() for c in reader.fieldnames or []]
    rows = list(reader)
    key = next((c for c in ("ID", "Name") if c in header), None)
    if key is None or column not in header:
        raise SlateError(f"{what}: row 1: needs a driver column (ID or Name) and {column}; found {header}")
    by_id = {e.dk_id: i for i, e in enumerate(slate.entries)}
    values = np.full(len(slate.entries), np.nan)
    problems: list[str] = []
    for number, row in enumerate(rows, start=2):
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
        driver = row.get(key, "")
        try:
            index = by_id[int(driver)] if key == "ID" else slate.index(driver)
        except (ValueError, KeyError, SlateError):
            problems.append(f"{what}: row {number}, column {key!r}: {driver!r} is not on the slate")
            continue
        cell = row.get(column, "")
        if blank_ok and not cell:
            continue
        try:
            value = float(cell.removesuffix(unit).strip() if unit else cell)
        except ValueError:
            problems.append(f"{what}: row {number}, column {column!r}: {cell!r} is not a number")
            continue
        if not (low <= value <= high):
            problems.append(f"{what}: row {number}, column {column!r}: {value:g} is outside {low:g}–{high:g}")
            continue
        if not np.isnan(values[index]):
            problems.append(f"{what}: row {number}: {slate.entries[index].name!r} given twice")
        values[index] = value
    if problems:
        raise SlateError(problems)
    missing = tuple(e.name for e, v in zip(slate.entries, values) if np.isnan(v))
    return values, missing
