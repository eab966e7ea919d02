"""The `bulkops` command line: verbs built from the registry, errors mapped to exit codes here."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import NoReturn

import click

from bulkops import registry
from bulkops.cli import demo, jobs, report, resume
from bulkops.cli.options import SANDBOX_HELP, Group
from bulkops.errors import EXIT_INTERRUPTED, BulkopsError

app = Group(
    "bulkops",
    help=f"Bulk changes to {', '.join(p.title for p in registry.platforms())} campaigns from spreadsheets, safely"
         " and at the API quota. With nothing configured, every verb runs against the embedded sandbox.",
    no_args_is_help=True,
)
app.add_command(demo.command())
jobs.register(app)
app.add_command(resume.command())
app.add_command(report.command())


def _sandbox_commands() -> click.Group:
    """`bulkops sandbox ...`: its options come from every sandbox API, which loading costs a server's imports.

    A console `bulkops` that runs another verb (or prints the verb list) lists the group without loading it;
    anything else (`bulkops sandbox ...`, tests, a notebook) gets the whole group.
    """
    script = Path(sys.argv[0]).name if sys.argv else ""
    if script in ("bulkops", "__main__.py") and len(sys.argv) > 1 and sys.argv[1] != "sandbox":
        return Group("sandbox", help=SANDBOX_HELP)
    from bulkops.cli import sandbox  # noqa: PLC0415

    return sandbox.group()


app.add_command(_sandbox_commands())


def main() -> None:
    """Entry point of the `bulkops` console script: errors become a message and an exit code, never a traceback."""
    # bulkops counts retries in its own reports and progress line; stamina's per-retry log line would be noise
    # on a terminal. The program (not the library) decides what its logs show.
    logging.getLogger("stamina").setLevel(logging.ERROR)
    try:
        code = app.main(standalone_mode=False)
    except BulkopsError as exc:
        _refused(str(exc), type(exc).__name__, exc.exit_code)
    except click.ClickException as exc:  # the parser refused it (an unknown option ...): said as click says it
        exc.show()
        _refused(exc.format_message(), "UsageError", exc.exit_code, shown=True)
    except click.exceptions.Abort:  # Ctrl-C (or end of input) outside a run, which says its own
        _refused("interrupted", "Interrupted", EXIT_INTERRUPTED)
    sys.exit(code if isinstance(code, int) else 0)


def _refused(message: str, kind: str, exit_code: int, *, shown: bool = False) -> NoReturn:
    """A refusal before or during a run: said on stderr; with --json, an object on stdout too (a script reading
    it must not get nothing)."""
    if not shown:
        print(f"error: {message}", file=sys.stderr)
    if "--json" in sys.argv[1:]:
        print(json.dumps({"error": message, "kind": kind, "exit_code": exit_code}))
    sys.exit(exit_code)
