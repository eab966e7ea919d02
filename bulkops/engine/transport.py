"""The client's only aiohttp import: one session, timeouts, and aiohttp errors mapped to TransportError.

Redirects are never followed: an API that answers 3xx is misconfigured (or not the API), and following it
could carry credentials to another origin, possibly in clear. The answer is returned as it is; the client
turns it into an error that names where it pointed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bulkops.errors import TransportError

if TYPE_CHECKING:
    import aiohttp


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds to connect, and to wait for an answer once connected."""

    connect: float = 10.0
    read: float = 60.0


@dataclass(frozen=True, slots=True)
class RawResponse:
    """Status, headers (lower-cased keys) and body bytes."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class Transport:
    """Sends one request and returns the raw answer, or raises TransportError. Never logs headers."""

    def __init__(self, timeouts: Timeouts = Timeouts(), max_connections: int = 32) -> None:
        self._timeouts = timeouts
        self._max = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._aio: Any = None
        self._not_sent: tuple[type[Exception], ...] = ()

    async def open(self) -> None:
        """Open the run's one session."""
        import aiohttp  # noqa: PLC0415 - loaded with the first session: `bulkops --help` starts without it

        self._aio = aiohttp
        # Errors raised before a byte of the request left: the server cannot have applied anything.
        self._not_sent = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError, aiohttp.InvalidUrlClientError)
        timeout = aiohttp.ClientTimeout(connect=self._timeouts.connect, sock_read=self._timeouts.read)
        connector = aiohttp.TCPConnector(limit=self._max)
        self._session = aiohttp.ClientSession(timeout=timeout, connector=connector, raise_for_status=False)
        # aiohttp quietly sends a GET or PUT again when a kept-alive connection turns out closed. bulkops counts,
        # paces and journals every send itself (and retries by its own policy), so no send may happen unseen.
        # aiohttp offers no public switch for it (3.14); the attribute is checked so a change cannot break us.
        if hasattr(self._session, "_retry_connection"):
            self._session._retry_connection = False

    async def close(self) -> None:
        """Close the session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(self, method: str, url: str, *, headers: Mapping[str, str], params: Any = None,  # noqa: PLR0913 - an HTTP request's parts
                   json: Any = None, data: Any = None) -> RawResponse:
        """One HTTP exchange. The Authorization header never reaches an error message."""
        assert self._session is not None, "Transport.open() first"
        path, aio = _path(url), self._aio
        try:
            async with self._session.request(method, url, headers=dict(headers), params=params, json=json,
                                             data=data, allow_redirects=False) as resp:
                body = await resp.read()
                return RawResponse(resp.status, {k.lower(): v for k, v in resp.headers.items()}, body)
        except self._not_sent as exc:
            raise TransportError(f"cannot connect ({_why(aio, exc)})", sent=False, method=method, path=path) from None
        except (TimeoutError, aio.ServerTimeoutError) as exc:
            raise TransportError(f"no answer in time ({type(exc).__name__})", method=method, path=path) from None
        except aio.ClientError as exc:
            raise TransportError(f"connection failed: {type(exc).__name__}", method=method, path=path) from None


def _why(aio: Any, exc: Exception) -> str:
    if isinstance(exc, aio.ClientConnectorDNSError):
        return "the host name does not resolve"
    if isinstance(exc, aio.ClientConnectorError):
        return f"{exc.os_error.strerror or type(exc.os_error).__name__}" if exc.os_error else type(exc).__name__
    return type(exc).__name__


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[-1].split("/", 1)[-1] if "://" in url else url
