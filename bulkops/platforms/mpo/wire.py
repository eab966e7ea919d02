"""Criteo MPO wire names on the client side (written again, on purpose, apart from the sandbox's routes)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bulkops.types import Operation

MAX_ITEMS = 2000  # "up to 2,000 budget objects per call"; the same cap is used for bids (none documented)
SET_BID = "set-seller-bid"  # Operation.kind of a bid change
CREATE_BUDGET = "create-budget"
UPDATE_BUDGET = "update-budget"
BUDGET_TYPES = ("Daily", "Capped", "Uncapped")


def root(version: str | None) -> str:
    """The path prefix of every MPO call (MPO paths always carry a version)."""
    if not version:
        raise ValueError("an MPO connection needs an API version")
    return f"/{version}/marketing-solutions/marketplace-performance-outcomes"


def number(text: Any) -> float | None:
    """A journaled decimal text (or None) → the JSON number the API takes."""
    return None if text is None else float(Decimal(str(text)))


def bid_item(op: Operation) -> dict[str, Any]:
    """One SellerCampaignUpdate of PATCH /seller-campaigns: `{"id": "<sellerId>.<campaignId>", "bid": …}`."""
    return {"id": op.entity_id, "bid": number(op.fields.get("bid"))}


def create_item(op: Operation) -> dict[str, Any]:
    """One CreateSellerBudgetMapiMessage: amount as a string, campaignIds as ints, endDate "" when open-ended."""
    f = op.fields
    item: dict[str, Any] = {"sellerId": op.entity_id, "campaignIds": [int(c) for c in f["campaignIds"]],
                            "budgetType": f["budgetType"], "startDate": f["startDate"],
                            "endDate": f.get("endDate") or ""}
    if f.get("amount") is not None:
        item["amount"] = str(f["amount"])
    return item


def update_item(op: Operation) -> dict[str, Any]:
    """One UpdateSellerBudgetMessage: budgetId (int64) and only the attributes that change."""
    item: dict[str, Any] = {"budgetId": int(op.entity_id)}
    for name, value in op.fields.items():
        if name == "campaignIds":
            item[name] = [int(c) for c in value]
        elif name == "amount":
            item[name] = str(value)
        elif name == "endDate":
            item[name] = value or ""  # "" makes the budget open-ended
        else:
            item[name] = value
    return item
