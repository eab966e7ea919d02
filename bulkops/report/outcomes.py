"""Per-row outcomes from the journal (pure): every input row ends succeeded, skipped, failed, unknown or pending.

One row can become several operations (a SKU paused on every line item of an account), and a row can be
settled before sending (invalid input, no-op). This module folds all of that into exactly one `RowOutcome`
per input row, so the report's counts add up to the input's rows. It works on a range of rows at a time: the
reports stream through the input, so memory stays flat.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bulkops.types import OutcomeStatus, RowNote

# When a row's pieces disagree, the worst one names the row.
# A row done on some line items and already at its target on others counts as succeeded.
_SEVERITY = {OutcomeStatus.SKIPPED: 0, OutcomeStatus.SUCCEEDED: 1, OutcomeStatus.PENDING: 2, OutcomeStatus.UNKNOWN: 3,
             OutcomeStatus.FAILED: 4}


# An operation as `Journal.pieces` gives it, in this order.
PIECE = ("row_number", "parent_id", "status", "reason", "error_code", "http_status", "trace_id", "attempts",
         "shown_before", "shown_after")


def widened(ops: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Operations as `Journal.pieces` gives them, each whole: one given as its keys alone (row, parent, shape: a
    run where no operation has a status yet) gets the blanks it stands for."""
    if not ops or len(ops[0]) != 3:
        return ops
    return [(number, parent, None, None, None, None, None, 0, shape) for number, parent, shape in ops]


UNANSWERED = "sent, but no answer was seen: it may have been applied; `bulkops resume` reads it back"
UNSENT = "not sent yet (resume to finish)"


@dataclass(slots=True)
class RowOutcome:
    """What became of one input row."""

    row_number: int
    status: OutcomeStatus
    message: str = ""
    error_code: str | None = None
    column: str | None = None
    http_status: int | None = None
    trace_id: str | None = None
    attempts: int = 0  # the most times one of its operations was sent (a retry shows; its line items do not)
    operations: int = 0
    done: int = 0  # operations of this row that succeeded
    failures: int = 0  # operations of this row that failed
    before: list[tuple[str, str]] = field(default_factory=list)  # (parent, shown values)
    after: list[tuple[str, str]] = field(default_factory=list)
    planned: list[tuple[str, str]] = field(default_factory=list)  # the after of every operation, sent or not


def fold(notes: Iterable[RowNote], ops: Iterable[Mapping[str, Any]], parents: str = "items") -> dict[int, RowOutcome]:
    """One outcome per row number, from the planner's notes and the journaled operations (as `Journal.pieces`
    gives them: row_number, parent_id, status, reason, error_code, http_status, trace_id, attempts,
    shown_before, shown_after). `parents` names what a row's operations are spread over ("line items")."""
    rows: dict[int, RowOutcome] = {}
    for note in notes:
        _merge(rows, note.row_number, note.status, note.message, code=note.code, column=note.column)
    for op in ops:
        status = OutcomeStatus.PENDING if op["status"] is None else OutcomeStatus(op["status"])
        row = _merge(rows, op["row_number"], status, op["reason"] or "", code=op["error_code"],
                     http_status=op["http_status"], trace_id=op["trace_id"])
        row.attempts = max(row.attempts, op["attempts"] or 0)  # a row on 3 line items, each sent once: 1
        row.operations += 1
        row.done += status is OutcomeStatus.SUCCEEDED
        row.failures += status is OutcomeStatus.FAILED
        if op["shown_before"]:
            row.before.append((op["parent_id"], op["shown_before"]))
        row.planned.append((op["parent_id"], op["shown_after"] or ""))
        if status is OutcomeStatus.SUCCEEDED:
            row.after.append((op["parent_id"], op["shown_after"] or ""))
    for row in rows.values():
        _describe(row, parents)
    return rows


def counts(outcomes: Iterable[RowOutcome]) -> dict[str, int]:
    """Rows per final status; they add up to the number of input rows."""
    result = {s.value: 0 for s in OutcomeStatus}
    for row in outcomes:
        result[row.status.value] += 1
    return result


def joined(values: list[tuple[str, str]], *, named: bool = False) -> str:
    """Before/after of a row: the one operation's values, or each parent's when there are several or when `named`
    (a row spread over several parents, of which one is shown: which one must be said)."""
    if len(values) == 1 and not named:
        return values[0][1]
    return "; ".join(f"{parent}: {text or '-'}" for parent, text in values)


def _merge(rows: dict[int, RowOutcome], number: int, status: OutcomeStatus, message: str,  # noqa: PLR0913
           *, code: str | None = None, column: str | None = None,
           http_status: int | None = None, trace_id: str | None = None) -> RowOutcome:
    row = rows.get(number)
    if row is None:
        row = rows[number] = RowOutcome(number, status)
    elif _SEVERITY[status] <= _SEVERITY[row.status]:
        return row
    row.status = status
    row.message, row.error_code, row.column = message, code, column
    row.http_status, row.trace_id = http_status, trace_id
    return row


def _describe(row: RowOutcome, parents: str) -> None:
    """Say what happened in words when the pieces alone do not."""
    if row.operations > 1 and row.status is OutcomeStatus.SUCCEEDED:
        row.message = f"done on {row.operations} {parents}"
    elif row.operations > 1 and row.status is OutcomeStatus.FAILED:
        row.message = f"failed on {row.failures} of {row.operations} {parents}: {row.message}"
    elif row.status is OutcomeStatus.UNKNOWN and not row.message:
        row.message = UNANSWERED
    elif row.status is OutcomeStatus.PENDING and not row.message:
        row.message = UNSENT
    if row.operations > 1 and row.done and row.status in (OutcomeStatus.PENDING, OutcomeStatus.UNKNOWN):
        row.message = f"done on {row.done} of {row.operations} {parents}; the others {row.message}"  # stopped midway
