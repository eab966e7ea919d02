"""Read endpoints of the MPO sandbox: advertisers, campaigns, sellers, seller-campaigns, budgets (bare arrays)."""

from __future__ import annotations

import sqlite3
from typing import Any

from aiohttp import web

from bulkops.sandbox.mpo import views
from bulkops.sandbox.mpo.common import (
    PREFIX,
    bool_param,
    date_param,
    enum_param,
    int_param,
    json_list,
    owned_advertiser,
    owned_budget,
    owned_seller,
    owned_seller_campaign,
    state,
    store,
)
from bulkops.sandbox.mpo.rules import (
    BUDGET_STATUSES,
    SELLER_STATUSES,
    balance_positive,
    budget_status,
)
from bulkops.sandbox.mpo.store import budget_facts
from bulkops.sandbox.state import CLIENT_ID

routes = web.RouteTableDef()
OWNED = "a.owner=?"


@routes.get(PREFIX + "/advertisers")
async def advertisers(request: web.Request) -> web.Response:
    """Advertisers the client may see."""
    rows = store(request).all("SELECT * FROM mpo_advertisers WHERE owner=? ORDER BY id", (request[CLIENT_ID],))
    return json_list([views.advertiser(r) for r in rows])


@routes.get(PREFIX + "/advertisers/{advertiserId}")
async def advertiser(request: web.Request) -> web.Response:
    """One advertiser."""
    return web.json_response(views.advertiser(owned_advertiser(request)))


@routes.get(PREFIX + "/advertisers/{advertiserId}/campaigns")
async def campaigns(request: web.Request) -> web.Response:
    """The campaigns of an advertiser."""
    adv = owned_advertiser(request)
    rows = store(request).all("SELECT * FROM mpo_campaigns WHERE advertiser_id=? ORDER BY id", (adv["id"],))
    return json_list([views.campaign(r) for r in rows])


def seller_campaign_list(request: web.Request, where: str, args: list[Any]) -> list[dict[str, Any]]:
    """Seller-campaigns matching `where` and the query's campaignId/sellerId/budgetStatus/sellerStatus filters."""
    for name, column in (("campaignId", "sc.campaign_id"), ("advertiserId", "sc.advertiser_id")):
        value = int_param(request, name, "WithInvalidCampaignId" if name == "campaignId" else "WithInvalidAdvertiserId")
        if value is not None:
            where, args = f"{where} AND {column}=?", [*args, value]
    if request.query.get("sellerId"):
        where, args = f"{where} AND sc.seller_id=?", [*args, request.query["sellerId"]]
    budget_state = enum_param(request, "budgetStatus", BUDGET_STATUSES)
    seller_state = enum_param(request, "sellerStatus", SELLER_STATUSES)
    st = state(request)
    rows = store(request).seller_campaigns_where(where, args)
    messages = views.seller_campaigns(st, rows)
    if seller_state is not None:
        messages = [m for m in messages if (m["suspensionReasons"] is None) == (seller_state == "Active")]
    if budget_state is not None:
        with_status = _with_budget_status(request, [r["seller_id"] for r in rows], budget_state)
        messages = [m for m in messages if m["id"] in with_status]
    return messages


def _with_budget_status(request: web.Request, seller_ids: list[str], wanted: str) -> set[str]:
    """Seller-campaign ids covered by a budget of the wanted status."""
    today = state(request).clock.today()
    found: set[str] = set()
    for r in store(request).budgets_of_sellers(seller_ids):
        b = budget_facts(r)
        if budget_status(b.start, b.end, today) == wanted:
            found.update(f"{b.seller_id}.{c}" for c in b.campaign_ids)
    return found


@routes.get(PREFIX + "/advertisers/{advertiserId}/seller-campaigns")
async def advertiser_seller_campaigns(request: web.Request) -> web.Response:
    """The seller-campaigns of an advertiser."""
    adv = owned_advertiser(request)
    return json_list(seller_campaign_list(request, "sc.advertiser_id=?", [adv["id"]]))


@routes.get(PREFIX + "/sellers/{sellerId}/seller-campaigns")
async def seller_seller_campaigns(request: web.Request) -> web.Response:
    """The seller-campaigns of a seller (filters campaignId, budgetStatus, sellerStatus)."""
    seller = owned_seller(request)
    return json_list(seller_campaign_list(request, "sc.seller_id=?", [seller["id"]]))


@routes.get(PREFIX + "/seller-campaigns")
async def all_seller_campaigns(request: web.Request) -> web.Response:
    """Every seller-campaign the client may see; every supplied filter must hold."""
    return json_list(seller_campaign_list(request, OWNED, [request[CLIENT_ID]]))


@routes.get(PREFIX + "/seller-campaigns/{sellerCampaignId}")
async def seller_campaign(request: web.Request) -> web.Response:
    """One seller-campaign, reasons derived now."""
    return web.json_response(views.seller_campaigns(state(request), [owned_seller_campaign(request)])[0])


