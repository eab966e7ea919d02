"""What `budgets` reads before planning: the budgets of every seller concerned (once per seller), and by id the
budgets a row names whose seller is not known or that the seller's list leaves out (Archived ones)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bulkops.engine.client import ApiClient
from bulkops.platforms.mpo import reads
from bulkops.platforms.mpo.budget_rows import BudgetRow
from bulkops.platforms.mpo.reads import LookupFailure

Budget = Mapping[str, Any]


@dataclass(slots=True)
class BudgetSnapshot:
    """Budgets as read: by id (None = unknown or not the client's) and by seller."""

    by_id: dict[str, Budget | LookupFailure | None] = field(default_factory=dict)
    by_seller: dict[str, list[Budget] | LookupFailure] = field(default_factory=dict)


async def budget_snapshot(api: ApiClient, rows: list[BudgetRow]) -> BudgetSnapshot:
    """Read once per seller; GET /budgets/{id} only where the seller's list cannot tell."""
    snap = BudgetSnapshot()
    blind = [r.budget_id for r in rows if r.budget_id and not r.seller_id]
    snap.by_id.update(await reads.budgets_by_id(api, blind))
    sellers = {r.seller_id for r in rows if r.seller_id}
    sellers |= {str(b["sellerId"]) for b in snap.by_id.values() if isinstance(b, Mapping) and b.get("sellerId")}
    snap.by_seller = await reads.budgets_by_seller(api, sorted(sellers))
    for found in snap.by_seller.values():
        if not isinstance(found, LookupFailure):
            snap.by_id.update({str(b["id"]): b for b in found})
    missing = [r.budget_id for r in rows if r.budget_id and r.budget_id not in snap.by_id]
    snap.by_id.update(await reads.budgets_by_id(api, missing))
    return snap
