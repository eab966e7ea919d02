"""Validation of Trackier requests (list queries, edit bodies, status calls): bad input is a 400 naming what."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bulkops.sandbox.problems import ApiProblem, item, problem
from bulkops.sandbox.trackier import rules
from bulkops.sandbox.trackier.shapes import (
    ADVERTISER_PARAM,
    CAP_KINDS,
    CAP_PERIODS,
    DEFAULT_LIMIT,
    EDITABLE,
    LIMIT_PARAM,
    MAX_LIMIT,
    PAGE_PARAM,
    STATUS_PARAM,
)

MAX_TITLE, MAX_TEXT = 255, 5000
CAPS_HELP = ('caps must be like {"daily": {"clicks": 1000, "conversions": null}, "monthly": {...}}'
             " (periods daily/monthly; clicks/conversions: non-negative integers or null)")


@dataclass(frozen=True, slots=True)
class ListQuery:
    """What GET /v2/campaigns asks for."""

    page: int
    limit: int
    status: str | None
    advertisers: tuple[int, ...]


def fail(code: str, message: str, source: dict[str, str] | None = None) -> ApiProblem:
    """A single-error 400."""
    return problem(400, "validation", code, message, None, source)


def not_found(ident: object) -> ApiProblem:
    """404: no campaign has this id."""
    return problem(404, "validation", "CAMPAIGN_NOT_FOUND", f"campaign {ident} not found")


def campaign_id(request: web.Request) -> int:
    """The path's campaign id; anything but a positive integer is an unknown campaign."""
    raw = request.match_info["id"]
    if not raw.isdigit():
        raise not_found(raw)
    return int(raw)


def list_query(request: web.Request) -> ListQuery:
    """page (1-based), limit (1..500), status (one status) and advertiser[] (repeated ids) of a list call."""
    q = request.query
    page = _count(q.get(PAGE_PARAM), PAGE_PARAM, 1, None)
    limit = _count(q.get(LIMIT_PARAM), LIMIT_PARAM, DEFAULT_LIMIT, MAX_LIMIT)
    status = q.get(STATUS_PARAM)
    if status is not None and status not in rules.STATUSES:
        raise fail("INVALID_STATUS", f"unknown status {status!r}; statuses: {', '.join(rules.STATUSES)}",
                   {"field": STATUS_PARAM})
    advertisers = q.getall(ADVERTISER_PARAM, [])
    if not all(a.isdigit() for a in advertisers):
        raise fail("INVALID_PARAMETER", f"{ADVERTISER_PARAM} must be advertiser ids (integers)",
                   {"field": ADVERTISER_PARAM})
    return ListQuery(page, limit, status, tuple(int(a) for a in advertisers))


def _count(raw: str | None, name: str, default: int, maximum: int | None) -> int:
    if raw is None:
        return default
    top = f" and at most {maximum}" if maximum else ""
    if not raw.isdigit() or int(raw) < 1 or (maximum is not None and int(raw) > maximum):
        raise fail(f"INVALID_{name.upper()}", f"{name} must be an integer of at least 1{top}; got {raw!r}",
                   {"field": name})
    return int(raw)


def edit_values(body: Any) -> tuple[dict[str, Any], str | None]:
    """An edit body's column values (caps as a patch to merge) and the status asked for, or a 400 naming each bad
    field."""
    if not isinstance(body, dict) or not body:
        raise fail("INVALID_BODY", f"the body must be a JSON object of editable fields: {', '.join(EDITABLE)}")
    errors = [_field_error(key, "FIELD_NOT_EDITABLE", f"{key} cannot be edited; editable: {', '.join(EDITABLE)}")
              for key in body if key not in EDITABLE]
    errors += [e for key, value in body.items() if key in EDITABLE for e in _check_field(key, value)]
    if errors:
        raise ApiProblem(400, errors)
    values = {EDITABLE[k]: v.strip() if k == "title" else v for k, v in body.items() if k != "status"}
    return values, body.get("status")


def _check_field(key: str, value: Any) -> list[dict[str, Any]]:  # noqa: PLR0911 - one return per field
    if key == "status":
        found = rules.status_problem(value)
        return [_field_error(key, *found)] if found else []
    if key == "caps":
        return [] if _caps_ok(value) else [_field_error(key, "INVALID_CAPS", CAPS_HELP)]
    if not isinstance(value, str):
        return [_field_error(key, "INVALID_FIELD", f"{key} must be a string")]
    if key == "title" and not 0 < len(value.strip()) <= MAX_TITLE:
        return [_field_error(key, "INVALID_FIELD", f"title must be 1 to {MAX_TITLE} characters")]
    blank_preview = key == "previewUrl" and value == ""
    if key in ("url", "previewUrl") and not (value.startswith(("http://", "https://")) or blank_preview):
        return [_field_error(key, "INVALID_URL", f"{key} must be an http(s) URL")]
    if len(value) > MAX_TEXT:
        return [_field_error(key, "INVALID_FIELD", f"{key} must be at most {MAX_TEXT} characters")]
    return []


def _caps_ok(caps: Any) -> bool:
    if not isinstance(caps, dict) or set(caps) - set(CAP_PERIODS):
        return False
    for limits in caps.values():
        if not isinstance(limits, dict) or set(limits) - set(CAP_KINDS):
            return False
        if not all(v is None or (type(v) is int and v >= 0) for v in limits.values()):
            return False
    return True


def _field_error(field: str, code: str, message: str) -> dict[str, Any]:
    return item("validation", code, message, None, {"field": field})


def status_call(body: Any, max_ids: int, existing: Callable[[Iterable[int]], set[int]]) -> tuple[list[int], str]:
    """The ids and status of a status call, or a 400 with one error per bad id (index and id) and per bad field."""
    if not isinstance(body, dict) or not isinstance(body.get("campaignIds"), list):
        raise fail("INVALID_BODY", 'the body must be {"campaignIds": [<id>, ...], "status": "<status>"}')
    ids, status = body["campaignIds"], body.get("status")
    errors = []
    found = rules.status_problem(status)
    if found:
        errors.append(_field_error("status", *found))
    if not ids:
        errors.append(_field_error("campaignIds", "EMPTY_CAMPAIGN_IDS", "campaignIds is empty: give 1 id at least"))
    elif len(ids) > max_ids:
        errors.append(_field_error("campaignIds", "TOO_MANY_IDS",
                                   f"{len(ids)} campaignIds; at most {max_ids} per call: split the list"))
    else:
        errors += _id_errors(ids, existing)
    if errors:
        raise ApiProblem(400, errors)
    return list(ids), str(status)


def _id_errors(ids: list[Any], existing: Callable[[Iterable[int]], set[int]]) -> list[dict[str, Any]]:
    known = existing(i for i in ids if _is_id(i))
    errors, seen = [], set()
    for index, ident in enumerate(ids):
        if not _is_id(ident):
            errors.append(_id_error(index, ident, "INVALID_ID", "a campaign id must be a positive integer"))
        elif ident in seen:
            errors.append(_id_error(index, ident, "DUPLICATE_ID", f"campaign {ident} appears twice in this call"))
        elif ident not in known:
            errors.append(_id_error(index, ident, "CAMPAIGN_NOT_FOUND", f"campaign {ident} not found"))
        if _is_id(ident):
            seen.add(ident)
    return errors


def _is_id(value: Any) -> bool:
    return type(value) is int and value > 0


def _id_error(index: int, ident: Any, code: str, message: str) -> dict[str, Any]:
    return item("validation", code, f"campaignIds[{index}]: {message}", None, {"index": str(index), "id": str(ident)})
