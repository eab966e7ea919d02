"""The sandbox's APIs: one line per platform. The core (app, middleware, control) names none of them."""

from __future__ import annotations

from functools import cache
from typing import Any

from bulkops.sandbox.api import SandboxApi
from bulkops.sandbox.mpo import API as MPO
from bulkops.sandbox.retail_media import API as RETAIL_MEDIA
from bulkops.sandbox.trackier import API as TRACKIER

APIS: tuple[SandboxApi, ...] = (RETAIL_MEDIA, TRACKIER, MPO)


@cache
def option_defaults() -> dict[str, Any]:
    """Every API option by name, with its default."""
    found: dict[str, Any] = {}
    for api in APIS:
        for option in api.options:
            if option.name in found:
                raise RuntimeError(f"sandbox option {option.name!r} is declared twice")
            found[option.name] = option.default
    return found
