"""Per-row outcomes from the journal (pure): every input row ends succeeded, skipped or failed.

One row can become several operations (a SKU paused on every line item of an account), and a row can be
settled before sending (invalid input, no-op). This module folds all of that into exactly one `RowOutcome`
per input row, so the report's counts add up to the input's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bulkops.types import Operation, OpRecord, OutcomeStatus, RowNote

# When a row's pieces disagree, the worst one names the row.
# A row done on some line items and already at its target on others counts as succeeded.
_SEVERITY = {OutcomeStatus.SKIPPED: 0, OutcomeStatus.SUCCEEDED: 1, OutcomeStatus.PENDING: 2, OutcomeStatus.UNKNOWN: 3,
             OutcomeStatus.FAILED: 4}

Values = tuple[str, dict[str, Any]]  # (parent id, field → value)
View = Callable[[Operation], tuple[dict[str, Any] | None, dict[str, Any]]]


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
    attempts: int = 0
    operations: int = 0
    failures: int = 0  # operations of this row that failed
    before: list[Values] = field(default_factory=list)
    after: list[Values] = field(default_factory=list)
    planned: list[Values] = field(default_factory=list)  # the after of every operation, sent or not


def default_view(op: Operation) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """(before, after) of an operation, as the report shows them."""
    return (None if op.before is None else dict(op.before)), dict(op.fields)


def fold(notes: Iterable[RowNote], records: Iterable[OpRecord], view: View = default_view,
         parents: str = "items") -> dict[int, RowOutcome]:
    """One outcome per row number, from the planner's notes and the journaled operations.

    `parents` names what a row's operations are spread over, for "done on 3 line items".
    """
    rows: dict[int, RowOutcome] = {}
    for note in notes:
        _merge(rows, note.row_number, note.status, note.message, code=note.code, column=note.column)
    for rec in records:
        op, out = rec.operation, rec.outcome
        status = OutcomeStatus.PENDING if out is None else out.status
        row = _merge(rows, op.row_number, status, (out.reason if out else None) or "",
                     code=out.error_code if out else None,
                     http_status=out.http_status if out else None,
                     trace_id=out.trace_id if out else None)
        row.attempts += out.attempts if out else 0
        row.operations += 1
        row.failures += status is OutcomeStatus.FAILED
        before, after = view(op)
        if before is not None:
            row.before.append((op.parent_id, before))
        row.planned.append((op.parent_id, after))
        if status is OutcomeStatus.SUCCEEDED:
            row.after.append((op.parent_id, after))
    for row in rows.values():
        _describe(row, parents)
    return rows


def counts(outcomes: Iterable[RowOutcome]) -> dict[str, int]:
    """Rows per final status; they add up to the number of input rows."""
    result = {s.value: 0 for s in OutcomeStatus}
    for row in outcomes:
        result[row.status.value] += 1
    return result


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
        row.message = "sent, but no answer was seen: it may have been applied; `bulkops resume` reads it back"
    elif row.status is OutcomeStatus.PENDING and not row.message:
        row.message = "not sent yet (resume to finish)"
