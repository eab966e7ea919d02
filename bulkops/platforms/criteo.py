"""Criteo's conventions, shared by its Retail Media and MPO APIs: one host, one OAuth2 token endpoint, one
error envelope, one quota (x-ratelimit-* headers, counted per application in one-minute windows)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bulkops.engine.auth import OAuth2ClientCredentials
from bulkops.engine.dialect import Auth, Dialect, RateSpec
from bulkops.engine.envelope import RateInfo, number, parse_body, typed_error
from bulkops.engine.transport import Transport
from bulkops.errors import ApiError, ItemError, UsageError
from bulkops.types import ClientCredentials, Connection

BASE_URL = "https://api.criteo.com"  # as the official SDKs default
TOKEN_PATH = "/oauth2/token"
QUOTA_PER_MINUTE = 250  # "250 calls/min (default endpoints)" per application, Client Credentials


def read_rate(headers: Mapping[str, str]) -> RateInfo:
    """x-ratelimit-limit/-remaining/-reset (epoch seconds) and Retry-After."""
    return RateInfo(number(headers.get("x-ratelimit-limit"), int), number(headers.get("x-ratelimit-remaining"), int),
                    number(headers.get("x-ratelimit-reset"), float), number(headers.get("retry-after"), float))


def read_error(status: int, headers: Mapping[str, str], body: bytes, method: str, path: str) -> ApiError:
    """The typed error of an answer in Criteo's envelope `{"errors": [...], "warnings": [...]}` (or OAuth's)."""
    data = parse_body(body)
    errors = data.get("errors") if isinstance(data, dict) else None
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    code = str(first.get("code") or first.get("error") or "")
    oauth = data.get("error_description") if isinstance(data, dict) else None
    if oauth and not code:
        code = str(data.get("error") or "")
    detail = str(first.get("title") or first.get("detail") or oauth or f"HTTP {status}")
    return typed_error(status, detail, code=code, trace_id=first.get("traceId"), items=_items(errors or []),
                      rate=read_rate(headers), method=method, path=path)


def _items(errors: list[Any]) -> tuple[ItemError, ...]:
    """Errors that name an item of the batch (`source.index` / `source.id`)."""
    found = []
    for e in errors:
        source = e.get("source") if isinstance(e, dict) else None
        if isinstance(source, dict) and ("index" in source or "id" in source):
            index = str(source.get("index"))
            found.append(ItemError(int(index) if index.isdigit() else None,
                                   None if source.get("id") is None else str(source.get("id")),
                                   str(e.get("code") or ""), str(e.get("detail") or e.get("title") or "")))
    return tuple(found)


def oauth(transport: Transport, connection: Connection) -> Auth:
    """One OAuth2 client-credentials token for the whole run."""
    creds = connection.credentials
    if not isinstance(creds, ClientCredentials):
        raise UsageError("Criteo needs a client id and a client secret (--client-id, --client-secret)")
    return OAuth2ClientCredentials(transport, connection.base_url + TOKEN_PATH, creds.client_id, creds.client_secret,
                                   read_error)


DIALECT = Dialect(auth=oauth, errors=read_error, rate=RateSpec(read=read_rate, window_s=60.0,
                                                               default_per_window=QUOTA_PER_MINUTE))
