"""One run of a write job: read → validate → snapshot → plan → journal → execute → report; and resume.

Why re-sending an operation whose outcome is unknown is safe (what `resume` relies on):

- ``set-bid`` is an append, which the API treats as an upsert: sending the same bidOverride
  twice leaves the product exactly as sending it once.
- ``pause`` / ``unpause`` set a status; a second send sets the same status.
- ``remove`` of a product that a lost answer already removed is refused by the API as "not on
  the line item"; the engine counts that refusal on a re-send as success (the product is gone,
  which is what the row asked for) and says so in the row's message.
- ``update-line-item`` is a PUT of the whole writable set, journaled with its body: sending it
  again writes the same values.

The journal holds every operation before the first request goes out, so a run killed at any
point (Ctrl-C, crash, kill -9) resumes with exactly the operations whose outcome it never saw.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bulkops.errors import JournalError
from bulkops.plan.diff import Plan
from bulkops.runner.events import Progress, ProgressListener, ignore
from bulkops.runner.journal import Journal, RowNote, file_fingerprint
from bulkops.types import Operation, Outcome, OutcomeStatus


class Executor(Protocol):
    """Sends operations and reports each one's outcome as soon as it is known (the engine)."""

    async def execute(self, operations: Iterable[Operation],
                      on_outcomes: Callable[[list[tuple[Operation, Outcome]]], None]) -> None:
        """Run every operation once, calling `on_outcomes` as each request settles."""

    def counters(self) -> Mapping[str, int]:
        """Requests, retries and 429s so far."""


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What a run did, for the summary."""

    run_dir: Path
    counts: dict[str, int]
    elapsed_s: float
    counters: dict[str, int]


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


def record_plan(journal: Journal, plan: Plan, row_errors: Iterable[RowNote]) -> None:
    """Journal every row settled before sending, then every operation to send."""
    journal.add_notes(row_errors)
    journal.add_notes(RowNote(s.row_number, s.status, s.column, s.code, s.message) for s in plan.settled)
    journal.add_operations(plan.operations)


async def execute(journal: Journal, executor: Executor, *, rows_total: int,
                  listener: ProgressListener = ignore, clock: Callable[[], float] = time.monotonic) -> RunInfo:
    """Send what the journal has pending, recording each outcome as it lands."""
    started = clock()
    pending = list(journal.pending())
    done = rows_total - len({op.row_number for op in pending})

    def progress(phase: str) -> Progress:
        c = executor.counters()
        return Progress(phase, rows_total, done, c.get("requests", 0), c.get("retries", 0),
                        c.get("rate_limited", 0), clock() - started)

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
    return RunInfo(journal.run_dir, journal.counts(), clock() - started, dict(executor.counters()))


def unfinished(journal: Journal) -> int:
    """Operations whose outcome is not known (0 means the run is complete)."""
    counts = journal.counts()
    return counts.get("pending", 0) + counts.get(OutcomeStatus.UNKNOWN.value, 0)


def rows_planned(journal: Journal) -> int:
    """Distinct input rows that have operations."""
    return len({record.operation.row_number for record in journal.operations()})
