"""A deterministic generator of realistic Retail Media accounts: the same seed gives the same data."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from bulkops.sandbox.retail_media.store import INDEXES, LINE_ITEM_COLUMNS
from bulkops.sandbox.settings import SandboxSettings
from bulkops.sandbox.store import Store

RETAILERS = ("2101", "2102", "2103")
CAMPAIGNS_PER_ACCOUNT = 4  # three auction, one preferred; the last auction one has no funds
HIDDEN_OWNER = "another-client"
# Line items cycle through these target statuses, active most often.
STATUS_CYCLE = ("active", "active", "paused", "active", "scheduled", "ended", "active", "budgetHit",
                "draft", "active", "archived", "paused", "active")


def generate(store: Store, settings: SandboxSettings, today: date) -> None:
    """Fill an empty store: accounts (plus one the client may not see), catalogs, campaigns, line items."""
    rng = random.Random(settings.seed)
    catalogs = _catalogs(store, rng, max(1000, 3 * settings.option("max_products")))
    now = datetime.combine(today, datetime.min.time(), UTC).isoformat()
    accounts = [(str(4000 + i), settings.client_id) for i in range(settings.option("accounts"))]
    accounts.append((str(4000 + settings.option("accounts")), HIDDEN_OWNER))
    next_li = 50_000_000
    for n, (account_id, owner) in enumerate(accounts):
        store.db.execute("INSERT INTO accounts VALUES (?, ?, ?, 'USD', 'US', 'America/New_York')",
                         (account_id, f"Brand {n + 1}", owner))
        campaigns = _campaigns(store, account_id, n, now)
        count = settings.option("line_items") if owner == settings.client_id else 3
        for i in range(count):
            campaign_id, kind = campaigns[i % len(campaigns)]
            retailer = RETAILERS[(n + i) % len(RETAILERS)]
            _line_item(store, rng, (str(next_li), campaign_id, account_id, kind, retailer), i, today, now)
            skus = rng.sample(catalogs[retailer], rng.randint(0, settings.option("max_products")))
            store.db.executemany("INSERT INTO products VALUES (?, ?, ?, ?)",
                                 _products(rng, str(next_li), kind, skus))
            next_li += 1
    store.db.commit()
    store.create(INDEXES)  # after the bulk load: faster than maintaining them


def _catalogs(store: Store, rng: random.Random, size: int) -> dict[str, list[str]]:
    catalogs: dict[str, list[str]] = {}
    for retailer in RETAILERS:
        store.db.execute("INSERT INTO retailers VALUES (?, ?)", (retailer, f"Retailer {retailer}"))
        skus = sorted({f"{rng.getrandbits(44):011x}" for _ in range(size)})
        store.db.executemany("INSERT INTO catalog VALUES (?, ?, ?)",
                             ((retailer, sku, round(rng.uniform(0.10, 0.90), 2)) for sku in skus))
        catalogs[retailer] = skus
    return catalogs


def _campaigns(store: Store, account_id: str, n: int, now: str) -> list[tuple[str, str]]:
    made = []
    for c in range(CAMPAIGNS_PER_ACCOUNT):
        campaign_id = str(3_000_000 + n * 100 + c)
        kind = "preferred" if c == CAMPAIGNS_PER_ACCOUNT - 1 else "auction"
        has_funds = 0 if c == CAMPAIGNS_PER_ACCOUNT - 2 else 1
        store.db.execute("INSERT INTO campaigns VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (campaign_id, account_id, f"Campaign {n + 1}.{c + 1}", kind, has_funds, now, now))
        made.append((campaign_id, kind))
    return made


def _line_item(store: Store, rng: random.Random, ids: tuple[str, str, str, str, str], i: int,  # noqa: PLR0913 - a line item's facts
               today: date, now: str) -> None:
    li_id, campaign_id, account_id, kind, retailer = ids
    target = STATUS_CYCLE[i % len(STATUS_CYCLE)]
    start = today - timedelta(days=rng.randint(10, 60))
    end: date | None = None if rng.random() < 0.5 else today + timedelta(days=rng.randint(10, 120))
    budget = None if kind == "auction" and rng.random() < 0.4 else float(rng.randint(5, 50) * 100)
    spent = round((budget or 1000.0) * rng.uniform(0, 0.8), 2)
    user = {"paused": "paused", "draft": "draft"}.get(target, "active")
    if target == "scheduled":
        start = today + timedelta(days=rng.randint(1, 30))
        spent = 0.0
    elif target == "ended":
        start, end = today - timedelta(days=120), today - timedelta(days=rng.randint(1, 80))
    elif target == "archived":
        start, end = today - timedelta(days=400), today - timedelta(days=rng.randint(100, 300))
    elif target == "budgetHit":
        budget = float(rng.randint(5, 50) * 100)
        spent = budget
    marks = ",".join("?" * len(LINE_ITEM_COLUMNS))
    store.db.execute(f"INSERT INTO line_items ({','.join(LINE_ITEM_COLUMNS)}) VALUES ({marks})", (
        li_id, campaign_id, account_id, kind, f"Line item {li_id[-4:]}", retailer, start.isoformat(),
        None if end is None else end.isoformat(), budget, spent, user,
        round(rng.uniform(0.5, 2.0), 2) if kind == "auction" else None, None,
        "manual" if kind == "auction" else None, "conversion" if kind == "auction" else None,
        0, None, None, "standard" if kind == "preferred" else None, now, now))


def _products(rng: random.Random, li_id: str, kind: str, skus: list[str]) -> Iterator[tuple[object, ...]]:
    for sku in skus:
        bid = None if kind == "preferred" or rng.random() < 0.5 else round(rng.uniform(0.95, 3.0), 2)
        yield (li_id, sku, bid, "paused" if rng.random() < 0.1 else "active")
