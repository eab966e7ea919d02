"""The connection of a command: the API the settings name, or, when none is named, the embedded sandbox.

The sandbox is the default so that every verb works out of the box; it says so loudly on every run, and
keeps its data in one SQLite file (``runs/sandbox.sqlite``, or ``$BULKOPS_SANDBOX_DB``) so that an export,
a bid change and its undo, run one after the other, see the same account.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bulkops.cli.console import Output
from bulkops.config import configured_base_url, resolve
from bulkops.sandbox import Sandbox, SandboxSettings
from bulkops.types import Connection

SANDBOX_DB_ENV = "BULKOPS_SANDBOX_DB"


def sandbox_db() -> Path:
    """Where the embedded sandbox keeps its data."""
    return Path(os.environ.get(SANDBOX_DB_ENV) or Path("runs") / "sandbox.sqlite")


@asynccontextmanager
async def connection_for(flags: Mapping[str, Any], config: Path | None, out: Output,
                         sandbox_db_path: str | None = None) -> AsyncIterator[tuple[Connection, dict[str, Any]]]:
    """(connection, facts for the journal); starts the embedded sandbox when no API is configured."""
    config_path = str(config) if config else None
    if sandbox_db_path is None and configured_base_url(flags, config_path=config_path) is not None:
        yield resolve(flags, config_path=config_path), {}
        return
    db = Path(sandbox_db_path) if sandbox_db_path else sandbox_db()
    db.parent.mkdir(parents=True, exist_ok=True)
    async with Sandbox(SandboxSettings(db=str(db))) as sb:
        out.warn(f"no API configured (--base-url, BULKOPS_BASE_URL or a config file): using the EMBEDDED SANDBOX"
                 f" at {sb.base_url}, not a real account (its data: {db})")
        sandbox_flags = {**flags, "base_url": sb.base_url, "client_id": sb.client_id,
                         "client_secret": sb.client_secret}
        yield resolve(sandbox_flags, env={}), {"embedded_sandbox": str(db.resolve())}
