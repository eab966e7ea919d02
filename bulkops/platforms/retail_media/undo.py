"""Undo rows from succeeded operations (pure): feeding them back restores the prior state exactly.

Every product verb accepts an optional ``action`` column (``set-bid``, ``add``, ``pause``, ``unpause``,
``remove``) that overrides the verb's own action row by row, like the Operation column of an Amazon
bulksheet. Undo files use it, so one file can both restore bids and remove the products a run added:

=======================  =============================================================
succeeded operation      undo rows
=======================  =============================================================
add (a new product)      ``remove``
set-bid / add (on one    ``set-bid`` to the old bidOverride (``none`` = no override)
already there)
pause / unpause          ``unpause`` / ``pause``
remove                   ``add`` with the old bidOverride, then ``pause`` if it was paused
=======================  =============================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from bulkops.platforms.retail_media.actions import Action
from bulkops.types import Operation

NO_OVERRIDE = "none"  # the bidOverride cell that means "no override" (the line item's bid applies)


def undo_rows(operations: Iterable[Operation]) -> Iterator[dict[str, str]]:
    """Rows (lineItemId, productId, bidOverride, action) that revert the given succeeded operations."""
    for op in operations:
        yield from _undo(op)


def _undo(op: Operation) -> Iterator[dict[str, str]]:
    before = op.before or {}
    if op.kind in (Action.SET_BID, Action.ADD) and op.before is None:
        yield _row(op, "remove")
    elif op.kind in (Action.SET_BID, Action.ADD):
        yield _row(op, "set-bid", before.get("bid_override"))
    elif op.kind == Action.PAUSE:
        yield _row(op, "unpause")
    elif op.kind == Action.UNPAUSE:
        yield _row(op, "pause")
    elif op.kind == Action.REMOVE:
        yield _row(op, "add", before.get("bid_override"))
        if before.get("status") == "paused":
            yield _row(op, "pause")
    else:
        raise ValueError(f"no product undo for {op.kind}")


def _row(op: Operation, action: str, bid: str | None = None) -> dict[str, str]:
    row = {"lineItemId": op.parent_id, "productId": op.entity_id, "bidOverride": "", "action": action}
    if action in ("set-bid", "add"):
        row["bidOverride"] = NO_OVERRIDE if bid is None else bid
    return row
