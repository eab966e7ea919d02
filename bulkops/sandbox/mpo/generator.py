"""A deterministic generator of realistic MPO advertisers: the same seed gives the same data."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from bulkops.sandbox.mpo.rules import (
    BudgetFacts,
    SellerCampaignFacts,
    not_yet_started,
    suspension_reasons,
)
from bulkops.sandbox.mpo.store import INDEXES, budget_row
from bulkops.sandbox.mpo.views import timestamp
from bulkops.sandbox.settings import SandboxSettings
from bulkops.sandbox.store import Store

SEED_SALT = 970856  # the MPO stream differs from Retail Media's, seed for seed
HIDDEN_OWNER = "another-client"
HIDDEN_SELLERS, HIDDEN_CAMPAIGNS = 3, 1
FIRST_ADVERTISER, FIRST_CAMPAIGN, FIRST_SELLER, FIRST_BUDGET = 9700, 430000, 10600000, 16500001
ADVERTISERS = ("MyCarDealers CO", "HomeGoods Market", "Outdoor Outlet", "Kids & Co Marketplace", "TechBazaar")
CAMPAIGNS = ("Sponsored Products - Main", "Sponsored Products - Retargeting", "Seasonal Push", "Clearance")
NAME_A = ("AutoShop", "Green", "Urban", "Blue Sky", "Family", "Prime", "Nordic", "Sunny", "Vintage", "Smart")
NAME_B = ("Parts", "Garden", "Outfitters", "Books", "Toys", "Electronics", "Home", "Sports", "Pets", "Deals")
CITIES = ("NYC", "LA", "Austin", "Denver", "Miami", "Seattle", "Boston", "Chicago")
# Seller profiles and their weights: most deliver, the rest show every suspension reason.
PROFILES = (("active", 56), ("suspended", 7), ("exhausted", 6), ("daily_exhausted", 3), ("no_budget", 5),
            ("scheduled_only", 3), ("removed", 3), ("archived_only", 3), ("new", 2), ("active_daily", 12))
DAY_S = 86400.0


def generate(store: Store, settings: SandboxSettings, now: float, today: date) -> None:
    """Fill empty MPO tables: the client's advertisers plus one owned by another client."""
    rng = random.Random(settings.seed + SEED_SALT)
    gen = _Gen(rng, now, today)
    count = settings.option("mpo_advertisers")
    for n in range(count + 1):
        hidden = n == count
        gen.advertiser(FIRST_ADVERTISER + n, HIDDEN_OWNER if hidden else settings.client_id,
                       HIDDEN_SELLERS if hidden else settings.option("mpo_sellers"),
                       HIDDEN_CAMPAIGNS if hidden else settings.option("mpo_campaigns"))
    gen.flush(store)
    store.create(INDEXES)  # after the bulk load: faster than maintaining them


