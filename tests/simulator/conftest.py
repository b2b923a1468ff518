"""Fixtures for simulator tests: serve an aiohttp app on 127.0.0.1 and talk to it over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
from aiohttp import web
import pytest

from simulator.control import FaultInjector, RequestLog, SimClock
from simulator.novavms import NovaState, create_app as create_nova_app
from simulator.opencamera import OpenCameraState, create_app as create_opencamera_app
from simulator.scenario import build_novavms, build_opencameras, secret
from tests.novavms_contract import validating_middleware

from .angelcam_support import Angel, running

START = datetime(2026, 4, 21, 12, 0, 0, tzinfo=UTC)

type Serve = Callable[[web.Application], Awaitable[str]]


@pytest.fixture(autouse=True)
def sockets(socket_enabled: None) -> None:
    """Simulator tests use real sockets (the HA plugin still limits connections to 127.0.0.1)."""


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Start apps on free 127.0.0.1 ports; stop them after the test."""
    runners: list[web.AppRunner] = []

    async def start(app: web.Application) -> str:
        runner = web.AppRunner(app, shutdown_timeout=1.0)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return f"http://127.0.0.1:{runner.addresses[0][1]}"

    yield start
    for runner in reversed(runners):
        await runner.cleanup()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A client session closed after the test."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as client:
        yield client


@pytest.fixture
def clock() -> SimClock:
    """A frozen clock tests move explicitly."""
    return SimClock(START)


@dataclass
class Sim:
    """A running vendor simulator as tests see it."""

    url: str
    state: NovaState
    log: RequestLog
    faults: FaultInjector
    clock: SimClock
    # "METHOD /path status" of every answer checked against the contract.
    validated: list[str] = field(default_factory=list)

    def key(self, role: str) -> dict[str, str]:
        """Authorization header of the demo scenario's key for ``role``."""
        return {"Authorization": f"Bearer sk_live_{secret('demo', role)}"}


@pytest.fixture
async def nova(serve: Serve, clock: SimClock) -> AsyncIterator[Sim]:
    """The demo NovaVMS organisation on a frozen clock; every API answer checked by contract."""
    state = build_novavms("demo", clock)
    log, faults = RequestLog(clock), FaultInjector()
    app = create_nova_app(state, log, faults)
    problems: list[str] = []
    sim = Sim("", state, log, faults, clock)
    # Inside the request log and fault injection, outside the vendor's own middleware.
    app.middlewares.insert(1, validating_middleware(sim.validated, problems))
    sim.url = await serve(app)
    yield sim
    await state.close()
    assert problems == [], "simulator answers outside tests/specs/novavms-openapi.yaml"


@dataclass
class Device:
    """A running OpenCamera device as tests see it."""

    url: str
    state: OpenCameraState
    log: RequestLog
    faults: FaultInjector
    clock: SimClock

    @property
    def api(self) -> str:
        """API base URL."""
        return f"{self.url}/api/v1"


@pytest.fixture
async def device(serve: Serve, clock: SimClock) -> AsyncIterator[Device]:
    """The first demo OpenCamera device on a frozen clock."""
    state = build_opencameras("demo", clock)[0]
    log, faults = RequestLog(clock), FaultInjector()
    url = await serve(create_opencamera_app(state, log, faults))
    yield Device(url, state, log, faults, clock)
    await state.close()


@pytest.fixture
async def angel(
    serve: Serve, session: aiohttp.ClientSession, clock: SimClock
) -> AsyncIterator[Angel]:
    """The demo Angelcam scenario on a frozen clock, rate limits off (added by SIM-A)."""
    async with running(serve, session, clock) as sim:
        yield sim
