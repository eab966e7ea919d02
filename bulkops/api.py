"""The Python API: the CLI's verbs as coroutines, for scripts and notebooks.

::

    import asyncio, bulkops

    conn = bulkops.connect("https://api.criteo.com", "my-client-id", "my-secret")
    async def main():
        await bulkops.export(["4000"], "inventory.csv", connection=conn)
        result = await bulkops.apply_bids("bids.csv", connection=conn, run_dir="runs/bids-1")
        print(result.outcomes, result.files.as_dict())
    asyncio.run(main())

Every function checks the whole input before sending anything, journals the plan, and writes the same
reports as the CLI. `connection=None` takes the settings from the environment (``BULKOPS_*``) or the
config file. Input problems raise `InputError`, bad settings `UsageError`; row problems never raise,
they are in the result and the reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from bulkops.config import resolve
from bulkops.engine.client import ApiClient
from bulkops.platforms.retail_media.export import ExportFilter, ExportResult
from bulkops.platforms.retail_media.export import export as _export
from bulkops.platforms.retail_media.jobs import make_job
from bulkops.runner import run
from bulkops.runner.events import ProgressListener, ignore
from bulkops.runner.job import RunOptions, RunResult, open_input, resume_job, run_write_job
from bulkops.types import DEFAULT_API_VERSION, Connection, Secret


def connect(base_url: str, client_id: str, client_secret: str, *, api_version: str = DEFAULT_API_VERSION,
            rate: float | None = None, concurrency: int = 8) -> Connection:
    """A checked Connection (plain http only to loopback); the secret is wrapped so it never prints."""
    return resolve({"base_url": base_url, "client_id": client_id, "client_secret": client_secret,
                    "api_version": api_version, "rate": rate, "concurrency": concurrency}, env={})


def default_run_dir(verb: str) -> Path:
    """runs/<verb>-<timestamp>, unique within the second."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = Path("runs") / f"{verb}-{stamp}"
    n = 2
    while path.exists():
        path = Path("runs") / f"{verb}-{stamp}-{n}"
        n += 1
    return path


async def export(accounts: Iterable[str], out: str | Path, *, connection: Connection | None = None,
                 filters: ExportFilter = ExportFilter(), listener: ProgressListener = ignore) -> ExportResult:
    """Campaigns, line items and promoted products of the accounts → `out` (.csv or .parquet), streamed."""
    async with ApiClient(connection or resolve({})) as api:
        return await _export(api, [str(a) for a in accounts], Path(out), filters, listener)


async def apply_bids(path: str | Path, *, connection: Connection | None = None, run_dir: str | Path | None = None,
                     dry_run: bool = False, snapshot: bool = True, sheet: str | None = None,
                     report_format: str | None = None, listener: ProgressListener = ignore) -> RunResult:
    """Rows of lineItemId, productId, bidOverride (and optionally action) → appends per line item."""
    return await _run("bids", path, (), connection, _options("bids", run_dir, dry_run, snapshot, sheet,
                                                             report_format, listener))


async def set_product_status(path: str | Path, status: str, *, accounts: Iterable[str] = (),  # noqa: PLR0913
                             connection: Connection | None = None, run_dir: str | Path | None = None,
                             dry_run: bool = False, snapshot: bool = True, sheet: str | None = None,
                             report_format: str | None = None, listener: ProgressListener = ignore) -> RunResult:
    """Pause (`status="paused"`) or unpause (`"active"`) the SKUs of the file, or `remove` them.

    Rows name lineItemId and productId; with `accounts`, rows may name the productId alone: the SKU is
    acted on wherever those accounts promote it.
    """
    verb = {"paused": "pause", "active": "unpause", "removed": "remove"}.get(status, status)
    if verb not in ("pause", "unpause", "remove"):
        raise ValueError(f"status must be 'paused', 'active' or 'removed', not {status!r}")
    options = _options(verb, run_dir, dry_run, snapshot, sheet, report_format, listener)
    return await _run(verb, path, tuple(str(a) for a in accounts), connection, options)


async def update_line_items(path: str | Path, *, connection: Connection | None = None,  # noqa: PLR0913
                            run_dir: str | Path | None = None, dry_run: bool = False, sheet: str | None = None,
                            report_format: str | None = None, listener: ProgressListener = ignore) -> RunResult:
    """Rows of lineItemId and name, status, targetBid, maxBid, budget, startDate, endDate (blank = as is)."""
    options = _options("line-items", run_dir, dry_run, True, sheet, report_format, listener)
    return await _run("line-items", path, (), connection, options)


async def resume(run_dir: str | Path, *, connection: Connection | None = None,
                 listener: ProgressListener = ignore) -> RunResult:
    """Finish an interrupted run: send only what has no known outcome, then rewrite its reports."""
    journal = run.reopen(Path(run_dir))
    try:
        meta = journal.meta()
        conn = connection or resolve({"base_url": meta.get("base_url"), "client_id": meta.get("client_id"),
                                      "api_version": meta.get("api_version")})
        job = make_job(meta["job"], meta.get("job_options"))
        return await resume_job(job, journal, conn, open_input(journal), listener)
    finally:
        journal.close()


async def _run(verb: str, path: str | Path, accounts: tuple[str, ...], connection: Connection | None,
               options: RunOptions) -> RunResult:
    job = make_job(verb, {"accounts": list(accounts)})
    return await run_write_job(job, Path(path), connection or resolve({}), options)


def _options(verb: str, run_dir: str | Path | None, dry_run: bool, snapshot: bool,  # noqa: PLR0913
             sheet: str | None, report_format: str | None, listener: ProgressListener) -> RunOptions:
    return RunOptions(Path(run_dir) if run_dir else default_run_dir(verb), dry_run=dry_run, snapshot=snapshot,
                      sheet=sheet, report_format=report_format, listener=listener)


__all__ = ["Connection", "ExportFilter", "ExportResult", "RunResult", "Secret", "apply_bids", "connect",
           "export", "resume", "set_product_status", "update_line_items"]
