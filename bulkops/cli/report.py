"""`bulkops report RUN_DIR`: (re)build a run's report.html and say where it is."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def report(run_dir: Annotated[Path, typer.Argument(metavar="RUN_DIR", show_default=False,
                                                   help="The run directory (runs/<verb>-<time>).")]) -> None:
    """Build the run's report page (report.html: counts, a timeline, slowest groups, errors and their fixes).

    One self-contained file: it opens in any browser, offline, and can be mailed as it is. The journal is only
    read, never locked, so this works while another bulkops finishes the run.

    Exit codes: 0 built, 2 RUN_DIR holds no run (or no summary yet).
    """
    from bulkops.report.html import build_report  # noqa: PLC0415 - keeps `bulkops --help` fast

    print(build_report(run_dir))
