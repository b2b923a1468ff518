"""Helpers for the Angelcam simulator tests: a served simulator and an OpenAPI-validating client.

Every request the client sends to an Angelcam host described by the spec (``/v1/...`` on
api.angelcam.com, ``/recording/streams/...`` on the streamer) and every answer is validated with
openapi-core against tests/specs/angelcam-openapi.yml (an unmodified copy of the contract).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
import functools
import json
from pathlib import Path
from typing import Any
import warnings

import aiohttp
from aiohttp import web
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator
import yaml
from yarl import URL

from simulator.angelcam import build_state, create_app
from simulator.angelcam_state import AngelcamState
from simulator.control import FaultInjector, RequestLog, SimClock

SPEC = Path(__file__).parents[1] / "specs" / "angelcam-openapi.yml"
API_HOST = "https://api.angelcam.com"
STREAMER_HOST = "https://rec-streamer-eu-central-1.angelcam.com"

type Serve = Callable[[web.Application], Awaitable[str]]


@functools.cache
def openapi() -> OpenAPI:
    """The contract, loaded once per test session (it is large)."""
    return OpenAPI.from_file_path(str(SPEC))


@functools.cache
def _components() -> dict[str, Any]:
    with SPEC.open() as handle:
        components: dict[str, Any] = yaml.safe_load(handle)["components"]
    return components


def validate_schema(body: Any, schema: str) -> None:
    """Validate ``body`` against ``#/components/schemas/<schema>`` (for undeclared statuses)."""
    root = {"components": _components(), "$ref": f"#/components/schemas/{schema}"}
    OAS30Validator(root).validate(body)


@dataclass
class Reply:
    """An HTTP answer as the tests look at it."""

    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def body(self) -> Any:
        """The decoded JSON body."""
        return json.loads(self.raw)


def _host(path: str) -> str | None:
    if path.startswith("/v1/"):
        return API_HOST
    if path.startswith("/recording/streams/"):
        return STREAMER_HOST
    return None


@dataclass
class AngelApi:
    """A client for one simulator that validates traffic against the OpenAPI contract."""

    session: aiohttp.ClientSession
    origin: str
    token: str
    validated: list[tuple[str, str, int]] = field(default_factory=list)

    def auth(self, token: str | None = None) -> dict[str, str]:
        """The Authorization header for ``token`` (default: the first demo user)."""
        return {"Authorization": f"PersonalAccessToken {token or self.token}"}

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
        validate: bool = True,
        invalid_request: bool = False,
        allow_redirects: bool = True,
    ) -> Reply:
        """Send a request (``path`` relative to the origin, or absolute) and validate both ways.

        ``invalid_request`` marks a deliberately wrong request: only the answer is validated.
        """
        url = URL(path) if path.startswith("http") else URL(self.origin + path)
        if params:
            url = url.update_query(params)
        sent = {**(self.auth() if auth else {}), **(headers or {})}
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            sent.setdefault("Content-Type", "application/json")
        async with self.session.request(
            method, url, data=data, headers=sent, allow_redirects=allow_redirects
        ) as response:
            reply = Reply(response.status, dict(response.headers), await response.read())
        host = _host(url.path)
        if validate and host is not None:
            self._validate(
                method,
                url,
                headers=sent,
                data=data,
                reply=reply,
                host=host,
                check_request=not invalid_request,
            )
        return reply

    def _validate(
        self,
        method: str,
        url: URL,
        *,
        headers: dict[str, str],
        data: bytes | None,
        reply: Reply,
        host: str,
        check_request: bool,
    ) -> None:
        request = MockRequest(
            host,
            method,
            url.path,
            args=dict(url.query),
            headers=headers,
            data=data,
            content_type=headers.get("Content-Type", "application/json"),
        )
        if check_request:
            with warnings.catch_warnings():
                # openapi-core cannot check OAuth2; the PersonalAccessToken alternative is.
                warnings.filterwarnings("ignore", "Unsupported scheme type", UserWarning)
                openapi().validate_request(request)
        content_type = reply.headers.get("Content-Type", "").split(";")[0]
        response = MockResponse(
            reply.raw, reply.status, headers=reply.headers, content_type=content_type
        )
        openapi().validate_response(request, response)
        self.validated.append((method.upper(), url.path, reply.status))

    async def get(self, path: str, **kwargs: Any) -> Reply:
        """GET with validation."""
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Reply:
        """POST with validation."""
        return await self.request("POST", path, **kwargs)

    async def put(self, path: str, **kwargs: Any) -> Reply:
        """PUT with validation."""
        return await self.request("PUT", path, **kwargs)


@dataclass
class Angel:
    """A running Angelcam simulator as the tests see it."""

    origin: str
    state: AngelcamState
    log: RequestLog
    faults: FaultInjector
    clock: SimClock
    api: AngelApi

    @property
    def control(self) -> str:
        """Base URL of the control API."""
        return f"{self.origin}/_sim"


@contextlib.asynccontextmanager
async def running(
    serve: Serve,
    session: aiohttp.ClientSession,
    clock: SimClock,
    scenario: str = "demo",
    *,
    limits: bool = False,
) -> AsyncIterator[Angel]:
    """Serve a scenario; rate limits are off unless ``limits`` (their own tests turn them on)."""
    state = build_state(scenario, clock)
    if not limits:
        state.rate_limiter.limits.per_minute = None
        state.rate_limiter.limits.per_day = None
    state.webhooks.retry_delay = 0.0
    log, faults = RequestLog(clock), FaultInjector(seed=1)
    origin = await serve(create_app(state, log, faults))
    token = state.world.users[1].personal_access_token
    try:
        yield Angel(origin, state, log, faults, clock, AngelApi(session, origin, token))
    finally:
        await state.close()


@dataclass
class Received:
    """One request the webhook receiver got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """An HTTP endpoint that records webhook calls and can fail the first ones."""

    url: str = ""
    calls: list[Received] = field(default_factory=list)
    fail_first: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> web.Application:
        """The receiver's aiohttp app."""

        async def handle(request: web.Request) -> web.Response:
            self.calls.append(
                Received(request.method, request.path, dict(request.headers), await request.read())
            )
            self.arrived.set()
            if len(self.calls) <= self.fail_first:
                return web.Response(status=500)
            return web.Response(status=200)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        return app
