"""Undo rows of `budgets` (pure): feeding them back to `budgets` restores what the run changed.

=========================  ==============================================================
succeeded operation        undo row
=========================  ==============================================================
update                     budgetId and the old amount, startDate, endDate (`none` = open-ended), isSuspended
create                     budgetId (the id the API gave, as journaled) and isSuspended=true: the API has no
                           DELETE, so a created budget is suspended instead
=========================  ==============================================================

A create whose outcome is unknown (the run stopped with it at the API) has no id yet: its row has a blank budgetId
and a note saying to resume the run first.

A narrowed campaignIds is not restored: the API never adds campaigns to a budget. Its row says so in `note` (the
campaigns it had), so the undo file shows what it cannot do; fed back, the note changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from bulkops.io.writers import unambiguous
from bulkops.platforms.mpo import wire
from bulkops.platforms.mpo.budget_rows import shown
from bulkops.types import OpRecord

UNDO_COLUMNS = ("budgetId", "amount", "startDate", "endDate", "isSuspended", "note")


def budget_undo_rows(done: Iterable[OpRecord]) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    """(columns, rows) restoring the given operations."""
    return UNDO_COLUMNS, [row for record in done for row in _undo(record)]


def _undo(record: OpRecord) -> Iterator[dict[str, Any]]:
    op = record.operation
    if op.kind == wire.CREATE_BUDGET:
        result = record.outcome.result if record.outcome is not None else None
        if result and result.get("budgetId"):
            yield {"budgetId": str(result["budgetId"]), "isSuspended": "true"}
        else:  # a create whose answer was lost has no id to suspend: said, so the undo never looks whole
            what = ", ".join(f"{n} {shown(n, v)}" for n, v in op.fields.items() if v is not None)
            yield {"budgetId": "", "note": f"row {op.row_number}: a budget of seller {op.entity_id} ({what}) may have"
                   " been created, no answer was seen: run `bulkops resume` on the run first (it reads it back and"
                   " learns its id), then take its undo file; this row suspends nothing and fails if fed back"}
        return
    if op.before is None:  # sent without a snapshot: the old values are not known
        return
    cells = {n: unambiguous(shown(n, v)) for n, v in op.before.items() if n in UNDO_COLUMNS}  # 100.1250
    if "campaignIds" in op.before:
        cells["note"] = (f"campaignIds were {shown('campaignIds', op.before['campaignIds'])}: the API never adds"
                         " campaigns back to a budget, so this undo cannot widen them again")
    if cells:
        yield {"budgetId": op.entity_id, **cells}
