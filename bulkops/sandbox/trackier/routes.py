"""Trackier v2 campaign endpoints: list, read, edit, bulk status change (all-or-nothing).

Every handler first applies the cap resets due by the sandbox's date (`TrackierStore.settle`), so a campaign a
cap paused yesterday reads active today. PATCH (or any method not served) answers 405 METHOD_NOT_ALLOWED.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bulkops.sandbox.problems import json_body
from bulkops.sandbox.state import STATE, SandboxState
from bulkops.sandbox.trackier import parsing, rules, shapes
from bulkops.sandbox.trackier.store import TrackierStore, facts_of

routes = web.RouteTableDef()
CAMPAIGNS = "/v2/campaigns"


def settled(state: SandboxState) -> TrackierStore:
    """The Trackier tables, with the cap resets due today applied."""
    db = TrackierStore(state.store)
    db.settle(state.clock.today())
    return db


def now(state: SandboxState) -> str:
    """The sandbox's time as a wire timestamp."""
    return shapes.timestamp(state.clock.utcnow())


def campaign_or_404(db: TrackierStore, ident: int) -> dict[str, Any]:
    """A campaign's JSON, or a 404 CAMPAIGN_NOT_FOUND."""
    row = db.campaign(ident)
    if row is None:
        raise parsing.not_found(ident)
    return shapes.campaign_json(row)


@routes.get(CAMPAIGNS)
async def list_campaigns(request: web.Request) -> web.Response:
    """GET /v2/campaigns?page&limit&status&advertiser[]: a page by ascending id (deleted only when asked for)."""
    query = parsing.list_query(request)
    rows, total = settled(request.app[STATE]).page(query.status, query.advertisers, query.limit,
                                                   (query.page - 1) * query.limit)
    return web.json_response(shapes.list_body([shapes.campaign_json(r) for r in rows], query.page, query.limit,
                                              total))


@routes.post(CAMPAIGNS + "/status")
async def change_status(request: web.Request) -> web.Response:
    """POST /v2/campaigns/status: set one status on every id, or change nothing and name each bad id."""
    st = request.app[STATE]
    body = await json_body(request)
    db = settled(st)
    ids, status = parsing.status_call(body, int(st.settings.option("trackier_max_ids")), db.existing)
    db.set_facts(ids, rules.after_status(status), now(st))
    return web.json_response(shapes.status_body(len(ids), status))


@routes.get(CAMPAIGNS + "/{id}")
async def read_campaign(request: web.Request) -> web.Response:
    """GET /v2/campaigns/{id}: one campaign (deleted ones too)."""
    ident = parsing.campaign_id(request)
    return web.json_response(shapes.one_body(campaign_or_404(settled(request.app[STATE]), ident)))


@routes.post(CAMPAIGNS + "/{id}")
async def edit_campaign(request: web.Request) -> web.Response:
    """POST /v2/campaigns/{id}: a partial edit; saving activates a paused campaign, never a disabled one."""
    st = request.app[STATE]
    ident = parsing.campaign_id(request)
    db = settled(st)
    row = db.campaign(ident)
    if row is None:
        raise parsing.not_found(ident)
    values, status = parsing.edit_values(await json_body(request))
    if "caps" in values:
        values["caps"] = json.dumps(merge_caps(json.loads(row["caps"]), values["caps"]))
    facts = rules.after_edit(facts_of(row), status)
    cap_day = facts.cap_paused_on.isoformat() if facts.cap_paused_on else None
    db.update(ident, {**values, "status": facts.status, "cap_paused_on": cap_day, "updated_at": now(st)})
    return web.json_response(shapes.one_body(campaign_or_404(db, ident)))


def merge_caps(caps: dict[str, dict[str, Any]], patch: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Caps with a patch applied: each period and limit given replaces that one; the others stay."""
    merged = {period: dict(limits) for period, limits in caps.items()}
    for period, limits in patch.items():
        merged.setdefault(period, {}).update(limits)
    return merged
