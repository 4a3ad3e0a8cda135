"""`pitwall calibrate`: the simulation quality report on a held-out season."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from pitwall.cli import NamedTrackTypesOpt, SkipUnknownTracksOpt, app, named_track_types
from pitwall.history import History, HistoryError
from pitwall.results import UnknownTrackTypes


def _seasons(text: str) -> tuple[int, int]:
    found = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?", text)
    if not found:
        raise typer.BadParameter(f"{text!r} is not a season or a range of seasons like 2019-2023")
    first = int(found.group(1))
    last = int(found.group(2) or first)
    if last < first:
        raise typer.BadParameter(f"{text!r} ends before it starts")
    return first, last


@app.command()
def calibrate(
    data: Annotated[Path | None, typer.Option(help="Race results CSV in the bundled format (default: bundled 2019–2024).")] = None,
    train: Annotated[str, typer.Option(help="Training seasons, e.g. 2019-2023.")] = "2019-2023",
    test: Annotated[int, typer.Option(help="Held-out season whose races are predicted.")] = 2024,
    series: Annotated[str, typer.Option(help="Series: Cup, O'Reilly or Trucks.")] = "Cup",
    scenarios: Annotated[int, typer.Option(min=100, help="Simulated races per test race.")] = 4000,
    seed: Annotated[int, typer.Option(help="Seed of the simulations.")] = 2024,
    json_path: Annotated[Path | None, typer.Option("--json", help="Also write the report as JSON here.")] = None,
    quiet: Annotated[bool, typer.Option(help="No progress on stderr.")] = False,
    track_type: NamedTrackTypesOpt = None,
    skip_unknown_tracks: SkipUnknownTracksOpt = False,
) -> None:
    """Predict every race of the test season from races before it; compare with a start-position baseline.

    Every race needs a track type: venues the track map does not know are named with
    --track-type "NAME=TYPE" or a track_type column, or left out with --skip-unknown-tracks.
    """
    # Imported here, not at start-up: scipy.stats would add seconds to every other command of the command line.
    from pitwall.quality import quality_report

    first, last = _seasons(train)
    try:
        history = History.from_csv(
            data, track_types=named_track_types(track_type), unknown_tracks="skip" if skip_unknown_tracks else "error"
        )
    except (OSError, HistoryError) as error:
        raise typer.BadParameter(str(error), param_hint="--data") from None
    except UnknownTrackTypes as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    for venue, races in sorted(history.unknown_tracks.items()):
        typer.echo(f"warning: left out {races} race(s) at {venue!r}: no track type", err=True)

    def progress(done: int, total: int) -> None:
        if not quiet:
            print(f"\r{done}/{total} races", end="" if done < total else "\n", file=sys.stderr, flush=True)

    try:
        report = quality_report(
            history, series=series, train=(first, last), test=test, n_scenarios=scenarios, seed=seed, progress=progress
        )
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(report.table())
    if json_path is not None:
        json_path.write_text(json.dumps(report.to_json(), indent=2) + "\n")
