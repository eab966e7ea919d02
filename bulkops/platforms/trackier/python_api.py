"""The Trackier functions of the Python API (re-exported as `bulkops.set_trackier_status` ...).

Each is a thin call of `bulkops.api`: the same checks, journal, reports and exit codes as the CLI.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bulkops import api
from bulkops.runner.events import ProgressListener
from bulkops.runner.export import ExportResult
from bulkops.runner.protocol import RunResult
from bulkops.types import Connection


async def set_trackier_status(path: str | Path, *, connection: Connection | None = None,  # noqa: PLR0913
                              run_dir: str | Path | None = None, dry_run: bool = False, snapshot: bool = True,
                              sheet: str | None = None, report_format: str | None = None, chunk_size: int = 100,
                              overwrite_changed: bool = False,
                              listener: ProgressListener | None = None) -> RunResult:
    """Rows of campaignId and status → status calls grouped by status, `chunk_size` campaigns per call.

    paused and suspended are refused before sending (only Trackier sets them); campaigns already in their status
    are skipped; rows of an old export whose live status moved since are conflicts unless `overwrite_changed`.
    """
    return await api.run("trackier-status", path, connection=connection, job_options={"chunk_size": chunk_size},
                         options=api.RunSettings(run_dir, dry_run, snapshot, sheet, report_format, overwrite_changed),
                         listener=listener)


async def export_trackier(out: str | Path, *, connection: Connection | None = None, statuses: Iterable[str] = (),
                          listener: ProgressListener | None = None) -> ExportResult:
    """Every Trackier campaign (or those of `statuses`) → `out` (.csv, .parquet or .xlsx), streamed."""
    return await api.export("trackier", out, {"status": tuple(statuses)}, connection=connection, listener=listener)
