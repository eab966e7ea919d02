"""The Retail Media functions of the Python API (re-exported as `bulkops.apply_bids` ...).

Each is a thin call of `bulkops.api`: the same checks, journal, reports and exit codes as the CLI verb.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bulkops import api
from bulkops.platform import ids_given
from bulkops.platforms.retail_media.export import ExportFilter
from bulkops.runner.events import ProgressListener
from bulkops.runner.export import ExportResult
from bulkops.runner.protocol import RunResult
from bulkops.types import Connection

_STATUS_VERBS = {"paused": "pause", "active": "unpause", "removed": "remove"}


async def export(accounts: Iterable[str], out: str | Path, *, connection: Connection | None = None,
                 filters: ExportFilter | None = None, listener: ProgressListener | None = None) -> ExportResult:
    """Campaigns, line items and promoted products of the accounts → `out` (.csv, .parquet or .xlsx), streamed."""
    filters = filters or ExportFilter()
    options = {"account": ids_given(accounts), "campaign": filters.campaigns, "status": filters.statuses,
               "product_status": filters.product_statuses, "no_products": not filters.products}
    return await api.export("retail-media", out, options, connection=connection, listener=listener)


async def apply_bids(path: str | Path, *, connection: Connection | None = None,  # noqa: PLR0913
                     run_dir: str | Path | None = None, dry_run: bool = False, snapshot: bool = True,
                     sheet: str | None = None, report_format: str | None = None, add: bool = False,
                     overwrite_changed: bool = False, listener: ProgressListener | None = None) -> RunResult:
    """Rows of lineItemId, productId, bidOverride (and optionally action) → appends per line item.

    A bid changes a product already on its line item; `add=True` (or a row's action=add) adds one that is not.
    Rows of an old export whose live bid moved since are skipped as conflicts unless `overwrite_changed`.
    """
    return await api.run("bids", path, connection=connection, job_options={"add": add}, options=api.RunSettings(
        run_dir, dry_run, snapshot, sheet, report_format, overwrite_changed), listener=listener)


async def set_product_status(path: str | Path, status: str, *, accounts: Iterable[str] = (),  # noqa: PLR0913
                             connection: Connection | None = None, run_dir: str | Path | None = None,
                             dry_run: bool = False, snapshot: bool = True, sheet: str | None = None,
                             report_format: str | None = None, listener: ProgressListener | None = None) -> RunResult:
    """Pause (`status="paused"`) or unpause (`"active"`) the SKUs of the file, or remove them (`"removed"`).

    Rows name lineItemId and productId; with `accounts`, rows may name the productId alone (no lineItemId
    column, or its cell blank): the SKU is acted on wherever those accounts promote it.
    """
    verb = _STATUS_VERBS.get(status, status)
    if verb not in _STATUS_VERBS.values():
        raise ValueError(f"status must be 'paused', 'active' or 'removed', not {status!r}")
    return await api.run(verb, path, connection=connection, job_options={"accounts": ids_given(accounts)},
                         options=api.RunSettings(run_dir, dry_run, snapshot, sheet, report_format), listener=listener)


async def update_line_items(path: str | Path, *, connection: Connection | None = None,  # noqa: PLR0913
                            run_dir: str | Path | None = None, dry_run: bool = False, sheet: str | None = None,
                            report_format: str | None = None, listener: ProgressListener | None = None) -> RunResult:
    """Rows of lineItemId and name, status, targetBid, maxBid, budget, startDate, endDate (blank = as is)."""
    return await api.run("line-items", path, connection=connection,
                         options=api.RunSettings(run_dir, dry_run, True, sheet, report_format), listener=listener)
