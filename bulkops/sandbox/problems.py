"""Error answers of the sandbox: an `ApiProblem` (status + error items), rendered by the API it belongs to.

Each API renders problems in its own error body (`SandboxApi.render`); `envelope` is the default one,
`{"errors": [...], "warnings": []}` with a trace id on every item, used for paths no API serves.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from aiohttp import web

from bulkops.sandbox.state import TRACE_ID


class ApiProblem(Exception):
    """An error answer: status plus one or more error items."""

    def __init__(self, status: int, items: list[dict[str, Any]], headers: dict[str, str] | None = None) -> None:
        super().__init__(items[0].get("title", "") if items else "")
        self.status = status
        self.items = items
        self.headers = headers or {}


def problem(status: int, type_: str, code: str, title: str, detail: str | None = None,  # noqa: PLR0913 - the fields of an error item
            source: dict[str, str] | None = None) -> ApiProblem:
    """A single-error answer."""
    return ApiProblem(status, [item(type_, code, title, detail, source)])


def item(type_: str, code: str, title: str, detail: str | None = None,
         source: dict[str, str] | None = None) -> dict[str, Any]:
    """One error item (traceId and instance are filled in when answering)."""
    return {"type": type_, "code": code, "title": title, "detail": detail or title, "source": source or {}}


def envelope(request: web.Request, exc: ApiProblem) -> web.Response:
    """`{"errors": [...], "warnings": []}`, every item carrying the request's trace id and path."""
    trace = request.get(TRACE_ID) or uuid.uuid4().hex
    errors = [{"traceId": trace, "instance": request.path, **i} for i in exc.items]
    return web.json_response({"errors": errors, "warnings": []}, status=exc.status, headers=exc.headers,
                             dumps=json.dumps)


async def json_body(request: web.Request) -> Any:
    """The parsed JSON body, or a 400 json-serialization-error. NaN, Infinity and numbers out of range are refused,
    as a strict JSON parser refuses them."""
    raw = await request.read()
    try:
        return json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float)
    except (ValueError, UnicodeDecodeError) as exc:
        detail = str(exc) if isinstance(exc, _NotJson) else "The request body is not valid JSON"
        raise problem(400, "validation", "json-serialization-error", detail) from None


class _NotJson(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _NotJson(f"{text} is out of range for a number")
    return value
