"""Command-line options defined once and shared by every verb."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

_CONN = "Connection"
_RUN = "Run"
_OUT = "Output"

BaseUrl = Annotated[str | None, typer.Option(
    "--base-url", envvar="BULKOPS_BASE_URL", show_envvar=True, rich_help_panel=_CONN,
    help="API host, e.g. https://api.criteo.com (plain http only to loopback).")]
ClientId = Annotated[str | None, typer.Option(
    "--client-id", envvar="BULKOPS_CLIENT_ID", show_envvar=True, rich_help_panel=_CONN,
    help="OAuth2 client id.")]
ClientSecret = Annotated[str | None, typer.Option(
    "--client-secret", envvar="BULKOPS_CLIENT_SECRET", show_envvar=True, show_default=False,
    rich_help_panel=_CONN, help="OAuth2 client secret (never printed, logged or written to a report).")]
ApiVersion = Annotated[str | None, typer.Option(
    "--api-version", rich_help_panel=_CONN, help="Retail Media API version. [default: 2026-07]")]
ConfigFile = Annotated[Path | None, typer.Option(
    "--config", envvar="BULKOPS_CONFIG", rich_help_panel=_CONN,
    help="TOML file with base_url, client_id, client_secret, api_version, rate, concurrency.")]
Rate = Annotated[float | None, typer.Option(
    "--rate", rich_help_panel=_CONN,
    help="Calls per minute for this application. Default: learned from the API's x-ratelimit headers.")]
Concurrency = Annotated[int | None, typer.Option(
    "--concurrency", rich_help_panel=_CONN, help="Requests in flight at most. [default: 8]")]

RunDir = Annotated[Path | None, typer.Option(
    "--run-dir", rich_help_panel=_RUN,
    help="Where the journal and reports go. Default: runs/<verb>-<timestamp>.")]
DryRun = Annotated[bool, typer.Option(
    "--dry-run", rich_help_panel=_RUN,
    help="Read and check everything, show the planned requests and how long they take; send no change.")]
NoSnapshot = Annotated[bool, typer.Option(
    "--no-snapshot", rich_help_panel=_RUN,
    help="Skip reading current values first: faster, but no before/after, no no-op skipping, no undo file.")]
Sheet = Annotated[str | None, typer.Option("--sheet", rich_help_panel=_RUN, help="XLSX sheet name (default: the first).")]

Quiet = Annotated[bool, typer.Option("--quiet", "-q", rich_help_panel=_OUT, help="Print nothing but errors.")]
Json = Annotated[bool, typer.Option("--json", rich_help_panel=_OUT, help="Print the summary as JSON on stdout.")]
ReportFormat = Annotated[str | None, typer.Option(
    "--report-format", rich_help_panel=_OUT,
    help="csv, parquet or xlsx. Default: the input's format (XLSX input gives CSV).")]
