"""The Python API's core: run any platform's write job, export, resume. The CLI's verbs are thin calls of these.

::

    import asyncio, bulkops

    async def main():
        conn = bulkops.connect("https://api.criteo.com", "my-client-id", "my-secret")
        result = await bulkops.run("bids", "bids.csv", connection=conn)
        print(result.outcomes, result.files.as_dict())
    asyncio.run(main())

Every function checks the whole input before sending anything, journals the plan, and writes the same reports
as the CLI. `connection=None` takes the settings from the environment (``BULKOPS_*``) or the config file; with
nothing configured at all it runs against the embedded sandbox and says so on stderr, as the CLI does. Input
problems raise `InputError`, bad settings `UsageError`; row problems never raise, they are in the result and
the reports. Called from Python (any `connection` but the CLI's `ConnectionFlags`), messages name Python's
terms (``base_url``, ``retarget=True``), not the CLI's flags (`target.in_python_terms`). `listener` hears every
`Progress`; left out, a notebook shows bars and a script stays quiet (`bulkops.notebook`). The platforms' own
functions (`bulkops.apply_bids` ...) call these; `bulkops.sync` has them without ``await``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import anyio

from bulkops import fit, notebook, registry, target
from bulkops.config import ConnectionFlags, check_base_url
from bulkops.engine.client import ApiClient, Tuning
from bulkops.errors import (
    ApiError,
    PreflightError,
    RateLimited,
    RequestError,
    ServerError,
    TransportError,
    Unauthorized,
    UsageError,
)
from bulkops.io.writers import FORMATS
from bulkops.platform import Platform, ids_given
from bulkops.runner import export as exporting
from bulkops.runner.events import ProgressListener
from bulkops.runner.export import ExportResult
from bulkops.runner.journal import is_run_dir
from bulkops.runner.pipeline import finished, refuse_a_dry_run, reopen, resume_job, run_write_job
from bulkops.runner.protocol import RunOptions, RunResult
from bulkops.types import ApiKey, ClientCredentials, Connection, Secret

ConnectionLike = Connection | ConnectionFlags | None


@dataclass(frozen=True, slots=True)
class RunSettings:
    """How to run a write job (every field optional)."""

    run_dir: str | Path | None = None  # default: runs/<verb>-<timestamp>
    dry_run: bool = False
    snapshot: bool = True
    sheet: str | None = None  # XLSX: the sheet to read (default: the one whose header names the job's columns)
    report_format: str | None = None  # csv | parquet | xlsx; default: the input's
    overwrite_changed: bool = False  # rows of an old export whose live value moved since: write them anyway
    tuning: Tuning | None = None  # timeouts and retries (default: the engine's; tests shorten them)
    header_row: int | None = None  # XLSX: the header's row as Excel numbers it (default: found in the top 20 rows)
    skip_hidden: bool = False  # XLSX: leave hidden or filtered-out rows out (skipped); by default they are applied


def connect(base_url: str | None, client_id: str | None = None, client_secret: str | None = None, *,  # noqa: PLR0913
            api_key: str | None = None, platform: str | None = None, api_version: str | None = None,
            rate: float | None = None, concurrency: int = 8) -> Connection:
    """A checked Connection to one platform's API (plain http only to loopback); secrets never print.

    `platform` is a registry name ("mpo", "trackier" ...); the default is the first platform (Retail Media).
    `base_url` None is the platform's real API (https://api.criteo.com ...), as credentials with no URL are on
    the command line.
    """
    spec = registry.platform(platform) if platform else registry.default()
    if base_url is None:
        base_url = spec.default_base_url
    if not isinstance(base_url, str):
        raise UsageError(f"base_url must be a URL, not {type(base_url).__name__}")
    try:
        check_base_url(base_url.rstrip("/"))
    except UsageError as exc:
        target.reword(exc)  # said for the command line's --base-url; here it is `base_url`
        raise
    if spec.credentials == "oauth":
        if not client_id or not client_secret:
            raise UsageError(f"{spec.title} needs client_id and client_secret")
        credentials: ClientCredentials | ApiKey = ClientCredentials(client_id, Secret(client_secret))
    else:
        if not api_key:
            raise UsageError(f"{spec.title} needs api_key")
        credentials = ApiKey(Secret(api_key))
    version = api_version or spec.default_api_version
    if spec.api_versions and version not in spec.api_versions:
        raise UsageError(f"api_version {version!r} is not one of {', '.join(spec.api_versions)}")
    return Connection(spec.name, base_url.rstrip("/"), credentials, version, **target.python_pace(rate, concurrency))


def default_run_dir(verb: str) -> Path:
    """runs/<verb>-<timestamp>, unique within the second, and made here (an empty directory, taken atomically): two
    runs started in the same second, by two processes, never get the same one."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for n in range(1, 10_000):
        path = Path("runs") / (f"{verb}-{stamp}" if n == 1 else f"{verb}-{stamp}-{n}")
        try:
            path.mkdir(parents=True)
        except FileExistsError:
            continue
        except OSError as exc:
            raise UsageError(f"{path.parent} cannot be made here ({exc.strerror or exc}): give --run-dir") from None
        return path
    raise UsageError(f"runs/ holds 10,000 runs of {verb} made at {stamp}: give --run-dir")


