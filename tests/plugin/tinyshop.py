"""Tiny Shop: a minimal platform defined inside the test suite, to prove a platform plugs in without touching the
shared layers — its sandbox API on the sandbox core, its client platform on the engine and runner.

The API: items with a price. ``GET /tiny/v1/items?page=&limit=`` → ``{"items": [...], "total": n}``;
``POST /tiny/v1/prices`` with ``{"items": [{"id", "price"}]}`` (≤ 50, all-or-nothing, bad items named by
``source.index``/``source.id``). Auth: an ``X-Shop-Key`` header (the sandbox's client secret).
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from aiohttp import web

from bulkops.engine.auth import ApiKeyHeader
from bulkops.engine.chunks import chunks
from bulkops.engine.client import ApiClient
from bulkops.engine.dialect import Dialect, RateSpec
from bulkops.engine.envelope import parse_body, retry_after, typed_error
from bulkops.engine.paging import PageLimitPaging, read_all
from bulkops.engine.pool import Reporter, Sent, run_chunks
from bulkops.errors import ApiError, ItemError
from bulkops.io.columns import Column, Row, Schema
from bulkops.platform import ExportSpec, JobSpec, Platform
from bulkops.runner.export import Table
from bulkops.runner.protocol import Parent, PlanOptions
from bulkops.sandbox.api import SandboxApi
from bulkops.sandbox.auth import api_key
from bulkops.sandbox.problems import ApiProblem, json_body, problem
from bulkops.sandbox.settings import Option as SandboxOption
from bulkops.sandbox.state import STATE, SandboxState
from bulkops.types import ApiKey, Chunk, Operation, OpRecord, OutcomeStatus, Plan, RowNote

PREFIX = "/tiny/v1"
CAP = 50

# -- the sandbox side ---------------------------------------------------------------------------
routes = web.RouteTableDef()


def _items(st: SandboxState) -> list[Any]:
    return st.store.all("SELECT * FROM tiny_items ORDER BY id")


@routes.get(PREFIX + "/items")
async def _list(request: web.Request) -> web.Response:
    st = request.app[STATE]
    page, limit = int(request.query.get("page", "1")), int(request.query.get("limit", "20"))
    rows = _items(st)
    part = rows[(page - 1) * limit: page * limit]
    return web.json_response({"items": [{"id": r["id"], "name": r["name"], "price": r["price"]} for r in part],
                              "total": len(rows)})


@routes.post(PREFIX + "/prices")
async def _prices(request: web.Request) -> web.Response:
    st = request.app[STATE]
    body = await json_body(request)
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or len(items) > CAP:
        raise problem(400, "validation", "bad-body", f'{{"items": [...]}} with at most {CAP} items')
    known = {r["id"] for r in _items(st)}
    errors = [{"type": "validation", "code": "bad-item", "title": f"no item {it.get('id')!r} or a bad price",
               "source": {"index": str(i), "id": str(it.get("id"))}}
              for i, it in enumerate(items)
              if it.get("id") not in known or not isinstance(it.get("price"), int | float) or it["price"] < 0]
    if errors:
        raise ApiProblem(400, errors)
    st.store.run_many("UPDATE tiny_items SET price=? WHERE id=?", ((it["price"], it["id"]) for it in items))
    return web.json_response({"updated": len(items)})


def _generate(st: SandboxState) -> None:
    rng = random.Random(st.settings.seed)
    n = int(st.settings.option("tiny_items", 30))
    st.store.run_many("INSERT INTO tiny_items VALUES (?, ?, ?)",
                      ((f"T{i:04d}", f"Item {i}", round(rng.uniform(1, 50), 2)) for i in range(1, n + 1)))


class TinyControl:
    """`sb.control.tinyshop`: the stored prices."""

    def __init__(self, st: SandboxState) -> None:
        self._st = st

    def prices(self) -> dict[str, float]:
        """Every item's price."""
        return {r["id"]: r["price"] for r in _items(self._st)}


API = SandboxApi(
    name="tinyshop", title="Tiny Shop", prefix=PREFIX + "/", versions=(),
    authenticate=api_key(header="X-Shop-Key", query="key", key_option="tiny_key", missing="KEY_MISSING",
                         invalid="KEY_INVALID"),
    routes=tuple(routes), schema="CREATE TABLE IF NOT EXISTS tiny_items (id TEXT PRIMARY KEY, name TEXT, price REAL);",
    generate=_generate, is_empty=lambda st: st.store.is_empty("tiny_items"), control=TinyControl,
    quota_group="tinyshop", options=(SandboxOption("tiny_items", 30, "Tiny Shop: items."),
                                     SandboxOption("tiny_key", "", "Tiny Shop: its key.", kind=str)),
)


