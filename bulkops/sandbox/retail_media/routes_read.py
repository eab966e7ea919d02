"""Read endpoints of the Retail Media sandbox: accounts, campaigns, line items, products, min bids."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from aiohttp import web

from bulkops.sandbox.problems import json_body, problem
from bulkops.sandbox.retail_media import serialize as ser
from bulkops.sandbox.retail_media.parsing import bad, offset_params, page_index_params, page_metadata
from bulkops.sandbox.retail_media.rules import campaign_status
from bulkops.sandbox.retail_media.store import RetailStore
from bulkops.sandbox.state import CLIENT_ID, STATE, SandboxState

routes = web.RouteTableDef()
PREFIX = "/{version}/retail-media"
PRODUCT_FIELDS = {"status", "bidOverride"}


def state(request: web.Request) -> SandboxState:
    """The sandbox's shared state."""
    return request.app[STATE]


def store(request: web.Request) -> RetailStore:
    """The Retail Media tables."""
    return RetailStore(request.app[STATE].store)


def ok(body: dict[str, Any]) -> web.Response:
    """A 200 with the standard errors/warnings keys."""
    return web.json_response({**body, "errors": [], "warnings": []})


def owned(request: web.Request, row: sqlite3.Row | None, what: str, ident: str) -> sqlite3.Row:
    """404 for an unknown id, 403 for another client's account."""
    if row is None:
        raise problem(404, "validation", "not-found", f"{what} {ident} was not found")
    if row["owner"] != request[CLIENT_ID]:
        raise problem(403, "access-control", "forbidden",
                      "API user is not authorized to make requests for the account ID",
                      f"not authorized for the account of {what} {ident}")
    return row


def owned_account(request: web.Request) -> sqlite3.Row:
    """The path's account, if the client may see it."""
    ident = request.match_info["accountId"]
    return owned(request, store(request).account(ident), "account", ident)


def owned_line_item(request: web.Request, kind: str | None = None) -> sqlite3.Row:
    """The path's line item (of the given type, if any), if the client may see it."""
    ident = request.match_info["lineItemId"]
    row = store(request).line_item(ident)
    if row is not None and kind is not None and row["type"] != kind:
        row = None  # an auction id on the preferred route is unknown there
    return owned(request, row, "line item", ident)


def owned_campaign(request: web.Request) -> sqlite3.Row:
    """The path's campaign, if the client may see it."""
    ident = request.match_info["campaignId"]
    return owned(request, store(request).campaign(ident), "campaign", ident)


def derived_campaign_status(request: web.Request, campaign_id: str, today: date) -> str:
    """Active iff at least one of its line items is active."""
    rows = store(request).all("SELECT li.*, c.has_funds FROM line_items li JOIN campaigns c"
                                    " ON c.id=li.campaign_id WHERE li.campaign_id=?", (campaign_id,))
    return campaign_status([ser.status_of(r, today) for r in rows])


@routes.get(PREFIX + "/accounts")
async def accounts(request: web.Request) -> web.Response:
    """Accounts the client may see (pageIndex/pageSize)."""
    index, size = page_index_params(request)
    db = store(request)
    total = db.scalar("SELECT COUNT(*) FROM accounts WHERE owner=?", (request[CLIENT_ID],))
    rows = db.all("SELECT * FROM accounts WHERE owner=? ORDER BY id LIMIT ? OFFSET ?",
                     (request[CLIENT_ID], size, index * size))
    return ok({"data": [ser.account(r) for r in rows], "metadata": page_metadata(request, total, index, size)})


@routes.get(PREFIX + "/accounts/{accountId}/campaigns")
async def campaigns(request: web.Request) -> web.Response:
    """Campaigns of an account (pageIndex/pageSize), status derived."""
    account = owned_account(request)
    index, size = page_index_params(request)
    db, today = store(request), state(request).clock.today()
    ids = request.query.getall("limitToId", [])
    where, args = "account_id=?", [account["id"]]
    if ids:
        where += f" AND id IN ({','.join('?' * len(ids))})"
        args += ids
    total = db.scalar(f"SELECT COUNT(*) FROM campaigns WHERE {where}", args)
    rows = db.all(f"SELECT * FROM campaigns WHERE {where} ORDER BY id LIMIT ? OFFSET ?", (*args, size, index * size))
    data = [ser.campaign(r, derived_campaign_status(request, r["id"], today)) for r in rows]
    return ok({"data": data, "metadata": page_metadata(request, total, index, size)})


@routes.get(PREFIX + "/campaigns/{campaignId}")
async def campaign(request: web.Request) -> web.Response:
    """One campaign, status derived."""
    row = owned_campaign(request)
    return ok({"data": ser.campaign(row, derived_campaign_status(request, row["id"], state(request).clock.today()))})


@routes.get(PREFIX + "/accounts/{accountId}/line-items")
async def account_line_items(request: web.Request) -> web.Response:
    """Line items of an account (pageIndex/pageSize, `metadata`)."""
    account = owned_account(request)
    index, size = page_index_params(request)
    where, args = "li.account_id=?", [account["id"]]
    for param, column in (("limitToCampaignId", "li.campaign_id"), ("limitToId", "li.id")):
        values = request.query.getall(param, [])
        if values:
            where += f" AND {column} IN ({','.join('?' * len(values))})"
            args += values
    kind = request.query.get("limitToType")
    if kind is not None:
        if kind not in ("Unknown", "Auction", "Preferred"):
            raise bad("invalid-parameter", "limitToType must be one of Unknown, Auction, Preferred", "limitToType")
        where += " AND li.type=?"
        args.append(kind.lower())
    db, today = store(request), state(request).clock.today()
    total = db.scalar(f"SELECT COUNT(*) FROM line_items li WHERE {where}", args)
    rows = db.line_items_where(where, args, size, index * size)
    return ok({"data": [ser.common_line_item(r, today) for r in rows],
               "metadata": page_metadata(request, total, index, size)})


