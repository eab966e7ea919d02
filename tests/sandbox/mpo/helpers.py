"""A raw aiohttp caller for the MPO sandbox (deliberately not bulkops' own client), and data finders."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from bulkops.sandbox import Sandbox

VERSION = "2026-07"
MPO = "marketing-solutions/marketplace-performance-outcomes"


class Mpo:
    """Token + JSON calls under /{version}/marketing-solutions/marketplace-performance-outcomes."""

    def __init__(self, sb: Sandbox, session: aiohttp.ClientSession) -> None:
        self.sb, self.session, self.token = sb, session, ""

    async def login(self) -> Mpo:
        """Fetch a token with the sandbox's credentials."""
        form = {"client_id": self.sb.client_id, "client_secret": self.sb.client_secret,
                "grant_type": "client_credentials"}
        async with self.session.post(f"{self.sb.base_url}/oauth2/token", data=form) as r:
            self.token = (await r.json())["access_token"]
        return self

    async def call(self, method: str, path: str, body: Any = None, *, raw: bytes | None = None,
                   version: str = VERSION, params: dict[str, str] | None = None) -> tuple[int, Any]:
        """One API call; answers (status, parsed JSON or None)."""
        url = f"{self.sb.base_url}/{version}/{MPO}{path}"
        headers = {"Authorization": f"Bearer {self.token}"}
        kwargs: dict[str, Any] = {"headers": headers, "params": params or {}}
        if raw is not None:
            kwargs.update(data=raw, headers={**headers, "Content-Type": "application/json"})
        elif body is not None:
            kwargs["json"] = body
        async with self.session.request(method, url, **kwargs) as r:
            return r.status, (await r.json() if r.content_type == "application/json" else None)

    async def get(self, path: str, **params: str) -> tuple[int, Any]:
        """GET with query parameters."""
        return await self.call("GET", path, params=params)


@asynccontextmanager
async def client(sb: Sandbox) -> AsyncIterator[Mpo]:
    """A logged-in caller for one test."""
    async with aiohttp.ClientSession() as session:
        yield await Mpo(sb, session).login()


def find_sc(sb: Sandbox, test: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The first visible seller-campaign (as the API shows it) that passes `test`."""
    control = sb.control.mpo
    for advertiser in control.advertiser_ids():
        for sc_id in control.seller_campaign_ids(advertiser):
            message = control.seller_campaign(sc_id)
            if test(message):
                return message
    raise AssertionError("no such seller-campaign in the seed")


def find_budget(sb: Sandbox, test: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The first visible budget that passes `test`."""
    hidden = {str(s) for s in hidden_sellers(sb)}
    for b in sb.control.mpo.budgets():
        if b["sellerId"] not in hidden and test(b):
            return b
    raise AssertionError("no such budget in the seed")


def hidden_sellers(sb: Sandbox) -> list[str]:
    """Seller ids of the advertiser the client may not see."""
    ids = []
    for advertiser in sb.control.mpo.hidden_advertiser_ids():
        ids += sorted({sc.partition(".")[0] for sc in sb.control.mpo.seller_campaign_ids(advertiser)})
    return ids
