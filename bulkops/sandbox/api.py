"""`SandboxApi`: everything one platform's API adds to the shared sandbox core.

The core (store, clock, tokens, quota per credential, the fault schedule, the control plane) is shared;
an API brings its paths, its tables and data generator, how it authenticates and renders errors, which
quota it counts against, and its own control handle. Adding one is a folder under `bulkops/sandbox/`
and a line in `bulkops/sandbox/registry.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bulkops.sandbox.problems import ApiProblem, envelope
from bulkops.sandbox.settings import Option

if TYPE_CHECKING:
    from bulkops.sandbox.state import SandboxState

Authenticate = Callable[[web.Request, "SandboxState"], str]  # → the credential (client) the call counts for
Render = Callable[[web.Request, ApiProblem], web.Response]


@dataclass(frozen=True)
class SandboxApi:
    """One platform's API inside the sandbox."""

    name: str  # "retail-media": `sb.control.retail_media`, `/__sandbox__/retail-media/...`
    title: str  # "Criteo Retail Media"
    prefix: str  # a path prefix pattern: requests whose path starts with it are this API's ("/{version}/retail-media/")
    versions: tuple[str, ...]  # the {version} values served (empty: the prefix has no version)
    authenticate: Authenticate
    routes: Sequence[web.AbstractRouteDef]
    schema: str  # SQL of its tables (CREATE ... IF NOT EXISTS)
    generate: Callable[[SandboxState], None]  # fill its tables from the seed, when they are empty
    is_empty: Callable[[SandboxState], bool]
    control: Callable[[SandboxState], Any]  # the in-process handle, `sb.control.<name with _>`
    control_routes: Sequence[web.AbstractRouteDef] = ()  # under /__sandbox__/<name>/
    render: Render = envelope  # the API's error body
    quota_group: str = "default"  # APIs of one group share one quota per credential (e.g. all of Criteo)
    quota_option: str | None = None  # the option that sets this group's quota; None = the shared `quota`
    rate_headers: bool = True  # answer x-ratelimit-limit/-remaining/-reset (Retry-After is always sent on 429)
    options: tuple[Option, ...] = ()
    summary: Callable[[SandboxState], str] | None = None  # one line for `sandbox serve`: what data it holds

    def owns(self, path: str) -> bool:
        """Is this path one of this API's?"""
        parts = self.prefix.strip("/").split("/")
        got = path.strip("/").split("/")
        if len(got) < len(parts):
            return False
        for want, have in zip(parts, got, strict=False):
            if want == "{version}":
                continue
            if want != have:
                return False
        return True

    def version_of(self, path: str) -> str | None:
        """The {version} segment of a path, if the prefix has one."""
        parts = self.prefix.strip("/").split("/")
        if "{version}" not in parts:
            return None
        got = path.strip("/").split("/")
        index = parts.index("{version}")
        return got[index] if index < len(got) else None
