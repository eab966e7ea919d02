"""A raw aiohttp caller for the Trackier sandbox (deliberately not bulkops' own client)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from bulkops.sandbox import Sandbox

UNSET = object()


class Tk:
    """JSON calls under /v2 with the X-Api-Key header, answering (status, json-or-None, headers)."""

    def __init__(self, sb: Sandbox, session: aiohttp.ClientSession) -> None:
        self.sb, self.session = sb, session

    async def call(self, method: str, path: str, body: Any = None, *, key: Any = UNSET,
                   params: Any = None) -> tuple[int, Any, Any]:
        """One call to /v2{path}; key=None sends no key, a string sends that one."""
        key = self.sb.client_secret if key is UNSET else key
        headers = {"X-Api-Key": key} if key is not None else {}
        async with self.session.request(method, f"{self.sb.base_url}/v2{path}", json=body, headers=headers,
                                        params=params) as r:
            data = await r.json() if r.content_type == "application/json" else None
            return r.status, data, r.headers

    async def control(self, path: str, body: Any) -> tuple[int, Any]:
        """A control-plane call under /__sandbox__/."""
        async with self.session.post(f"{self.sb.base_url}/__sandbox__/{path}", json=body) as r:
            return r.status, await r.json()


@asynccontextmanager
async def tk(sb: Sandbox) -> AsyncIterator[Tk]:
    """A Tk caller over a fresh session."""
    async with aiohttp.ClientSession() as session:
        yield Tk(sb, session)


def first(sb: Sandbox, status: str) -> int:
    """The lowest id of a campaign in this status."""
    return next(i for i in sb.control.trackier.campaign_ids() if sb.control.trackier.campaign(i)["status"] == status)


def ids_in(sb: Sandbox, status: str) -> list[int]:
    """Every campaign id in this status."""
    return [i for i in sb.control.trackier.campaign_ids() if sb.control.trackier.campaign(i)["status"] == status]
