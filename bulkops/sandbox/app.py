"""The sandbox application, and `Sandbox`: the server running in-process as an async context manager."""

from __future__ import annotations

import time
from types import TracebackType

from aiohttp import web

from bulkops.sandbox import control, routes_read, routes_write
from bulkops.sandbox.control import Control
from bulkops.sandbox.generator import generate
from bulkops.sandbox.middleware import api_middleware, token
from bulkops.sandbox.settings import SandboxSettings
from bulkops.sandbox.state import STATE, Knobs, SandboxState
from bulkops.sandbox.store import Store

SHUTDOWN_TIMEOUT_S = 0.5  # hung requests (a fault) must not hold a shutdown


def build_state(settings: SandboxSettings) -> SandboxState:
    """Open the store and fill it from the seed if it is empty."""
    store = Store(settings.db)
    state = SandboxState(settings=settings, store=store, knobs=Knobs.from_settings(settings))
    if store.is_empty():
        generate(store, settings, state.clock.today())
    return state


def create_app(state: SandboxState) -> web.Application:
    """The aiohttp application over a sandbox state."""
    app = web.Application(middlewares=[api_middleware], client_max_size=16 * 1024 * 1024)
    app[STATE] = state
    app.router.add_post("/oauth2/token", token)
    app.add_routes(routes_read.routes)
    app.add_routes(routes_write.routes)
    app.add_routes(control.routes)
    return app


class Sandbox:
    """The sandbox server on a loopback port, for tests, the demo and the CLI.

    ::

        async with Sandbox(SandboxSettings(seed=7)) as sb:
            print(sb.base_url, sb.client_id, sb.client_secret)
            sb.control.set_faults(error_rate=0.05)
    """

    def __init__(self, settings: SandboxSettings | None = None) -> None:
        self.settings = settings or SandboxSettings()
        self.state: SandboxState | None = None
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.started_in_s = 0.0

    @property
    def client_id(self) -> str:
        """The client id the sandbox accepts."""
        return self.settings.client_id

    @property
    def client_secret(self) -> str:
        """The client secret the sandbox accepts."""
        return self.settings.client_secret

    @property
    def control(self) -> Control:
        """The control plane of the running sandbox."""
        assert self.state is not None, "the sandbox is not running"
        return Control(self.state)

    async def start(self) -> None:
        """Build the data, bind the port and serve."""
        began = time.perf_counter()
        self.state = build_state(self.settings)
        self._runner = web.AppRunner(create_app(self.state), shutdown_timeout=SHUTDOWN_TIMEOUT_S,
                                     handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.host, self.settings.port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        host = f"[{host}]" if ":" in host else host
        self.base_url = f"http://{host}:{port}"
        self.started_in_s = time.perf_counter() - began

    async def stop(self) -> None:
        """Stop serving and close the store."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.state is not None:
            self.state.store.close()

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()
