"""Entities → the exact JSON of the Retail Media spec (≥ 2026-01).

Only keys the spec declares are emitted: the official SDK refuses unknown keys in closed models.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from bulkops.sandbox.retail_media.rules import LineItemFacts, line_item_status


def facts(row: sqlite3.Row) -> LineItemFacts:
    """The inputs of a stored line item's status."""
    return LineItemFacts(
        user_status=row["user_status"], start_date=date.fromisoformat(row["start_date"]),
        end_date=None if row["end_date"] is None else date.fromisoformat(row["end_date"]),
        budget=row["budget"], budget_spent=row["budget_spent"], has_funds=bool(row["has_funds"]),
        missing_attributes=row["type"] == "auction" and row["bid_strategy"] == "manual" and row["target_bid"] is None,
    )


def status_of(row: sqlite3.Row, today: date) -> str:
    """A stored line item's derived status."""
    return line_item_status(facts(row), today)


def _remaining(row: sqlite3.Row) -> float | None:
    return None if row["budget"] is None else max(0.0, round(row["budget"] - row["budget_spent"], 2))


def _datetime(day: str | None) -> str | None:
    return None if day is None else f"{day}T00:00:00+00:00"


def common_line_item(row: sqlite3.Row, today: date) -> dict[str, Any]:
    """GET /line-items/{id} and the account listing: the CommonLineItem resource."""
    return {"id": row["id"], "type": "RetailMediaLineItem", "attributes": {
        "id": row["id"], "name": row["name"], "type": row["type"], "campaignId": row["campaign_id"],
        "targetRetailerId": row["retailer_id"], "startDate": row["start_date"], "endDate": row["end_date"],
        "budget": row["budget"], "budgetSpent": row["budget_spent"], "budgetRemaining": _remaining(row),
        "status": status_of(row, today), "createdAt": row["created_at"], "updatedAt": row["updated_at"]}}


def auction_line_item(row: sqlite3.Row, today: date) -> dict[str, Any]:
    """The SponsoredProductsLineItem resource (dates are date-times in this model)."""
    return {"id": row["id"], "type": "SponsoredProductsLineItem", "attributes": {
        "name": row["name"], "campaignId": row["campaign_id"], "targetRetailerId": row["retailer_id"],
        "startDate": _datetime(row["start_date"]), "endDate": _datetime(row["end_date"]),
        "budget": row["budget"], "budgetSpent": row["budget_spent"], "budgetRemaining": _remaining(row),
        "status": status_of(row, today), "targetBid": row["target_bid"], "maxBid": row["max_bid"],
        "dailyPacing": row["daily_pacing"], "monthlyPacing": row["monthly_pacing"],
        "isAutoDailyPacing": bool(row["is_auto_daily_pacing"]), "bidStrategy": row["bid_strategy"],
        "optimizationStrategy": row["optimization_strategy"],
        "createdAt": row["created_at"], "updatedAt": row["updated_at"]}}


def preferred_line_item(row: sqlite3.Row, today: date) -> dict[str, Any]:
    """The PreferredLineItemV2 resource."""
    return {"id": row["id"], "type": "RetailMediaPreferredLineItem", "attributes": {
        "name": row["name"], "campaignId": row["campaign_id"], "targetRetailerId": row["retailer_id"],
        "startDate": row["start_date"], "endDate": row["end_date"], "budget": row["budget"] or 0.0,
        "budgetSpent": row["budget_spent"], "budgetRemaining": _remaining(row),
        "status": status_of(row, today), "pacing": row["pacing"],
        "createdAt": row["created_at"], "updatedAt": row["updated_at"]}}


def campaign(row: sqlite3.Row, status: str) -> dict[str, Any]:
    """The CampaignV202301 resource; status is derived from its line items."""
    return {"id": row["id"], "type": "RetailMediaCampaign", "attributes": {
        "accountId": row["account_id"], "name": row["name"], "type": row["type"], "status": status,
        "isAutoDailyPacing": False, "clickAttributionWindow": "30D", "viewAttributionWindow": "none",
        "budget": None, "budgetSpent": 0.0, "budgetRemaining": None, "startDate": None, "endDate": None,
        "createdAt": row["created_at"], "updatedAt": row["updated_at"],
        "drawableBalanceIds": [], "promotedBrandIds": []}}


def account(row: sqlite3.Row) -> dict[str, Any]:
    """The RetailMediaAccount resource."""
    return {"id": row["id"], "type": "RetailMediaAccount", "attributes": {
        "name": row["name"], "type": "demand", "subtype": "brand", "countries": [row["country"]],
        "currency": row["currency"], "parentAccountLabel": row["name"], "timeZone": row["time_zone"],
        "companyName": None, "onBehalfCompanyName": None}}


def product(row: sqlite3.Row, fields: set[str]) -> dict[str, Any]:
    """A PromotedProductResource with only the requested optional fields."""
    attributes: dict[str, Any] = {"id": row["sku"]}
    if "status" in fields:
        attributes["status"] = row["status"]
    if "bidOverride" in fields:
        attributes["bidOverride"] = row["bid_override"]
    return {"id": row["sku"], "type": "RetailMediaPromotedProduct", "attributes": attributes}
