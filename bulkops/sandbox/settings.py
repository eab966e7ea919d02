"""Every knob of the sandbox, as one frozen value."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_CLIENT_ID = "bulkops-sandbox"
DEFAULT_CLIENT_SECRET = "sandbox-secret"
VERSIONS = ("2026-01", "2026-07", "2027-01")


@dataclass(frozen=True, slots=True)
class SandboxSettings:
    """How the sandbox is built and how it behaves."""

    host: str = "127.0.0.1"
    port: int = 0  # 0 = the kernel picks a free port
    seed: int = 1
    db: str = ":memory:"
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    accounts: int = 2  # accounts the client may see (one more exists that it may not)
    line_items: int = 40  # per account
    max_products: int = 60  # per line item, drawn 0..max
    quota: int = 250  # calls per window per client; 0 = off
    quota_window_s: float = 60.0
    token_ttl: int = 900
    token_grace_s: float = 30.0  # the official SDK keeps a token 15 s past expires_in
    latency_ms: float = 0.0
    error_rate: float = 0.0
    reset_rate: float = 0.0
    hang_rate: float = 0.0
    hang_max_s: float = 120.0
