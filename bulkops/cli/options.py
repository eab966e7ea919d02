"""Command-line options, defined once: the shared ones, and a platform's own turned into flags.

Verbs are built from the registry (`cli.jobs`), so their parameters are assembled here as `inspect.Parameter`s
that Typer reads like a hand-written signature. Environment variables are read by `bulkops.config`, not by
the flags, so each platform reads only its own (`BULKOPS_TRACKIER_API_KEY` never feeds a Criteo run).
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated, Any

import typer

from bulkops.config import ConnectionFlags
from bulkops.platform import Option, Platform

SANDBOX_HELP = "A local server that behaves like the APIs bulkops drives."

CONN = "Connection"
RUN = "Run"
OUT = "Output"
P = inspect.Parameter


def param(name: str, kind: Any, default: Any, option: Any) -> inspect.Parameter:
    """One keyword parameter of a command."""
    return P(name, P.KEYWORD_ONLY, default=default, annotation=Annotated[kind, option])


def flag(*names: str, help: str, panel: str | None = None, metavar: str | None = None,  # noqa: A002
         show_default: bool = False) -> Any:
    """A typer option; flags show no value type, other options a metavar that says what to give. `panel` groups
    the option under a heading where help is drawn with rich (off in bulkops: plain help starts faster)."""
    return typer.Option(*names, help=help, rich_help_panel=panel, metavar=metavar,
                        show_default=show_default)


def _env(platform: Platform | None, key: str) -> str:
    section = platform.settings_section if platform else None
    return f"BULKOPS_{key}" if section is None else f"BULKOPS_{section.upper()}_{key}"


def connection_params(platforms: list[Platform]) -> list[inspect.Parameter]:
    """--base-url, credentials, --api-version, --config, --rate, --concurrency for the given platforms."""
    first = platforms[0] if len(platforms) == 1 else None
    host = first.default_base_url if first else "the platform's API"
    params = [param("base_url", str | None, None, flag(
        "--base-url", panel=CONN, metavar="URL",
        help=f"API host (${_env(first, 'BASE_URL')}). With credentials and no URL: {host}; with nothing"
             " configured: the embedded sandbox. Plain http only to loopback."))]
    if any(p.credentials == "oauth" for p in platforms):
        params += [
            param("client_id", str | None, None, flag("--client-id", panel=CONN, metavar="ID",
                                                      help="OAuth2 client id ($BULKOPS_CLIENT_ID).")),
            param("client_secret", str | None, None, flag(
                "--client-secret", panel=CONN, metavar="SECRET",
                help="OAuth2 client secret ($BULKOPS_CLIENT_SECRET; never printed, logged or written anywhere).")),
        ]
    if any(p.credentials == "api-key" for p in platforms):
        keyed = next(p for p in platforms if p.credentials == "api-key")
        params.append(param("api_key", str | None, None, flag(
            "--api-key", panel=CONN, metavar="KEY",
            help=f"{keyed.title} API key (${_env(keyed, 'API_KEY')}; never printed, logged or written anywhere).")))
    versioned = [p for p in platforms if p.api_versions]
    if versioned:
        text = "; ".join(f"{p.title}: {', '.join(p.api_versions)} [default: {p.default_api_version}]"
                         for p in versioned)
        params.append(param("api_version", str | None, None, flag("--api-version", panel=CONN, metavar="VERSION",
                                                                  help=f"API version. {text}")))
    params += [
        param("config", Path | None, None, flag(
            "--config", panel=CONN, metavar="FILE",
            help="TOML settings file ($BULKOPS_CONFIG; else ./bulkops.toml, ~/.config/bulkops/config.toml).")),
        param("rate", float | None, None, flag(
            "--rate", panel=CONN, metavar="PER_MIN",
            help="Calls per minute. [default: learned from the API's rate headers, or its published quota]")),
        param("concurrency", int | None, None, flag("--concurrency", panel=CONN, metavar="N",
                                                    help="Requests in flight at most. [default: 8]")),
    ]
    return params


def run_params(snapshot_optional: bool) -> list[inspect.Parameter]:
    """--run-dir, --dry-run, --no-snapshot, --overwrite-changed, --sheet, --header-row, --skip-hidden,
    --report-format."""
    params = [
        param("run_dir", Path | None, None, flag(
            "--run-dir", panel=RUN, metavar="DIR",
            help="Where the journal and reports go. [default: runs/<verb>-<timestamp>]")),
        param("dry_run", bool, False, flag(
            "--dry-run", panel=RUN, metavar="",
            help="Read and check everything, show the planned requests and how long they take; send no change.")),
    ]
    if snapshot_optional:
        params.append(param("no_snapshot", bool, False, flag(
            "--no-snapshot", panel=RUN, metavar="",
            help="Skip reading current values first: faster, but no before/after, no no-op skipping, no undo file.")))
    params += [
        param("overwrite_changed", bool, False, flag(
            "--overwrite-changed", panel=RUN, metavar="",
            help="Rows of an export whose value changed on the API since it was exported are skipped as conflicts;"
                 " this writes them anyway.")),
        param("sheet", str | None, None, flag(
            "--sheet", panel=RUN, metavar="NAME",
            help="XLSX sheet name, matched loosely. [default: the one sheet whose header has the verb's columns]")),
        param("header_row", int | None, None, flag(
            "--header-row", panel=RUN, metavar="N",
            help="XLSX: the header's row as Excel numbers it. [default: found among the first 20 rows]")),
        param("skip_hidden", bool, False, flag(
            "--skip-hidden", panel=RUN, metavar="",
            help="XLSX: leave hidden or filtered-out rows out (skipped). By default they are applied, and counted.")),
        param("report_format", str | None, None, flag(
            "--report-format", panel=OUT, metavar="FORMAT",
            help="csv, parquet or xlsx. [default: the input's format; XLSX input gives CSV]")),
    ]
    return params


def output_params() -> list[inspect.Parameter]:
    """--quiet, --json."""
    return [param("quiet", bool, False, flag("--quiet", "-q", panel=OUT, metavar="",
                                             help="Print nothing but errors (and the sandbox notice).")),
            param("as_json", bool, False, flag("--json", panel=OUT, metavar="",
                                               help="Print the summary as JSON on stdout."))]


def own_params(options: tuple[Option, ...], panel: str) -> list[inspect.Parameter]:
    """A job's or an export's own options as flags."""
    params = []
    for o in options:
        if o.kind is bool:
            params.append(param(o.name, bool, bool(o.default), flag(o.cli_flag, panel=panel, metavar="",
                                                                     help=o.help)))
        elif o.multiple:
            params.append(param(o.name, list[o.kind] | None, None,  # type: ignore[name-defined]
                                flag(o.cli_flag, panel=panel, metavar=o.name.upper(), help=o.help)))
        else:
            text = o.help + ("" if o.default is None else f" [default: {o.default}]")
            params.append(param(o.name, o.kind | None, o.default, flag(o.cli_flag, panel=panel,
                                                                       metavar=o.name.upper(), help=text)))
    return params


def connection_flags(values: dict[str, Any]) -> ConnectionFlags:
    """The connection flags of a command's arguments (taken out of `values`)."""
    return ConnectionFlags(**{k: values.pop(k, None) for k in ("base_url", "client_id", "client_secret", "api_key",
                                                                "api_version", "rate", "concurrency")},
                           config=str(values.pop("config")) if values.get("config") else values.pop("config", None))


def option_values(options: tuple[Option, ...], values: dict[str, Any]) -> dict[str, Any]:
    """A job's or export's own option values (taken out of `values`); repeated flags as tuples."""
    found = {}
    for o in options:
        value = values.pop(o.name, None)
        found[o.name] = tuple(value or ()) if o.multiple else value
    return found
