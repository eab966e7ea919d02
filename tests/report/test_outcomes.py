"""Every input row ends with exactly one outcome, and the counts add up."""

from __future__ import annotations

from bulkops.platforms.retail_media.actions import Action
from bulkops.report.outcomes import counts, fold
from bulkops.types import Operation, OpRecord, Outcome, RowNote
from bulkops.types import OutcomeStatus as S


def _rec(row: int, li: str, status: S | None, reason: str = "") -> OpRecord:
    op = Operation(row, Action.PAUSE, li, "sku", {"status": "paused"}, {"status": "active"})
    return OpRecord(op, None if status is None else Outcome(row, status, reason=reason or None, attempts=1))


def test_one_outcome_per_row_and_the_worst_piece_names_it() -> None:
    notes = [RowNote(2, S.FAILED, "bidOverride", "not-a-number", "bad"), RowNote(3, S.SKIPPED, None, "no-op", "same")]
    records = [_rec(4, "a", S.SUCCEEDED), _rec(4, "b", S.SUCCEEDED),
               _rec(5, "a", S.SUCCEEDED), _rec(5, "b", S.FAILED, "not on the line item"),
               _rec(6, "a", None), _rec(7, "a", S.UNKNOWN)]
    rows = fold(notes, records, parents="line items")
    assert {n: r.status for n, r in rows.items()} == {2: S.FAILED, 3: S.SKIPPED, 4: S.SUCCEEDED,
                                                      5: S.FAILED, 6: S.PENDING, 7: S.UNKNOWN}
    assert rows[4].message == "done on 2 line items"
    assert rows[5].message == "failed on 1 of 2 line items: not on the line item"
    assert rows[6].message == "not sent yet (resume to finish)"
    assert "may have been applied" in rows[7].message and "bulkops resume" in rows[7].message
    assert rows[4].after == [("a", {"status": "paused"}), ("b", {"status": "paused"})]
    assert rows[4].attempts == 2
    assert sum(counts(rows.values()).values()) == 6
