"""Trackier v2 wire shapes the reference marks [INFERRED]: error body, list paging, campaign JSON, answer bodies.

No official Trackier v2 reference was found (/work/shared/reference/mpo-trackier.md, part B and gap C.3): only
the auth header, `POST /v2/campaigns/status` with `{"campaignIds", "status"}`, `{"campaigns": [...]}`,
`{"campaign": {...}}`, `.success`, PATCH → 405, `API_KEY_MISSING` and `pagination.totalCount` were seen in
third-party code. Every other name and shape here is inferred. When the real API is checked (api.trackier.com
docs or a Postman collection), correct it HERE: routes, control and tests build on this module only.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bulkops.sandbox.problems import ApiProblem

# List query parameters and the pagination object of list answers.
PAGE_PARAM, LIMIT_PARAM, STATUS_PARAM, ADVERTISER_PARAM = "page", "limit", "status", "advertiser[]"
DEFAULT_LIMIT, MAX_LIMIT = 100, 500
PAGINATION, PAGE, LIMIT, TOTAL_COUNT, TOTAL_PAGES = "pagination", "page", "limit", "totalCount", "totalPages"

# The edit body's fields (wire name → column) and the caps object: {"daily": {"clicks": n|null, ...}, ...}.
EDITABLE = {"title": "title", "url": "url", "description": "description", "previewUrl": "preview_url",
            "caps": "caps", "status": "status"}
CAP_PERIODS = ("daily", "monthly")
CAP_KINDS = ("clicks", "conversions")


def timestamp(moment: datetime) -> str:
    """A wire timestamp: ISO 8601 in UTC, to the second, with a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def campaign_json(row: sqlite3.Row) -> dict[str, Any]:
    """A campaign as the API shows it (a stored row joined with its advertiser's name)."""
    return {"id": row["id"], "title": row["title"], "status": row["status"], "advertiserId": row["advertiser_id"],
            "advertiserName": row["advertiser_name"], "url": row["url"], "previewUrl": row["preview_url"],
            "description": row["description"], "currency": row["currency"], "caps": json.loads(row["caps"]),
            "createdAt": row["created_at"], "updatedAt": row["updated_at"]}


def list_body(campaigns: list[dict[str, Any]], page: int, limit: int, total: int) -> dict[str, Any]:
    """GET /v2/campaigns: one page, with the totals."""
    pages = -(-total // limit)
    return {"success": True, "campaigns": campaigns,
            PAGINATION: {PAGE: page, LIMIT: limit, TOTAL_COUNT: total, TOTAL_PAGES: pages}}


def one_body(campaign: dict[str, Any]) -> dict[str, Any]:
    """GET and POST (edit) /v2/campaigns/{id}: the campaign as it now is."""
    return {"success": True, "campaign": campaign}


def status_body(updated: int, status: str) -> dict[str, Any]:
    """POST /v2/campaigns/status: every id was applied (the call is all-or-nothing)."""
    return {"success": True, "message": f"status of {updated} campaign(s) set to {status}", "updated": updated}


def wire_code(code: str) -> str:
    """An error code as Trackier spells them (API_KEY_MISSING): the core's kebab codes in upper snake case."""
    return code.upper().replace("-", "_")


def error_json(entry: dict[str, Any]) -> dict[str, Any]:
    """One error: code and message, plus the campaignId, index and field the core item's source names."""
    out: dict[str, Any] = {"code": wire_code(str(entry.get("code", ""))),
                           "message": entry.get("detail") or entry.get("title") or ""}
    source = entry.get("source") or {}
    if "index" in source:
        out["index"] = _number(source["index"])
    if "id" in source:
        out["campaignId"] = _number(source["id"])
    if "field" in source:
        out["field"] = source["field"]
    return out


def render(request: web.Request, exc: ApiProblem) -> web.Response:
    """The error body: `{"success": false, "message": <first error's>, "errors": [...]}` with the HTTP status."""
    del request  # the body names no trace id or path
    errors = [error_json(e) for e in exc.items]
    body = {"success": False, "message": errors[0]["message"] if errors else "", "errors": errors}
    return web.json_response(body, status=exc.status, headers=exc.headers)


def _number(value: Any) -> Any:
    text = str(value)
    return int(text) if text.lstrip("-").isdigit() else value
