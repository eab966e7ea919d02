"""Per-item validation of MPO writes (bids, budget creates and updates), as pure functions.

Each check answers the parsed value or the first `Issue` of the item; the routes turn issues into
error items and refuse the whole call if any item has one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from bulkops.sandbox.mpo.rules import BUDGET_TYPES, BudgetFacts, budget_status

CREATE_KEYS = frozenset({"sellerId", "campaignIds", "budgetType", "amount", "startDate", "endDate"})
UPDATE_KEYS = frozenset({"amount", "campaignIds", "endDate", "isSuspended", "startDate"})
BID_KEYS = frozenset({"id", "bid"})


@dataclass(frozen=True, slots=True)
class Issue:
    """Why one item is refused."""

    code: str
    field: str | None
    title: str
    detail: str


class _Bad(Exception):
    def __init__(self, code: str, field: str | None, title: str, detail: str) -> None:
        super().__init__(detail)
        self.issue = Issue(code, field, title, detail)


def parse_day(value: Any) -> date | None:
    """A `yyyy-MM-dd` date or an ISO-8601 date-time (its time part ignored); None if it is neither."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value)
    except ValueError:
        return None


def split_seller_campaign_id(value: Any) -> tuple[str, int] | None:
    """`"{sellerId}.{campaignId}"` (split on the first dot) → (sellerId, campaignId), None if malformed."""
    if not isinstance(value, str):
        return None
    seller, dot, campaign = value.partition(".")
    if not dot or not seller or not campaign.isdigit():
        return None
    return seller, int(campaign)


def parse_bid(value: Any, field: str = "bid") -> float | None:
    """A bid: null (no CPC) or a finite non-negative number."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Bad("WithInvalidBidValue", field, "Invalid bid value", f"bid must be a number or null, not {value!r}")
    if value < 0:
        raise _Bad("WithInvalidBidValue", field, "Invalid bid value", f"bid must be non-negative, not {value}")
    return float(value)


def check_bid_item(raw: Any) -> tuple[str, float | None] | Issue:
    """A PATCH /seller-campaigns item `{"id", "bid"}` → (id, bid)."""
    try:
        if not isinstance(raw, dict):
            raise _Bad("WithInvalidItem", None, "Invalid item", 'each item must be {"id": ..., "bid": ...}')
        _no_other_keys(raw, BID_KEYS)
        if split_seller_campaign_id(raw.get("id")) is None:
            raise _Bad("WithInvalidSellerCampaignId", "id", "Invalid seller-campaign id",
                       f'id must be "<sellerId>.<campaignId>", not {raw.get("id")!r}')
        if "bid" not in raw:
            raise _Bad("WithInvalidBidValue", "bid", "Invalid bid value", "bid is required (null removes the bid)")
        return raw["id"], parse_bid(raw["bid"])
    except _Bad as bad:
        return bad.issue


def _no_other_keys(raw: dict[str, Any], allowed: frozenset[str]) -> None:
    extra = sorted(k for k in raw if k not in allowed)
    if extra:
        raise _Bad("WithUnknownAttribute", extra[0], "Unknown attribute",
                   f"{extra[0]!r} is not accepted here; attributes: {', '.join(sorted(allowed))}")


def _amount(value: Any) -> float:
    """An amount: a number or a numeric string, finite and non-negative."""
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        raise _Bad("WithInvalidAmountValue", "amount", "Invalid amount", f"amount must be a number, not {value!r}")
    if number < 0:
        raise _Bad("WithInvalidAmountValue", "amount", "Invalid amount", f"amount must be non-negative, not {value}")
    return number


def _campaign_ids(value: Any) -> tuple[int, ...]:
    """A non-empty array of campaign ids, ints or numeric strings."""
    ids: list[int] = []
    for c in value if isinstance(value, list) else [None]:
        if isinstance(c, int) and not isinstance(c, bool):
            ids.append(c)
        elif isinstance(c, str) and c.strip().isdigit():
            ids.append(int(c))
        else:
            raise _Bad("WithInvalidCampaignId", "campaignIds", "Invalid campaign id",
                       f"campaignIds must be a non-empty array of campaign ids, not {value!r}")
    if not ids:
        raise _Bad("WithInvalidCampaignId", "campaignIds", "Invalid campaign id", "campaignIds must not be empty")
    return tuple(sorted(set(ids)))


def _future_start(value: Any, today: date) -> date:
    start = parse_day(value)
    if start is None:
        raise _Bad("WithInvalidDate", "startDate", "Invalid date", f"startDate must be a date, not {value!r}")
    if start <= today:
        raise _Bad("WithInvalidDate", "startDate", "Invalid date",
                   f"startDate must be in the future (after {today.isoformat()}), not {start.isoformat()}")
    return start


def _end(value: Any, start: date, today: date) -> date | None:
    """endDate: "" or null = open-ended; else a date after start (and after today)."""
    if value is None or value == "":
        return None
    end = parse_day(value)
    if end is None:
        raise _Bad("WithInvalidEndDate", "endDate", "Invalid end date",
                   f"endDate must be a date or \"\", not {value!r}")
    if end <= start or end <= today:
        raise _Bad("WithInvalidEndDate", "endDate", "Invalid end date",
                   f"endDate {end.isoformat()} must be after the startDate {start.isoformat()} and in the future")
    return end


def _amount_for(kind: str, value: Any) -> float | None:
    if kind == "Uncapped" and value is not None:
        raise _Bad("WithInvalidTypeForAmount", "amount", "Amount not allowed for this budget type",
                   "an Uncapped budget takes no amount")
    if kind != "Uncapped" and value is None:
        raise _Bad("WithInvalidTypeForAmount", "amount", "Amount required for this budget type",
                   f"a {kind} budget needs an amount")
    return None if value is None else _amount(value)


def check_create(raw: Any, today: date, campaigns_of: Mapping[str, set[int]]) -> BudgetFacts | Issue:
    """A POST /budgets item → the budget to create. `campaigns_of`: the client's sellers → their campaigns."""
    try:
        if not isinstance(raw, dict):
            raise _Bad("WithInvalidItem", None, "Invalid item", "each item must be a budget object")
        _no_other_keys(raw, CREATE_KEYS)
        seller = raw.get("sellerId")
        seller = str(seller) if isinstance(seller, str | int) and not isinstance(seller, bool) else None
        if seller is None or seller not in campaigns_of:
            raise _Bad("WithInvalidSellerId", "sellerId", "Invalid seller id",
                       f"sellerId {raw.get('sellerId')!r} is not a seller of yours")
        ids = _campaign_ids(raw.get("campaignIds"))
        unknown = [c for c in ids if c not in campaigns_of[seller]]
        if unknown:
            raise _Bad("WithInvalidCampaignId", "campaignIds", "Invalid campaign id",
                       f"seller {seller} has no seller-campaign in campaign {unknown[0]}")
        kind = raw.get("budgetType")
        if kind not in BUDGET_TYPES:
            raise _Bad("WithInvalidBudgetType", "budgetType", "Invalid budget type",
                       f"budgetType must be one of {', '.join(BUDGET_TYPES)}, not {kind!r}")
        amount = _amount_for(kind, raw.get("amount"))
        start = _future_start(raw.get("startDate"), today)
        end = _end(raw.get("endDate"), start, today)
        return BudgetFacts(seller, ids, kind, amount, start, end)
    except _Bad as bad:
        return bad.issue


