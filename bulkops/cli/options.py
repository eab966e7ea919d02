"""Command-line options, defined once: the shared ones, and a platform's own turned into flags.

Verbs are built from the registry (`cli.jobs`), so their parameters are assembled here as click parameters.
Help lists them under headings (`Command`: Connection, Run, Output, a platform's own). Environment variables are
read by `bulkops.config`, not by the flags, so each platform reads only its own (`BULKOPS_TRACKIER_API_KEY`
never feeds a Criteo run).

click, not typer: typer (0.29) builds a pydantic validator for every parameter given, which cost a small job
about 0.2 s of its start-up; these parameters need no more than click's own types.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from bulkops.config import ConnectionFlags
from bulkops.platform import Option, Platform

SANDBOX_HELP = "A local server that behaves like the APIs bulkops drives."

CONN = "Connection"
RUN = "Run"
OUT = "Output"
REQUIRED = object()  # the default of an option that must be given
_TYPES: dict[Any, click.ParamType] = {str: click.STRING, int: click.INT, float: click.FLOAT,
                                      Path: click.Path(path_type=Path)}


class Refusal(click.ClickException):
    """A command refused for what it was given (exit 2, as bad usage), said in one line without the usage."""

    exit_code = 2


class Flag(click.Option):
    """An option that knows the heading it is listed under in help."""

    def __init__(self, *args: Any, panel: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.panel = panel


class Arg(click.Argument):
    """A positional argument with a help text (click's own have one only from click 8.5)."""

    def __init__(self, name: str, *, metavar: str, help: str, kind: Any = Path) -> None:  # noqa: A002
        super().__init__([name], type=_TYPES[kind], metavar=metavar)
        self.help = help


class Command(click.Command):
    """A command whose help lists its arguments, then its options under their headings."""

    def format_arguments(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Listed by `format_options` (click 8.5 would list them again)."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        args = [(p.human_readable_name, p.help or "") for p in self.get_params(ctx) if isinstance(p, Arg)]
        if args:
            with formatter.section("Arguments"):
                formatter.write_dl(args)
        panels: dict[str, list[tuple[str, str]]] = {}
        for p in self.get_params(ctx):
            record = None if isinstance(p, Arg) else p.get_help_record(ctx)
            if record is not None:
                panels.setdefault(getattr(p, "panel", None) or "Options", []).append(record)
        panels["Options"] = panels.pop("Options", [])  # --help last
        for title, records in panels.items():
            with formatter.section(title):
                formatter.write_dl(records)


class Group(click.Group):
    """A group that lists its commands in the order they were added (the jobs in their platform's order)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


def param(name: str, kind: Any, default: Any, option: dict[str, Any], *, multiple: bool = False) -> click.Parameter:
    """One option of a command, passed to it as `name`: `kind` is bool (a flag), str, int, float or Path;
    `multiple` makes it repeatable (a tuple); a `default` of REQUIRED makes it required; `option` comes from
    `flag`."""
    decls = [*option["names"], name]
    if kind is bool:
        return Flag(decls, is_flag=True, default=bool(default), help=option["help"], panel=option["panel"])
    given = {"required": True} if default is REQUIRED else {"default": default}
    return Flag(decls, type=_TYPES[kind], multiple=multiple, help=option["help"], metavar=option["metavar"],
                panel=option["panel"], show_default=option["show_default"], **given)


def flag(*names: str, help: str, panel: str | None = None, metavar: str | None = None,  # noqa: A002
         show_default: bool = False) -> dict[str, Any]:
    """What `param` makes an option of: its flags, help, heading, and a metavar that says what to give (flags
    show none)."""
    return {"names": list(names), "help": help, "panel": panel, "metavar": metavar or None,
            "show_default": show_default}


def command(name: str, callback: Callable[..., Any], params: list[click.Parameter], doc: str,
            short_help: str | None = None) -> Command:
    """A command of the app."""
    return Command(name, callback=callback, params=params, help=doc, short_help=short_help)


def _env(platform: Platform | None, key: str) -> str:
    section = platform.settings_section if platform else None
    return f"BULKOPS_{key}" if section is None else f"BULKOPS_{section.upper()}_{key}"


def connection_params(platforms: list[Platform]) -> list[click.Parameter]:
    """--base-url, credentials, --api-version, --config, --rate, --concurrency for the given platforms."""
    first = platforms[0] if len(platforms) == 1 else None
    host = first.default_base_url if first else "the platform's API"
    params = [param("base_url", str, None, flag(
        "--base-url", panel=CONN, metavar="URL",
        help=f"API host (${_env(first, 'BASE_URL')}). With credentials and no URL: {host}; with nothing"
             " configured: the embedded sandbox. Plain http only to loopback."))]
    if any(p.credentials == "oauth" for p in platforms):
        params += [
            param("client_id", str, None, flag("--client-id", panel=CONN, metavar="ID",
                                                      help="OAuth2 client id ($BULKOPS_CLIENT_ID).")),
            param("client_secret", str, None, flag(
                "--client-secret", panel=CONN, metavar="SECRET",
                help="OAuth2 client secret ($BULKOPS_CLIENT_SECRET; never printed, logged or written anywhere).")),
        ]
    if any(p.credentials == "api-key" for p in platforms):
        keyed = next(p for p in platforms if p.credentials == "api-key")
        params.append(param("api_key", str, None, flag(
            "--api-key", panel=CONN, metavar="KEY",
            help=f"{keyed.title} API key (${_env(keyed, 'API_KEY')}; never printed, logged or written anywhere).")))
    versioned = [p for p in platforms if p.api_versions]
    if versioned:
        text = "; ".join(f"{p.title}: {', '.join(p.api_versions)} [default: {p.default_api_version}]"
                         for p in versioned)
        params.append(param("api_version", str, None, flag("--api-version", panel=CONN, metavar="VERSION",
                                                                  help=f"API version. {text}")))
    params += [
        param("config", Path, None, flag(
            "--config", panel=CONN, metavar="FILE",
            help="TOML settings file ($BULKOPS_CONFIG; else ./bulkops.toml, ~/.config/bulkops/config.toml).")),
        param("rate", float, None, flag("--rate", panel=CONN, metavar="PER_MIN",
                                        help=f"Calls per minute. [default: {_rate_default(first)}]")),
        param("concurrency", int, None, flag("--concurrency", panel=CONN, metavar="N",
                                                    help="Requests in flight at most, 1 to 256. [default: 8]")),
    ]
    return params


def _rate_default(platform: Platform | None) -> str:
    """What paces a run when --rate is not given: an API that never announces its quota is paced at an assumed
    one (Trackier: 60/min) from the first call; the others by what their answers say."""
    learned = "learned from the API's rate headers, or its published quota"
    if platform is None:
        return learned
    spec = platform.dialect.rate
    if spec.paced_by_default and spec.default_per_window:
        return f"{spec.default_per_window * 60 / spec.window_s:g}/min ({platform.title} publishes no quota)"
    return learned


def run_params(snapshot_optional: bool) -> list[click.Parameter]:
    """--run-dir, --dry-run, --no-snapshot, --overwrite-changed, --sheet, --header-row, --skip-hidden,
    --report-format."""
    params = [
        param("run_dir", Path, None, flag(
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
        param("sheet", str, None, flag(
            "--sheet", panel=RUN, metavar="NAME",
            help="XLSX sheet name, matched loosely. [default: the one sheet whose header has the verb's columns]")),
        param("header_row", int, None, flag(
            "--header-row", panel=RUN, metavar="N",
            help="XLSX: the header's row as Excel numbers it. [default: found among the first 20 rows]")),
        param("skip_hidden", bool, False, flag(
            "--skip-hidden", panel=RUN, metavar="",
            help="XLSX: leave hidden or filtered-out rows out (skipped). By default they are applied, and counted.")),
        param("report_format", str, None, flag(
            "--report-format", panel=OUT, metavar="FORMAT",
            help="csv, parquet or xlsx. [default: the input's format; XLSX input gives CSV]")),
    ]
    return params


def output_params() -> list[click.Parameter]:
    """--quiet, --json."""
    return [param("quiet", bool, False, flag("--quiet", "-q", panel=OUT, metavar="",
                                             help="Print nothing but errors (and the sandbox notice).")),
            param("as_json", bool, False, flag("--json", panel=OUT, metavar="",
                                               help="Print the summary as JSON on stdout."))]


def own_params(options: tuple[Option, ...], panel: str) -> list[click.Parameter]:
    """A job's or an export's own options as flags."""
    params = []
    for o in options:
        if o.kind is bool:
            params.append(param(o.name, bool, bool(o.default), flag(o.cli_flag, panel=panel, metavar="",
                                                                     help=o.help)))
        elif o.multiple:
            params.append(param(o.name, o.kind, None, flag(o.cli_flag, panel=panel, metavar=o.name.upper(),
                                                           help=o.help), multiple=True))
        else:
            text = o.help + ("" if o.default is None else f" [default: {o.default}]")
            params.append(param(o.name, o.kind, o.default, flag(o.cli_flag, panel=panel, metavar=o.name.upper(),
                                                                help=text)))
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
