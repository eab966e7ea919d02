"""Retail Media tables and queries: accounts, retailers and catalogs, campaigns, line items, products."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from bulkops.sandbox.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, name TEXT, owner TEXT, currency TEXT,
    country TEXT, time_zone TEXT);
CREATE TABLE IF NOT EXISTS retailers (id TEXT PRIMARY KEY, name TEXT);
CREATE TABLE IF NOT EXISTS catalog (retailer_id TEXT, sku TEXT, min_bid REAL,
    PRIMARY KEY (retailer_id, sku)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS campaigns (id TEXT PRIMARY KEY, account_id TEXT, name TEXT, type TEXT,
    has_funds INTEGER, created_at TEXT, updated_at TEXT);
CREATE TABLE IF NOT EXISTS line_items (id TEXT PRIMARY KEY, campaign_id TEXT, account_id TEXT, type TEXT,
    name TEXT, retailer_id TEXT, start_date TEXT, end_date TEXT, budget REAL, budget_spent REAL,
    user_status TEXT, target_bid REAL, max_bid REAL, bid_strategy TEXT, optimization_strategy TEXT,
    is_auto_daily_pacing INTEGER, daily_pacing REAL, monthly_pacing REAL, pacing TEXT,
    created_at TEXT, updated_at TEXT);
CREATE TABLE IF NOT EXISTS products (line_item_id TEXT, sku TEXT, bid_override REAL, status TEXT,
    PRIMARY KEY (line_item_id, sku)) WITHOUT ROWID;
"""
INDEXES = """
CREATE INDEX IF NOT EXISTS li_account ON line_items (account_id, id);
CREATE INDEX IF NOT EXISTS li_campaign ON line_items (campaign_id, id);
CREATE INDEX IF NOT EXISTS campaign_account ON campaigns (account_id, id);
"""
LINE_ITEM_COLUMNS = (
    "id", "campaign_id", "account_id", "type", "name", "retailer_id", "start_date", "end_date", "budget",
    "budget_spent", "user_status", "target_bid", "max_bid", "bid_strategy", "optimization_strategy",
    "is_auto_daily_pacing", "daily_pacing", "monthly_pacing", "pacing", "created_at", "updated_at",
)


class RetailStore:
    """Typed Retail Media access over the shared store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.one, self.all, self.scalar = store.one, store.all, store.scalar

    def account(self, account_id: str) -> sqlite3.Row | None:
        """One account."""
        return self.one("SELECT * FROM accounts WHERE id=?", (account_id,))

    def campaign(self, campaign_id: str) -> sqlite3.Row | None:
        """One campaign, with its account's owner."""
        return self.one("SELECT c.*, a.owner FROM campaigns c JOIN accounts a ON a.id=c.account_id"
                        " WHERE c.id=?", (campaign_id,))

    def line_item(self, line_item_id: str) -> sqlite3.Row | None:
        """One line item, with its account's owner and its campaign's funds."""
        return self.one("SELECT li.*, a.owner, c.has_funds FROM line_items li"
                        " JOIN accounts a ON a.id=li.account_id JOIN campaigns c ON c.id=li.campaign_id"
                        " WHERE li.id=?", (line_item_id,))

    def line_items_where(self, where: str, args: Sequence[Any], limit: int, offset: int) -> list[sqlite3.Row]:
        """A page of line items (ascending id) matching a WHERE clause."""
        return self.all("SELECT li.*, c.has_funds FROM line_items li JOIN campaigns c ON c.id=li.campaign_id"
                        f" WHERE {where} ORDER BY li.id LIMIT ? OFFSET ?", (*args, limit, offset))

    def products(self, line_item_id: str) -> dict[str, sqlite3.Row]:
        """Every product of a line item, by SKU, in SKU order."""
        rows = self.all("SELECT * FROM products WHERE line_item_id=? ORDER BY sku", (line_item_id,))
        return {r["sku"]: r for r in rows}

    def min_bids(self, retailer_id: str, skus: Iterable[str]) -> dict[str, float]:
        """Min bids of the given SKUs that are in the retailer's catalog."""
        skus = list(skus)
        found: dict[str, float] = {}
        for start in range(0, len(skus), 500):  # SQLite caps bound parameters
            part = skus[start:start + 500]
            marks = ",".join("?" * len(part))
            for r in self.all(f"SELECT sku, min_bid FROM catalog WHERE retailer_id=? AND sku IN ({marks})",
                              (retailer_id, *part)):
                found[r["sku"]] = r["min_bid"]
        return found

    def upsert_products(self, line_item_id: str, items: Iterable[tuple[str, float | None]]) -> None:
        """Append products (active) or update the bid override of those already there."""
        self.store.run_many("INSERT INTO products VALUES (?, ?, ?, 'active') ON CONFLICT (line_item_id, sku)"
                            " DO UPDATE SET bid_override=excluded.bid_override",
                            ((line_item_id, sku, bid) for sku, bid in items))

    def set_product_status(self, line_item_id: str, skus: Iterable[str], status: str) -> None:
        """Pause or unpause products."""
        self.store.run_many("UPDATE products SET status=? WHERE line_item_id=? AND sku=?",
                            ((status, line_item_id, s) for s in skus))

    def delete_products(self, line_item_id: str, skus: Iterable[str]) -> None:
        """Remove products from a line item."""
        self.store.run_many("DELETE FROM products WHERE line_item_id=? AND sku=?", ((line_item_id, s) for s in skus))

    def update_line_item(self, line_item_id: str, values: dict[str, Any]) -> None:
        """Overwrite some columns of a line item."""
        sets = ", ".join(f"{k}=?" for k in values)
        self.store.run(f"UPDATE line_items SET {sets} WHERE id=?", (*values.values(), line_item_id))

    def insert_line_items(self, rows: Iterable[Sequence[Any]]) -> None:
        """Insert full line item rows (LINE_ITEM_COLUMNS order)."""
        marks = ",".join("?" * len(LINE_ITEM_COLUMNS))
        self.store.run_many(f"INSERT INTO line_items ({','.join(LINE_ITEM_COLUMNS)}) VALUES ({marks})", rows)