@routes.get(PREFIX + "/line-items/{lineItemId}")
async def line_item(request: web.Request) -> web.Response:
    """One line item, auction or preferred."""
    return ok({"data": ser.common_line_item(owned_line_item(request), state(request).clock.today())})


@routes.get(PREFIX + "/campaigns/{campaignId}/auction-line-items")
async def auction_line_items(request: web.Request) -> web.Response:
    """Auction line items of a campaign (offset/limit ≤ 500, `metadata` {count, offset, limit})."""
    row = owned_campaign(request)
    offset, limit = offset_params(request, 25)
    where, args = "li.campaign_id=? AND li.type='auction'", [row["id"]]
    ids = request.query.getall("limitToIds", [])
    if ids:
        where += f" AND li.id IN ({','.join('?' * len(ids))})"
        args += ids
    db, today = store(request), state(request).clock.today()
    count = db.scalar(f"SELECT COUNT(*) FROM line_items li WHERE {where}", args)
    rows = db.line_items_where(where, args, limit, offset)
    return ok({"data": [ser.auction_line_item(r, today) for r in rows],
               "metadata": {"count": count, "offset": offset, "limit": limit}})


@routes.get(PREFIX + "/auction-line-items/{lineItemId}")
async def auction_line_item(request: web.Request) -> web.Response:
    """One auction line item."""
    return ok({"data": ser.auction_line_item(owned_line_item(request, "auction"), state(request).clock.today())})


@routes.get(PREFIX + "/campaigns/{campaignId}/preferred-line-items")
async def preferred_line_items(request: web.Request) -> web.Response:
    """Preferred line items of a campaign (pageIndex/pageSize)."""
    row = owned_campaign(request)
    index, size = page_index_params(request)
    where, args = "li.campaign_id=? AND li.type='preferred'", [row["id"]]
    db, today = store(request), state(request).clock.today()
    total = db.scalar(f"SELECT COUNT(*) FROM line_items li WHERE {where}", args)
    rows = db.line_items_where(where, args, size, index * size)
    return ok({"data": [ser.preferred_line_item(r, today) for r in rows],
               "metadata": page_metadata(request, total, index, size)})


@routes.get(PREFIX + "/preferred-line-items/{lineItemId}")
async def preferred_line_item(request: web.Request) -> web.Response:
    """One preferred line item."""
    return ok({"data": ser.preferred_line_item(owned_line_item(request, "preferred"), state(request).clock.today())})


@routes.get(PREFIX + "/line-items/{lineItemId}/products")
async def products(request: web.Request) -> web.Response:
    """Promoted products of a line item (offset/limit, `meta`; `fields` defaults to status)."""
    row = owned_line_item(request)
    offset, limit = offset_params(request, 500)
    fields = {f.strip() for f in request.query.get("fields", "status").split(",") if f.strip()}
    if not fields or fields - PRODUCT_FIELDS:
        raise bad("invalid-parameter", "fields accepts status and bidOverride, comma separated", "fields")
    db = store(request)
    count = db.scalar("SELECT COUNT(*) FROM products WHERE line_item_id=?", (row["id"],))
    rows = db.all("SELECT * FROM products WHERE line_item_id=? ORDER BY sku LIMIT ? OFFSET ?",
                     (row["id"], limit, offset))
    meta = {"offset": offset, "limit": limit, "count": count, "responseCount": len(rows)}
    return ok({"data": [ser.product(r, fields) for r in rows], "meta": meta})


@routes.post(PREFIX + "/retailers/{retailerId}/cpc-min-bids")
async def cpc_min_bids(request: web.Request) -> web.Response:
    """Min bids of SKUs in a retailer's catalog."""
    retailer = request.match_info["retailerId"]
    db = store(request)
    if db.one("SELECT id FROM retailers WHERE id=?", (retailer,)) is None:
        raise problem(404, "validation", "not-found", f"retailer {retailer} was not found")
    body = await json_body(request)
    skus = (((body or {}).get("data") or {}).get("attributes") or {}).get("skuIds") if isinstance(body, dict) else None
    if not isinstance(skus, list) or not all(isinstance(s, str) for s in skus) or len(skus) > 500:
        raise bad("json-serialization-error", "data.attributes.skuIds must be a list of at most 500 strings", "skuIds")
    found = db.min_bids(retailer, skus)
    floor = db.scalar("SELECT MIN(min_bid) FROM catalog WHERE retailer_id=?", (retailer,))
    # Required and never null in CpcMinBidsResponse: none of the SKUs in the catalog gives the retailer's lowest
    attrs = {"overallMinBid": min(found.values(), default=float(floor or 0.0)),
             "skuMinBids": [{"skuId": s, "minBid": found[s]} for s in skus if s in found]}
    return ok({"data": {"type": "CpcMinBidsResponse", "attributes": attrs}})
