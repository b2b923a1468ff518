"""Fixtures for provider tests: the simulator stack on 127.0.0.1 and clients pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.camhub.providers import AngelcamClient, NovaVMSClient, OpenCameraClient
from simulator.control import SimClock
from simulator.stack import SimulatorStack

START = datetime(2026, 4, 21, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def sockets(socket_enabled: None) -> None:
    """Provider tests talk real HTTP to simulators on 127.0.0.1."""


@pytest.fixture
def clock() -> SimClock:
    """The frozen simulated clock tests move explicitly (shared by simulators and clients)."""
    return SimClock(START)


@pytest.fixture
async def stack(clock: SimClock) -> AsyncIterator[SimulatorStack]:
    """The demo scenario's simulators, stopped after the test."""
    async with SimulatorStack(scenario="demo", clock=clock) as running:
        yield running


@pytest.fixture
def creds(stack: SimulatorStack) -> dict[str, Any]:
    """URLs and credentials of the running stack."""
    return stack.credentials()


@pytest.fixture
async def session(stack: SimulatorStack) -> AsyncIterator[aiohttp.ClientSession]:
    """The injected client session, closed before the simulators stop.

    Closing it first lets the servers finish connections the client abandoned (a 501
    answered before an upload was read) instead of leaving their handler tasks behind.
    """
    async with aiohttp.ClientSession() as client:
        yield client


type Factory[T] = Callable[..., T]


@pytest.fixture
def make_angelcam(
    session: aiohttp.ClientSession, creds: dict[str, Any], clock: SimClock
) -> Factory[AngelcamClient]:
    """Build Angelcam clients: Alice's token on the simulator unless overridden."""

    def make(**overrides: Any) -> AngelcamClient:
        args = {
            "token": creds["angelcam"]["personal_access_token"],
            "base_url": creds["angelcam"]["url"],
            "now": clock,
            "timeout": 5,
        }
        return AngelcamClient(session, **(args | overrides))

    return make


@pytest.fixture
def make_novavms(
    session: aiohttp.ClientSession, creds: dict[str, Any], clock: SimClock
) -> Factory[NovaVMSClient]:
    """Build NovaVMS clients with the key of a role (or an explicit `api_key`)."""

    def make(role: str = "operator", **overrides: Any) -> NovaVMSClient:
        args = {
            "api_key": creds["novavms"]["api_keys"].get(role, role),
            "base_url": creds["novavms"]["url"],
            "now": clock,
            "timeout": 5,
        }
        return NovaVMSClient(session, **(args | overrides))

    return make


@pytest.fixture
def make_opencamera(
    session: aiohttp.ClientSession, creds: dict[str, Any], clock: SimClock
) -> Factory[OpenCameraClient]:
    """Build OpenCamera clients for a scenario device (by index) with its login."""

    def make(index: int = 0, **overrides: Any) -> OpenCameraClient:
        device = creds["opencamera"]["devices"][index]
        args = {
            "url": device["url"],
            "username": device["username"],
            "password": device["password"],
            "device": device["device"],
            "now": clock,
            "timeout": 5,
        }
        return OpenCameraClient(session, **(args | overrides))

    return make


@pytest.fixture
def angelcam(make_angelcam: Factory[AngelcamClient]) -> AngelcamClient:
    """Alice's Angelcam client (default space)."""
    return make_angelcam()


@pytest.fixture
def novavms(make_novavms: Factory[NovaVMSClient]) -> NovaVMSClient:
    """The NovaVMS client with the operator key."""
    return make_novavms()


@pytest.fixture
def opencamera(make_opencamera: Factory[OpenCameraClient]) -> OpenCameraClient:
    """The first OpenCamera device's client."""
    return make_opencamera()


@pytest.fixture
async def hook_server() -> AsyncIterator[tuple[str, list[tuple[bytes, dict[str, str]]]]]:
    """A webhook receiver on 127.0.0.1: its URL and the (body, headers) it was sent."""
    received: list[tuple[bytes, dict[str, str]]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((await request.read(), dict(request.headers)))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook", received
    finally:
        await runner.cleanup()
