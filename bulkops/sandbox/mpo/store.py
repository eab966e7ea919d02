"""MPO tables and queries: advertisers, campaigns, sellers, seller-campaigns, budgets."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from bulkops.sandbox.mpo.rules import BudgetFacts
from bulkops.sandbox.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS mpo_advertisers (id INTEGER PRIMARY KEY, name TEXT, owner TEXT, currency TEXT,
    time_zone TEXT);
CREATE TABLE IF NOT EXISTS mpo_campaigns (id INTEGER PRIMARY KEY, advertiser_id INTEGER, name TEXT,
    delivery_status TEXT, status INTEGER);
CREATE TABLE IF NOT EXISTS mpo_sellers (id TEXT PRIMARY KEY, advertiser_id INTEGER, name TEXT,
    in_catalog INTEGER);
CREATE TABLE IF NOT EXISTS mpo_seller_campaigns (id TEXT PRIMARY KEY, advertiser_id INTEGER, seller_id TEXT,
    campaign_id INTEGER, bid REAL, created_at REAL, processed INTEGER, suspended_since TEXT);
CREATE TABLE IF NOT EXISTS mpo_budgets (id INTEGER PRIMARY KEY, advertiser_id INTEGER, seller_id TEXT,
    campaign_ids TEXT, budget_type TEXT, amount REAL, start_date TEXT, end_date TEXT, spend REAL,
    is_suspended INTEGER);
"""
INDEXES = """
CREATE INDEX IF NOT EXISTS mpo_campaign_adv ON mpo_campaigns (advertiser_id, id);
CREATE INDEX IF NOT EXISTS mpo_seller_adv ON mpo_sellers (advertiser_id, id);
CREATE INDEX IF NOT EXISTS mpo_sc_adv ON mpo_seller_campaigns (advertiser_id, seller_id, campaign_id);
CREATE INDEX IF NOT EXISTS mpo_sc_seller ON mpo_seller_campaigns (seller_id, campaign_id);
CREATE INDEX IF NOT EXISTS mpo_sc_campaign ON mpo_seller_campaigns (campaign_id);
CREATE INDEX IF NOT EXISTS mpo_budget_seller ON mpo_budgets (seller_id, id);
CREATE INDEX IF NOT EXISTS mpo_budget_adv ON mpo_budgets (advertiser_id, id);
"""
SC_SELECT = ("SELECT sc.*, s.in_catalog, a.owner FROM mpo_seller_campaigns sc"
             " JOIN mpo_sellers s ON s.id=sc.seller_id JOIN mpo_advertisers a ON a.id=sc.advertiser_id")
BUDGET_SELECT = "SELECT b.*, a.owner FROM mpo_budgets b JOIN mpo_advertisers a ON a.id=b.advertiser_id"
CHUNK = 500  # SQLite caps bound parameters


def budget_facts(row: sqlite3.Row) -> BudgetFacts:
    """A stored budget → the facts the rules read."""
    return BudgetFacts(
        seller_id=row["seller_id"], campaign_ids=tuple(int(c) for c in row["campaign_ids"].split(",")),
        budget_type=row["budget_type"], amount=row["amount"], start=date.fromisoformat(row["start_date"]),
        end=None if row["end_date"] is None else date.fromisoformat(row["end_date"]),
        spend=row["spend"], suspended=bool(row["is_suspended"]), id=row["id"])


def budget_row(b: BudgetFacts, advertiser_id: int) -> tuple[Any, ...]:
    """Budget facts → a full mpo_budgets row (column order)."""
    return (b.id, advertiser_id, b.seller_id, ",".join(str(c) for c in sorted(b.campaign_ids)), b.budget_type,
            b.amount, b.start.isoformat(), None if b.end is None else b.end.isoformat(), b.spend, int(b.suspended))


