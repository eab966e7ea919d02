"""Every report of a run, written from its journal and its input: results, errors, undo, plan, summary.json.

The undo file is written first: whatever fails later, the way back is on disk. What the user should know about
a file (cells Excel would change in a CSV report, an XLSX report longer than a sheet) goes to `options.notice`,
once per file.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

from bulkops.io.readers import Table
from bulkops.io.writers import Notice, TableWriter
from bulkops.report import files
from bulkops.report.html import REPORT_NAME
from bulkops.runner.events import Progress
from bulkops.runner.journal import Journal
from bulkops.runner.protocol import RunOptions, RunResult, WriteJob
from bulkops.runner.summary import summary_of
from bulkops.types import OpRecord, OutcomeStatus

UNDO_BATCH = 10_000
REQUESTS_SHOWN = 100_000  # (parent, kind) pairs listed in a dry run's requests file


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What the sending phase did, for the summary."""

    counts: dict[str, int]
    elapsed_s: float
    counters: dict[str, int]


@dataclass(slots=True)
class Timing:
    """When the run started, what its reads cost, what its sending did, the quota it ran at."""

    started: float
    reads: dict[str, int] = field(default_factory=dict)  # the client's counters once the plan was made
    info: RunInfo | None = None
    quota: float | None = None
    counters: dict[str, int] = field(default_factory=dict)  # the client's counters at the end, however it ended
    stopped: str | None = None  # why the run stopped early: "interrupted", "API unreachable"
    read_s: float = 0.0  # how long the reads before sending took
    planned: bool = False  # the reads before sending are over (`reads` holds the counters then)
    earlier: dict[str, float] = field(default_factory=dict)  # the run's earlier processes' figures (`summary.spent`)

    @property
    def elapsed_s(self) -> float:
        """Seconds since the run started."""
        return time.monotonic() - self.started


def write_reports(job: WriteJob, journal: Journal, table: Table, timing: Timing, options: RunOptions,  # noqa: PLR0913 - the run's parts, from the pipeline
                  *, interrupted: bool = False) -> RunResult:
    """Write the run's reports from its journal, streaming: the summary's counts add up to the input's rows."""
    meta = journal.meta()
    fmt, run_dir = meta["report_format"], journal.run_dir
    delimiter = files.report_delimiter(table)
    report = files.ReportFiles()
    if not options.dry_run and options.snapshot:  # first: whatever fails later, the way back is on disk
        options.listener(Progress("writing the undo file", None, 0, 0, 0, 0, 0.0, counts_rows=False))
        report.undo = _write_undo(job, journal, run_dir, fmt, meta, options.notice, delimiter)
    naming = files.Naming(meta.get("header") or {}, str(meta.get("input_name") or meta.get("input") or ""))
    rows_total, began = int(meta["rows_total"]), time.monotonic()  # reports come once every row is checked

    def progress(rows: int) -> None:
        options.listener(Progress("writing reports", rows_total, rows, 0, 0, 0, time.monotonic() - began))

    top_errors = journal.top_errors()
    originals = {e["example_row"]: e["example_row"] for e in top_errors}  # a file fed back: its original rows
    report.results, report.errors, tally = files.write_results(
        table, journal.pieces, run_dir, fmt, parents=job.parent.nouns,
        planned=options.dry_run, naming=naming, notice=options.notice, progress=progress, originals=originals,
        delimiter=delimiter)
    for e in top_errors:  # as the results name them: the original sheet's row
        row = e["example_row"]
        e["example_row"], e["example"] = originals.get(row, row), naming.message(e["example"], row,
                                                                                  originals.get(row, row))
    operations, changes = _operations(journal, options.dry_run)
    planned, per = _requests(job, journal)
    if options.dry_run:
        report.extra["requests"] = _write_requests(job, per, run_dir, fmt, options.notice, delimiter)
        tally["planned"] = tally.pop(OutcomeStatus.PENDING.value)
        tally.pop(OutcomeStatus.UNKNOWN.value)
    summary = summary_of(job.name, meta, run_dir, tally, timing, operations, planned, options.dry_run, interrupted)
    summary["changes"] = changes
    summary["top_errors"] = top_errors
    summary["changed_since_export"] = journal.noted_for("changed-since-export")  # edits not sent: said aloud
    report.summary = run_dir / "summary.json"
    report.extra["report"] = run_dir / REPORT_NAME
    summary["files"] = report.as_dict()
    files.write_summary(run_dir, summary)
    _write_page(report, summary, options, journal)
    return RunResult(run_dir, rows_total, tally, summary, report, interrupted)


