"""`bulkops sandbox serve`: run the local Criteo Retail Media API sandbox until Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Annotated

import typer

from bulkops.sandbox import Sandbox, SandboxSettings
from bulkops.sandbox.settings import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, VERSIONS

app = typer.Typer(help="A local server that behaves like the Criteo Retail Media API.", no_args_is_help=True)
_DATA = "Data"
_FAULTS = "Faults and limits"


@app.command()
def serve(  # noqa: PLR0913 - one flag per knob, as documented in the README
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind; 0 picks a free one.")] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the generated data and of the fault schedule.",
                                      rich_help_panel=_DATA)] = 1,
    db: Annotated[str, typer.Option(help="SQLite file to keep state in (reused if it exists).",
                                    rich_help_panel=_DATA)] = ":memory:",
    client_id: Annotated[str, typer.Option(help="Client id the token endpoint accepts.")] = DEFAULT_CLIENT_ID,
    client_secret: Annotated[str, typer.Option(help="Client secret the token endpoint accepts.")] = DEFAULT_CLIENT_SECRET,
    accounts: Annotated[int, typer.Option(help="Accounts the client may see.", rich_help_panel=_DATA)] = 2,
    line_items: Annotated[int, typer.Option(help="Line items per account.", rich_help_panel=_DATA)] = 200,
    max_products: Annotated[int, typer.Option(help="Promoted products per line item, drawn 0..N (≤ 500).",
                                              rich_help_panel=_DATA)] = 500,
    quota: Annotated[int, typer.Option(help="Calls per minute per client; 0 = off.", rich_help_panel=_FAULTS)] = 250,
    token_ttl: Annotated[int, typer.Option(help="Token lifetime in seconds.", rich_help_panel=_FAULTS)] = 900,
    latency_ms: Annotated[float, typer.Option(help="Mean added latency (exponential).", rich_help_panel=_FAULTS)] = 0,
    error_rate: Annotated[float, typer.Option(help="Share of calls answered 500/503.", rich_help_panel=_FAULTS)] = 0,
    reset_rate: Annotated[float, typer.Option(help="Share of calls whose connection is dropped.",
                                              rich_help_panel=_FAULTS)] = 0,
    hang_rate: Annotated[float, typer.Option(help="Share of calls never answered (until the client gives up).",
                                             rich_help_panel=_FAULTS)] = 0,
) -> None:
    """Serve the sandbox; print its base URL and credentials; stop cleanly on Ctrl-C."""
    if not 0 <= max_products <= 500:
        raise typer.BadParameter("must be between 0 and 500", param_hint="--max-products")
    for name, rate in (("--error-rate", error_rate), ("--reset-rate", reset_rate), ("--hang-rate", hang_rate)):
        if not 0 <= rate <= 1:
            raise typer.BadParameter("must be between 0 and 1", param_hint=name)
    settings = SandboxSettings(host=host, port=port, seed=seed, db=db, client_id=client_id,
                               client_secret=client_secret, accounts=accounts, line_items=line_items,
                               max_products=max_products, quota=quota, token_ttl=token_ttl, latency_ms=latency_ms,
                               error_rate=error_rate, reset_rate=reset_rate, hang_rate=hang_rate)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(settings))


async def _serve(settings: SandboxSettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with Sandbox(settings) as sb:
        count = sb.state.store.scalar("SELECT COUNT(*) FROM products") if sb.state else 0
        typer.echo(f"bulkops sandbox listening on {sb.base_url}  (Ctrl-C to stop)")
        typer.echo(f"  API:           {sb.base_url}/{{{'|'.join(VERSIONS)}}}/retail-media/...")
        typer.echo(f"  token:         POST {sb.base_url}/oauth2/token")
        typer.echo(f"  client id:     {sb.client_id}")
        typer.echo(f"  client secret: {sb.client_secret}")
        typer.echo(f"  accounts:      {', '.join(sb.control.account_ids())}  ({count} promoted products,"
                   f" built in {sb.started_in_s:.1f}s)")
        typer.echo(f"  control:       {sb.base_url}/__sandbox__/stats (and /faults, /quota, /clock ...)", )
        await stop.wait()
    typer.echo("sandbox stopped")