class MpoStore:
    """Typed MPO access over the shared store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.one, self.all, self.scalar = store.one, store.all, store.scalar

    def advertiser(self, advertiser_id: int) -> sqlite3.Row | None:
        """One advertiser."""
        return self.one("SELECT * FROM mpo_advertisers WHERE id=?", (advertiser_id,))

    def seller(self, seller_id: str) -> sqlite3.Row | None:
        """One seller, with its advertiser's owner."""
        return self.one("SELECT s.*, a.owner FROM mpo_sellers s JOIN mpo_advertisers a ON a.id=s.advertiser_id"
                        " WHERE s.id=?", (seller_id,))

    def seller_campaign(self, sc_id: str) -> sqlite3.Row | None:
        """One seller-campaign, with its seller's catalog flag and its advertiser's owner."""
        return self.one(SC_SELECT + " WHERE sc.id=?", (sc_id,))

    def seller_campaigns_where(self, where: str, args: Sequence[Any]) -> list[sqlite3.Row]:
        """Seller-campaigns matching a WHERE clause, by seller then campaign."""
        return self.all(f"{SC_SELECT} WHERE {where} ORDER BY sc.seller_id, sc.campaign_id", args)

    def seller_campaigns_by_id(self, ids: Iterable[str]) -> dict[str, sqlite3.Row]:
        """The stored seller-campaigns among the given ids."""
        return {r["id"]: r for part in _chunks(list(ids)) for r in self.all(
            f"{SC_SELECT} WHERE sc.id IN ({','.join('?' * len(part))})", part)}

    def seller_campaigns_of_sellers(self, seller_ids: Iterable[str]) -> list[sqlite3.Row]:
        """Every seller-campaign of the given sellers."""
        return [r for part in _chunks(sorted(set(seller_ids))) for r in self.all(
            f"{SC_SELECT} WHERE sc.seller_id IN ({','.join('?' * len(part))})", part)]

    def budget(self, budget_id: int) -> sqlite3.Row | None:
        """One budget, with its advertiser's owner."""
        return self.one(BUDGET_SELECT + " WHERE b.id=?", (budget_id,))

    def budgets_by_id(self, ids: Iterable[int]) -> dict[int, sqlite3.Row]:
        """The stored budgets among the given ids."""
        return {r["id"]: r for part in _chunks(list(ids)) for r in self.all(
            f"{BUDGET_SELECT} WHERE b.id IN ({','.join('?' * len(part))})", part)}

    def budgets_where(self, where: str, args: Sequence[Any]) -> list[sqlite3.Row]:
        """Budgets matching a WHERE clause, by id."""
        return self.all(f"{BUDGET_SELECT} WHERE {where} ORDER BY b.id", args)

    def budgets_of_sellers(self, seller_ids: Iterable[str]) -> list[sqlite3.Row]:
        """Every budget of the given sellers, by id."""
        rows = [r for part in _chunks(sorted(set(seller_ids))) for r in self.all(
            f"{BUDGET_SELECT} WHERE b.seller_id IN ({','.join('?' * len(part))})", part)]
        return sorted(rows, key=lambda r: r["id"])

    def campaigns_of_sellers(self, seller_ids: Iterable[str]) -> dict[str, set[int]]:
        """seller id → the campaigns it has a seller-campaign in."""
        found: dict[str, set[int]] = {}
        for r in self.seller_campaigns_of_sellers(seller_ids):
            found.setdefault(r["seller_id"], set()).add(r["campaign_id"])
        return found

    def next_budget_id(self) -> int:
        """The id the next created budget gets."""
        return int(self.scalar("SELECT COALESCE(MAX(id), 16500000) FROM mpo_budgets")) + 1

    def save_budgets(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Insert or replace full budget rows (budget_row order)."""
        self.store.run_many("INSERT OR REPLACE INTO mpo_budgets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def set_bids(self, bids: Iterable[tuple[float | None, str]]) -> None:
        """(bid, seller-campaign id) pairs."""
        self.store.run_many("UPDATE mpo_seller_campaigns SET bid=? WHERE id=?", bids)

    def set_suspended_since(self, changes: Iterable[tuple[str | None, str]]) -> None:
        """(suspendedSince, seller-campaign id) pairs."""
        self.store.run_many("UPDATE mpo_seller_campaigns SET suspended_since=? WHERE id=?", changes)


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]
