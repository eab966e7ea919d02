"""A raw aiohttp caller for sandbox fidelity tests (deliberately not bulkops' own client)."""

from __future__ import annotations

from typing import Any

import aiohttp

from bulkops.sandbox import Sandbox

VERSION = "2026-07"


class Raw:
    """Token + JSON calls against one sandbox, answering (status, json-or-None, headers)."""

    def __init__(self, sb: Sandbox, session: aiohttp.ClientSession) -> None:
        self.sb, self.session, self.token = sb, session, ""

    async def login(self) -> Raw:
        """Fetch a token with the sandbox's credentials."""
        form = {"client_id": self.sb.client_id, "client_secret": self.sb.client_secret,
                "grant_type": "client_credentials"}
        async with self.session.post(f"{self.sb.base_url}/oauth2/token", data=form) as r:
            self.token = (await r.json())["access_token"]
        return self

    async def call(self, method: str, path: str, body: Any = None, *, raw: bytes | None = None,
                   version: str = VERSION, headers: dict[str, str] | None = None) -> tuple[int, Any, Any]:
        """One API call under /{version}/retail-media."""
        url = f"{self.sb.base_url}/{version}/retail-media{path}"
        hdrs = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        kwargs: dict[str, Any] = {"data": raw, "headers": {**hdrs, "Content-Type": "application/json"}} \
            if raw is not None else {"json": body, "headers": hdrs}
        async with self.session.request(method, url, **kwargs) as r:
            data = await r.json() if r.content_type == "application/json" else None
            return r.status, data, r.headers


def products_body(*items: tuple[str, Any] | str) -> dict[str, Any]:
    """{"data": [...]} from SKUs or (sku, bidOverride) pairs."""
    data = []
    for it in items:
        if isinstance(it, tuple):
            data.append({"id": it[0], "type": "RetailMediaPromotedProduct", "attributes": {"bidOverride": it[1]}})
        else:
            data.append({"id": it, "type": "RetailMediaPromotedProduct"})
    return {"data": data}
