"""Retail Media wire names on the client side (written again, on purpose, in the sandbox's routes)."""

from __future__ import annotations

from decimal import Decimal

from bulkops.platforms.retail_media.actions import Action
from bulkops.types import Operation

PRODUCT_TYPE = "RetailMediaPromotedProduct"
MAX_PRODUCTS_PER_CALL = 500
PRODUCT_ACTIONS = {Action.SET_BID: "append", Action.ADD: "append", Action.PAUSE: "pause", Action.UNPAUSE: "unpause",
                   Action.REMOVE: "delete"}
NOT_ON_LINE_ITEM = "product-not-found"  # the code the API gives for a SKU that is not on the line item


def root(version: str | None) -> str:
    """The path prefix of every Retail Media call (Retail Media paths always carry a version)."""
    if not version:
        raise ValueError("a Retail Media connection needs an API version")
    return f"/{version}/retail-media"


def product_action_path(version: str | None, line_item_id: str, kind: str) -> str:
    """POST path of a product write."""
    return f"{root(version)}/line-items/{line_item_id}/products/{PRODUCT_ACTIONS[Action(kind)]}"


def product_item(op: Operation) -> dict[str, object]:
    """One item of a product write body; only append carries attributes."""
    item: dict[str, object] = {"id": op.entity_id, "type": PRODUCT_TYPE}
    if op.kind in (Action.SET_BID, Action.ADD):
        bid = op.fields.get("bid_override")
        item["attributes"] = {"bidOverride": None if bid is None else float(Decimal(str(bid)))}
    return item
