"""The auth schemes of the sandbox's APIs: OAuth2 client credentials (bearer tokens) and API keys.

One set of credentials serves every API: the token endpoint takes the sandbox's client id and secret, and an
API-key API takes the key set with `--api-key`, which defaults to the client secret.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from aiohttp import web

from bulkops.sandbox.problems import ApiProblem, problem
from bulkops.sandbox.state import STATE, SandboxState

TOKEN_PATH = "/oauth2/token"


def bearer(request: web.Request, st: SandboxState) -> str:
    """`Authorization: Bearer <token>` from the token endpoint, not expired (plus a grace). The scheme's name is
    read case aside, as HTTP says (RFC 9110 §11.1): `bearer <token>` works against the real API too."""
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""
    found = st.tokens.get(token)
    if found is None:
        raise problem(401, "authorization", "authorization-token-invalid", "The authorization header is invalid")
    client, expiry = found
    if st.clock.now() > expiry + st.knobs.token_grace_s:
        raise problem(401, "authorization", "authorization-token-expired", "The authorization token has expired")
    return client


def api_key(*, header: str, query: str, key_option: str, missing: str,
            invalid: str) -> Callable[[web.Request, SandboxState], str]:
    """An API key in a header (or a query parameter); the key is the option `key_option`, else the client secret."""
    def authenticate(request: web.Request, st: SandboxState) -> str:
        given = request.headers.get(header) or request.query.get(query) or ""
        if not given:
            raise problem(401, "authentication", missing, f"API key missing: send it in the {header} header")
        expected = st.settings.option(key_option) or st.settings.client_secret
        if not secrets.compare_digest(given.encode(), str(expected).encode()):
            raise problem(401, "authentication", invalid, "API key invalid")
        return st.settings.client_id

    return authenticate


async def token(request: web.Request) -> web.Response:
    """POST /oauth2/token: OAuth2 client credentials (form-encoded)."""
    st = request.app[STATE]
    try:
        form = await request.post()
    except (ValueError, UnicodeDecodeError, ApiProblem):
        return oauth_error(400, "invalid_request", "the body must be form-encoded (application/x-www-form-urlencoded)")
    if form.get("grant_type") != "client_credentials":
        return oauth_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
    if not form.get("client_id") or not form.get("client_secret"):
        return oauth_error(400, "invalid_request", "client_id and client_secret are required")
    ok = secrets.compare_digest(str(form["client_id"]).encode(), st.settings.client_id.encode()) \
        and secrets.compare_digest(str(form["client_secret"]).encode(), st.settings.client_secret.encode())
    if not ok:
        return oauth_error(401, "invalid_client", "unknown client or wrong secret")
    access = secrets.token_urlsafe(32)
    st.tokens[access] = (st.settings.client_id, st.clock.now() + st.knobs.token_ttl)
    st.stats["tokens"] += 1
    return web.json_response({"access_token": access, "token_type": "Bearer",
                              "expires_in": st.knobs.token_ttl, "refresh_token": None})


def oauth_error(status: int, error: str, description: str) -> web.Response:
    """An RFC 6749 error answer."""
    return web.json_response({"error": error, "error_description": description, "error_uri": None}, status=status)
