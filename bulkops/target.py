"""Where a run's requests go: the connection given, the API the settings name, or the embedded sandbox.

The embedded sandbox is the default only when nothing at all is configured, so that every verb works out of
the box; a notice says so on every run. It keeps its data in one SQLite file (``runs/sandbox.sqlite``, or
``$BULKOPS_SANDBOX_DB``) so that an export, a change and its undo, run one after the other, see the same data.

Messages name the command line's flags; `in_python_terms` makes the Python API's calls say the same things in
Python's terms (``base_url``, ``retarget=True``, ``bulkops.connect(...)``, ``bulkops.resume(...)``).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from bulkops.config import ConnectionFlags, pace, resolve
from bulkops.errors import ApiUnreachable, BulkopsError, UsageError, leaves
from bulkops.io import writers
from bulkops.platform import Platform
from bulkops.types import ApiKey, ClientCredentials, Connection, Credentials, Secret

SANDBOX_DB_ENV = "BULKOPS_SANDBOX_DB"
EMBEDDED = "embedded sandbox"
Notice = Callable[[str], None]
NOT_CONFIGURED = "credentials, --base-url, BULKOPS_* or a config file"  # what the sandbox notice says to set
P = ParamSpec("P")
R = TypeVar("R")


stderr_notice = writers.stderr_notice  # the default notice: a warning line on stderr


def sandbox_db() -> Path:
    """Where the embedded sandbox keeps its data."""
    return Path(os.environ.get(SANDBOX_DB_ENV) or Path("runs") / "sandbox.sqlite")


@asynccontextmanager
async def connected(platform: Platform, given: Connection | ConnectionFlags | None = None, *,
                    notice: Notice = stderr_notice,
                    sandbox_db_path: str | None = None) -> AsyncIterator[tuple[Connection, dict[str, Any]]]:
    """(connection, facts for the journal); starts the embedded sandbox when nothing is configured."""
    if isinstance(given, Connection):  # made by hand (not by `bulkops.connect`): held to the same bounds
        yield replace(given, **python_pace(given.rate, given.concurrency)), {}
        return
    resolved = None if sandbox_db_path else resolve(platform, given or ConnectionFlags(), notice=notice)
    if resolved is not None:
        yield resolved, {}
        return
    paced = pace(given.rate if given else None, given.concurrency if given else None)  # refused before it starts
    from bulkops.sandbox import Sandbox, SandboxSettings  # noqa: PLC0415 - only a run without settings needs it

    db = Path(sandbox_db_path) if sandbox_db_path else sandbox_db()
    db.parent.mkdir(parents=True, exist_ok=True)
    async with Sandbox(SandboxSettings(db=str(db))) as sb:
        notice(f"no {platform.title} API configured ({NOT_CONFIGURED}): using the EMBEDDED SANDBOX at"
               f" {sb.base_url}, not a real account (its data: {db})")
        version = (given.api_version if isinstance(given, ConnectionFlags) else None) or platform.default_api_version
        conn = Connection(platform.name, sb.base_url, sandbox_credentials(platform, sb.client_id, sb.client_secret),
                          version, target=EMBEDDED, **paced)
        yield conn, {"embedded_sandbox": str(db.resolve())}


def sandbox_credentials(platform: Platform, client_id: str, secret: str) -> Credentials:
    """The sandbox's one set of credentials, in the form the platform takes."""
    if platform.credentials == "oauth":
        return ClientCredentials(client_id, Secret(secret))
    return ApiKey(Secret(secret))


