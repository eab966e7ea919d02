"""The job verbs: export, bids, line-items, pause, unpause, remove."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from bulkops.api import default_run_dir
from bulkops.cli import options as opt
from bulkops.cli.console import Output
from bulkops.cli.embedded import connection_for
from bulkops.engine.client import ApiClient
from bulkops.errors import EXIT_INTERRUPTED, EXIT_OK
from bulkops.platforms.retail_media.export import ExportFilter, ExportResult, export
from bulkops.platforms.retail_media.jobs import make_job
from bulkops.runner.job import RunOptions, RunResult, run_write_job

InputFile = Annotated[Path, typer.Argument(help="CSV (any delimiter/encoding), Parquet or XLSX file.",
                                           show_default=False)]
Accounts = Annotated[list[str] | None, typer.Option(
    "--account", help="Rows may name productId alone: act on the SKU wherever these accounts promote it.")]

EXIT_HELP = ("Exit codes: 0 every row succeeded or was skipped, 1 some rows failed (see the errors file),"
             " 2 bad usage or unreadable input (nothing sent), 130 interrupted (finish with `bulkops resume`).")


def _flags(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def run_job(verb: str, file: Path, conn: dict[str, Any], run: dict[str, Any], out: Output,  # noqa: PLR0913
            accounts: list[str] | None = None) -> None:
    """Run a write verb and exit with its code (the shared body of every write verb)."""
    run_dir = run["run_dir"] or default_run_dir(verb)
    config = conn.pop("config")

    async def go() -> RunResult:
        async with connection_for(conn, config, out) as (connection, facts):
            options = RunOptions(run_dir, dry_run=run["dry_run"], snapshot=not run["no_snapshot"],
                                 sheet=run["sheet"], report_format=run["report_format"], listener=out.progress,
                                 meta=facts)
            out.say(f"{verb}: checking every row of {file}, then reading current values ...")
            return await run_write_job(make_job(verb, {"accounts": accounts or []}), file, connection, options)

    result = _interruptible(go, out, f"interrupted; reports so far are in {run_dir};"
                                     f" finish with `bulkops resume {run_dir}`")
    show_result(verb, result, out)
    raise typer.Exit(result.exit_code)


def _interruptible(go: Callable[[], Awaitable[Any]], out: Output, message: str) -> Any:
    try:
        return asyncio.run(go())  # type: ignore[arg-type]
    except KeyboardInterrupt:
        out.error(message)
        raise typer.Exit(EXIT_INTERRUPTED) from None


def show_result(verb: str, result: RunResult, out: Output, *, label: str | None = None) -> None:
    """The end of a run on screen: counts, figures, where the reports are, what to do next."""
    s = result.summary
    counts = ", ".join(f"{n} {k}" for k, n in result.outcomes.items() if n or k != "unknown")
    lines = [f"{label or verb}: {result.rows} rows → {counts}",
             f"  {s['requests']} requests, {s['retries']} retries, {s['rate_limited']}×429,"
             f" {s['wall_time_s']:.1f}s ({s['achieved_rate_per_min']:.0f}/min)"]
    if s.get("dry_run"):
        lines.append(f"  dry run: {s['planned_requests']} requests planned, about {s['estimated_send_s']:.0f}s"
                     f" at {s.get('quota_per_min') or 250:.0f} requests/min; nothing was sent")
        lines += _planned_lines(result)
    for name, path in result.files.as_dict().items():
        hint = {"errors": f"  ← fix these rows, then `bulkops {verb} {path}`",
                "undo": f"  ← `bulkops {verb} {path}` restores the previous values"}.get(name, "")
        lines.append(f"  {name}: {path}{hint}")
    out.summary(result.summary, "\n".join(lines))


def _planned_lines(result: RunResult, limit: int = 15) -> list[str]:
    path = result.files.extra.get("requests")
    if path is None or not path.exists():
        return []
    from bulkops.io.readers import open_table  # noqa: PLC0415

    rows = [r for batch in open_table(path).iter_batches() for r in batch.to_dict("records")]
    shown = [f"    line item {r['lineItemId']}: {r['action']} {r['operations']} product(s) in {r['requests']}"
             " request(s)" for r in rows[:limit]]
    if len(rows) > limit:
        shown.append(f"    … and {len(rows) - limit} more line items (all in {path})")
    return ["  planned requests per line item:", *shown]


def _write_verb(verb: str, doc: str, with_accounts: bool = False) -> Callable[..., None]:
    def command(  # noqa: PLR0913 - the shared options
        file: InputFile,
        base_url: opt.BaseUrl = None, client_id: opt.ClientId = None, client_secret: opt.ClientSecret = None,
        api_version: opt.ApiVersion = None, config: opt.ConfigFile = None, rate: opt.Rate = None,
        concurrency: opt.Concurrency = None, run_dir: opt.RunDir = None, dry_run: opt.DryRun = False,
        no_snapshot: opt.NoSnapshot = False, sheet: opt.Sheet = None, report_format: opt.ReportFormat = None,
        quiet: opt.Quiet = False, as_json: opt.Json = False, account: Accounts = None,
    ) -> None:
        conn = {**_flags(base_url=base_url, client_id=client_id, client_secret=client_secret,
                         api_version=api_version, rate=rate, concurrency=concurrency), "config": config}
        run = {"run_dir": run_dir, "dry_run": dry_run, "no_snapshot": no_snapshot, "sheet": sheet,
               "report_format": report_format}
        if account and not with_accounts:
            raise typer.BadParameter(f"--account is for pause, unpause and remove, not {verb}")
        run_job(verb, file, conn, run, Output(quiet=quiet, as_json=as_json), account)

    command.__doc__ = "\n\n".join(" ".join(p.split()) for p in (doc + "\n\n" + EXIT_HELP).split("\n\n"))
    command.__name__ = verb.replace("-", "_")
    return command


BIDS_DOC = """Set bidOverride on promoted products, from rows of lineItemId, productId, bidOverride.

