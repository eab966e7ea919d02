"""The `bulkops` command line: verbs built from the registry, errors mapped to exit codes here."""

from __future__ import annotations

import logging
import sys

import typer

from bulkops import registry
from bulkops.cli import jobs, sandbox
from bulkops.cli.demo import demo
from bulkops.cli.resume import resume
from bulkops.errors import BulkopsError

app = typer.Typer(
    name="bulkops",
    help=f"Bulk changes to {', '.join(p.title for p in registry.platforms())} campaigns from spreadsheets, safely"
         " and at the API quota. With nothing configured, every verb runs against the embedded sandbox.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(demo)
jobs.register(app)
app.command()(resume)
app.add_typer(sandbox.app, name="sandbox")


def main() -> None:
    """Entry point of the `bulkops` console script: errors become a message and an exit code, never a traceback."""
    # bulkops counts retries in its own reports and progress line; stamina's per-retry log line would be noise
    # on a terminal. The program (not the library) decides what its logs show.
    logging.getLogger("stamina").setLevel(logging.ERROR)
    try:
        app(standalone_mode=True)
    except BulkopsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
