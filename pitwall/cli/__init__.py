"""The `pitwall` command line: each command lives in a module of its own and registers on `app`."""

from pathlib import Path
from typing import Annotated

import typer

from pitwall.tracks import parse_track_types

app = typer.Typer(help="pitwall: NASCAR DraftKings tournament portfolios.", no_args_is_help=True)


# Options every command that reads race results takes the same way.
NamedTrackTypesOpt = Annotated[
    list[str] | None,
    typer.Option("--track-type", help='A venue the track map does not know, as "NAME=TYPE" (repeatable).'),
]
SkipUnknownTracksOpt = Annotated[
    bool, typer.Option("--skip-unknown-tracks", help="Leave out races at venues with no type, with a warning.")
]
AliasesOpt = Annotated[
    Path | None, typer.Option("--aliases", help="Alias CSV (Name,Alias): another spelling of a driver's results name.")
]
StrictNamesOpt = Annotated[
    bool, typer.Option("--strict-names", help="Refuse a slate whose drivers the history does not know.")
]


def named_track_types(items: list[str] | None) -> dict[str, str]:
    """`--track-type "NAME=TYPE"` values as a map; a malformed one is a usage error."""
    try:
        return parse_track_types(items or [])
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--track-type") from None


@app.callback()
def main() -> None:
    """pitwall: NASCAR DraftKings tournament portfolios."""
    # A callback keeps every command a subcommand, however many are registered.

from pitwall.cli import seed as _seed  # noqa: E402,F401
from pitwall.cli import calibrate as _calibrate  # noqa: E402,F401
from pitwall.cli import optimize as _optimize  # noqa: E402,F401
from pitwall.cli import past as _past  # noqa: E402,F401
