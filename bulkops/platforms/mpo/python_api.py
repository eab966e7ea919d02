"""The MPO functions of the Python API (re-exported as `bulkops.apply_seller_bids` ...).

Each is a thin call of `bulkops.api`: the same checks, journal, reports and exit codes as the CLI verb.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bulkops import api
from bulkops.platform import ids_given
from bulkops.runner.events import ProgressListener
from bulkops.runner.export import ExportResult
from bulkops.runner.protocol import RunResult
from bulkops.types import Connection


async def export_mpo(advertisers: Iterable[str | int], out: str | Path, *, connection: Connection | None = None,
                     listener: ProgressListener | None = None) -> ExportResult:
    """Sellers, seller-campaigns and budgets of MPO advertisers → `out` (.csv, .parquet or .xlsx)."""
    options = {"advertiser": ids_given(advertisers)}
    return await api.export("mpo", out, options, connection=connection, listener=listener)


async def apply_seller_bids(path: str | Path, *, connection: Connection | None = None,  # noqa: PLR0913
                            run_dir: str | Path | None = None, dry_run: bool = False, snapshot: bool = True,
                            sheet: str | None = None, report_format: str | None = None,
                            overwrite_changed: bool = False, listener: ProgressListener | None = None) -> RunResult:
    """Rows of sellerCampaignId (or sellerId + campaignId) and bid → bulk bid PATCHes, 2,000 per call.

    `none` clears a bid, 0 stops delivery, blank leaves it. Rows of an old export whose live bid moved since
    are skipped as conflicts unless `overwrite_changed`.
    """
    return await api.run("seller-bids", path, connection=connection, options=api.RunSettings(
        run_dir, dry_run, snapshot, sheet, report_format, overwrite_changed), listener=listener)


async def update_budgets(path: str | Path, *, connection: Connection | None = None,  # noqa: PLR0913
                         run_dir: str | Path | None = None, dry_run: bool = False, snapshot: bool = True,
                         sheet: str | None = None, report_format: str | None = None,
                         overwrite_changed: bool = False, listener: ProgressListener | None = None) -> RunResult:
    """Rows of budgetId (blank = create), sellerId, campaignIds, budgetType, amount, startDate, endDate,
    isSuspended → budget creates and updates (see `bulkops budgets --help` for the rules checked first)."""
    return await api.run("budgets", path, connection=connection, options=api.RunSettings(
        run_dir, dry_run, snapshot, sheet, report_format, overwrite_changed), listener=listener)
