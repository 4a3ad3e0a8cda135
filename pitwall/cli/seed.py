"""`pitwall seed`: load race results into the Neo4j knowledge graph."""

from __future__ import annotations

from pathlib import Path

import typer

from pitwall.cli import NamedTrackTypesOpt, SkipUnknownTracksOpt, app, named_track_types
from pitwall.stores import DEFAULT_BATCH_SIZE

# Enough to see what went wrong without burying the counts under a bad file's every line.
SHOWN_REJECTIONS = 20


@app.command()
def seed(
    data: Path | None = typer.Option(
        None,
        "--data",
        help="Results CSV (one row per driver per race); default: PITWALL_HISTORY_CSV or the bundled 2019–2024 file.",
        exists=True,
        dir_okay=False,
        readable=True,
    ),
    batch_size: int = typer.Option(DEFAULT_BATCH_SIZE, "--batch-size", min=1, help="Rows per write transaction."),
    track_type: NamedTrackTypesOpt = None,
    skip_unknown_tracks: SkipUnknownTracksOpt = False,
) -> None:
    """Seed the graph with race results; safe to run again (nothing is duplicated).

    A venue the track map does not know needs its type (--track-type "NAME=TYPE" or a track_type
    column); without one the seed writes nothing and lists every such venue, unless
    --skip-unknown-tracks leaves their races out.
    """
    # Imported here, not at start-up: every other command of the command line would pay for the Neo4j driver.
    from pitwall.settings import get_settings
    from pitwall.stores.errors import StoreUnavailable
    from pitwall.stores.graph import BUNDLED_RESULTS, GraphStore

    named = named_track_types(track_type)
    settings = get_settings()
    source = data or settings.history_csv or BUNDLED_RESULTS
    # A long load should ride out a brief server hiccup rather than fail on the first one.
    store = GraphStore.from_settings(settings, retry_seconds=max(30.0, settings.neo4j_timeout_seconds))
    try:
        store.ping()  # no server at all: say so now, not after half a minute of retries
        report = store.seed(source, batch_size=batch_size, track_types=named,
                            unknown_tracks="skip" if skip_unknown_tracks else "error", warm=True)
    except StoreUnavailable as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    except (OSError, ValueError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    finally:
        store.close()

    typer.echo(f"seeded {source} into {settings.neo4j_uri}")
    typer.echo(
        f"rows read {report.rows_read}, written {report.rows_written}, rejected {len(report.rejected)}; "
        f"{report.races} races, {report.drivers} drivers, {report.tracks} tracks in {report.batches} batches"
    )
    if report.merged_heat_races:
        typer.echo(f"merged heats (kept out of calibration): {len(report.merged_heat_races)} races")
        for race in report.merged_heat_races:
            typer.echo(f"  {race}")
    for race in report.skipped_races:
        typer.echo(f"warning: left out {race}: no track type", err=True)
    for rejected in report.rejected[:SHOWN_REJECTIONS]:
        typer.echo(f"rejected {rejected}", err=True)
    if len(report.rejected) > SHOWN_REJECTIONS:
        typer.echo(f"... and {len(report.rejected) - SHOWN_REJECTIONS} more rejected rows", err=True)
    typer.echo("graph: " + ", ".join(f"{label} {count}" for label, count in report.counts.items()))
    typer.echo(f"elapsed {report.elapsed_seconds:.1f} s")
    if report.warm_up_seconds is not None:
        typer.echo(f"queries a job runs warmed over the new history in {report.warm_up_seconds:.1f} s")