def parse_budget_id(value: Any) -> int | None:
    """A budgetId: an int64 or a numeric string; None if it is neither."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def check_update(raw: Any, today: date, budget: BudgetFacts) -> BudgetFacts | Issue:
    """A PATCH /budgets item (without budgetId) applied to `budget` → the updated budget. Null = not supplied."""
    try:
        if not isinstance(raw, dict):
            raise _Bad("WithInvalidItem", None, "Invalid item", "each item must be a budget object")
        _no_other_keys(raw, UPDATE_KEYS)
        status = budget_status(budget.start, budget.end, today)
        if status == "Archived":
            raise _Bad("WithInactiveBudget", None, "Budget not active",
                       f"budget {budget.id} is Archived (it ended {budget.end}) and can no longer change")
        return _updated(raw, today, budget, status)
    except _Bad as bad:
        return bad.issue


def _updated(raw: dict[str, Any], today: date, budget: BudgetFacts, status: str) -> BudgetFacts:
    new = budget
    if raw.get("campaignIds") is not None:
        ids = _campaign_ids(raw["campaignIds"])
        added = [c for c in ids if c not in budget.campaign_ids]
        if added:
            raise _Bad("WithInvalidCampaignId", "campaignIds", "Invalid campaign id",
                       f"campaignIds must be a subset of the budget's own; campaign {added[0]} cannot be added")
        new = replace(new, campaign_ids=ids)
    if raw.get("amount") is not None:
        amount = _amount_for(budget.budget_type, raw["amount"])
        if budget.budget_type == "Capped" and amount is not None and amount < budget.spend:
            raise _Bad("WithAmountBelowSpend", "amount", "Amount below spend",
                       f"a Capped budget's amount cannot go below its spend ({budget.spend})")
        new = replace(new, amount=amount)
    if raw.get("startDate") is not None:
        if status != "Scheduled":
            raise _Bad("WithInvalidDate", "startDate", "Invalid date",
                       f"budget {budget.id} has already started; its startDate cannot change")
        new = replace(new, start=_future_start(raw["startDate"], today))
    if raw.get("endDate") is not None:
        new = replace(new, end=_end(raw["endDate"], new.start, today))
    elif new.end is not None and new.end <= new.start:
        raise _Bad("WithInvalidDate", "startDate", "Invalid date",
                   f"startDate {new.start.isoformat()} must be before the endDate {new.end.isoformat()}")
    if raw.get("isSuspended") is not None:
        if not isinstance(raw["isSuspended"], bool):
            raise _Bad("WithInvalidIsSuspended", "isSuspended", "Invalid isSuspended",
                       f"isSuspended must be true or false, not {raw['isSuspended']!r}")
        new = replace(new, suspended=raw["isSuspended"])
    return new


def may_overlap_anew(old: BudgetFacts, new: BudgetFacts) -> bool:
    """Can this update create an overlap: a resume or a date change?"""
    return (old.suspended and not new.suspended) or old.start != new.start or old.end != new.end
