"""`bulkops report RUN_DIR`: (re)build a run's report.html and say where it is."""

from __future__ import annotations

from pathlib import Path

import click

from bulkops.cli import options as opt


def report(run_dir: Path) -> None:
    """Build the run's report page (report.html: counts, a timeline, slowest groups, errors and their fixes).

    One self-contained file: it opens in any browser, offline, and can be mailed as it is. The journal is only
    read, never locked, so this works while another bulkops finishes the run.

    Exit codes: 0 built, 2 RUN_DIR holds no run (or no summary yet).
    """
    from bulkops.report.html import build_report  # noqa: PLC0415 - keeps `bulkops --help` fast

    print(build_report(run_dir))


def command() -> click.Command:
    """The `report` command."""
    run_dir = opt.Arg("run_dir", metavar="RUN_DIR", help="The run directory (runs/<verb>-<time>).")
    return opt.command("report", report, [run_dir], report.__doc__ or "")
