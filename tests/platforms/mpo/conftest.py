"""Helpers for MPO tests: a connection, files as users write them, and the write requests the sandbox saw."""

from __future__ import annotations

import bulkops
from bulkops.sandbox import Sandbox
from tests.jobs.conftest import read_csv, write_csv

__all__ = ["advertiser", "conn", "read_csv", "write_csv", "writes"]


def conn(sb: Sandbox) -> bulkops.Connection:
    """The connection a user script would build for the sandbox's MPO API."""
    return bulkops.connect(sb.base_url, sb.client_id, sb.client_secret, platform="mpo")


def writes(sb: Sandbox) -> dict[str, int]:
    """MPO write requests the sandbox saw, by method and route."""
    return {route: n for route, n in sb.control.stats()["routes"].items()
            if route.split()[0] in ("PATCH", "POST") and "marketplace-performance-outcomes" in route}


def advertiser(sb: Sandbox) -> int:
    """The client's first MPO advertiser."""
    return sb.control.mpo.advertiser_ids()[0]

