"""Every report of a run, written from its journal and its input: results, errors, undo, plan, summary.json.

The undo file is written first: whatever fails later, the way back is on disk.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bulkops.io.readers import Table
from bulkops.report import files
from bulkops.report.outcomes import counts, fold
from bulkops.runner.journal import Journal
from bulkops.runner.protocol import RunOptions, RunResult, WriteJob
from bulkops.runner.summary import summary_of
from bulkops.types import OpRecord, OutcomeStatus


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

    @property
    def elapsed_s(self) -> float:
        """Seconds since the run started."""
        return time.monotonic() - self.started


def write_reports(job: WriteJob, journal: Journal, table: Table, timing: Timing, options: RunOptions,  # noqa: PLR0913 - the run's parts, from the pipeline
                  *, interrupted: bool = False) -> RunResult:
    """Write the run's reports from its journal; the summary's counts add up to the input's rows."""
    meta = journal.meta()
    fmt, run_dir = meta["report_format"], journal.run_dir
    records = list(journal.operations())
    report = files.ReportFiles()
    if not options.dry_run and options.snapshot:  # first: whatever fails later, the way back is on disk
        report.undo = _write_undo(job, records, run_dir, fmt, meta)
    outcomes = fold(journal.notes(), records, job.view, job.parent.nouns)
    report.results, report.errors = files.write_results(table, outcomes, run_dir, fmt, planned=options.dry_run)
    if options.dry_run:
        report.extra["requests"] = _write_requests(job, records, run_dir, fmt)
    tally = counts(outcomes.values())
    rows_total = int(meta["rows_total"])
    tally[OutcomeStatus.FAILED.value] += rows_total - sum(tally.values())  # a row without outcome is a failure
    if options.dry_run:
        tally["planned"] = tally.pop(OutcomeStatus.PENDING.value)
        tally.pop(OutcomeStatus.UNKNOWN.value)
    planned = sum(1 for _ in job.chunks(r.operation for r in records))
    summary = summary_of(job.name, meta, run_dir, tally, timing, len(records), planned, options.dry_run,
                         interrupted)
    report.summary = run_dir / "summary.json"
    summary["files"] = report.as_dict()
    files.write_summary(run_dir, summary)
    return RunResult(run_dir, rows_total, tally, summary, report, interrupted)


def _write_undo(job: WriteJob, records: list[OpRecord], run_dir: Path, fmt: str,
                meta: Mapping[str, Any]) -> Path | None:
    columns, rows = job.undo(_succeeded(records))
    header = meta.get("header") or {}
    named = [header.get(c, c) for c in columns]
    renamed = [{header.get(k, k): v for k, v in row.items()} for row in rows]
    return files.write_rows(files.report_name(run_dir, "undo", fmt), named, renamed)


def _succeeded(records: Iterable[OpRecord]) -> Iterator[OpRecord]:
    """Operations that changed something, or may have (sent with no answer seen): undo covers them all, since
    restoring a value that was never changed changes nothing."""
    for rec in records:
        if rec.outcome is not None and rec.outcome.status in (OutcomeStatus.SUCCEEDED, OutcomeStatus.UNKNOWN):
            yield rec


def _write_requests(job: WriteJob, records: list[OpRecord], run_dir: Path, fmt: str) -> Path:
    per: dict[tuple[str, str], list[int]] = {}
    for chunk in job.chunks(r.operation for r in records):
        per.setdefault((chunk.parent_id, chunk.kind), []).append(len(chunk.operations))
    parent = job.parent.column
    columns = ([parent] if parent else []) + ["action", "operations", "requests"]
    rows = [{**({parent: key} if parent else {}), "action": kind, "operations": sum(sizes), "requests": len(sizes)}
            for (key, kind), sizes in per.items()]
    path = files.report_name(run_dir, "requests", fmt)
    files.write_rows(path, columns, rows)
    return path
