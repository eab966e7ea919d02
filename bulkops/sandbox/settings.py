"""Every knob of the sandbox, as one frozen value: the shared ones as fields, each API's own as options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

DEFAULT_CLIENT_ID = "bulkops-sandbox"
DEFAULT_CLIENT_SECRET = "sandbox-secret"


@dataclass(frozen=True, slots=True)
class Option:
    """A knob of one sandbox API (its data sizes, its own limits), offered as a `sandbox serve` flag."""

    name: str  # a Python identifier; the flag is --name-with-dashes
    default: Any
    help: str
    kind: type = int
    serve_default: Any = None  # the default of `bulkops sandbox serve` when it differs (a bigger data set)


@dataclass(frozen=True, slots=True)
class SandboxSettings:
    """How the sandbox is built and how it behaves.

    Shared knobs are fields. The APIs' own knobs (how many accounts, line items, sellers, campaigns ...) are
    `options`, declared by each API (`SandboxApi.options`); build settings with `SandboxSettings.of(**knobs)`
    to pass both by name: ``SandboxSettings.of(seed=7, line_items=30, quota=0)``.
    """

    host: str = "127.0.0.1"
    port: int = 0  # 0 = the kernel picks a free port
    seed: int = 1
    db: str = ":memory:"
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    quota: int = 250  # calls per window per client, for APIs without a quota of their own; 0 = off
    quota_window_s: float = 60.0
    token_ttl: int = 900
    token_grace_s: float = 30.0  # the official SDK keeps a token 15 s past expires_in
    latency_ms: float = 0.0
    error_rate: float = 0.0
    reset_rate: float = 0.0
    hang_rate: float = 0.0
    hang_max_s: float = 120.0
    options: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, _apis: Any = None, **knobs: Any) -> SandboxSettings:
        """Settings from shared knobs and API options alike (of `_apis`, else every registered API); an unknown
        name is a TypeError."""
        from bulkops.sandbox.registry import option_defaults  # noqa: PLC0415 - the registry imports the APIs

        shared = {f.name for f in fields(cls)} - {"options"}
        known = option_defaults(_apis)
        unknown = sorted(k for k in knobs if k not in shared and k not in known)
        if unknown:
            raise TypeError(f"unknown sandbox setting(s) {unknown}; shared: {sorted(shared)}, APIs': {sorted(known)}")
        options = {**known, **{k: v for k, v in knobs.items() if k in known}}  # the chosen APIs' defaults, then ours
        return cls(**{k: v for k, v in knobs.items() if k in shared}, options=options)

    def option(self, name: str, default: Any = None) -> Any:
        """An API option's value: as set, else the API's default (else `default`)."""
        if name in self.options:
            return self.options[name]
        from bulkops.sandbox.registry import option_defaults  # noqa: PLC0415

        return option_defaults().get(name, default)