@target.in_python_terms
async def run(verb: str, path: str | Path, *, connection: ConnectionLike = None,  # noqa: PLR0913
              job_options: Mapping[str, Any] | None = None, options: RunSettings = RunSettings(),
              listener: ProgressListener | None = None, notice: target.Notice = target.stderr_notice) -> RunResult:
    """Run the write job of `verb` (any platform's) on the rows of `path`.

    `listener` is called with each `bulkops.runner.events.Progress`; None: bars in a notebook, else nothing.
    """
    platform, spec = registry.job(verb)
    job = spec.make(dict(job_options or {}))
    if not spec.snapshot_optional and not options.snapshot:
        raise UsageError(f"{verb} always reads the current values first; it has no --no-snapshot")
    _check_format(options.report_format)
    why_not = spec.refuse(dict(job_options or {}), options.snapshot) if spec.refuse else None
    if why_not:
        raise UsageError(why_not)
    fit.check(job, Path(path), options.sheet, options.header_row)
    run_dir = Path(options.run_dir) if options.run_dir else default_run_dir(verb)
    try:
        async with target.connected(platform, _for(platform, connection), notice=notice) as (conn, facts):
            run_options = RunOptions(run_dir, dry_run=options.dry_run, snapshot=options.snapshot,
                                     overwrite_changed=options.overwrite_changed, sheet=options.sheet,
                                     header_row=options.header_row, skip_hidden=options.skip_hidden,
                                     report_format=options.report_format, listener=notebook.chosen(listener),
                                     notice=notice, meta=facts)
            return await run_write_job(job, Path(path), conn, run_options,
                                       client_factory(platform, options.tuning), preflight(platform))
    except BaseException:
        if not options.run_dir:
            drop_if_empty(run_dir)
        raise


def drop_if_empty(run_dir: Path) -> None:
    """A run directory this run made and left empty (refused before its journal: a wrong secret, a bad file): gone,
    so that runs/ holds runs only. One with anything in it stays."""
    with suppress(OSError):
        run_dir.rmdir()


@target.in_python_terms
async def export(platform: str, out: str | Path, options: Mapping[str, Any], *,  # noqa: PLR0913
                 connection: ConnectionLike = None, listener: ProgressListener | None = None,
                 notice: target.Notice = target.stderr_notice) -> ExportResult:
    """A platform's inventory → `out` (.csv, .parquet or .xlsx), streamed; `options` are its export's options."""
    spec = registry.platform(platform)
    if spec.export is None:
        raise UsageError(f"{spec.title} has no export")
    missing = [name for name in spec.export.required if not ids_given(options.get(name))]  # "," is none
    if missing:
        raise UsageError(f"export of {spec.title} needs {', '.join('--' + m.replace('_', '-') for m in missing)}")
    _check_format(Path(out).suffix.lstrip(".") or "?", what="--out")
    if is_run_dir(Path(out).parent):
        raise UsageError(f"--out {out}: {Path(out).parent} holds a run, whose files are its record (its undo file"
                         " among them); write the export elsewhere")
    async with target.connected(spec, _for(spec, connection), notice=notice) as (conn, _), \
            client_factory(spec)(conn) as api:
        await preflight(spec)(api)
        return await exporting.export(api, spec.export.rows, spec.export.table, Path(out), options,
                                      notebook.chosen(listener), notice=notice)


