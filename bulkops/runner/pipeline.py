"""One run of a write job: read → check → snapshot → plan → journal → send → report; and resume.

The journal holds every operation before the first request goes out, so a run killed at any point (Ctrl-C,
crash, kill -9) resumes with exactly the operations whose outcome it never saw. Sending those again is safe
because every executor's requests are (see `protocol.Executor`, and each platform's executor for why).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bulkops.engine.client import ApiClient
from bulkops.errors import JournalError
from bulkops.io.readers import Table, open_table
from bulkops.runner.checks import check_input
from bulkops.runner.events import Progress, ProgressListener, ignore
from bulkops.runner.journal import Journal, file_fingerprint
from bulkops.runner.protocol import Executor, RunOptions, RunResult, WriteJob
from bulkops.runner.reports import RunInfo, Timing, write_reports
from bulkops.types import Connection, Operation, Outcome, OutcomeStatus, Plan, RowNote

ClientFactory = Callable[[Connection], ApiClient]


def start(run_dir: Path, meta: Mapping[str, Any], input_path: Path) -> Journal:
    """Open a new run's journal, fingerprinting its input so resume can check it."""
    return Journal.create(run_dir, {**meta, "input": str(input_path.resolve()),
                                    "input_sha256": file_fingerprint(input_path)})


def reopen(run_dir: Path) -> Journal:
    """Open an interrupted run for resume; refuse if its input changed since."""
    journal = Journal.open(run_dir)
    meta = journal.meta()
    path = Path(meta["input"])
    if not path.is_file():
        raise JournalError(str(run_dir), f"its input {path} is gone; resume needs the same file")
    if file_fingerprint(path) != meta["input_sha256"]:
        raise JournalError(str(run_dir), f"its input {path} changed since the run started; resume refused")
    return journal


def record_plan(journal: Journal, plan: Plan, row_errors: list[RowNote]) -> None:
    """Journal every row settled before sending, then every operation to send."""
    journal.add_notes(row_errors)
    journal.add_notes(plan.notes)
    journal.add_operations(plan.operations)


async def execute(journal: Journal, executor: Executor, api: ApiClient, *, rows_total: int,
                  listener: ProgressListener = ignore) -> RunInfo:
    """Send what the journal has pending, recording each outcome as it lands."""
    started = time.monotonic()
    pending = list(journal.pending())
    done = rows_total - len({op.row_number for op in pending})

    def progress(phase: str) -> Progress:
        c = api.counters
        return Progress(phase, rows_total, done, c.get("requests", 0), c.get("retries", 0),
                        c.get("rate_limited", 0), time.monotonic() - started)

    seen_rows: set[int] = set()

    def on_outcomes(batch: list[tuple[Operation, Outcome]]) -> None:
        nonlocal done
        journal.record(batch)  # one transaction per settled request, before anything else
        fresh = {op.row_number for op, _ in batch} - seen_rows
        seen_rows.update(fresh)
        done += len(fresh)
        listener(progress("sending"))

    await executor.execute(pending, on_outcomes)
    listener(progress("done"))
    return RunInfo(journal.counts(), time.monotonic() - started, dict(api.counters))


def unfinished(journal: Journal) -> int:
    """Operations whose outcome is not known (0 means the run is complete)."""
    counts = journal.counts()
    return counts.get("pending", 0) + counts.get(OutcomeStatus.UNKNOWN.value, 0)


async def run_write_job(job: WriteJob, path: Path, connection: Connection, options: RunOptions,
                        client: ClientFactory) -> RunResult:
    """Run a write job end to end; the reports are written even when the run is interrupted."""
    checked = check_input(job, path, options.sheet)
    fmt = report_format(checked.table, options.report_format)
    meta = {"platform": job.platform, "job": job.name, "job_options": job.options(),
            "base_url": connection.base_url, "target": connection.where, "client_id": connection.client_id,
            "api_version": connection.api_version, "rows_total": checked.total, "dry_run": options.dry_run,
            "snapshot": options.snapshot, "sheet": options.sheet, "report_format": fmt,
            "header": dict(checked.header.mapping), **options.meta}
    journal = start(options.run_dir, meta, path)
    timing = Timing(time.monotonic())
    interrupted = False
    try:
        async with client(connection) as api:
            plan = await job.plan(api, checked.rows, snapshot=options.snapshot)
            record_plan(journal, plan, checked.notes)
            timing.reads = dict(api.counters)
            timing.quota = api.quota
            if not options.dry_run:
                try:
                    timing.info = await execute(journal, job.executor(api), api, rows_total=checked.total,
                                                listener=options.listener)
                except BaseException:
                    interrupted = True
                    raise
        return write_reports(job, journal, checked.table, timing, options)
    finally:
        if interrupted:
            write_reports(job, journal, checked.table, timing, options, interrupted=True)
        journal.close()


async def resume_job(job: WriteJob, journal: Journal, connection: Connection, table: Table,  # noqa: PLR0913
                     client: ClientFactory, listener: ProgressListener = ignore) -> RunResult:
    """Send what an interrupted run left without a known outcome, then rewrite its reports."""
    meta = journal.meta()
    if meta.get("dry_run"):
        raise JournalError(str(journal.run_dir), "this was a dry run: nothing to resume; run the job itself")
    options = RunOptions(journal.run_dir, snapshot=meta.get("snapshot", True), sheet=meta.get("sheet"),
                         report_format=meta.get("report_format"), listener=listener)
    timing = Timing(time.monotonic())
    interrupted = True
    try:
        async with client(connection) as api:
            timing.info = await execute(journal, job.executor(api), api, rows_total=int(meta["rows_total"]),
                                        listener=listener)
            timing.quota = api.quota
            interrupted = False
        return write_reports(job, journal, table, timing, options)
    finally:
        if interrupted:
            write_reports(job, journal, table, timing, options, interrupted=True)


def report_format(table: Table, asked: str | None) -> str:
    """The reports' format: asked, else the input's (XLSX input gives CSV, which every tool opens)."""
    if asked:
        return asked.lower().lstrip(".")
    return "csv" if table.format == "xlsx" else table.format


def open_input(journal: Journal) -> Table:
    """The input of a journaled run, opened as it was."""
    meta = journal.meta()
    return open_table(Path(meta["input"]), sheet=meta.get("sheet"))
