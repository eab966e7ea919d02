"""An ApiClient wired to a sandbox, with retries that wait (almost) nothing."""

from __future__ import annotations

from bulkops.engine.client import ApiClient, RetryPolicy
from bulkops.engine.transport import Timeouts
from bulkops.platforms.criteo import DIALECT
from bulkops.sandbox import Sandbox
from bulkops.types import ClientCredentials, Connection, Secret

FAST = RetryPolicy(attempts=10, deadline_s=60, wait_initial_s=0.001, wait_max_s=0.01, wait_jitter_s=0)


def client_for(sb: Sandbox, *, concurrency: int = 8, rate: float | None = None, read_s: float = 1.0,
               window_s: float = 60.0) -> ApiClient:
    """A Retail Media client of this sandbox (short read timeout so injected hangs cost one second)."""
    conn = Connection("retail-media", sb.base_url, ClientCredentials(sb.client_id, Secret(sb.client_secret)),
                      "2026-07", rate, concurrency)
    return ApiClient(conn, DIALECT, timeouts=Timeouts(connect=2, read=read_s), retry=FAST, quota_window_s=window_s)


class Collect:
    """A reporter that keeps every settled result (and what was sent), as the runner's journal does."""

    def __init__(self) -> None:
        self.results: list = []
        self.left: list = []

    def sent(self, operations) -> None:
        self.left.extend(operations)

    def unsent(self, operations) -> None:
        self.left = [op for op in self.left if op not in operations]

    def settled(self, chunk, results, seconds) -> None:
        self.results.extend(results)