# -- the same messages, in the Python API's terms -------------------------------------------------------------
_PYTHON_PHRASES = {
    NOT_CONFIGURED: "no connection=bulkops.connect(...), BULKOPS_* environment variables or config file",
    "leave out --base-url": "pass no connection (the run's own target is used)",
}
_PYTHON_FLAGS = {  # a flag whose Python form is not its own name with underscores
    "retarget": "retarget=True", "overwrite-changed": "overwrite_changed=True", "no-snapshot": "snapshot=False",
    "add": "add=True", "account": "accounts", "advertiser": "advertisers", "status": "statuses",
    "mpo": 'platform="mpo"', "trackier": 'platform="trackier"',
}
_FLAG = re.compile(r"(?<![\w-])--([a-z][a-z0-9-]*)( [A-Z][A-Z_]*\b)?")  # and its placeholder: --sheet NAME
_RESUME = re.compile(r"`bulkops resume ([^`]+)`")
_CONNECT = {"oauth": "connection=bulkops.connect(base_url, client_id, client_secret)",
            "api-key": "connection=bulkops.connect(base_url, api_key=..., platform=...)"}


def python_terms(message: str) -> str:
    """A message written for the command line, said for the Python API: ``--base-url`` → ``base_url``,
    ``--retarget`` → ``retarget=True``, `bulkops resume RUN` → `bulkops.resume("RUN")` ...; settings that are
    missing also say how to pass them (`bulkops.connect`, or the BULKOPS_* environment variables)."""
    for cli, python in _PYTHON_PHRASES.items():
        message = message.replace(cli, python)
    message = _RESUME.sub(lambda m: f'`bulkops.resume("{m.group(1)}")`', message)
    message = _FLAG.sub(_python_flag, message)
    if message.startswith("missing ") and " settings: " in message:
        how = _CONNECT["api-key" if "api_key" in message else "oauth"]
        message += f"; pass {how}, or set them in the environment (BULKOPS_*) or a config file"
    return message


def _python_flag(found: re.Match[str]) -> str:
    name = _PYTHON_FLAGS.get(found.group(1), found.group(1).replace("-", "_"))
    return f'{name}="{found.group(2).strip()}"' if found.group(2) else name


def in_python_terms(function: Callable[P, Coroutine[Any, Any, R]]) -> Callable[P, Coroutine[Any, Any, R]]:
    """The Python API's face of a coroutine the CLI shares: its notices and BulkopsErrors in Python's terms
    (`python_terms`), unless the call came from the command line (its ``connection`` is the CLI's flags)."""
    @functools.wraps(function)
    async def worded(*args: P.args, **kwargs: P.kwargs) -> R:
        if isinstance(kwargs.get("connection"), ConnectionFlags):
            return await _unwrapped(function(*args, **kwargs))
        notice: Notice = kwargs.get("notice") or stderr_notice  # type: ignore[assignment]
        kwargs["notice"] = lambda message: notice(python_terms(message))
        try:
            return await _unwrapped(function(*args, **kwargs))
        except BulkopsError as exc:
            reword(exc)
            raise

    return worded


async def _unwrapped(call: Coroutine[Any, Any, R]) -> R:
    """A call whose failure inside a task group (reads fanned out by a pool) is a BulkopsError, raised as itself:
    the documented exception, its exit code and its plain message, never an ExceptionGroup. (One the API gone
    raised wins: the run is resumable.) A Ctrl-C that landed inside one is raised as itself too, as documented."""
    try:
        return await call
    except BaseExceptionGroup as group:
        found = leaves(group)
        interrupted = next((e for e in found if isinstance(e, KeyboardInterrupt)), None)
        if interrupted is not None:
            raise interrupted from None
        errors = [e for e in found if isinstance(e, BulkopsError)]
        if not errors or len(errors) < len(found):
            raise
        raise next((e for e in errors if isinstance(e, ApiUnreachable)), errors[0]) from None


def python_pace(rate: Any, concurrency: Any) -> dict[str, Any]:
    """`config.pace` for the Python API: its refusals name `rate` and `concurrency`, not the flags."""
    try:
        return pace(rate, concurrency)
    except UsageError as exc:
        reword(exc)
        raise


def reword(exc: BaseException) -> None:
    """Put an exception's message (and its `message` attribute, if any) in Python's terms, in place: its class,
    attributes and traceback stay."""
    if exc.args and isinstance(exc.args[0], str):
        exc.args = (python_terms(exc.args[0]), *exc.args[1:])
    if isinstance(getattr(exc, "message", None), str):
        exc.message = python_terms(exc.message)  # type: ignore[attr-defined]
