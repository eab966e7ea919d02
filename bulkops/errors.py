"""The one exception tree of bulkops, and the exit codes the command line maps it to.

::

    BulkopsError
    ├── UsageError            bad flags, missing credentials, bad config        → exit 2, nothing sent
    │   └── PreflightError    the API cannot be reached or logged into             → exit 2, nothing sent
    ├── InputError(path)      unreadable file, missing columns, bad sheet        → exit 2, nothing sent
    │   └── MisnamedColumn    the verb's own columns, misspelt or twice
    ├── JournalError(run_dir) resume refused: input changed, journal unreadable  → exit 2
    └── RequestError(method, path)          raised in the engine; the pool turns it into Outcomes
        ├── TransportError(sent)  no usable response: connect failed, timeout, dropped (retryable)
        │   └── ApiUnreachable    no answer for too long: stop sending, end resumable → exit 75
        ├── PagingError       a listing that repeats itself or contradicts its totals → exit 1
        └── ApiError(status, code, detail, trace_id, retryable)
            ├── BadRequest(items)   400: per-item reasons → isolate the bad items
            ├── Unauthorized        401 (the token is refreshed once, then the request retried)
            ├── Forbidden           403
            ├── NotFound            404
            ├── RateLimited(retry_after_s)  429 → the whole pool pauses
            └── ServerError         5xx (retryable)

Row problems are records (`RowError`, `RowNote`, `Outcome`), never exceptions. Secrets never reach a
message: headers are never part of one, and credentials are wrapped in `types.Secret`.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0  # every row succeeded or was skipped
EXIT_ROWS_FAILED = 1  # the run finished, some rows failed
EXIT_USAGE = 2  # nothing was sent: bad usage, unreadable input, resume refused
EXIT_IO = 74  # a file or the output could not be written (a full disk, a closed pipe): sysexits' EX_IOERR
EXIT_UNREACHABLE = 75  # the API stopped answering mid-run: the run directory is resumable
EXIT_INTERRUPTED = 130  # Ctrl-C: the run directory is resumable
EXIT_TERMINATED = 143  # SIGTERM (a scheduler's timeout): the run directory is resumable


ECHO_LIMIT = 60  # characters of a user's or a server's value repeated in a message


def echo(value: object, limit: int = ECHO_LIMIT) -> str:
    """A value as a message repeats it: quoted, and cut when long (a 2 MB cell is never echoed whole)."""
    text = repr(str(value))
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…' ({len(str(value))} characters)"


class BulkopsError(Exception):
    """Base of every error bulkops raises on purpose."""

    exit_code = EXIT_USAGE


class UsageError(BulkopsError):
    """Bad flags, missing credentials or a bad config file. Nothing was sent."""


class PreflightError(UsageError):
    """The API is not reachable, refuses the credentials or does not know the API version: said once, in plain
    words, before any row is read or sent."""


class InputError(BulkopsError):
    """An input file that cannot be used at all. Nothing was sent."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class MisnamedColumn(InputError):
    """A header meant for the verb it was given to, wrongly: a column misspelt (did you mean ...?) or two columns
    for one. Said as it is, with no hint of another verb."""


class JournalError(BulkopsError):
    """`resume` refused: the run directory or its input is not what the journal recorded."""

    def __init__(self, run_dir: str, message: str) -> None:
        super().__init__(f"{run_dir}: {message}")
        self.run_dir = run_dir


class RequestError(BulkopsError):
    """A request that did not succeed. Raised inside the engine, turned into Outcomes by the pool."""

    retryable = False
    attempts = 0  # how many times the request was sent, set when retries are over

    def __init__(self, message: str, *, method: str = "", path: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.path = path


class TransportError(RequestError):
    """No usable response: the connection failed, timed out or was dropped.

    `sent` is False when the request surely never reached the server (the connection could not be made):
    only then is it certain that nothing was applied.
    """

    retryable = True

    def __init__(self, message: str, *, sent: bool = True, method: str = "", path: str = "") -> None:
        super().__init__(message, method=method, path=path)
        self.sent = sent


class ApiUnreachable(TransportError):
    """The API stopped answering, or answered only server errors (5xx), for longer than the run tolerates. The run
    stops sending and ends resumable (exit 75); nothing more is tried until `bulkops resume`. `answered`: this
    request's own answer was one of those server errors."""

    retryable = False
    answered = False
    exit_code = EXIT_UNREACHABLE


class PagingError(RequestError):
    """A listing that repeats an item or contradicts its own totals: the API misbehaved, the job stops.

    Exit 1 (the job failed for the API's reason), not 2: the user's command was right.
    """

    exit_code = EXIT_ROWS_FAILED


@dataclass(frozen=True, slots=True)
class ItemError:
    """One item of a batch that the API refused, as the error envelope names it."""

    index: int | None
    entity_id: str | None
    code: str
    message: str


class ApiError(RequestError):
    """The API answered with an error status and (usually) an error envelope. `maybe_applied`: a server error
    to a request that is not safe to repeat (a create), which may have been applied before the server failed."""

    maybe_applied = False

    def __init__(  # noqa: PLR0913 - mirrors the error envelope's fields
        self,
        message: str,
        *,
        status: int,
        code: str = "",
        trace_id: str | None = None,
        method: str = "",
        path: str = "",
    ) -> None:
        super().__init__(message, method=method, path=path)
        self.status = status
        self.code = code
        self.trace_id = trace_id


class BadRequest(ApiError):
    """400: the request (or some items of it) failed validation."""

    def __init__(self, message: str, *, items: tuple[ItemError, ...] = (), **kw: object) -> None:
        super().__init__(message, status=400, **kw)  # type: ignore[arg-type]
        self.items = items


class Unauthorized(ApiError):
    """401: missing, bad or expired token."""


class Forbidden(ApiError):
    """403: the client may not act on this account."""


class NotFound(ApiError):
    """404: unknown id."""


class RateLimited(ApiError):
    """429: over quota. The whole pool pauses for `retry_after_s`."""

    retryable = True

    def __init__(self, message: str, *, retry_after_s: float, **kw: object) -> None:
        super().__init__(message, status=429, **kw)  # type: ignore[arg-type]
        self.retry_after_s = retry_after_s


class ServerError(ApiError):
    """5xx: the server failed; retried with backoff."""

    retryable = True


def leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    """The exceptions of a group (a task group's), nested groups opened."""
    return [leaf for e in group.exceptions for leaf in (leaves(e) if isinstance(e, BaseExceptionGroup) else [e])]
