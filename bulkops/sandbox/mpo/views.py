"""Stored MPO rows → the exact JSON of the spec, refreshing derived seller-campaign state on the way."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bulkops.sandbox.mpo.rules import (
    BudgetFacts,
    SellerCampaignFacts,
    budget_status,
    not_yet_started,
    suspension_reasons,
)
from bulkops.sandbox.mpo.store import MpoStore, budget_facts
from bulkops.sandbox.state import SandboxState

DELIVERY_STATUS = {"Running": 0, "Archived": 1, "NotRunning": 2}


def timestamp(epoch: float) -> str:
    """An ISO-8601 UTC date-time with milliseconds, as suspendedSince is written."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")


def advertiser(row: sqlite3.Row) -> dict[str, Any]:
    """AdvertiserInfoMessage."""
    return {"id": row["id"], "advertiserName": row["name"], "currencyName": row["currency"],
            "timeZoneId": row["time_zone"]}


def campaign(row: sqlite3.Row) -> dict[str, Any]:
    """AdvertiserCampaignMessage."""
    return {"id": row["id"], "campaignName": row["name"], "adSetDeliveryStatus": row["delivery_status"],
            "status": row["status"]}


def seller(row: sqlite3.Row) -> dict[str, Any]:
    """SellerBase."""
    return {"id": row["id"], "sellerName": row["name"]}


def budget(b: BudgetFacts, st: SandboxState) -> dict[str, Any]:
    """SellerBudgetMessage."""
    return {"id": str(b.id), "sellerId": b.seller_id, "campaignIds": sorted(b.campaign_ids),
            "budgetType": b.budget_type, "amount": b.amount, "startDate": b.start.isoformat(),
            "endDate": "" if b.end is None else b.end.isoformat(), "spend": b.spend,
            "status": budget_status(b.start, b.end, st.clock.today()), "isSuspended": b.suspended}


def budgets_by_seller_campaign(rows: Sequence[sqlite3.Row]) -> dict[str, list[BudgetFacts]]:
    """seller-campaign id → the budgets covering it."""
    found: dict[str, list[BudgetFacts]] = defaultdict(list)
    for r in rows:
        b = budget_facts(r)
        for c in b.campaign_ids:
            found[f"{b.seller_id}.{c}"].append(b)
    return found


def seller_campaigns(st: SandboxState, rows: Sequence[sqlite3.Row]) -> list[dict[str, Any]]:
    """SellerCampaignMessages of stored rows (SC_SELECT), reasons derived now.

    suspendedSince is refreshed on the way: set to now when a seller-campaign stops delivering,
    cleared when it delivers again (time passing can end a budget between two calls).
    """
    db = MpoStore(st.store)
    covering = budgets_by_seller_campaign(db.budgets_of_sellers(r["seller_id"] for r in rows))
    today, now = st.clock.today(), st.clock.now()
    changes: list[tuple[str | None, str]] = []
    out = []
    for r in rows:
        facts = SellerCampaignFacts(bid=r["bid"], budgets=covering.get(r["id"], ()), in_catalog=bool(r["in_catalog"]),
                                    not_yet_started=not_yet_started(r["created_at"], bool(r["processed"]), now))
        reasons = suspension_reasons(facts, today)
        since = r["suspended_since"]
        if reasons and since is None:
            since = timestamp(now)
            changes.append((since, r["id"]))
        elif not reasons and since is not None:
            since = None
            changes.append((None, r["id"]))
        out.append({"id": r["id"], "sellerId": r["seller_id"], "campaignId": r["campaign_id"], "bid": r["bid"],
                    "suspendedSince": since, "suspensionReasons": list(reasons) or None})
    if changes:
        db.set_suspended_since(changes)
    return out


def refresh_sellers(st: SandboxState, seller_ids: Sequence[str]) -> None:
    """Re-derive the state of every seller-campaign of these sellers (after a write that can change reasons)."""
    if seller_ids:
        seller_campaigns(st, MpoStore(st.store).seller_campaigns_of_sellers(seller_ids))