@routes.get(PREFIX + "/sellers")
async def sellers(request: web.Request) -> web.Response:
    """Sellers the client may see (advertiserId, campaignId, sellerName, sellerStatus, withBudgetStatus,
    withProducts)."""
    where, args = "a.owner=?", list[Any]([request[CLIENT_ID]])
    advertiser_id = int_param(request, "advertiserId", "WithInvalidAdvertiserId")
    if advertiser_id is not None:
        where, args = f"{where} AND s.advertiser_id=?", [*args, advertiser_id]
    campaign_id = int_param(request, "campaignId", "WithInvalidCampaignId")
    if campaign_id is not None:
        where += " AND s.id IN (SELECT seller_id FROM mpo_seller_campaigns WHERE campaign_id=?)"
        args.append(campaign_id)
    if request.query.get("sellerName"):
        where, args = f"{where} AND instr(lower(s.name), lower(?)) > 0", [*args, request.query["sellerName"]]
    products = bool_param(request, "withProducts")
    if products is not None:
        where, args = f"{where} AND s.in_catalog=?", [*args, int(products)]
    seller_state = enum_param(request, "sellerStatus", SELLER_STATUSES)
    budget_state = enum_param(request, "withBudgetStatus", BUDGET_STATUSES)
    rows = store(request).all("SELECT s.* FROM mpo_sellers s JOIN mpo_advertisers a ON a.id=s.advertiser_id"
                              f" WHERE {where} ORDER BY s.id", args)
    if seller_state is not None or budget_state is not None:
        rows = _seller_states(request, rows, seller_state, budget_state)
    return json_list([views.seller(r) for r in rows])


def _seller_states(request: web.Request, rows: list[sqlite3.Row], seller_state: str | None,
                   budget_state: str | None) -> list[sqlite3.Row]:
    """Sellers whose derived state matches: Active = one of its seller-campaigns delivers."""
    ids = [r["id"] for r in rows]
    messages = views.seller_campaigns(state(request), store(request).seller_campaigns_of_sellers(ids))
    active = {m["sellerId"] for m in messages if m["suspensionReasons"] is None}
    keep = set(ids)
    if seller_state is not None:
        keep &= active if seller_state == "Active" else set(ids) - active
    if budget_state is not None:
        keep &= {sc.partition(".")[0] for sc in _with_budget_status(request, ids, budget_state)}
    return [r for r in rows if r["id"] in keep]


@routes.get(PREFIX + "/sellers/{sellerId}")
async def seller(request: web.Request) -> web.Response:
    """One seller."""
    return web.json_response(views.seller(owned_seller(request)))


def budget_list(request: web.Request, where: str, args: list[Any], campaign: int | None = None) -> list[dict[str, Any]]:
    """Budgets matching `where` and the query's filters; budgets whose endDate is past are left out unless
    endAfterDate (or status=Archived) asks for them."""
    for name, column in (("advertiserId", "b.advertiser_id"), ("budgetId", "b.id")):
        value = int_param(request, name, f"WithInvalid{name[0].upper()}{name[1:]}")
        if value is not None:
            where, args = f"{where} AND {column}=?", [*args, value]
    if request.query.get("sellerId"):
        where, args = f"{where} AND b.seller_id=?", [*args, request.query["sellerId"]]
    campaign = int_param(request, "campaignId", "WithInvalidCampaignId") if campaign is None else campaign
    wanted = enum_param(request, "status", BUDGET_STATUSES)
    kind = request.query.get("type") or None
    balance, spend = bool_param(request, "withBalance"), bool_param(request, "withSpend")
    start_before, end_after = date_param(request, "startBeforeDate"), date_param(request, "endAfterDate")
    st = state(request)
    today = st.clock.today()
    out = []
    for r in store(request).budgets_where(where, args):
        b = budget_facts(r)
        status = budget_status(b.start, b.end, today)
        if (campaign is not None and campaign not in b.campaign_ids) or (wanted and status != wanted) \
                or (kind and b.budget_type.lower() != kind.lower()) \
                or (balance is not None and balance_positive(b) != balance) \
                or (spend is not None and (b.spend > 0) != spend) \
                or (start_before is not None and b.start > start_before) \
                or (end_after is not None and b.end is not None and b.end < end_after) \
                or (end_after is None and wanted != "Archived" and status == "Archived"):
            continue
        out.append(views.budget(b, st))
    return out


@routes.get(PREFIX + "/budgets")
async def budgets(request: web.Request) -> web.Response:
    """Budgets the client may see, filtered; past ones only on request."""
    return json_list(budget_list(request, OWNED, [request[CLIENT_ID]]))


@routes.get(PREFIX + "/advertisers/{advertiserId}/budgets")
async def advertiser_budgets(request: web.Request) -> web.Response:
    """The budgets of an advertiser (also filter budgetId)."""
    adv = owned_advertiser(request)
    return json_list(budget_list(request, "b.advertiser_id=?", [adv["id"]]))


@routes.get(PREFIX + "/sellers/{sellerId}/budgets")
async def seller_budgets(request: web.Request) -> web.Response:
    """The current (non-archived unless asked) budgets of a seller."""
    seller = owned_seller(request)
    return json_list(budget_list(request, "b.seller_id=?", [seller["id"]]))


@routes.get(PREFIX + "/seller-campaigns/{sellerCampaignId}/budgets")
async def seller_campaign_budgets(request: web.Request) -> web.Response:
    """The budgets covering one seller-campaign."""
    sc = owned_seller_campaign(request)
    return json_list(budget_list(request, "b.seller_id=?", [sc["seller_id"]], campaign=sc["campaign_id"]))


@routes.get(PREFIX + "/budgets/{budgetId}")
async def budget(request: web.Request) -> web.Response:
    """One budget, whatever its status."""
    return web.json_response(views.budget(budget_facts(owned_budget(request)), state(request)))