# -- the client side ----------------------------------------------------------------------------
def _errors(status: int, headers: Mapping[str, str], body: bytes, method: str, path: str) -> ApiError:
    data = parse_body(body)
    errors = data.get("errors") if isinstance(data, dict) else []
    items = tuple(ItemError(int(e["source"]["index"]), e["source"]["id"], e.get("code", ""), e.get("title", ""))
                  for e in errors or [] if isinstance(e, dict) and e.get("source"))
    first = (errors or [{}])[0]
    return typed_error(status, str(first.get("title") or f"HTTP {status}"), code=str(first.get("code") or ""),
                       items=items, headers=headers, method=method, path=path)


def _auth(transport: Any, connection: Any) -> ApiKeyHeader:
    assert isinstance(connection.credentials, ApiKey)
    return ApiKeyHeader("X-Shop-Key", connection.credentials.key)


PAGING = PageLimitPaging(limit=20, items_key="items", meta_key="", total_key="total")
SCHEMA = Schema(columns=(Column("itemId", "id", required=True, blank_ok=False, aliases=("item",)),
                         Column("price", "decimal", required=True, blank_ok=False)),
                key=("itemId",), values=("price",))


async def _all_items(api: ApiClient) -> dict[str, Mapping[str, Any]]:
    async def fetch(params: dict[str, Any]) -> Any:
        return (await api.call("GET", PREFIX + "/items", params=params)).body
    return {str(i["id"]): i async for i in read_all(fetch, PAGING)}


class PriceJob:
    """tiny-prices: rows of itemId and price."""

    name, platform, schema, parent = "tiny-prices", "tinyshop", SCHEMA, Parent(None, "item")
    group_by: tuple[str, ...] = ()

    def required(self) -> tuple[str, ...]:
        return ()

    def skip_reason(self, row: Row) -> str | None:
        return None

    async def plan(self, api: ApiClient, rows: list[Row], options: PlanOptions) -> Plan:
        items = await _all_items(api)
        plan = Plan()
        for row in rows:
            now = items.get(row.get("itemId"))
            wanted = str(row.get("price"))
            if now is None:
                plan.notes.append(RowNote(row.row_number, OutcomeStatus.FAILED, "itemId", "not-found", "no such item"))
            elif Decimal(str(now["price"])) == Decimal(wanted):
                plan.notes.append(RowNote(row.row_number, OutcomeStatus.SKIPPED, None, "no-op", "already so"))
            else:
                plan.operations.append(Operation(row.row_number, "set-price", "", row.get("itemId"),
                                                 {"price": wanted}, {"price": str(now["price"])}))
        return plan

    def executor(self, api: ApiClient) -> Executor:
        return Executor(api)

    def chunks(self, operations: Iterable[Operation]) -> Iterator[Any]:
        return chunks(operations, CAP)

    async def read_back(self, api: ApiClient, operations: list[Operation]) -> list[bool | None]:
        items = await _all_items(api)
        return [Decimal(str(items[op.entity_id]["price"])) == Decimal(str(op.fields["price"])) for op in operations]

    def view(self, op: Operation) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        return (dict(op.before) if op.before else None), dict(op.fields)

    def undo(self, done: Iterable[OpRecord]) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
        return ("itemId", "price"), [{"itemId": r.operation.entity_id, "price": (r.operation.before or {})["price"]}
                                     for r in done]

    def options(self) -> dict[str, Any]:
        return {}


class Executor:
    """One POST per 50 prices (a price set twice is the same price: safe to resend)."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api

    async def execute(self, operations: Iterable[Operation], reporter: Reporter) -> None:
        await run_chunks(chunks(operations, CAP), self._send, concurrency=2, reporter=reporter)

    async def _send(self, chunk: Chunk) -> Sent:
        body = {"items": [{"id": op.entity_id, "price": float(op.fields["price"])} for op in chunk.operations]}
        resp = await self.api.call("POST", PREFIX + "/prices", json=body)
        return Sent(resp.status, None, resp.attempts)


async def _export_rows(api: ApiClient, options: Mapping[str, Any]) -> AsyncIterator[dict[str, Any]]:
    for item in (await _all_items(api)).values():
        yield {"itemId": item["id"], "name": item["name"], "price": item["price"]}


async def _probe(api: ApiClient) -> Any:
    return await api.call("GET", PREFIX + "/items", params={"limit": 1}, attempts=1)


PLATFORM = Platform(
    name="tinyshop", title="Tiny Shop",
    dialect=Dialect(auth=_auth, errors=_errors, rate=RateSpec(read=retry_after)),
    default_base_url="https://tiny.example", credentials="api-key", settings_section="tinyshop",
    sandbox_api="tinyshop", flag="tinyshop",
    jobs=(JobSpec("tiny-prices", "Set item prices.", "Set prices from rows of itemId, price.",
                  lambda options: PriceJob()),),
    export=ExportSpec(rows=_export_rows, table=Table(("itemId", "name", "price"), ("price",)),
                      doc="Every item with its price."),
    probe=_probe,
)
