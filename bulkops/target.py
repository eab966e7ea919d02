"""Where a run's requests go: the connection given, the API the settings name, or the embedded sandbox.

The embedded sandbox is the default only when nothing at all is configured, so that every verb works out of
the box; a notice says so on every run. It keeps its data in one SQLite file (``runs/sandbox.sqlite``, or
``$BULKOPS_SANDBOX_DB``) so that an export, a change and its undo, run one after the other, see the same data.
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bulkops.config import ConnectionFlags, resolve
from bulkops.platform import Platform
from bulkops.types import ApiKey, ClientCredentials, Connection, Credentials, Secret

SANDBOX_DB_ENV = "BULKOPS_SANDBOX_DB"
EMBEDDED = "embedded sandbox"
Notice = Callable[[str], None]


def stderr_notice(message: str) -> None:
    """The default notice: a warning line on stderr."""
    print(f"warning: {message}", file=sys.stderr, flush=True)


def sandbox_db() -> Path:
    """Where the embedded sandbox keeps its data."""
    return Path(os.environ.get(SANDBOX_DB_ENV) or Path("runs") / "sandbox.sqlite")


@asynccontextmanager
async def connected(platform: Platform, given: Connection | ConnectionFlags | None = None, *,
                    notice: Notice = stderr_notice,
                    sandbox_db_path: str | None = None) -> AsyncIterator[tuple[Connection, dict[str, Any]]]:
    """(connection, facts for the journal); starts the embedded sandbox when nothing is configured."""
    if isinstance(given, Connection):
        yield given, {}
        return
    resolved = None if sandbox_db_path else resolve(platform, given or ConnectionFlags(), notice=notice)
    if resolved is not None:
        yield resolved, {}
        return
    from bulkops.sandbox import Sandbox, SandboxSettings  # noqa: PLC0415 - only a run without settings needs it

    db = Path(sandbox_db_path) if sandbox_db_path else sandbox_db()
    db.parent.mkdir(parents=True, exist_ok=True)
    async with Sandbox(SandboxSettings(db=str(db))) as sb:
        notice(f"no {platform.title} API configured (credentials, --base-url, BULKOPS_* or a config file): using"
               f" the EMBEDDED SANDBOX at {sb.base_url}, not a real account (its data: {db})")
        version = (given.api_version if isinstance(given, ConnectionFlags) else None) or platform.default_api_version
        conn = Connection(platform.name, sb.base_url, sandbox_credentials(platform, sb.client_id, sb.client_secret),
                          version, concurrency=(given.concurrency if given else None) or 8, target=EMBEDDED,
                          rate=given.rate if given else None)
        yield conn, {"embedded_sandbox": str(db.resolve())}


def sandbox_credentials(platform: Platform, client_id: str, secret: str) -> Credentials:
    """The sandbox's one set of credentials, in the form the platform takes."""
    if platform.credentials == "oauth":
        return ClientCredentials(client_id, Secret(secret))
    return ApiKey(Secret(secret))
