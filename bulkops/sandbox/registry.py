"""The sandbox's APIs: one line per built-in API, plus plugins. The core (app, middleware, control) names none.

An API outside this package plugs in through the entry-point group ``bulkops.sandbox_apis`` (``myapi =
"mypkg.sandbox:API"``), or at run time with `register()`; `Sandbox(apis=...)` takes an explicit list too.
"""

from __future__ import annotations

import sys
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from bulkops.sandbox.api import SandboxApi
from bulkops.sandbox.mpo import API as MPO
from bulkops.sandbox.retail_media import API as RETAIL_MEDIA
from bulkops.sandbox.trackier import API as TRACKIER

BUILT_IN: tuple[SandboxApi, ...] = (RETAIL_MEDIA, TRACKIER, MPO)
ENTRY_POINTS = "bulkops.sandbox_apis"
_registered: list[SandboxApi] = []


def apis() -> tuple[SandboxApi, ...]:
    """Every sandbox API: built in, installed as a plugin, registered at run time."""
    return (*BUILT_IN, *_plugins(), *_registered)


def register(extra: SandboxApi) -> None:
    """Serve one more API in sandboxes started from now on, in this process."""
    if extra.name in {a.name for a in apis()}:
        raise ValueError(f"a sandbox API named {extra.name!r} is already there")
    _registered.append(extra)


@cache
def _plugins() -> tuple[SandboxApi, ...]:
    found = []
    for point in entry_points(group=ENTRY_POINTS):
        try:
            value = point.load()
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not take the sandbox down
            print(f"warning: sandbox API plugin {point.name!r} could not be loaded ({exc}); left out", file=sys.stderr)
            continue
        if isinstance(value, SandboxApi):
            found.append(value)
    return tuple(found)


def option_defaults(chosen: tuple[SandboxApi, ...] | None = None) -> dict[str, Any]:
    """Every API option by name, with its default."""
    found: dict[str, Any] = {}
    for api in chosen or apis():
        for option in api.options:
            if option.name in found:
                raise RuntimeError(f"sandbox option {option.name!r} is declared twice")
            found[option.name] = option.default
    return found