@target.in_python_terms
async def resume(run_dir: str | Path, *, connection: ConnectionLike = None,  # noqa: PLR0913
                 listener: ProgressListener | None = None, notice: target.Notice = target.stderr_notice,
                 retarget: bool = False, tuning: Tuning | None = None) -> RunResult:
    """Finish an interrupted run: read back what may have been applied, send what is left, rewrite its reports.
    A run already finished (its reports whole) is left as it is: its result, as its summary.json says.

    The run's own target is used: its base URL, client id and API version (or its embedded sandbox); the secret
    comes from `connection` or the settings, never from the run directory. Another target is refused unless
    `retarget=True` says so on purpose.
    """
    if isinstance(connection, Connection | ConnectionFlags) and connection.base_url:
        check_base_url(connection.base_url)  # a password in it is refused before the URL is quoted anywhere
    # A finished run sends nothing, but another target named on purpose is refused all the same: whoever asks
    # for it believes the rest goes there.
    done = finished(Path(run_dir), check=None if retarget else lambda meta: _same_target(meta, connection))
    if done is not None:  # nothing to send: no connection, and the reports stand as written
        return done
    journal = reopen(Path(run_dir))
    try:
        meta = journal.meta()
        refuse_a_dry_run(journal.run_dir, meta)
        platform, spec = registry.job(meta["job"])
        job = spec.make(meta.get("job_options") or {})
        if not retarget:
            _same_target(meta, connection)
        given = connection if isinstance(connection, Connection) else _recorded(meta, connection)
        sandbox = meta.get("embedded_sandbox") if not isinstance(given, Connection) else None
        async with target.connected(platform, given, notice=notice, sandbox_db_path=sandbox) as (conn, _):
            pre = preflight(platform)
            return await resume_job(job, journal, conn, _preflighted(client_factory(platform, tuning), pre),
                                    notebook.chosen(listener), notice)
    finally:
        journal.close()


def _same_target(meta: Mapping[str, Any], connection: ConnectionLike) -> None:
    """Resume goes where the run went, as whom it went, in its API version; another explicit base URL, client id
    or API version is refused (exit 2)."""
    if not isinstance(connection, Connection | ConnectionFlags):
        return
    asked = connection.base_url
    if asked:
        recorded = "embedded sandbox" if meta.get("embedded_sandbox") else str(meta.get("base_url"))
        if meta.get("embedded_sandbox") or asked.rstrip("/") != str(meta.get("base_url")).rstrip("/"):
            raise UsageError(f"this run went to {recorded}; {asked} is another target. Resume sends the rest where"
                             " the run began: leave out --base-url, or pass --retarget to send it there on purpose")
    for name, flag in (("client_id", "--client-id"), ("api_version", "--api-version")):
        given, began = getattr(connection, name, None), meta.get(name)
        if given and began and str(given) != str(began):
            raise UsageError(f"this run was sent as {name.replace('_', ' ')} {began!r}; {given!r} is another."
                             f" Resume finishes it as it began: leave out {flag}, or pass --retarget to finish it"
                             " this way on purpose")


def preflight(platform: Platform) -> Any:
    """One cheap call before anything is read or sent: host reachable, login accepted, API version known.

    Any failure is one plain message (exit 2) within seconds, instead of every row failing the same way.
    """
    async def check(api: ApiClient) -> None:
        if platform.probe is None:
            return
        where = api.connection.where
        try:
            await _probe_past_429(platform, api)
        except RateLimited as exc:
            raise PreflightError(f"{platform.title} at {where} kept answering 429 (over its quota) for"
                                 f" {PREFLIGHT_TRIES} tries: another job may be using this account's quota;"
                                 " try again later") from exc
        except ServerError as exc:
            raise PreflightError(f"{platform.title} at {where} kept failing with a server error for"
                                 f" {PREFLIGHT_TRIES} tries (HTTP {exc.status} to {exc.path}: {exc}); nothing was"
                                 " read or sent: try again later") from None
        except TransportError as exc:
            raise PreflightError(f"cannot reach {platform.title} at {where}: {exc}") from None
        except Unauthorized as exc:
            raise PreflightError(f"{platform.title} at {where} refused the credentials ({exc}): check them"
                                 f" ({'client id and secret' if platform.credentials == 'oauth' else 'API key'})"
                                 ) from None
        except ApiError as exc:
            hint = (f": is the API version {api.connection.api_version!r} one it serves, and the base URL the"
                    " API's host?") if exc.status == 404 else ""
            raise PreflightError(f"{platform.title} at {where} answered HTTP {exc.status} to {exc.path}"
                                 f" ({exc}){hint}") from None
        except RequestError as exc:
            raise PreflightError(f"{platform.title} at {where}: {exc}") from None

    return check


