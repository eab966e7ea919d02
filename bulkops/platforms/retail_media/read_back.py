"""Read back what may have been applied: operations sent with no answer seen are settled by the API's own
state before anything is sent again (a lost answer must not become a wrong outcome, or a second change)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bulkops.engine.client import ApiClient
from bulkops.errors import ApiError, RequestError
from bulkops.platforms.retail_media import line_items, reads, snapshot
from bulkops.platforms.retail_media.actions import Action
from bulkops.platforms.retail_media.diff import ProductState
from bulkops.types import Operation


async def products_now(api: ApiClient, operations: list[Operation]) -> list[bool | None]:
    """Is each product operation's change in place? None where its line item cannot be read for now; False where
    the API says it is not there or not ours (403, 404): nothing was applied to it, and sent again (these writes
    are safe to repeat) the operation fails with the API's own reason instead of staying unknown for ever."""
    async def read(line_item_id: str) -> dict[str, ProductState] | None:
        try:
            return {str(p["id"]): snapshot.product_state(p) async for p in reads.products(api, line_item_id)}
        except ApiError as exc:
            return _GONE if exc.status in (403, 404) else None
        except RequestError:
            return None

    found = await snapshot.each({op.parent_id for op in operations}, read, api.connection.concurrency)
    return [_product_done(op, found[op.parent_id]) for op in operations]


class _Gone(dict[str, ProductState]):
    """A line item the API says is not there (or not ours): no change to it is in place."""


_GONE = _Gone()


def _product_done(op: Operation, products: Mapping[str, ProductState] | None) -> bool | None:
    if products is None:
        return None
    if products is _GONE:
        return False
    now = products.get(op.entity_id)
    if op.kind == Action.REMOVE:
        return now is None
    if now is None:
        return False
    if op.kind in (Action.SET_BID, Action.ADD):  # an append is an upsert of the bid it carries
        wanted = op.fields.get("bid_override")
        return now.bid_override == (None if wanted is None else Decimal(str(wanted)))
    return now.status == op.fields.get("status")


async def line_items_now(api: ApiClient, operations: list[Operation]) -> list[bool | None]:
    """Is each line item's PUT in place (every changed field at its new value)?"""
    current = await line_items.read_current(api, [op.entity_id for op in operations])
    return [_line_item_done(op, current.get(op.entity_id)) for op in operations]


def _line_item_done(op: Operation, state: Any) -> bool | None:
    if not isinstance(state, line_items.Current):
        return None
    return all(line_items.same_as_now(state, name, value) for name, value in op.fields["changes"].items())