class _Gen:
    """Rows accumulated in memory, written with one executemany per table."""

    def __init__(self, rng: random.Random, now: float, today: date) -> None:
        self.rng, self.now, self.today = rng, now, today
        self.next_campaign, self.next_seller, self.next_budget = FIRST_CAMPAIGN, FIRST_SELLER, FIRST_BUDGET
        self.rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in ("adv", "camp", "seller", "sc", "budget")}

    def advertiser(self, advertiser_id: int, owner: str, sellers: int, campaigns: int) -> None:
        """One advertiser with its campaigns, sellers, seller-campaigns and budgets."""
        name = ADVERTISERS[(advertiser_id - FIRST_ADVERTISER) % len(ADVERTISERS)]
        self.rows["adv"].append((advertiser_id, name, owner, "USD" if advertiser_id % 2 == 0 else "EUR", "UTC"))
        ids = list(range(self.next_campaign, self.next_campaign + campaigns))
        self.next_campaign += campaigns
        for i, c in enumerate(ids):
            delivery = "NotRunning" if i == 3 else "Running"  # a fourth campaign, if any, is stopped
            self.rows["camp"].append((c, advertiser_id, CAMPAIGNS[i % len(CAMPAIGNS)] + ("" if i < 4 else f" {i}"),
                                      delivery, 0 if delivery == "Running" else 2))
        for profile in self._profiles(sellers):
            self.next_seller += self.rng.randint(1, 9)
            self.seller(advertiser_id, str(self.next_seller), ids, profile)

    def _profiles(self, sellers: int) -> list[str]:
        """Weighted draws, with every profile at least once when there are enough sellers, shuffled."""
        names, weights = zip(*PROFILES, strict=True)
        chosen = list(names) if sellers >= len(names) else []
        chosen += self.rng.choices(names, weights, k=sellers - len(chosen))
        self.rng.shuffle(chosen)
        return chosen

    def seller(self, advertiser_id: int, seller_id: str, campaigns: list[int], profile: str) -> None:
        """A seller in one of the PROFILES, with a seller-campaign in every campaign."""
        rng = self.rng
        name = f"{rng.choice(NAME_A)} {rng.choice(NAME_B)} {rng.choice(CITIES)}"
        self.rows["seller"].append((seller_id, advertiser_id, name, 0 if profile == "removed" else 1))
        budgets = self._budgets(seller_id, campaigns, profile)
        self.rows["budget"] += [budget_row(b, advertiser_id) for b in budgets]
        fresh = profile == "new"
        created = self.now - rng.uniform(300, 3000) if fresh else self.now - rng.uniform(200, 900) * DAY_S
        for c in campaigns:
            bid = None if fresh else self._bid()
            facts = SellerCampaignFacts(bid, [b for b in budgets if c in b.campaign_ids], profile != "removed",
                                        not_yet_started(created, not fresh, self.now))
            reasons = suspension_reasons(facts, self.today)
            since = None if not reasons else timestamp(created if fresh else self.now - rng.uniform(1, 60) * DAY_S)
            self.rows["sc"].append((f"{seller_id}.{c}", advertiser_id, seller_id, c, bid, created,
                                    int(not fresh), since))

    def _bid(self) -> float | None:
        roll = self.rng.random()
        if roll < 0.07:
            return None
        if roll < 0.11:
            return 0.0
        return round(self.rng.uniform(0.10, 2.50), 2)

    def _budgets(self, seller_id: str, campaigns: list[int], profile: str) -> list[BudgetFacts]:
        if profile in ("new", "no_budget"):
            return []
        rng, today = self.rng, self.today
        groups = [tuple(campaigns)] if rng.random() < 0.6 else [(c,) for c in campaigns]
        made: list[BudgetFacts] = []
        for group in groups:
            if profile == "scheduled_only":
                made.append(self._lifetime(seller_id, group, today + timedelta(days=rng.randint(1, 30)), None))
                continue
            start = today - timedelta(days=rng.randint(5, 90))
            archived_end = start - timedelta(days=rng.randint(1, 20))
            if profile == "archived_only" or rng.random() < 0.3:
                made.append(self._lifetime(seller_id, group, archived_end - timedelta(days=rng.randint(30, 120)),
                                           archived_end, spent=1.0))
            if profile == "archived_only":
                continue
            end = None if rng.random() < 0.4 else today + timedelta(days=rng.randint(5, 120))
            current = self._lifetime(seller_id, group, start, end, suspended=profile == "suspended",
                                     spent=1.0 if profile == "exhausted" else rng.uniform(0.05, 0.9))
            made.append(current)
            if end is not None and rng.random() < 0.2:
                made.append(self._lifetime(seller_id, group, end + timedelta(days=rng.randint(1, 10)), None))
            if profile in ("active_daily", "daily_exhausted"):
                amount = float(rng.randint(5, 50))
                spend = amount if profile == "daily_exhausted" else round(amount * rng.uniform(0, 0.9), 2)
                made.append(self._make(seller_id, group, "Daily", amount, start, None, spend, False))
        return made

    def _lifetime(self, seller_id: str, group: tuple[int, ...], start: date, end: date | None, *,  # noqa: PLR0913 - a budget's facts, named
                  suspended: bool = False, spent: float = 0.0) -> BudgetFacts:
        rng = self.rng
        if spent >= 1.0 or rng.random() < 0.6:  # exhausted budgets are Capped by nature
            amount = float(rng.randint(5, 200) * 10)
            spend = amount if spent >= 1.0 else round(amount * spent, 2)
            return self._make(seller_id, group, "Capped", amount, start, end, spend, suspended)
        spend = round(rng.uniform(10, 3000) * spent, 2)
        return self._make(seller_id, group, "Uncapped", None, start, end, spend, suspended)

    def _make(self, seller_id: str, group: tuple[int, ...], kind: str, amount: float | None, start: date,  # noqa: PLR0913 - a budget's facts, named
              end: date | None, spend: float, suspended: bool) -> BudgetFacts:
        self.next_budget += 1
        return BudgetFacts(seller_id, group, kind, amount, start, end, spend, suspended, self.next_budget - 1)

    def flush(self, store: Store) -> None:
        """Write every accumulated row."""
        sql = {"adv": "INSERT INTO mpo_advertisers VALUES (?, ?, ?, ?, ?)",
               "camp": "INSERT INTO mpo_campaigns VALUES (?, ?, ?, ?, ?)",
               "seller": "INSERT INTO mpo_sellers VALUES (?, ?, ?, ?)",
               "sc": "INSERT INTO mpo_seller_campaigns VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
               "budget": "INSERT INTO mpo_budgets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"}
        with store.db:
            for table, rows in self.rows.items():
                store.db.executemany(sql[table], rows)
