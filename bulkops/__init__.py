"""bulkops: safe, fast bulk changes to retail-media and performance-marketing campaigns.

The Python API mirrors the command line (see `bulkops.api` and the README)::

    result = await bulkops.apply_bids("bids.csv", connection=bulkops.connect(url, client_id, secret))
    result = bulkops.sync.apply_bids("bids.csv")        # the same without await (scripts, notebooks)

Names and submodules are loaded on first use, so `import bulkops` stays quick (no pyarrow, aiohttp or sandbox):
`bulkops.sandbox.Sandbox` is the local sandbox, `bulkops.sync` the blocking twins of the coroutine functions,
`bulkops.notebook` the default progress (a bar in a notebook, nothing in a script; ``listener=bulkops.quiet``).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_NAMES = {
    # the core: any platform's job, export and resume
    "connect": "bulkops.api", "run": "bulkops.api", "resume": "bulkops.api", "RunSettings": "bulkops.api",
    "Tuning": "bulkops.engine.client", "RetryPolicy": "bulkops.engine.client", "Timeouts": "bulkops.engine.transport",
    "ConnectionFlags": "bulkops.config",
    "Connection": "bulkops.types", "Secret": "bulkops.types",
    "RunResult": "bulkops.runner.protocol", "ExportResult": "bulkops.runner.export",
    "BulkopsError": "bulkops.errors", "InputError": "bulkops.errors", "JournalError": "bulkops.errors",
    "UsageError": "bulkops.errors", "RequestError": "bulkops.errors", "PreflightError": "bulkops.errors",
    "ApiUnreachable": "bulkops.errors", "TransportError": "bulkops.errors", "ApiError": "bulkops.errors",
    "PagingError": "bulkops.errors",
    # progress: any callable taking a Progress; `quiet` is none at all
    "Progress": "bulkops.runner.events", "quiet": "bulkops.notebook",
    # Criteo Retail Media
    "export": "bulkops.platforms.retail_media.python_api", "apply_bids": "bulkops.platforms.retail_media.python_api",
    "set_product_status": "bulkops.platforms.retail_media.python_api",
    "update_line_items": "bulkops.platforms.retail_media.python_api",
    "ExportFilter": "bulkops.platforms.retail_media.export",
    # Criteo MPO
    "apply_seller_bids": "bulkops.platforms.mpo.python_api", "update_budgets": "bulkops.platforms.mpo.python_api",
    "export_mpo": "bulkops.platforms.mpo.python_api",
    # Trackier
    "set_trackier_status": "bulkops.platforms.trackier.python_api",
    "export_trackier": "bulkops.platforms.trackier.python_api",
}

SUBMODULES = ("api", "notebook", "sandbox", "sync")  # `bulkops.sandbox.Sandbox()` after a bare `import bulkops`

__all__ = [  # every public name (a test checks they all load)
    "ApiError", "ApiUnreachable", "BulkopsError", "Connection", "ConnectionFlags", "ExportFilter", "ExportResult",
    "InputError", "JournalError", "PagingError", "PreflightError", "Progress", "RequestError", "RetryPolicy",
    "RunResult", "RunSettings", "Secret", "Timeouts", "TransportError", "Tuning", "UsageError", "api", "apply_bids",
    "apply_seller_bids", "connect", "export", "export_mpo", "export_trackier", "notebook", "quiet", "resume", "run",
    "sandbox", "set_product_status", "set_trackier_status", "sync", "update_budgets", "update_line_items",
]


def __getattr__(name: str) -> Any:
    if name in SUBMODULES:
        return importlib.import_module(f"bulkops.{name}")  # the import binds it here too: asked once
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'bulkops' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
