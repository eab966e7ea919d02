"""The `bulkops` command line: one module per verb group, errors mapped to exit codes here."""

from __future__ import annotations

import typer

from bulkops.cli import sandbox

app = typer.Typer(
    name="bulkops",
    help="Bulk changes to Criteo Retail Media campaigns from spreadsheets, safely and at the API quota.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(sandbox.app, name="sandbox")


def main() -> None:
    """Entry point of the `bulkops` console script."""
    app()
