"""The `bulkops` command line: verbs built from the registry, errors mapped to exit codes here."""

from __future__ import annotations

import errno
import json
import logging
import sys
from contextlib import suppress
from typing import Any, NoReturn

import click

from bulkops import registry
from bulkops.cli import demo, jobs, report, resume
from bulkops.cli.options import SANDBOX_HELP, Group
from bulkops.errors import EXIT_INTERRUPTED, EXIT_IO, BulkopsError, UsageError


class App(Group):
    """The app: a command is built when it is asked for, so `bulkops bids` loads Retail Media alone and no other
    platform; listing them (help) builds them all, in the order demo, export, the platforms' verbs, resume,
    report, sandbox."""

    def __init__(self) -> None:
        super().__init__("bulkops", no_args_is_help=True)
        self.add_command(demo.command())
        self.add_command(report.command())
        self._listing = False

    def get_help(self, ctx: click.Context) -> str:
        """Names every platform (plugins too): worded when help is shown, which is the only time it is needed."""
        self.help = (f"Bulk changes to {', '.join(p.title for p in registry.platforms())} campaigns from"
                     " spreadsheets, safely and at the API quota. With nothing configured, every verb runs against"
                     " the embedded sandbox.")
        return super().get_help(ctx)

    def list_commands(self, ctx: click.Context) -> list[str]:
        fixed = ("demo", "export", "resume", "report", "sandbox")
        verbs = [j.verb for p in registry.platforms() for j in p.jobs if j.verb not in fixed]  # a plugin's clash
        return list(dict.fromkeys([*fixed[:2], *verbs, *fixed[2:]]))  # loses to what is there first: listed once

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None,
                                                                             list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:  # a typo: "Did you mean 'bids'?" names any command, not only those built
            missing: Any = getattr(click.exceptions, "NoSuchCommand", None)  # click 8.4 on: it suggests
            if missing is None or not isinstance(exc, missing):
                raise
            raise missing(exc.command_name, possibilities=self.list_commands(ctx), ctx=ctx) from None

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "sandbox" and self._listing:  # its options come from every sandbox API: a server's imports
            return self.commands.get(cmd_name) or Group("sandbox", help=SANDBOX_HELP)
        if cmd_name not in self.commands:
            built = _built(cmd_name)
            if built is not None:
                self.add_command(built)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_commands(ctx, formatter)
        finally:
            self._listing = False


def _built(name: str) -> click.Command | None:
    if name == "export":
        return jobs.export_command()
    if name == "resume":
        return resume.command()
    if name == "sandbox":
        from bulkops.cli import sandbox  # noqa: PLC0415 - a server's imports, for `bulkops sandbox ...` alone

        return sandbox.group()
    try:
        platform, spec = registry.job(name)
    except UsageError:  # not a verb: click says "No such command" (`App.resolve_command`)
        return None
    return jobs.write_verb(platform, spec)


app = App()


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
    except OSError as exc:  # a full disk or a closed output: said in a line, not a traceback
        where = f"{exc.filename}: " if exc.filename else "the output: " if exc.errno in _OUTPUT_ERRORS else ""
        _refused(f"{where}{exc.strerror or exc}", "OSError", EXIT_IO)
    sys.exit(code if isinstance(code, int) else 0)


_OUTPUT_ERRORS = (errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EBADF)  # with no file named: stdout or stderr


def _refused(message: str, kind: str, exit_code: int, *, shown: bool = False) -> NoReturn:
    """A refusal before or during a run: said on stderr; with --json, an object on stdout too (a script reading
    it must not get nothing)."""
    with suppress(OSError):  # the output itself may be what failed
        if not shown:
            print(f"error: {message}", file=sys.stderr)
        if "--json" in sys.argv[1:]:
            print(json.dumps({"error": message, "kind": kind, "exit_code": exit_code}))
    sys.exit(exit_code)
