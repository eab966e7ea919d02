"""A write job from file to reports: read → check → snapshot → plan → journal → send → report; and resume.

The platform supplies a `WriteJob` (its columns, how it reads current values and plans, how it sends, how
it describes and undoes a change); this module does the rest the same way for every job. Every input row
ends as exactly one outcome: a row refused by the checks, a duplicate, a no-op, a row for another entity, a
row sent. The journal is complete before the first request, and the reports are rebuilt from it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bulkops.engine.client import ApiClient
from bulkops.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_ROWS_FAILED, JournalError
from bulkops.io.columns import Header, Row, Schema, check_rows, duplicates, match_header
from bulkops.io.readers import Table, open_table
from bulkops.plan.chunks import chunks
from bulkops.plan.diff import Plan
from bulkops.report import files
from bulkops.report.outcomes import counts, fold
from bulkops.runner import run
from bulkops.runner.events import ProgressListener, ignore
from bulkops.runner.journal import Journal, OpRecord, RowNote
from bulkops.types import Connection, Operation, OutcomeStatus


class WriteJob(Protocol):
    """What a platform tells the runner about one kind of write job."""

    name: str  # the verb: bids, pause, unpause, remove, line-items
    schema: Schema
    cap: int  # operations per request

    def required(self) -> tuple[str, ...]:
        """Columns this run needs besides the schema's always-required ones."""

    def skip_reason(self, row: Row) -> str | None:
        """Why a row is not for this job (e.g. a campaign row of an export), or None."""

    async def plan(self, api: ApiClient, rows: list[Row], *, snapshot: bool) -> Plan:
        """Read what is needed and plan the rows."""

    def executor(self, api: ApiClient) -> run.Executor:
        """What sends the operations."""

    def view(self, op: Operation) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """(before, after) of an operation, for the reports."""

    def undo(self, succeeded: Iterable[Operation]) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
        """(columns, rows) that restore what the succeeded operations changed."""

    def options(self) -> dict[str, Any]:
        """What resume needs to rebuild this job."""


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How to run a write job."""

    run_dir: Path
    dry_run: bool = False
    snapshot: bool = True
    sheet: str | None = None
    report_format: str | None = None  # csv | parquet | xlsx; None = the input's (XLSX gives CSV)
    listener: ProgressListener = ignore
    meta: Mapping[str, Any] = field(default_factory=dict)  # more facts for the journal (e.g. which sandbox)


@dataclass(slots=True)
class RunResult:
    """What a run did: outcome counts, request counters, where the reports are, and its exit code."""

    run_dir: Path
    rows: int
    outcomes: dict[str, int]
    summary: dict[str, Any]
    files: files.ReportFiles = field(default_factory=files.ReportFiles)
    interrupted: bool = False

    @property
    def exit_code(self) -> int:
        """0 all rows succeeded or were skipped, 1 some failed, 130 interrupted (resumable)."""
        if self.interrupted or self.outcomes.get(OutcomeStatus.UNKNOWN.value, 0):
            return EXIT_INTERRUPTED
        return EXIT_ROWS_FAILED if self.outcomes.get(OutcomeStatus.FAILED.value) else EXIT_OK


@dataclass(slots=True)
class Checked:
    """The input after the checks: rows to plan and notes for the others."""

    table: Table
    header: Header
    rows: list[Row]
    notes: list[RowNote]
    total: int


def check_input(job: WriteJob, path: Path, sheet: str | None = None) -> Checked:
    """Read and check every row; nothing is sent for a row with a problem."""
    table = open_table(path, sheet=sheet)
    header = match_header(str(path), table.columns, job.schema, required=job.required())
    valid: list[Row] = []
    notes: list[RowNote] = []
    total = 0
    for batch in table.iter_batches():
        total += len(batch)
        records = batch.to_dict("records")
        entity = header.mapping.get("entity")
        if entity is not None:  # rows of an export that are for another job: skipped before any check
            mine = []
            for record in records:
                reason = job.skip_reason(Row(int(record["row_number"]), {"entity": str(record[entity]).strip()}))
                if reason is None or not str(record[entity]).strip():
                    mine.append(record)
                else:
                    notes.append(RowNote(int(record["row_number"]), OutcomeStatus.SKIPPED, None, "not-for-this-job",
                                         reason))
            records = mine
        for checked in check_rows(str(path), records, job.schema, header):
            if isinstance(checked, list):
                notes += [RowNote.from_error(e) for e in checked]
            else:
                valid.append(checked)
    keep, dupes = duplicates(valid, job.schema.key, str(path))
    for number, code, message in dupes:
        status = OutcomeStatus.SKIPPED if code == "duplicate" else OutcomeStatus.FAILED
        notes.append(RowNote(number, status, None, code, message))
    return Checked(table, header, keep, notes, total)


async def run_write_job(job: WriteJob, path: Path, connection: Connection, options: RunOptions) -> RunResult:
    """Run a write job end to end; the reports are written even when the run is interrupted."""
    checked = check_input(job, path, options.sheet)
    fmt = report_format(checked.table, options.report_format)
    meta = {"job": job.name, "job_options": job.options(), "base_url": connection.base_url,
            "client_id": connection.client_id, "api_version": connection.api_version, "rows_total": checked.total,
            "dry_run": options.dry_run, "snapshot": options.snapshot, "sheet": options.sheet, "report_format": fmt,
            "header": dict(checked.header.mapping), **options.meta}
    journal = run.start(options.run_dir, meta, path)
    started = time.monotonic()
    info: run.RunInfo | None = None
    interrupted = False
    try:
        async with ApiClient(connection) as api:
            plan = await job.plan(api, checked.rows, snapshot=options.snapshot)
            run.record_plan(journal, plan, checked.notes)
            reads = dict(api.counters)
            if not options.dry_run:
                try:
                    info = await run.execute(journal, job.executor(api), rows_total=checked.total,
                                             listener=options.listener)
                except BaseException:
                    interrupted = True
                    raise
            quota = api.limiter.calls_per_minute
        return _report(job, journal, checked.table, _Timing(started, reads, info, quota), options)
    finally:
        if interrupted:
            _report(job, journal, checked.table, _Timing(started, {}, None, None), options, interrupted=True)
        journal.close()


async def resume_job(job: WriteJob, journal: Journal, connection: Connection, table: Table,
                     listener: ProgressListener = ignore) -> RunResult:
    """Send what an interrupted run left without a known outcome, then rewrite its reports."""
    meta = journal.meta()
    if meta.get("dry_run"):
        raise JournalError(str(journal.run_dir), "this was a dry run: nothing to resume; run the job itself")
    options = RunOptions(journal.run_dir, snapshot=meta.get("snapshot", True), sheet=meta.get("sheet"),
                         report_format=meta.get("report_format"), listener=listener)
    started = time.monotonic()
    interrupted = True
    try:
        async with ApiClient(connection) as api:
            info = await run.execute(journal, job.executor(api), rows_total=int(meta["rows_total"]),
                                     listener=listener)
            interrupted = False
        return _report(job, journal, table, _Timing(started, {}, info, api.limiter.calls_per_minute), options)
    finally:
        if interrupted:
            _report(job, journal, table, _Timing(started, {}, None, None), options, interrupted=True)


def report_format(table: Table, asked: str | None) -> str:
    """The reports' format: asked, else the input's (XLSX input gives CSV, which every tool opens)."""
    if asked:
        return asked.lower().lstrip(".")
    return "csv" if table.format == "xlsx" else table.format


@dataclass(frozen=True, slots=True)
class _Timing:
    started: float
    reads: Mapping[str, int]
    info: run.RunInfo | None
    quota: float | None


def _report(job: WriteJob, journal: Journal, table: Table, timing: _Timing, options: RunOptions,  # noqa: PLR0913
            *, interrupted: bool = False) -> RunResult:
    meta = journal.meta()
    fmt = meta["report_format"]
    run_dir = journal.run_dir
    records = list(journal.operations())
    outcomes = fold(journal.notes(), records, job.view)
    results, errors = files.write_results(table, outcomes, run_dir, fmt, planned=options.dry_run)
    report = files.ReportFiles(results=results, errors=errors)
    if not options.dry_run and options.snapshot:
        columns, rows = job.undo(_succeeded(records))
        report.undo = files.write_rows(files.report_name(run_dir, "undo", fmt), _named(columns, meta), _renamed(rows, meta))
    if options.dry_run:
        report.extra["requests"] = _write_requests(job, records, run_dir, fmt)
    tally = counts(outcomes.values())
    rows_total = int(meta["rows_total"])
    tally[OutcomeStatus.FAILED.value] += rows_total - sum(tally.values())  # a row without outcome is a failure
    if options.dry_run:
        tally["planned"] = tally.pop(OutcomeStatus.UNKNOWN.value)
    summary = _summary(job, meta, run_dir, tally, timing, records, options, interrupted)
    report.summary = run_dir / "summary.json"
    summary["files"] = report.as_dict()
    files.write_summary(run_dir, summary)
    return RunResult(run_dir, rows_total, tally, summary, report, interrupted)


def _summary(job: WriteJob, meta: Mapping[str, Any], run_dir: Path, tally: dict[str, int],  # noqa: PLR0913
             timing: _Timing, records: list[OpRecord], options: RunOptions, interrupted: bool) -> dict[str, Any]:
    elapsed = time.monotonic() - timing.started
    counters = dict(timing.info.counters) if timing.info else dict(timing.reads)
    requests = counters.get("requests", 0)
    planned = sum(1 for _ in chunks((r.operation for r in records), job.cap)) if records else 0
    summary: dict[str, Any] = {
        "job": job.name, "input": meta.get("input"), "run_dir": str(run_dir), "dry_run": options.dry_run,
        "interrupted": interrupted, "rows": int(meta["rows_total"]), "outcomes": tally,
        "operations": len(records), "requests": requests, "retries": counters.get("retries", 0),
        "rate_limited": counters.get("rate_limited", 0), "wall_time_s": round(elapsed, 2),
        "achieved_rate_per_min": round(requests / elapsed * 60, 1) if elapsed > 0 else 0.0,
        "quota_per_min": timing.quota,
    }
    if options.dry_run:
        quota = timing.quota or 250.0
        summary["planned_requests"] = planned
        summary["estimated_send_s"] = round(planned / quota * 60, 1)
    return summary


def _succeeded(records: list[OpRecord]) -> Iterator[Operation]:
    for rec in records:
        if rec.outcome is not None and rec.outcome.status is OutcomeStatus.SUCCEEDED:
            yield rec.operation


def _named(columns: tuple[str, ...], meta: Mapping[str, Any]) -> list[str]:
    header = meta.get("header") or {}
    return [header.get(c, c) for c in columns]


def _renamed(rows: list[dict[str, Any]], meta: Mapping[str, Any]) -> list[dict[str, Any]]:
    header = meta.get("header") or {}
    return [{header.get(k, k): v for k, v in row.items()} for row in rows]


def _write_requests(job: WriteJob, records: list[OpRecord], run_dir: Path, fmt: str) -> Path:
    per: dict[tuple[str, str], list[int]] = {}
    for chunk in chunks((r.operation for r in records), job.cap):
        per.setdefault((chunk.parent_id, chunk.kind.value), []).append(len(chunk.operations))
    rows = [{"lineItemId": li, "action": kind, "operations": sum(sizes), "requests": len(sizes)}
            for (li, kind), sizes in per.items()]
    path = files.report_name(run_dir, "requests", fmt)
    files.write_rows(path, ("lineItemId", "action", "operations", "requests"), rows)
    return path


def open_input(journal: Journal) -> Table:
    """The input of a journaled run, opened as it was."""
    meta = journal.meta()
    return open_table(Path(meta["input"]), sheet=meta.get("sheet"))