def _write_page(report: files.ReportFiles, summary: dict[str, Any], options: RunOptions, journal: Journal) -> None:
    """report.html, last (it reads summary.json). A page that cannot be drawn costs the run nothing: the
    reports above are written; the user is told, and `bulkops report RUN_DIR` can try again."""
    from bulkops.report.html import build_report  # noqa: PLC0415 - pygal and jinja2 load only here

    try:
        build_report(options.run_dir, journal)
    except Exception as exc:  # noqa: BLE001 - a bug in the page must not lose the run's result
        del report.extra["report"]
        summary["files"] = report.as_dict()
        files.write_summary(options.run_dir, summary)
        options.notice(f"report.html could not be written ({type(exc).__name__}: {exc}); the other"
                       f" reports are complete; `bulkops report {options.run_dir}` tries again")


def _write_undo(job: WriteJob, journal: Journal, run_dir: Path, fmt: str, meta: Mapping[str, Any],  # noqa: PLR0913
                notice: Notice, delimiter: str) -> Path | None:
    """The undo file, written as the journal is read: a batch of records at a time."""
    header = meta.get("header") or {}
    path = files.report_name(run_dir, "undo", fmt)
    writer: TableWriter | None = None
    batch: list[OpRecord] = []

    def flush() -> None:
        nonlocal writer
        columns, rows = job.undo(batch)
        if writer is None:
            # its numbers are the API's: written as a ';' sheet writes them
            writer = TableWriter(path, [header.get(c, c) for c in columns], notice=notice, delimiter=delimiter,
                                 decimal_comma=delimiter == ";")
        writer.write({header.get(k, k): v for k, v in row.items()} for row in rows)
        batch.clear()

    for record in journal.records(statuses=(OutcomeStatus.SUCCEEDED.value, OutcomeStatus.UNKNOWN.value)):
        batch.append(record)
        if len(batch) >= UNDO_BATCH:
            flush()
    if batch or writer is None:
        flush()
    assert writer is not None
    writer.close()
    if writer.rows_written == 0:
        path.unlink()
        return None
    return path


def _requests(job: WriteJob, journal: Journal) -> tuple[int, dict[tuple[str, str], list[int]]]:
    """How many requests the operations make, and their sizes per (parent, kind).

    Chunks are cut by kind, parent and count only (`WriteJob.chunks`), so each group's requests are counted
    from its size and one of its operations, once per kind and size: no pass over a million operations.
    """
    per: dict[tuple[str, str], list[int]] = {}
    cut: dict[tuple[str, int], list[int]] = {}  # a group's sizes depend on its kind and size only
    count = 0
    for op, size in journal.groups():
        sizes = cut.get((op.kind, size))
        if sizes is None:
            sizes = cut[(op.kind, size)] = [len(chunk.operations) for chunk in job.chunks(repeat(op, size))]
        count += len(sizes)
        if len(per) < REQUESTS_SHOWN:
            per[(op.parent_id, op.kind)] = sizes
    return count, per


def _write_requests(job: WriteJob, per: dict[tuple[str, str], list[int]], run_dir: Path, fmt: str,  # noqa: PLR0913
                    notice: Notice, delimiter: str) -> Path:
    parent = job.parent.column
    columns = ([parent] if parent else []) + ["action", "operations", "requests"]
    rows = [{**({parent: key} if parent else {}), "action": kind, "operations": sum(sizes), "requests": len(sizes)}
            for (key, kind), sizes in per.items()]
    path = files.report_name(run_dir, "requests", fmt)
    files.write_rows(path, columns, rows, integer=("operations", "requests"), notice=notice, delimiter=delimiter)
    return path


def _operations(journal: Journal, dry_run: bool) -> tuple[int, dict[str, int]]:
    """How many operations the run has, and per kind those that changed something (or, in a dry run, would):
    "added" apart from "changed"."""
    if dry_run:
        planned = journal.planned()
        return sum(planned.values()), planned
    changes: dict[str, int] = {}
    tally = journal.tally()
    for (kind, status), n in tally.items():
        if status == OutcomeStatus.SUCCEEDED.value:
            changes[kind] = changes.get(kind, 0) + n
    return sum(tally.values()), changes
