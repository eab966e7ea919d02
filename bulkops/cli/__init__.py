"""The `bulkops` command line: verbs built from the registry, errors mapped to exit codes here."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import typer

from bulkops import registry
from bulkops.cli import jobs
from bulkops.cli.demo import demo
from bulkops.cli.options import SANDBOX_HELP
from bulkops.cli.report import report
from bulkops.cli.resume import resume
from bulkops.errors import BulkopsError

app = typer.Typer(
    name="bulkops",
    help=f"Bulk changes to {', '.join(p.title for p in registry.platforms())} campaigns from spreadsheets, safely"
         " and at the API quota. With nothing configured, every verb runs against the embedded sandbox.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.command()(demo)
jobs.register(app)
app.command()(resume)
app.command()(report)
def _sandbox_commands() -> typer.Typer:
    """`bulkops sandbox ...`: its options come from every sandbox API, which loading costs a server's imports.

    A console `bulkops` that runs another verb (or prints the verb list) lists the group without loading it;
    anything else (`bulkops sandbox ...`, tests, a notebook) gets the whole group.
    """
    script = Path(sys.argv[0]).name if sys.argv else ""
    if script in ("bulkops", "__main__.py") and len(sys.argv) > 1 and sys.argv[1] != "sandbox":
        return typer.Typer(help=SANDBOX_HELP, rich_markup_mode=None)
    from bulkops.cli import sandbox  # noqa: PLC0415

    return sandbox.app


app.add_typer(_sandbox_commands(), name="sandbox")


def main() -> None:
    """Entry point of the `bulkops` console script: errors become a message and an exit code, never a traceback."""
    # bulkops counts retries in its own reports and progress line; stamina's per-retry log line would be noise
    # on a terminal. The program (not the library) decides what its logs show.
    logging.getLogger("stamina").setLevel(logging.ERROR)
    try:
        app(standalone_mode=True)
    except BulkopsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if "--json" in sys.argv[1:]:  # a script reading stdout gets an object, not nothing
            print(json.dumps({"error": str(exc), "kind": type(exc).__name__, "exit_code": exc.exit_code}))
        sys.exit(exc.exit_code)
    except SystemExit as exc:  # the command line's parser refused it (an unknown option ...), and said so
        said = getattr(exc.__context__, "format_message", None)
        if exc.code == 2 and "--json" in sys.argv[1:] and said is not None:
            print(json.dumps({"error": said(), "kind": "UsageError", "exit_code": 2}))
        raise
