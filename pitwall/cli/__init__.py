"""The `pitwall` command line: each command lives in a module of its own and registers on `app`."""

import typer

app = typer.Typer(help="pitwall: NASCAR DraftKings tournament portfolios.", no_args_is_help=True)


@app.callback()
def main() -> None:
    """pitwall: NASCAR DraftKings tournament portfolios."""
    # A callback keeps every command a subcommand, however many are registered.

from pitwall.cli import seed as _seed  # noqa: E402,F401
from pitwall.cli import calibrate as _calibrate  # noqa: E402,F401
from pitwall.cli import optimize as _optimize  # noqa: E402,F401
from pitwall.cli import past as _past  # noqa: E402,F401
