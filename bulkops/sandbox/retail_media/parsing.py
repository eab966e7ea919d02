"""Request parsing for the Retail Media sandbox: paging parameters, JSON bodies, typed fields → 400 envelopes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aiohttp import web

from bulkops.sandbox.problems import ApiProblem, item, problem

MAX_PAGE = 500


def bad(code: str, title: str, field: str | None = None) -> ApiProblem:
    """A 400 validation problem, naming the field when there is one."""
    return problem(400, "validation", code, title, source={"field": field} if field else None)


def int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within [low, high]."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad("invalid-parameter", f"{name} must be an integer, not {raw!r}", name) from None
    if not low <= value <= high:
        raise bad("invalid-parameter", f"{name} must be between {low} and {high}, not {value}", name)
    return value


def page_index_params(request: web.Request) -> tuple[int, int]:
    """pageIndex (≥ 0, default 0) and pageSize (1..500, default 25)."""
    return (int_param(request, "pageIndex", 0, 0, 2**31 - 1), int_param(request, "pageSize", 25, 1, MAX_PAGE))


def offset_params(request: web.Request, default_limit: int) -> tuple[int, int]:
    """offset (≥ 0) and limit (1..500)."""
    return (int_param(request, "offset", 0, 0, 2**31 - 1), int_param(request, "limit", default_limit, 1, MAX_PAGE))


def page_metadata(request: web.Request, total: int, index: int, size: int) -> dict[str, Any]:
    """PageMetadata with absolute next/previous links built from the request's own URL."""
    pages = (total + size - 1) // size

    def link(i: int) -> str:
        return str(request.url.update_query({"pageIndex": str(i), "pageSize": str(size)}))

    return {"totalItemsAcrossAllPages": total, "currentPageSize": size, "currentPageIndex": index,
            "totalPages": pages, "nextPage": link(index + 1) if index + 1 < pages else None,
            "previousPage": link(index - 1) if 0 < index <= pages else None}


def resource_list(body: Any, max_items: int) -> list[Any]:
    """`{"data": [...]}` with at most `max_items` items."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list) or set(body) - {"data"}:
        raise bad("json-serialization-error", 'The body must be {"data": [ ... ]}', "data")
    if len(body["data"]) > max_items:
        raise bad("exceeded-ids-cap",
                  f"Requests are capped for {max_items} unique ids, {len(body['data'])} were provided", "data")
    return body["data"]


def resource_attributes(body: Any, allowed: dict[str, tuple[type, ...]], required: set[str], *,
                        with_id: bool = True, nullable: frozenset[str] | set[str] = frozenset()) -> dict[str, Any]:
    """`{"data": {"type", "attributes": {...}}}` checked against allowed keys, types and required keys (which must
    be there, and not null unless `nullable`). `with_id`: `data` may also hold an `id` (the 2026 auction line item
    models have none, and refuse one)."""
    data = body.get("data") if isinstance(body, dict) and set(body) == {"data"} else None
    keys = {"type", "id", "attributes"} if with_id else {"type", "attributes"}
    if not isinstance(data, dict) or set(data) - keys or not isinstance(data.get("attributes"), dict):
        shape = '{"data": {"type": ..., "attributes": {...}}}' if not with_id or not isinstance(data, dict) \
            or "id" not in data else '{"data": {"type": ..., "id": ..., "attributes": {...}}}'
        raise bad("json-serialization-error", f"The body must be {shape}", "data")
    attrs = data["attributes"]
    problems = [item("validation", "unknown-field", f"Unknown field {k!r}", source={"field": f"attributes.{k}"})
                for k in attrs if k not in allowed]
    problems += [item("validation", "missing-field", f"{k} is required", source={"field": f"attributes.{k}"})
                 for k in sorted(required - set(attrs))]
    problems += [item("validation", "invalid-type", f"{k} has the wrong type", source={"field": f"attributes.{k}"})
                 for k, v in attrs.items() if k in allowed and v is not None and not _is(v, allowed[k])]
    problems += [item("validation", "missing-field", f"{k} may not be null", source={"field": f"attributes.{k}"})
                 for k in sorted(required - set(nullable)) if k in attrs and attrs[k] is None]
    if problems:
        raise ApiProblem(400, problems)
    return attrs


def _is(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool) and bool not in types:
        return False  # JSON true is not a number
    return isinstance(value, types)


def parse_day(value: str | None, field: str) -> date | None:
    """A `yyyy-mm-dd` or ISO date-time string → date."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value)
    except ValueError:
        raise bad("invalid-date", f"{field} must be a date (yyyy-mm-dd) or ISO-8601 date-time", field) from None
