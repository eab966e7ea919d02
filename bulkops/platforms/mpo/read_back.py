"""Read back what may have been applied: operations sent with no answer seen are settled by the API's own state
before anything is sent again (a lost answer must not become a wrong outcome, or a second budget)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bulkops.engine.client import ApiClient
from bulkops.platforms.mpo import reads, wire
from bulkops.platforms.mpo.budget_rows import has_fields, live_fields
from bulkops.types import Operation


async def bids_now(api: ApiClient, operations: list[Operation]) -> list[bool | None]:
    """Is each bid in place? None where its campaign cannot be read; False for a seller-campaign its campaign does
    not list: no bid is in place there (sent again, safe to repeat, it fails with the API's reason instead of
    staying unknown through every resume)."""
    found = await reads.seller_campaigns_by_campaign(api, {op.entity_id.rsplit(".", 1)[1] for op in operations})
    out: list[bool | None] = []
    for op in operations:
        scs = found[op.entity_id.rsplit(".", 1)[1]]
        if isinstance(scs, reads.LookupFailure):
            out.append(None)
            continue
        sc = scs.get(op.entity_id)
        out.append(False if sc is None else _same_bid(sc.get("bid"), op.fields.get("bid")))
    return out


def _same_bid(live: Any, wanted: Any) -> bool:
    return (live is None and wanted is None) or (live is not None and wanted is not None
                                                 and Decimal(str(live)) == Decimal(str(wanted)))


async def budgets_now(api: ApiClient, operations: list[Operation]) -> list[bool | Mapping[str, Any] | None]:
    """Updates: every changed field at its new value. Creates: a budget with the same facts exists (it is given
    back, so the journal keeps its id for the undo, as if the lost answer had arrived)."""
    updates = [op.entity_id for op in operations if op.kind == wire.UPDATE_BUDGET]
    sellers = [op.entity_id for op in operations if op.kind == wire.CREATE_BUDGET]
    by_id = await reads.budgets_by_id(api, updates)
    by_seller = await reads.budgets_by_seller(api, sellers)
    out: list[bool | Mapping[str, Any] | None] = []
    for op in operations:
        if op.kind == wire.UPDATE_BUDGET:
            b = by_id[op.entity_id]
            if b is None:  # not a budget of the client's: no update is in place there
                out.append(False)
            else:
                out.append(None if not isinstance(b, Mapping) else has_fields(live_fields(b), op.fields))
            continue
        found = by_seller[op.entity_id]
        if isinstance(found, reads.LookupFailure):
            out.append(None)
            continue
        created = next((b for b in found if has_fields(live_fields(b), op.fields)), None)
        out.append(False if created is None else {"budgetId": str(created["id"])})  # as the executor keeps it
    return out