PREFLIGHT_TRIES = 5  # a 429 or a server error proves the host is there: wait and ask again, a few times
PREFLIGHT_PAUSE_S = 1.0  # after a server error (the probe's own two attempts spent)


async def _probe_past_429(platform: Platform, api: ApiClient) -> None:
    """The platform's probe; an API over its quota is waited for (Retry-After), and one failing now and then
    (a 5xx) is asked again, not taken for a broken one: the probe's own retries are few (a host that never
    answers is said within seconds), a server error is what any long run meets a few times."""
    assert platform.probe is not None
    for tries in range(1, PREFLIGHT_TRIES + 1):
        try:
            await platform.probe(api)
            return
        except (RateLimited, ServerError) as exc:
            if tries == PREFLIGHT_TRIES or api.unreachable is not None:
                raise
            await anyio.sleep(exc.retry_after_s if isinstance(exc, RateLimited) else PREFLIGHT_PAUSE_S)


def _preflighted(factory: Any, check: Any) -> Any:
    """A client factory whose clients run the preflight as they open."""
    @asynccontextmanager
    async def opened(conn: Connection) -> AsyncIterator[ApiClient]:
        async with factory(conn) as api:
            await check(api)
            yield api
    return opened


def _check_format(fmt: str | None, *, what: str = "--report-format") -> None:
    if fmt is not None and fmt.lower().lstrip(".") not in set(FORMATS.values()):
        raise UsageError(f"{what} {fmt!r}: use csv, parquet or xlsx")


def client_factory(platform: Platform, tuning: Tuning | None = None) -> Any:
    """How the runner opens an ApiClient for this platform (`tuning`: timeouts and retries, default the engine's)."""
    t = tuning or Tuning()
    return partial(ApiClient, dialect=platform.dialect, timeouts=t.timeouts, retry=t.retry,
                   quota_window_s=t.quota_window_s)


def _for(platform: Platform, connection: ConnectionLike) -> ConnectionLike:
    """A connection made for another platform of the same host and credentials (Criteo's two APIs) serves this
    one too; one with the wrong kind of credentials is refused."""
    if isinstance(connection, Connection) and connection.platform != platform.name:
        kind = "oauth" if isinstance(connection.credentials, ClientCredentials) else "api-key"
        if kind != platform.credentials:
            raise UsageError(f"this connection is for {connection.platform}; make one for {platform.title} with"
                             f" bulkops.connect(..., platform={platform.name!r})")
        return Connection(platform.name, connection.base_url, connection.credentials,
                          connection.api_version if connection.api_version in platform.api_versions
                          else platform.default_api_version, connection.rate, connection.concurrency,
                          connection.target)
    return connection


def _recorded(meta: Mapping[str, Any], flags: ConnectionFlags | None) -> ConnectionFlags:
    """The run's own target, client, version, pace and concurrency (a run started at --rate 60 to spare a shared
    quota resumes at 60), each unless given again now; the secret is never recorded."""
    flags = flags or ConnectionFlags()
    return ConnectionFlags(base_url=flags.base_url or meta.get("base_url"),
                           client_id=flags.client_id or meta.get("client_id"), client_secret=flags.client_secret,
                           api_key=flags.api_key, api_version=flags.api_version or meta.get("api_version"),
                           rate=flags.rate or meta.get("rate"),
                           concurrency=flags.concurrency or meta.get("concurrency"), config=flags.config)
