"""How Trackier speaks HTTP: an API key in `X-Api-Key`, its error body, and no published quota (paced at 60/min)."""

from __future__ import annotations

from bulkops.engine.auth import ApiKeyHeader
from bulkops.engine.dialect import Auth, Dialect, RateSpec
from bulkops.engine.envelope import retry_after
from bulkops.engine.transport import Transport
from bulkops.errors import UsageError
from bulkops.platforms.trackier import wire
from bulkops.types import ApiKey, Connection

BASE_URL = "https://api.trackier.com"
# Trackier publishes no quota and sends no rate headers: pace at this from the first call unless --rate says
# otherwise, and honour 429 + Retry-After.
ASSUMED_PER_MINUTE = 60


def api_key(transport: Transport, connection: Connection) -> Auth:
    """The connection's API key in the X-Api-Key header."""
    del transport  # nothing to fetch: the key is sent as it is
    creds = connection.credentials
    if not isinstance(creds, ApiKey):
        raise UsageError("Trackier needs an API key (--api-key, BULKOPS_TRACKIER_API_KEY or [trackier] api_key)")
    return ApiKeyHeader("X-Api-Key", creds.key)


DIALECT = Dialect(auth=api_key, errors=wire.read_error,
                  rate=RateSpec(read=retry_after, window_s=60.0, default_per_window=ASSUMED_PER_MINUTE,
                                paced_by_default=True))
