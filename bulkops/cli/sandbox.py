"""`bulkops sandbox ...`: run the local API sandbox."""

from __future__ import annotations

import typer

app = typer.Typer(help="A local server that behaves like the Criteo Retail Media API.", no_args_is_help=True)


@app.command()
def serve() -> None:
    """Serve the sandbox (being built)."""
    raise typer.Exit(2)
