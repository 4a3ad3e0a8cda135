"""`pitwall past-slate`: a past race as a slate for backtests, with what really happened kept apart."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import typer

from pitwall.cli import app
from pitwall.history import History, HistoryError, slate_from_race
from pitwall.slate import salaries_csv


@app.command("past-slate")
def past_slate(
    date: dt.datetime = typer.Option(..., "--date", formats=["%Y-%m-%d"], help="Race date."),
    track: str = typer.Option(..., "--track", help="Track name as in the results, e.g. 'Phoenix Raceway'."),
    out: Path = typer.Option(..., "--out", help="Where to write the DraftKings salary CSV (with a Start column)."),
    actual: Path | None = typer.Option(None, "--actual", help="Where to write the race's real results and DK points."),
    series: str = typer.Option("Cup", "--series"),
    history: Path | None = typer.Option(None, "--history", exists=True, dir_okay=False,
                                        help="Results CSV; default: the bundled 2019–2024 file."),
) -> None:
    """Write a past race as a DraftKings salary CSV, salaries from the pre-race model.

    The salaries use only races before the date (pitwall.history.pre_race_salaries): trailing DK points,
    ranked and mapped onto DraftKings' range. The real finish, laps led, fastest laps and DK points go
    to --actual, for scoring portfolios on what happened.
    """
    try:
        slate, result = slate_from_race(History.from_csv(history), series, date.date(), track)
    except (HistoryError, LookupError, ValueError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    out.write_text(salaries_csv(slate))
    typer.echo(f"{out}: {slate.series} {slate.track} {slate.date}, {len(slate.entries)} drivers, {slate.laps} laps "
               f"({slate.kind})")
    if actual is not None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["name", "dk_id", "start", "finish", "laps_led", "fastest_laps", "running", "dk_points"])
        for i, entry in enumerate(slate.entries):
            writer.writerow([entry.name, entry.dk_id, entry.start, int(result.finish[i]), int(result.laps_led[i]),
                             int(result.fastest_laps[i]), bool(result.running[i]), round(float(result.points[i]), 2)])
        actual.write_text(buffer.getvalue())
        typer.echo(f"{actual}: actual results and DK points")
