"""Every input row ends with exactly one outcome, and the counts add up."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bulkops.report.files import Naming, _note_cells, _op_cells, _op_columns, _outcome_cells
from bulkops.report.outcomes import PIECE, counts, fold, joined
from bulkops.types import OutcomeStatus as S
from bulkops.types import RowNote


def _op(row: int, li: str, status: S | None, reason: str = "") -> dict[str, Any]:
    """An operation as `Journal.pieces` gives it (a pause, shown before and after)."""
    return {"row_number": row, "parent_id": li, "status": None if status is None else status.value,
            "reason": reason or None, "error_code": None, "http_status": None, "trace_id": None,
            "attempts": 0 if status is None else 1, "shown_before": "status active", "shown_after": "status paused"}


def test_one_outcome_per_row_and_the_worst_piece_names_it() -> None:
    notes = [RowNote(2, S.FAILED, "bidOverride", "not-a-number", "bad"), RowNote(3, S.SKIPPED, None, "no-op", "same")]
    ops = [_op(4, "a", S.SUCCEEDED), _op(4, "b", S.SUCCEEDED),
           _op(5, "a", S.SUCCEEDED), _op(5, "b", S.FAILED, "not on the line item"),
           _op(6, "a", None), _op(7, "a", S.UNKNOWN)]
    rows = fold(notes, ops, parents="line items")
    assert {n: r.status for n, r in rows.items()} == {2: S.FAILED, 3: S.SKIPPED, 4: S.SUCCEEDED,
                                                      5: S.FAILED, 6: S.PENDING, 7: S.UNKNOWN}
    assert rows[4].message == "done on 2 line items"
    assert rows[5].message == "failed on 1 of 2 line items: not on the line item"
    assert rows[6].message == "not sent yet (resume to finish)"
    assert "may have been applied" in rows[7].message and "bulkops resume" in rows[7].message
    assert joined(rows[4].after) == "a: status paused; b: status paused" and joined(rows[3].after) == ""
    assert rows[4].attempts == 1  # sent once on each of its two line items: no retry to show
    assert sum(counts(rows.values()).values()) == 6


@settings(max_examples=200, deadline=None)
@given(status=st.sampled_from([None, *[s.value for s in S]]), reason=st.sampled_from([None, "", "refused", "in.csv, row 7: refused"]),
       http=st.sampled_from([None, 400]), before=st.sampled_from([None, "", "status active"]),
       after=st.sampled_from([None, "status paused"]), planned=st.booleans(), original=st.sampled_from([7, 9]))
def test_a_row_of_one_operation_reads_as_its_fold(status: str | None, reason: str | None, http: int | None,
                                                  before: str | None, after: str | None, planned: bool,
                                                  original: int) -> None:
    """The results read a row of one operation straight off it (a million rows, no fold): the same cells."""
    op = (7, "li", status, reason, "code" if http else None, http, "t-1" if http else None, 2, before, after)
    naming = Naming({"productId": "sku"}, "in.csv")
    folded = fold([], [dict(zip(PIECE, op, strict=True))])[7]
    assert _op_cells(op, 7, original, planned, naming) == _outcome_cells(7, original, folded, planned, naming)


@settings(max_examples=100, deadline=None)
@given(status=st.sampled_from([S.FAILED, S.SKIPPED]), column=st.sampled_from([None, "productId", "sku"]),
       message=st.sampled_from(["", "no-op", "in.csv, row 7, column 'sku': bad"]), planned=st.booleans(),
       original=st.sampled_from([7, 9]))
def test_a_row_of_one_note_reads_as_its_fold(status: S, column: str | None, message: str, planned: bool,
                                             original: int) -> None:
    """A row settled before sending by one note is read straight off it: the same cells as its fold."""
    note = RowNote(7, status, column, "code", message)
    naming = Naming({"productId": "sku"}, "in.csv")
    folded = fold([note], [])[7]
    assert _note_cells(note, original, naming) == _outcome_cells(7, original, folded, planned, naming)


OPS = st.tuples(st.sampled_from([None, *[s.value for s in S]]), st.sampled_from([None, "", "refused"]),
                st.sampled_from([None, 400]), st.sampled_from([0, 2]), st.sampled_from([None, "", "status active"]),
                st.sampled_from([None, "status paused"]))


@settings(max_examples=150, deadline=None)
@given(st.lists(OPS, min_size=1, max_size=20), st.booleans())
def test_a_batch_of_single_operations_reads_as_row_by_row(ops: list[tuple[Any, ...]], planned: bool) -> None:
    """A batch whose every row is one operation is read column by column (pyarrow): the same cells."""
    numbers = list(range(2, len(ops) + 2))
    pieces = [(n, "li", status, reason, "code" if http else None, http, "t" if http else None, attempts, before, after)
              for n, (status, reason, http, attempts, before, after) in zip(numbers, ops, strict=True)]
    naming = Naming({"productId": "sku"}, "in.csv")
    by_rows = [list(c) for c in zip(*(_op_cells(p, p[0], p[0], planned, naming) for p in pieces), strict=True)]
    shapes = {shown: i for i, shown in enumerate(dict.fromkeys((p[8] or "", p[9] or "") for p in pieces))}
    shaped = [(*p[:8], shapes[(p[8] or "", p[9] or "")], None) for p in pieces]  # as the journal gives them
    looks = {i: shown for shown, i in shapes.items()}
    columns = _op_columns(numbers, [], shaped, looks, planned)
    assert columns is not None and [c.to_pylist() for c in columns] == by_rows  # type: ignore[attr-defined]
    assert _op_columns(numbers, [RowNote(2, S.SKIPPED, None, "no-op", "same")], shaped, looks, planned) is None
    answered = [(*shaped[0][:9], '{"budgetId": "16500124"}'), *shaped[1:]]  # an answer to show: row by row
    assert _op_columns(numbers, [], answered, looks, planned) is None


def test_a_row_stopped_midway_says_what_was_done_and_where() -> None:
    """A SKU row of `pause --account` on three line items, stopped after one was paused: not "not sent yet" alone
    (one line item is paused), and the after names the line item it was done on."""
    ops = [_op(8, "a", S.SUCCEEDED), _op(8, "b", None), _op(8, "c", None), _op(9, "a", S.SUCCEEDED), _op(9, "b", S.UNKNOWN)]
    rows = fold([], ops, parents="line items")
    assert rows[8].status is S.PENDING
    assert rows[8].message == "done on 1 of 3 line items; the others not sent yet (resume to finish)"
    assert joined(rows[8].after, named=rows[8].operations > 1) == "a: status paused"
    assert rows[9].message.startswith("done on 1 of 2 line items; the others sent, but no answer was seen")
