"""Write endpoints of the Retail Media sandbox: promoted products and line items.

A batch with any bad item fails whole (400) with one error per bad item, naming its index and
id in `source`; nothing of that call is applied.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bulkops.sandbox.problems import ApiProblem, item, json_body
from bulkops.sandbox.retail_media import serialize as ser
from bulkops.sandbox.retail_media.parsing import bad, parse_day, resource_attributes, resource_list
from bulkops.sandbox.retail_media.routes_read import PREFIX, ok, owned_campaign, owned_line_item, state, store
from bulkops.sandbox.retail_media.rules import MAX_LINE_ITEMS_PER_CAMPAIGN, MAX_PRODUCTS, USER_STATUSES

routes = web.RouteTableDef()
NUM = (int, float)
# SponsoredProductsLineItemUpdateRequestModel (additionalProperties=false): no keywordStrategy, which only a create
# takes; a create takes no status (a new line item is a draft until it has what it needs to serve).
AUCTION_FIELDS: dict[str, tuple[type, ...]] = {
    "name": (str,), "startDate": (str,), "endDate": (str,), "status": (str,), "isAutoDailyPacing": (bool,),
    "targetBid": NUM, "maxBid": NUM, "budget": NUM, "dailyPacing": NUM, "monthlyPacing": NUM,
    "bidStrategy": (str,), "optimizationStrategy": (str,), "flightSchedule": (dict,)}
AUCTION_CREATE_FIELDS: dict[str, tuple[type, ...]] = {
    **{k: v for k, v in AUCTION_FIELDS.items() if k != "status"}, "keywordStrategy": (str,), "targetRetailerId": (str,)}
# The spec's enums: a value outside them is a 400, never stored (the SDK refuses it on every later read).
CHOICES = {"bidStrategy": ("manual", "automated"), "optimizationStrategy": ("conversion", "clicks", "revenue"),
           "keywordStrategy": ("conquesting", "genericAndBranded", "genericBrandedAndConquesting"),
           "pacing": ("unknown", "standard", "accelerated")}
PREFERRED_FIELDS: dict[str, tuple[type, ...]] = {
    "name": (str,), "startDate": (str,), "endDate": (str,), "status": (str,), "budget": NUM,
    "capping": (dict,), "creativeId": (str,), "pacing": (str,), "page": (dict,)}


def _bad_item(index: int, sku: Any, code: str, title: str) -> dict[str, Any]:
    return item("validation", code, title, f"data[{index}] ({sku}): {title}",
                {"index": str(index), "id": str(sku), "pointer": f"/data/{index}"})


def _items(body: Any, *, attributes_allowed: set[str]) -> tuple[list[tuple[Any, dict[str, Any]]], list[dict[str, Any]]]:
    """(sku, attributes) pairs (a malformed item's sku may be anything), and the errors of malformed items."""
    parsed: list[tuple[Any, dict[str, Any]]] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, raw in enumerate(resource_list(body, MAX_PRODUCTS)):
        sku = raw.get("id") if isinstance(raw, dict) else None
        attrs = raw.get("attributes") or {} if isinstance(raw, dict) else {}
        if not isinstance(sku, str) or not sku.strip() or set(raw) - {"id", "type", "attributes"}:
            errors.append(_bad_item(i, sku, "invalid-product", 'each item must be {"id": "<sku>", "type": ...}'))
        elif not isinstance(attrs, dict) or set(attrs) - attributes_allowed:
            allowed = ", ".join(sorted(attributes_allowed)) or "no attributes: only the id is required"
            errors.append(_bad_item(i, sku, "invalid-attributes", f"attributes allowed here: {allowed}"))
        elif sku in seen:
            errors.append(_bad_item(i, sku, "duplicate-id", "the same product appears twice in this batch"))
        else:
            seen.add(sku)
        parsed.append((sku, attrs if isinstance(attrs, dict) else {}))
    return parsed, errors


def _fail_if(errors: list[dict[str, Any]]) -> None:
    if errors:
        raise ApiProblem(400, errors)


@routes.post(PREFIX + "/line-items/{lineItemId}/products/append")
async def append(request: web.Request) -> web.Response:
    """Add products or update their bidOverride (upsert); 200 `{"errors":[],"warnings":[]}`."""
    li = owned_line_item(request)
    items, errors = _items(await json_body(request), attributes_allowed={"bidOverride", "id"})
    db = store(request)
    existing = db.products(li["id"])
    min_bids = db.min_bids(li["retailer_id"], [s for s, _ in items if isinstance(s, str)])
    room = MAX_PRODUCTS - len(existing)
    for i, (sku, attrs) in enumerate(items):
        problem = _append_problem(li, sku, attrs.get("bidOverride"), min_bids)
        if problem is None and sku not in existing:
            room -= 1
            if room < 0:
                problem = ("max-products-exceeded", f"a line item holds at most {MAX_PRODUCTS} promoted products")
        if problem and not any(e["source"]["index"] == str(i) for e in errors):
            errors.append(_bad_item(i, sku, *problem))
    _fail_if(errors)
    db.upsert_products(li["id"], ((sku, attrs.get("bidOverride")) for sku, attrs in items))
    return ok({})


def _append_problem(li: sqlite3.Row, sku: Any, bid: Any, min_bids: dict[str, float]) -> tuple[str, str] | None:  # noqa: PLR0911 - one return per rule, in the API's order
    if sku not in min_bids:
        return "sku-not-in-catalog", (f"Could not find the SKU ID {sku!r} in the retailer's catalog;"
                                      " make sure the SKU exists in the retailer's catalog")
    if bid is None:
        return None
    if li["type"] == "preferred":
        return "bid-override-not-allowed", ("Invalid bid override: cannot use bid override attribute for a"
                                            " product belonging to a preferred deals line item")
    if isinstance(bid, bool) or not isinstance(bid, NUM):
        return "invalid-bid-override", "bidOverride must be a number or null"
    if bid < 0:
        return "invalid-bid-override", "bidOverride must be >= 0"
    if bid < min_bids[sku]:
        return "bid-override-below-min-bid", (f"Product bid override {bid} is less than the product min bid"
                                              f" {min_bids[sku]}")
    return None


async def _on_existing(request: web.Request, attributes_allowed: set[str]) -> tuple[sqlite3.Row, list[str]]:
    li = owned_line_item(request)
    items, errors = _items(await json_body(request), attributes_allowed=attributes_allowed)
    existing = store(request).products(li["id"])
    for i, (sku, _) in enumerate(items):
        if sku not in existing and not any(e["source"]["index"] == str(i) for e in errors):
            errors.append(_bad_item(i, sku, "product-not-found", f"product {sku!r} is not on line item {li['id']}"))
    _fail_if(errors)
    return li, [sku for sku, _ in items]


@routes.post(PREFIX + "/line-items/{lineItemId}/products/pause")
async def pause(request: web.Request) -> web.Response:
    """Pause products (ids only); 204. Line item and campaign status are untouched."""
    li, skus = await _on_existing(request, attributes_allowed=set())
    store(request).set_product_status(li["id"], skus, "paused")
    return web.Response(status=204)


@routes.post(PREFIX + "/line-items/{lineItemId}/products/unpause")
async def unpause(request: web.Request) -> web.Response:
    """Unpause products (ids only); 204."""
    li, skus = await _on_existing(request, attributes_allowed=set())
    store(request).set_product_status(li["id"], skus, "active")
    return web.Response(status=204)


@routes.post(PREFIX + "/line-items/{lineItemId}/products/delete")
async def delete(request: web.Request) -> web.Response:
    """Remove products; 204. Once a line item has products, at least one must remain."""
    li, skus = await _on_existing(request, attributes_allowed={"bidOverride", "status", "id"})
    db = store(request)
    if len(db.products(li["id"])) - len(skus) < 1:
        last = len(skus) - 1
        _fail_if([_bad_item(last, skus[last], "last-product",
                            "once products are added to a line item, at least one product must remain")])
    db.delete_products(li["id"], skus)
    return web.Response(status=204)


def _now(request: web.Request) -> str:
    return datetime.fromtimestamp(state(request).clock.now(), UTC).isoformat(timespec="seconds")


def _checked_dates(attrs: dict[str, Any]) -> tuple[str, str | None]:
    start, end = parse_day(attrs["startDate"], "startDate"), parse_day(attrs.get("endDate"), "endDate")
    if end is not None and start is not None and end < start:
        raise bad("invalid-date", "endDate must not be before startDate", "endDate")
    return start.isoformat(), None if end is None else end.isoformat()  # type: ignore[union-attr]


def _checked_common(attrs: dict[str, Any], statuses: tuple[str, ...]) -> None:
    if "status" in attrs and attrs["status"] not in statuses:
        raise bad("invalid-status", f"status can be set to {' or '.join(statuses)} only;"
                  " other statuses are applied by the system", "status")
    for key, choices in CHOICES.items():
        if attrs.get(key) is not None and attrs[key] not in choices:
            raise bad("invalid-value", f"{key} must be one of {', '.join(choices)}, not {attrs[key]!r}", key)
    if not 0 < len(attrs.get("name") or "") <= 255:
        raise bad("invalid-name", "name must be 1 to 255 characters", "name")
    for key in ("budget", "targetBid", "maxBid", "dailyPacing", "monthlyPacing"):
        if attrs.get(key) is not None and attrs[key] < 0:
            raise bad("invalid-value", f"{key} must be >= 0", key)


def _editable(li: sqlite3.Row, request: web.Request) -> None:
    if ser.status_of(li, state(request).clock.today()) == "archived":
        raise bad("line-item-archived", f"line item {li['id']} is archived and cannot be changed")


@routes.put(PREFIX + "/auction-line-items/{lineItemId}")
async def put_auction(request: web.Request) -> web.Response:
    """Replace every writable field (omitted nullable fields become null)."""
    li = owned_line_item(request, "auction")
    attrs = resource_attributes(await json_body(request), AUCTION_FIELDS,
                                {"name", "startDate", "status", "isAutoDailyPacing"}, with_id=False)
    _checked_common(attrs, USER_STATUSES)
    _editable(li, request)
    start, end = _checked_dates(attrs)
    store(request).update_line_item(li["id"], {
        "name": attrs["name"], "start_date": start, "end_date": end, "user_status": attrs["status"],
        "is_auto_daily_pacing": int(attrs["isAutoDailyPacing"]), "target_bid": attrs.get("targetBid"),
        "max_bid": attrs.get("maxBid"), "budget": attrs.get("budget"), "daily_pacing": attrs.get("dailyPacing"),
        "monthly_pacing": attrs.get("monthlyPacing"), "bid_strategy": attrs.get("bidStrategy") or "manual",
        "optimization_strategy": attrs.get("optimizationStrategy") or "conversion", "updated_at": _now(request)})
    row = store(request).line_item(li["id"])
    return ok({"data": ser.auction_line_item(row, state(request).clock.today())})  # type: ignore[arg-type]


@routes.put(PREFIX + "/preferred-line-items/{lineItemId}")
async def put_preferred(request: web.Request) -> web.Response:
    """Replace every writable field of a preferred line item."""
    li = owned_line_item(request, "preferred")
    attrs = resource_attributes(await json_body(request), PREFERRED_FIELDS, {"name", "startDate", "endDate", "status"},
                                nullable={"endDate"})
    _checked_common(attrs, ("active", "paused"))
    if attrs.get("budget") is None:  # required by PreferredLineItemUpdateModelV2
        raise bad("invalid-value", "budget is required for a preferred line item", "budget")
    _editable(li, request)
    start, end = _checked_dates(attrs)
    store(request).update_line_item(li["id"], {
        "name": attrs["name"], "start_date": start, "end_date": end, "user_status": attrs["status"],
        "budget": attrs["budget"], "pacing": attrs.get("pacing") or "standard",
        "updated_at": _now(request)})
    row = store(request).line_item(li["id"])
    return ok({"data": ser.preferred_line_item(row, state(request).clock.today())})  # type: ignore[arg-type]


@routes.post(PREFIX + "/campaigns/{campaignId}/auction-line-items")
async def create_auction(request: web.Request) -> web.Response:
    """Create an auction line item (draft until it has what it needs to serve); 10,000 per campaign."""
    campaign = owned_campaign(request)
    attrs = resource_attributes(await json_body(request), AUCTION_CREATE_FIELDS,
                                {"name", "startDate", "targetRetailerId"}, with_id=False)
    _checked_common(attrs, USER_STATUSES)
    start, end = _checked_dates(attrs)
    st = state(request)
    live = sum(ser.status_of(r, st.clock.today()) != "archived" for r in st.store.all(
        "SELECT li.*, c.has_funds FROM line_items li JOIN campaigns c ON c.id=li.campaign_id"
        " WHERE li.campaign_id=?", (campaign["id"],)))
    if live >= MAX_LINE_ITEMS_PER_CAMPAIGN:
        raise bad("max-line-items-exceeded",
                  f"a campaign holds at most {MAX_LINE_ITEMS_PER_CAMPAIGN} non-archived line items")
    if st.store.one("SELECT id FROM retailers WHERE id=?", (attrs["targetRetailerId"],)) is None:
        raise bad("invalid-retailer", f"retailer {attrs['targetRetailerId']} was not found", "targetRetailerId")
    new_id = str(int(st.store.scalar("SELECT MAX(CAST(id AS INTEGER)) FROM line_items")) + 1)
    now = _now(request)
    store(request).insert_line_items([(
        new_id, campaign["id"], campaign["account_id"], "auction", attrs["name"], attrs["targetRetailerId"],
        start, end, attrs.get("budget"), 0.0, "draft", attrs.get("targetBid"),
        attrs.get("maxBid"), attrs.get("bidStrategy") or "manual", attrs.get("optimizationStrategy") or "conversion",
        int(attrs.get("isAutoDailyPacing") or False), attrs.get("dailyPacing"), attrs.get("monthlyPacing"),
        None, now, now)])
    row = store(request).line_item(new_id)
    return web.json_response({"data": ser.auction_line_item(row, st.clock.today()),  # type: ignore[arg-type]
                              "errors": [], "warnings": []}, status=201)
