"""A sheet planned column by column (no snapshot) is planned exactly as row by row: same notes, operations, order."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from bulkops.io.columns import NONE, Row
from bulkops.io.vector import decode
from bulkops.platforms.retail_media import products
from bulkops.platforms.retail_media.actions import Action
from bulkops.platforms.retail_media.schemas import BIDS, PRODUCT_ACTIONS
from bulkops.runner.protocol import Columns

CELL = {  # normalized cells, as checks stage them (None: blank)
    "lineItemId": st.sampled_from([None, "101", "102", "103"]),
    "productId": st.sampled_from(["sku-a", "sku-b", "00123", "9e5"]),
    "bidOverride": st.sampled_from([None, "none", "1.20", "0.3", "1e1", "2"]),
    "action": st.sampled_from([None, *PRODUCT_ACTIONS]),
}
ROWS = st.lists(st.fixed_dictionaries(CELL), max_size=40)


def _rows(cells: list[dict[str, str | None]]) -> list[Row]:
    typed = []
    for number, row in enumerate(cells, start=2):
        values = {k: decode(BIDS.column(k), v) for k, v in row.items()}
        typed.append(Row(number, {k: v for k, v in values.items() if v is not None}))
    return typed


@settings(max_examples=150, deadline=None)
@given(ROWS, st.sampled_from(list(Action)[:5]), st.booleans())
def test_columns_plan_as_rows_do(cells: list[dict[str, str | None]], verb: Action, add: bool) -> None:
    by_kind, settled = products.split(_rows(cells), verb, add, blind=True)
    by_rows = products.plan_blind(by_kind)
    by_rows.notes += settled
    warning = products.other_actions({k: len(v) for k, v in by_kind.items()}, verb, add)

    batch = Columns(pa.array(range(2, len(cells) + 2), pa.int64()),
                    {k: pa.array([row[k] for row in cells], pa.string()) for k in CELL})
    by_columns = products.plan_blind_columns(batch, verb, add)

    assert by_columns.notes == by_rows.notes and not by_columns.operations
    alike = by_columns.alike
    assert alike is not None
    planned = zip(alike.numbers.to_pylist(), alike.parents.to_pylist(), alike.entities.to_pylist(),
                  alike.which.to_pylist(), strict=True)
    assert [(n, alike.shared[i].kind, parent, entity, dict(alike.shared[i].fields))
            for n, parent, entity, i in planned] == \
        [(op.row_number, op.kind, op.parent_id, op.entity_id, dict(op.fields)) for op in by_rows.operations]
    assert by_columns.warnings == ([warning] if warning else [])
    assert NONE not in [v for op in by_rows.operations for v in op.fields.values()]
