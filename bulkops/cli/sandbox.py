"""`bulkops sandbox serve`: run the local sandbox of every registered API until Ctrl-C or SIGTERM.

The shared knobs are declared here; each API's own knobs (`SandboxApi.options`) become flags too, in a help
panel named after the API, so a new API needs no change to this file.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import signal
import sqlite3
from typing import Any

import click

from bulkops.cli import options as opt

_FAULTS = "Faults and limits"
_SHARED = [
    ("host", str, "127.0.0.1", "Address to bind.", None),
    ("port", int, 0, "Port to bind; 0 picks a free one.", None),
    ("seed", int, 1, "Seed of the generated data and of the fault schedule.", None),
    ("db", str, ":memory:", "SQLite file to keep state in (reused if it exists).", None),
    ("client_id", str, "bulkops-sandbox", "Client id the token endpoint accepts.", None),
    ("client_secret", str, "sandbox-secret", "Client secret the token endpoint accepts.", None),
    ("quota", int, 250, "Calls per minute per client (APIs with no quota of their own); 0 = off.", _FAULTS),
    ("token_ttl", int, 900, "Token lifetime in seconds.", _FAULTS),
    ("latency_ms", float, 0.0, "Mean added latency (exponential).", _FAULTS),
    ("error_rate", float, 0.0, "Share of calls answered 500/503.", _FAULTS),
    ("reset_rate", float, 0.0, "Share of calls whose connection is dropped.", _FAULTS),
    ("hang_rate", float, 0.0, "Share of calls never answered (until the client gives up).", _FAULTS),
]


def serve(**knobs: Any) -> None:
    """Serve the sandbox; print its base URL and credentials; stop cleanly on Ctrl-C or SIGTERM."""
    from bulkops.sandbox import SandboxSettings  # noqa: PLC0415 - `bulkops --help` need not build a server

    for name in ("error_rate", "reset_rate", "hang_rate"):
        if not 0 <= knobs[name] <= 1:
            raise click.BadParameter("must be between 0 and 1", param_hint="--" + name.replace("_", "-"))
    if not 0 <= knobs.get("max_products", 0) <= 500:
        raise click.BadParameter("must be between 0 and 500", param_hint="--max-products")
    if not 0 <= knobs["port"] <= 65535:
        raise click.BadParameter("must be between 0 and 65535", param_hint="--port")
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(SandboxSettings.of(**knobs)))
    except OSError as exc:
        where = f"listen on {knobs['host']}:{knobs['port']}" if exc.errno in _ADDRESS_ERRORS else "start"
        raise opt.Refusal(f"cannot {where}: {exc.strerror or exc}") from None
    except sqlite3.Error as exc:  # --db: a folder that does not exist, a file that is not a database ...
        raise opt.Refusal(f"cannot use --db {knobs['db']}: {exc}") from None


_ADDRESS_ERRORS = (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES)  # the port is taken, not this host's ...


def _params() -> list[click.Parameter]:
    from bulkops.sandbox.registry import apis  # noqa: PLC0415

    params = [_param(name, kind, default, text, panel) for name, kind, default, text, panel in _SHARED]
    for api in apis():
        params += [_param(o.name, o.kind, o.default if o.serve_default is None else o.serve_default, o.help, api.title)
                   for o in api.options]
    return params


def _param(name: str, kind: type, default: Any, text: str, panel: str | None) -> click.Parameter:
    shown = default not in ("", None)  # an empty default says nothing
    return opt.param(name, kind, default, opt.flag("--" + name.replace("_", "-"), help=text, panel=panel,
                                                   metavar=f"<{kind.__name__}>", show_default=shown))


def group() -> click.Group:
    """`bulkops sandbox` with its `serve` command."""
    app = opt.Group("sandbox", help=opt.SANDBOX_HELP, no_args_is_help=True)
    app.add_command(opt.command("serve", serve, _params(), serve.__doc__ or ""))
    return app


async def _serve(settings: Any) -> None:
    from bulkops.sandbox import Sandbox  # noqa: PLC0415

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with Sandbox(settings) as sb:
        click.echo(f"bulkops sandbox listening on {sb.base_url}  (built in {sb.started_in_s:.1f}s; Ctrl-C to stop)")
        click.echo(f"  client id: {sb.client_id}")
        click.echo(f"  client secret: {sb.client_secret}")
        click.echo(f"  OAuth2 token: POST {sb.base_url}/oauth2/token")
        for api in sb.apis:
            versions = "{" + "|".join(api.versions) + "}" if api.versions else ""
            click.echo(f"  {api.title}: {sb.base_url}{api.prefix.replace('{version}', versions)}...")
            if api.summary is not None and sb.state is not None:
                click.echo(f"    {api.summary(sb.state)}")
        click.echo(f"  control: {sb.base_url}/__sandbox__/stats (and /faults, /quota, /clock ...)")
        await stop.wait()
    click.echo("sandbox stopped")
