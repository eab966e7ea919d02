"""A deterministic generator of Trackier advertisers and campaigns: the same seed gives the same data."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

from bulkops.sandbox.settings import SandboxSettings
from bulkops.sandbox.store import Store
from bulkops.sandbox.trackier import rules
from bulkops.sandbox.trackier.shapes import CAP_KINDS, CAP_PERIODS, timestamp
from bulkops.sandbox.trackier.store import COLUMNS

FIRST_CAMPAIGN_ID = 101
ADVERTISERS = ((11, "Nordwind Travel", "EUR", "nordwind-travel.example"),
               (12, "Pixel Games", "USD", "pixelgames.example"),
               (13, "Cobalt Finance", "GBP", "cobaltfinance.example"), (14, "Shopaholic", "INR", "shopaholic.example"),
               (15, "Lumen VPN", "USD", "lumenvpn.example"))
OFFERS = ("CPA", "CPI", "CPL", "CPS", "Trial", "Signup", "Deposit")
GEOS = ("US", "DE", "GB", "IN", "FR", "BR", "ES", "Tier-1", "WW")
DEVICES = ("iOS", "Android", "Desktop", "All devices")
# Each block of 20 campaigns holds these statuses (in a shuffled order): every status shows up in 20 campaigns.
STATUS_BLOCK = (*(rules.ACTIVE,) * 11, rules.PENDING, rules.PENDING, rules.PAUSED, rules.PAUSED,
                rules.DISABLED, rules.DISABLED, rules.SUSPENDED, rules.EXPIRED, rules.DELETED)


def generate(store: Store, settings: SandboxSettings, now: datetime) -> None:
    """Fill the empty Trackier tables: a handful of advertisers and `trackier_campaigns` campaigns from id 101."""
    rng = random.Random(settings.seed * 7919 + 3)  # a stream of its own, apart from the other APIs'
    store.db.executemany("INSERT OR IGNORE INTO trackier_advertisers VALUES (?, ?, ?)", (a[:3] for a in ADVERTISERS))
    count = int(settings.option("trackier_campaigns"))
    statuses: list[str] = []
    while len(statuses) < count:
        block = list(STATUS_BLOCK)
        rng.shuffle(block)
        statuses += block
    marks = ",".join("?" * len(COLUMNS))
    store.db.executemany(f"INSERT INTO trackier_campaigns ({','.join(COLUMNS)}) VALUES ({marks})",
                         [_campaign(rng, FIRST_CAMPAIGN_ID + i, statuses[i], now) for i in range(count)])
    store.db.commit()


def _campaign(rng: random.Random, ident: int, status: str, now: datetime) -> tuple[object, ...]:
    advertiser, name, currency, domain = rng.choice(ADVERTISERS)
    offer, geo, device = rng.choice(OFFERS), rng.choice(GEOS), rng.choice(DEVICES)
    created = now - timedelta(days=rng.randint(20, 400), seconds=rng.randint(0, 86_399))
    updated = min(now, created + timedelta(days=rng.randint(0, 19), seconds=rng.randint(0, 86_399)))
    paused_on = now.date().isoformat() if status == rules.PAUSED else None  # the generated paused ones: by a cap, today
    return (ident, advertiser, f"{name} {offer} - {geo} {device}", status, paused_on,
            f"https://track.{domain}/click?offer={ident}&aff={{p1}}&click_id={{click_id}}",
            f"https://www.{domain}/landing/{offer.lower()}-{geo.lower()}",
            f"{offer} offer for {geo} traffic on {device}. No incentivized traffic.", currency,
            json.dumps(_caps(rng)), timestamp(created), timestamp(updated))


def _caps(rng: random.Random) -> dict[str, dict[str, int | None]]:
    caps: dict[str, dict[str, int | None]] = {}
    for n, period in enumerate(CAP_PERIODS):
        scale = 30 if n else 1
        caps[period] = {kind: (None if rng.random() < 0.4 else rng.randint(1, 50) * (100 if k == 0 else 5) * scale)
                        for k, kind in enumerate(CAP_KINDS)}
    return caps
