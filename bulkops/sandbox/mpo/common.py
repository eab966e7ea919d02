"""Request helpers of the MPO sandbox: ownership (403/404), query filters, bulk bodies and per-item errors."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from aiohttp import web

from bulkops.sandbox.mpo.checks import Issue, parse_day
from bulkops.sandbox.mpo.rules import MAX_ITEMS
from bulkops.sandbox.mpo.store import MpoStore
from bulkops.sandbox.problems import ApiProblem, item, json_body, problem
from bulkops.sandbox.state import CLIENT_ID, STATE, SandboxState

PREFIX = "/{version}/marketing-solutions/marketplace-performance-outcomes"


def state(request: web.Request) -> SandboxState:
    """The sandbox's shared state."""
    return request.app[STATE]


def store(request: web.Request) -> MpoStore:
    """The MPO tables."""
    return MpoStore(request.app[STATE].store)


def json_list(items: list[Any]) -> web.Response:
    """A 200 whose body is a bare JSON array."""
    return web.json_response(items)


def owned(request: web.Request, row: sqlite3.Row | None, what: str, ident: str) -> sqlite3.Row:
    """404 for an unknown id, 403 for another client's advertiser's things."""
    if row is None:
        raise problem(404, "validation", "not-found", f"{what} {ident} was not found")
    if row["owner"] != request[CLIENT_ID]:
        raise problem(403, "access-control", "forbidden", "API user is not authorized to access this advertiser",
                      f"not authorized for the advertiser of {what} {ident}")
    return row


def owned_advertiser(request: web.Request) -> sqlite3.Row:
    """The path's advertiser, if the client may see it."""
    ident = request.match_info["advertiserId"]
    row = store(request).advertiser(int(ident)) if ident.isdigit() else None
    return owned(request, row, "advertiser", ident)


def owned_seller(request: web.Request) -> sqlite3.Row:
    """The path's seller, if the client may see it."""
    ident = request.match_info["sellerId"]
    return owned(request, store(request).seller(ident), "seller", ident)


def owned_seller_campaign(request: web.Request) -> sqlite3.Row:
    """The path's seller-campaign, if the client may see it."""
    ident = request.match_info["sellerCampaignId"]
    return owned(request, store(request).seller_campaign(ident), "seller-campaign", ident)


def owned_budget(request: web.Request) -> sqlite3.Row:
    """The path's budget, if the client may see it."""
    ident = request.match_info["budgetId"]
    row = store(request).budget(int(ident)) if ident.isdigit() else None
    return owned(request, row, "budget", ident)


def bad_param(name: str, detail: str, code: str = "WithInvalidParameter") -> ApiProblem:
    """A 400 naming a bad query parameter."""
    return problem(400, "validation", code, f"Invalid query parameter {name}", detail, {"parameter": name})


def int_param(request: web.Request, name: str, code: str = "WithInvalidParameter") -> int | None:
    """An optional integer query parameter."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    if not raw.lstrip("-").isdigit():
        raise bad_param(name, f"{name} must be an integer, not {raw!r}", code)
    return int(raw)


def enum_param(request: web.Request, name: str, allowed: tuple[str, ...]) -> str | None:
    """An optional query parameter among `allowed` (case-insensitive; answered in the canonical case)."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    found = next((a for a in allowed if a.lower() == raw.lower()), None)
    if found is None:
        raise bad_param(name, f"{name} must be one of {', '.join(allowed)}, not {raw!r}")
    return found


def bool_param(request: web.Request, name: str) -> bool | None:
    """An optional true/false query parameter."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() not in ("true", "false"):
        raise bad_param(name, f"{name} must be true or false, not {raw!r}")
    return raw.lower() == "true"


def date_param(request: web.Request, name: str) -> date | None:
    """An optional yyyy-MM-dd (or date-time) query parameter."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    day = parse_day(raw)
    if day is None:
        raise bad_param(name, f"{name} must be a date yyyy-MM-dd, not {raw!r}")
    return day


async def bulk_items(request: web.Request) -> list[Any]:
    """A bulk body: a bare JSON array of at most 2,000 items."""
    body = await json_body(request)
    if not isinstance(body, list):
        raise problem(400, "validation", "WithInvalidBody", "The body must be a JSON array",
                      f"expected a bare JSON array of items, got a JSON {type(body).__name__}")
    if len(body) > MAX_ITEMS:
        raise problem(400, "validation", "WithTooManyItems", f"At most {MAX_ITEMS} items per call",
                      f"{len(body)} items were sent; the limit is {MAX_ITEMS} per call")
    return body


def item_error(index: int, ident: Any, issue: Issue) -> dict[str, Any]:
    """One error item for a bad bulk item: instance "@data[i].field", source {index, id}."""
    shown = "" if ident is None else str(ident)
    where = f"@data[{index}]" + (f".{issue.field}" if issue.field else "")
    err = item("validation", issue.code, issue.title, f"item {index} ({shown or 'no id'}): {issue.detail}",
               {"index": str(index), "id": shown})
    return {**err, "instance": where}


def fail_if(errors: list[dict[str, Any]]) -> None:
    """Refuse the whole call when any item is bad."""
    if errors:
        raise ApiProblem(400, errors)
