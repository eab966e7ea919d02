"""Budget writes of the MPO sandbox: POST /budgets, PATCH /budgets (bulk, all-or-nothing), PATCH /budgets/{id}."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiohttp import web

from bulkops.sandbox.mpo import views
from bulkops.sandbox.mpo.checks import (
    Issue,
    check_create,
    check_update,
    may_overlap_anew,
    parse_budget_id,
)
from bulkops.sandbox.mpo.common import (
    PREFIX,
    bulk_items,
    fail_if,
    item_error,
    owned_budget,
    state,
    store,
)
from bulkops.sandbox.mpo.rules import BudgetFacts, first_overlap
from bulkops.sandbox.mpo.store import budget_facts, budget_row
from bulkops.sandbox.problems import json_body, problem
from bulkops.sandbox.state import CLIENT_ID

routes = web.RouteTableDef()
UNKNOWN = Issue("WithInvalidBudgetId", "budgetId", "Invalid budget id", "no budget of yours has this id")
DUPLICATE = Issue("WithDuplicateId", "budgetId", "Duplicate id", "this budget appears earlier in the same call")
NOT_AN_ITEM = Issue("WithInvalidItem", None, "Invalid item", "each item must be a budget object")


def _overlap(clash: BudgetFacts, where: dict[int, int]) -> Issue:
    """WithOverlappingBudget, naming the budget (or the earlier item of this call) it collides with."""
    other = f"item {where[clash.id]} of this call" if clash.id in where else f"budget {clash.id}"
    kind = "daily" if clash.budget_type == "Daily" else "non-daily"
    return Issue("WithOverlappingBudget", None, "Overlapping budget",
                 f"a seller-campaign may have one active {kind} budget at a time; this one would overlap {other}")


def _pool(request: web.Request, seller_ids: set[str]) -> dict[int, BudgetFacts]:
    """Every budget of these sellers, by id: the state overlap checks see."""
    return {r["id"]: budget_facts(r) for r in store(request).budgets_of_sellers(seller_ids)}


@routes.post(PREFIX + "/budgets")
async def create_budgets(request: web.Request) -> web.Response:
    """Create up to 2,000 budgets; any bad item → 400 and nothing is created."""
    raw_items = await bulk_items(request)
    db, today = store(request), state(request).clock.today()
    wanted = {str(r["sellerId"]) for r in raw_items if isinstance(r, dict) and isinstance(r.get("sellerId"), str | int)}
    rows = [r for r in db.seller_campaigns_of_sellers(wanted) if r["owner"] == request[CLIENT_ID]]
    campaigns_of: dict[str, set[int]] = {}
    advertiser_of = {r["seller_id"]: r["advertiser_id"] for r in rows}
    for r in rows:
        campaigns_of.setdefault(r["seller_id"], set()).add(r["campaign_id"])
    pool, created, where = _pool(request, set(campaigns_of)), [], dict[int, int]()
    next_id, errors = db.next_budget_id(), list[dict[str, Any]]()
    for i, raw in enumerate(raw_items):
        result: BudgetFacts | Issue = check_create(raw, today, campaigns_of)
        if isinstance(result, BudgetFacts):
            clash = first_overlap(result, pool.values(), today)
            if clash is not None:
                result = _overlap(clash, where)
            else:
                result = replace(result, id=next_id)
                pool[next_id], where[next_id], next_id = result, i, next_id + 1
                created.append(result)
        if isinstance(result, Issue):
            errors.append(item_error(i, raw.get("sellerId") if isinstance(raw, dict) else None, result))
    fail_if(errors)
    db.save_budgets(budget_row(b, advertiser_of[b.seller_id]) for b in created)
    views.refresh_sellers(state(request), sorted({b.seller_id for b in created}))
    return web.json_response([views.budget(b, state(request)) for b in created])


def apply_updates(request: web.Request, items: list[tuple[Any, Any]]) -> list[BudgetFacts]:
    """Apply (budgetId, changes) pairs all-or-nothing; answer the updated budgets in input order."""
    db, today = store(request), state(request).clock.today()
    ids = [parse_budget_id(budget_id) for budget_id, _ in items]
    visible = {k: r for k, r in db.budgets_by_id(i for i in ids if i).items() if r["owner"] == request[CLIENT_ID]}
    pool = _pool(request, {r["seller_id"] for r in visible.values()})
    advertiser_of = {k: r["advertiser_id"] for k, r in visible.items()}
    errors, done, where, seen = list[dict[str, Any]](), [], dict[int, int](), set[int | None]()
    for i, ((raw_id, changes), budget_id) in enumerate(zip(items, ids, strict=True)):
        result = DUPLICATE if budget_id in seen and budget_id in visible else \
            _one_update(changes, budget_id, visible, where, pool, today)
        seen.add(budget_id)
        if isinstance(result, Issue):
            errors.append(item_error(i, raw_id, result))
            continue
        pool[result.id], where[result.id] = result, i
        done.append(result)
    fail_if(errors)
    db.save_budgets(budget_row(b, advertiser_of[b.id]) for b in done)
    views.refresh_sellers(state(request), sorted({b.seller_id for b in done}))
    return done


def _one_update(changes: Any, budget_id: int | None, visible: dict[int, Any], where: dict[int, int],  # noqa: PLR0913 - one item and its lookups
                pool: dict[int, BudgetFacts], today: Any) -> BudgetFacts | Issue:
    if not isinstance(changes, dict):
        return NOT_AN_ITEM
    if budget_id is None or budget_id not in visible:
        return UNKNOWN
    old = pool[budget_id]
    result = check_update(changes, today, old)
    if isinstance(result, BudgetFacts) and may_overlap_anew(old, result):
        clash = first_overlap(result, pool.values(), today)
        if clash is not None:
            return _overlap(clash, where)
    return result


@routes.patch(PREFIX + "/budgets")
async def update_budgets(request: web.Request) -> web.Response:
    """Update up to 2,000 budgets (items carry budgetId); any bad item → 400 and nothing changes."""
    raw_items = await bulk_items(request)
    pairs = [(r.get("budgetId"), {k: v for k, v in r.items() if k != "budgetId"}) if isinstance(r, dict)
             else (None, r) for r in raw_items]
    done = apply_updates(request, pairs)
    return web.json_response([views.budget(b, state(request)) for b in done])


@routes.patch(PREFIX + "/budgets/{budgetId}")
async def update_budget(request: web.Request) -> web.Response:
    """Update one budget (UpdateSellerBudgetMessageBase: no budgetId in the body)."""
    row = owned_budget(request)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise problem(400, "validation", "WithInvalidBody", "The body must be a JSON object",
                      "expected a budget object with amount, campaignIds, endDate, isSuspended or startDate")
    done = apply_updates(request, [(row["id"], body)])
    return web.json_response(views.budget(done[0], state(request)))
