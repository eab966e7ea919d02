"""The Retail Media part of the control plane: what the store holds, as the API would show it."""

from __future__ import annotations

from typing import Any

from bulkops.sandbox.retail_media.serialize import common_line_item
from bulkops.sandbox.retail_media.store import RetailStore
from bulkops.sandbox.state import SandboxState


class RetailMediaControl:
    """`sb.control.retail_media`: accounts, line items, products and catalogs of the running sandbox."""

    def __init__(self, state: SandboxState) -> None:
        self._st = state
        self._store = RetailStore(state.store)

    def products(self, line_item_id: str) -> dict[str, dict[str, Any]]:
        """The stored products of a line item: sku → {bidOverride, status}."""
        return {sku: {"bidOverride": r["bid_override"], "status": r["status"]}
                for sku, r in self._store.products(line_item_id).items()}

    def line_item(self, line_item_id: str) -> dict[str, Any]:
        """A line item as the API shows it (CommonLineItem attributes, status derived)."""
        row = self._store.line_item(line_item_id)
        if row is None:
            raise KeyError(line_item_id)
        return common_line_item(row, self._st.clock.today())["attributes"]

    def account_ids(self) -> list[str]:
        """Accounts the default client may see."""
        rows = self._store.all("SELECT id FROM accounts WHERE owner=? ORDER BY id", (self._st.settings.client_id,))
        return [r["id"] for r in rows]

    def hidden_account_ids(self) -> list[str]:
        """Accounts that exist but that the default client may not see (403)."""
        rows = self._store.all("SELECT id FROM accounts WHERE owner<>? ORDER BY id", (self._st.settings.client_id,))
        return [r["id"] for r in rows]

    def line_item_ids(self, account_id: str) -> list[str]:
        """Every line item of an account, ascending."""
        rows = self._store.all("SELECT id FROM line_items WHERE account_id=? ORDER BY id", (account_id,))
        return [r["id"] for r in rows]

    def catalog(self, retailer_id: str) -> dict[str, float]:
        """A retailer's catalog: sku → min bid."""
        rows = self._store.all("SELECT sku, min_bid FROM catalog WHERE retailer_id=? ORDER BY sku", (retailer_id,))
        return {r["sku"]: r["min_bid"] for r in rows}

    def product_count(self) -> int:
        """Promoted products across every line item."""
        return int(self._store.scalar("SELECT COUNT(*) FROM products"))
