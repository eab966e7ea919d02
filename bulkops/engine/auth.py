"""How calls authenticate: OAuth2 client credentials (one token per credential, shared by every worker,
refreshed early and once on a 401), or an API key sent in a header."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus

import anyio

from bulkops.engine.dialect import ErrorReader
from bulkops.engine.envelope import parse_body
from bulkops.engine.transport import Transport
from bulkops.types import Secret

REFRESH_MARGIN_S = 60.0  # refresh this long before expiry (or at half-life for short tokens)
_KEPT_TOKENS = 8  # tokens an answer may still echo (the current one and those before it)


def scrub(body: bytes, secrets: Iterable[str]) -> bytes:
    """A server's answer with every secret bulkops sent it replaced by ***, in any form an echo may take it (as
    sent; form- or percent-encoded, in either case; JSON-escaped, `/` too): an error text that echoes the request
    never carries one into a message, a report or the journal."""
    for secret in secrets:
        if len(secret) < 4:
            continue
        encoded = {quote_plus(secret), quote(secret), quote(secret, safe="")}
        encoded |= {re.sub("%[0-9A-F]{2}", lambda m: m.group(0).lower(), e) for e in encoded}
        escaped = {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
        escaped |= {e.replace("/", "\\/") for e in escaped}
        for form in sorted({secret, *encoded, *escaped}, key=len, reverse=True):  # the longest first
            body = body.replace(form.encode(), b"***")
    return body


class OAuth2ClientCredentials:
    """Hands out a valid bearer token; concurrent callers wait on a single refresh."""

    def __init__(self, transport: Transport, token_url: str, client_id: str, secret: Secret,
                 errors: ErrorReader) -> None:
        self._transport, self._url, self._errors = transport, token_url, errors
        self._client_id, self._secret = client_id, secret
        self._token: Secret | None = None
        self._tokens: list[str] = []  # the last few handed out: scrubbed from answers
        self._refresh_at = 0.0
        self._lock = anyio.Lock()
        self.refreshes = 0

    async def header(self) -> dict[str, str]:
        """The Authorization header to send now."""
        token = self._token
        if token is None or time.monotonic() >= self._refresh_at:
            token = await self._refresh(stale=token)
        return {"Authorization": f"Bearer {token.reveal()}"}

    def secrets(self) -> list[str]:
        """What an answer must never carry back into a message: the client secret and the tokens."""
        return [self._secret.reveal(), *self._tokens]

    async def invalidate(self, header: Mapping[str, str]) -> bool:
        """After a 401: drop the token that was refused (only if nobody refreshed it meanwhile)."""
        if self._token is not None and header.get("Authorization") == f"Bearer {self._token.reveal()}":
            await self._refresh(stale=self._token)
        return True

    async def _refresh(self, *, stale: Secret | None) -> Secret:
        async with self._lock:
            if self._token is not None and self._token is not stale and time.monotonic() < self._refresh_at:
                return self._token  # another worker refreshed while we waited
            form = {"client_id": self._client_id, "client_secret": self._secret.reveal(),
                    "grant_type": "client_credentials"}
            resp = await self._transport.send("POST", self._url, headers={"Accept": "application/json"}, data=form)
            path = "/" + self._url.split("://", 1)[-1].split("/", 1)[-1]
            if resp.status != 200:
                raise self._errors(resp.status, resp.headers, scrub(resp.body, self.secrets()), "POST", path)
            body = parse_body(resp.body)
            if not isinstance(body, dict) or not body.get("access_token"):
                raise self._errors(502, resp.headers, b"", "POST", path)
            ttl = float(body.get("expires_in") or 900)
            self._token = Secret(str(body["access_token"]))
            self._tokens = [*self._tokens[-(_KEPT_TOKENS - 1):], self._token.reveal()]
            self._refresh_at = time.monotonic() + max(ttl / 2, ttl - REFRESH_MARGIN_S)
            self.refreshes += 1
            return self._token


class ApiKeyHeader:
    """An API key in a header: nothing to refresh, so a 401 is final."""

    refreshes = 0

    def __init__(self, name: str, key: Secret) -> None:
        self._name, self._key = name, key

    def secrets(self) -> list[str]:
        """What an answer must never carry back into a message: the key."""
        return [self._key.reveal()]

    async def header(self) -> dict[str, str]:
        """The key's header."""
        return {self._name: self._key.reveal()}

    async def invalidate(self, header: Mapping[str, str]) -> bool:
        """A refused key stays refused."""
        return False