Column names are matched loosely (sku, product id, bid, cpc, line item id ... work). A blank bidOverride
leaves the product as it is; `none` clears the override (the line item's bid applies). An optional `action`
column (set-bid, pause, unpause, remove) overrides the action row by row, as in undo files.

Every row is checked first (ids, numbers, duplicates); then current values are read, so rows already at their
target are skipped, bids under the SKU's min bid, bids on preferred line items and line items that would hold
more than 500 products fail before sending. Reports go to the run directory: results, errors (fix and feed
back), undo (feed back to restore), summary.json."""

STATUS_DOC = """{what} the promoted products of the file: rows of lineItemId and productId.

With --account, rows may give productId alone: the SKU is {done} on every line item of those accounts that
promotes it. Rows already {state} are skipped. Reports as for `bids`, with an undo file."""

LINE_ITEMS_DOC = """Change line items from rows of lineItemId and the values to set.

Columns: name, status (active/paused), targetBid, maxBid, budget, startDate, endDate. A blank cell leaves the value as it is; `none` clears targetBid, maxBid, budget or
endDate. Each line item is read, merged with the row and written back whole (the API's PUT replaces every
field), so each changed line item costs three requests. Reports as for `bids`, with an undo file."""


def export_command(  # noqa: PLR0913 - the shared options
    account: Annotated[list[str], typer.Option("--account", help="Account id (repeat for several).")],
    out_file: Annotated[Path, typer.Option("--out", help="Output file: .csv or .parquet.")],
    campaign: Annotated[list[str] | None, typer.Option("--campaign", help="Only these campaign ids.")] = None,
    status: Annotated[list[str] | None, typer.Option(
        "--status", help="Only line items with this status (active, paused, scheduled, ended, ...).")] = None,
    product_status: Annotated[list[str] | None, typer.Option(
        "--product-status", help="Only products with this status (active, paused).")] = None,
    no_products: Annotated[bool, typer.Option("--no-products", help="Campaigns and line items only.")] = False,
    base_url: opt.BaseUrl = None, client_id: opt.ClientId = None, client_secret: opt.ClientSecret = None,
    api_version: opt.ApiVersion = None, config: opt.ConfigFile = None, rate: opt.Rate = None,
    concurrency: opt.Concurrency = None, quiet: opt.Quiet = False, as_json: opt.Json = False,
) -> None:
    """Export campaigns, line items and promoted products of accounts to one CSV or Parquet file.

    One row per entity (column `entity`: campaign, lineItem, product) under stable columns: entity, accountId,
    campaignId, lineItemId, productId, name, type, status, retailerId, startDate, endDate, budget, budgetSpent,
    targetBid, maxBid, bidOverride. Streamed with flat memory. Edit it and feed it back to `bids`, `pause`,
    `unpause`, `remove` (product rows) or `line-items` (line item rows).
    """
    out = Output(quiet=quiet, as_json=as_json)
    if out_file.suffix.lower() not in (".csv", ".parquet"):
        raise typer.BadParameter(f"--out {out_file}: use a .csv or .parquet file name")
    flags = _flags(base_url=base_url, client_id=client_id, client_secret=client_secret, api_version=api_version,
                   rate=rate, concurrency=concurrency)
    filters = ExportFilter(tuple(campaign or ()), tuple(status or ()), tuple(product_status or ()),
                           products=not no_products)

    async def go() -> ExportResult:
        async with connection_for(flags, config, out) as (connection, _), ApiClient(connection) as api:
            return await export(api, account, out_file, filters, out.progress)

    result = _interruptible(go, out, "interrupted; the export was not written")
    rows = result.rows
    out.summary(result.as_dict(), f"export: {rows['campaign']} campaigns, {rows['lineItem']} line items,"
                                  f" {rows['product']} products → {result.path} ({result.requests} requests,"
                                  f" {result.wall_time_s:.1f}s)")
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer) -> None:
    """Add the job verbs to the app."""
    app.command("export")(export_command)
    app.command("bids")(_write_verb("bids", BIDS_DOC))
    app.command("line-items")(_write_verb("line-items", LINE_ITEMS_DOC))
    app.command("pause")(_write_verb("pause", STATUS_DOC.format(what="Pause", done="paused", state="paused"), True))
    app.command("unpause")(_write_verb("unpause", STATUS_DOC.format(what="Unpause", done="unpaused",
                                                                    state="active"), True))
    app.command("remove")(_write_verb("remove", STATUS_DOC.format(what="Remove", done="removed",
                                                                  state="gone").replace(
        "Rows already gone are skipped", "Rows whose product is already gone are skipped; a line item keeps at"
        " least one product"), True))
