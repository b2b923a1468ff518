"""Vendor-independent simulator machinery: clock, request log, fault injection, /_sim/ routes.

Every vendor app gets logging and faults in one line::

    app = make_app("novavms", log, faults, account_of=account_of, routes=api_routes,
                   control=vendor_control_routes, clock=state.clock)

Control routes live under ``/_sim/``; they are never logged as API traffic and never faulted.
Shared control endpoints: ``GET /_sim/requests``, ``GET /_sim/counters``, ``POST /_sim/faults``,
``DELETE /_sim/faults`` and, when a clock is given, ``POST /_sim/clock`` ``{"seconds": N}``.

Fault kinds (``POST /_sim/faults`` body: ``{"kind", "count"?, "share"?, "path_prefix"?,
"method"?, "status"?, "delay"?, "origin"?}``):

- ``status5xx``: answer ``status`` (default 503) without running the handler.
- ``timeout``: hold the request for ``delay`` seconds (default 30) before answering normally;
  released early when the app shuts down so servers stop promptly.
- ``slow``: wait ``delay`` seconds (default 0.5), then answer normally.
- ``malformed_json``: run the handler, then replace the body with text that is not JSON while
  keeping the status and an ``application/json`` content type.
- ``truncated``: run the handler, announce the full ``Content-Length`` but send half the body and
  close the connection, so the client sees an incomplete payload.
- ``off_origin``: run the handler, then move every URL of this server in the JSON answer to
  ``origin`` (default ``http://example.com``), and give every list page a ``next`` there: a
  server naming another host for pagination, stream info, media and clips.
- ``spec_examples``: run the handler, then reshape the JSON answer like the vendor's own spec
  examples (the vendor app's reshaper, e.g. Angelcam's: ``next`` on example.com, message items
  without ``type``, millisecond timestamps).

A fault applies to the next ``count`` matching requests, or to a ``share`` (0..1) of them decided
by a seeded random, or (neither given) to every matching request until cleared.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
import json
import random
from typing import Any, Final, Literal, TypedDict, Unpack, cast, get_args

from aiohttp import web
from aiohttp.typedefs import Middleware

CONTROL_PREFIX: Final = "/_sim/"

type FaultKind = Literal[
    "status5xx", "timeout", "malformed_json", "truncated", "slow", "off_origin", "spec_examples"
]
FAULT_KINDS: Final[tuple[str, ...]] = get_args(FaultKind.__value__)
DEFAULT_DELAY: Final[dict[str, float]] = {"timeout": 30.0, "slow": 0.5}
MALFORMED_BODY: Final = b"{'simulated': malformed json,"
DEFAULT_ORIGIN: Final = "http://example.com"

type AccountOf = Callable[[web.Request], str | None]
# Rewrites a decoded JSON answer like the vendor's spec examples: (request, body) -> body.
type Reshape = Callable[[web.Request, Any], Any]
type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def utcnow() -> datetime:
    """Return the current UTC time (the default clock)."""
    return datetime.now(UTC)


def iso(when: datetime) -> str:
    """Format a UTC datetime as RFC 3339 with a ``Z`` suffix and whole seconds."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SimClock:
    """Wall clock plus an offset tests can advance, so expiry is tested without sleeping."""

    def __init__(
        self, start: datetime | None = None, *, base: Callable[[], datetime] | None = None
    ) -> None:
        """Start frozen at ``start``, or follow ``base`` (default: real UTC time)."""
        self._frozen = start
        self._base = base or utcnow
        self._offset = timedelta()

    def now(self) -> datetime:
        """Return the simulated current time (UTC-aware)."""
        base = self._frozen if self._frozen is not None else self._base()
        return base.astimezone(UTC) + self._offset

    def __call__(self) -> datetime:
        """Make the clock usable wherever a ``now`` callable is expected."""
        return self.now()

    def advance(self, seconds: float) -> datetime:
        """Move simulated time forward and return the new time."""
        self._offset += timedelta(seconds=seconds)
        return self.now()


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One API request as the simulator saw it."""

    vendor: str
    account: str | None
    method: str
    path: str
    endpoint: str
    status: int
    timestamp: datetime

    def as_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        data = asdict(self)
        data["timestamp"] = iso(self.timestamp)
        return data


class RequestFilter(TypedDict, total=False):
    """Filters of ``RequestLog.count``."""

    vendor: str | None
    account: str | None
    path_prefix: str | None
    method: str | None
    status: int | None


class RequestLog:
    """Every API request across simulators, with counters per endpoint and per account."""

    def __init__(self, now: Callable[[], datetime] = utcnow) -> None:
        """Create an empty log stamped by ``now``."""
        self._now = now
        self.records: list[RequestRecord] = []

    def record(
        self,
        vendor: str,
        account: str | None,
        method: str,
        path: str,
        *,
        status: int,
        endpoint: str | None = None,
    ) -> RequestRecord:
        """Append one request; ``endpoint`` is the route template (defaults to the path)."""
        entry = RequestRecord(vendor, account, method, path, endpoint or path, status, self._now())
        self.records.append(entry)
        return entry

    def select(
        self,
        vendor: str | None = None,
        account: str | None = None,
        path_prefix: str | None = None,
        method: str | None = None,
        status: int | None = None,
    ) -> list[RequestRecord]:
        """Return the records matching every given filter."""
        return [
            r
            for r in self.records
            if (vendor is None or r.vendor == vendor)
            and (account is None or r.account == account)
            and (path_prefix is None or r.path.startswith(path_prefix))
            and (method is None or r.method == method.upper())
            and (status is None or r.status == status)
        ]

    def count(self, **filters: Unpack[RequestFilter]) -> int:
        """Count the records matching every given filter (the same filters as ``select``)."""
        return len(self.select(**filters))

    def counters(self, vendor: str | None = None) -> dict[str, dict[str, int]]:
        """Return request counts per ``"METHOD endpoint"`` and per account."""
        records = self.select(vendor)
        return {
            "endpoints": dict(Counter(f"{r.method} {r.endpoint}" for r in records)),
            "accounts": dict(Counter(r.account or "-" for r in records)),
        }

    def clear(self) -> None:
        """Forget every record."""
        self.records.clear()


@dataclass(slots=True)
class Fault:
    """One injected fault rule."""

    kind: FaultKind
    count: int | None = None
    share: float | None = None
    path_prefix: str | None = None
    method: str | None = None
    status: int = 503
    delay: float | None = None
    origin: str | None = None
    hits: int = field(default=0)

    def matches(self, method: str, path: str) -> bool:
        """Whether this rule covers a request."""
        return (self.path_prefix is None or path.startswith(self.path_prefix)) and (
            self.method is None or self.method.upper() == method
        )

    @property
    def wait(self) -> float:
        """Seconds a delaying fault holds the request."""
        return self.delay if self.delay is not None else DEFAULT_DELAY.get(self.kind, 0.0)

    def as_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)


class FaultInjector:
    """Fault rules applied by the ``instrument`` middleware."""

    def __init__(self, seed: int = 0) -> None:
        """Create an injector; ``seed`` makes share-based faults reproducible."""
        self._random = random.Random(seed)
        self.faults: list[Fault] = []
        self._release = asyncio.Event()

    def add(
        self,
        kind: str,
        *,
        count: int | None = None,
        share: float | None = None,
        path_prefix: str | None = None,
        method: str | None = None,
        status: int = 503,
        delay: float | None = None,
        origin: str | None = None,
    ) -> Fault:
        """Add a rule; raise ``ValueError`` for an unknown kind or out-of-range numbers."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if count is not None and count < 1:
            raise ValueError("count must be >= 1")
        if share is not None and not 0.0 <= share <= 1.0:
            raise ValueError("share must be within 0..1")
        if kind == "status5xx" and not 500 <= status <= 599:
            raise ValueError("status must be a 5xx code")
        if delay is not None and delay < 0:
            raise ValueError("delay must be >= 0")
        if origin is not None and not origin.startswith(("http://", "https://")):
            raise ValueError("origin must be an http(s) URL")
        fault = Fault(
            cast("FaultKind", kind), count, share, path_prefix, method, status, delay, origin
        )
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every rule."""
        self.faults.clear()

    def pick(self, method: str, path: str) -> Fault | None:
        """Return the fault for this request (consuming one of its uses) or ``None``."""
        for fault in self.faults:
            if not fault.matches(method, path):
                continue
            if fault.share is not None and self._random.random() >= fault.share:
                continue
            fault.hits += 1
            if fault.count is not None:
                fault.count -= 1
                if fault.count == 0:
                    self.faults.remove(fault)
            return fault
        return None

    async def hold(self, seconds: float) -> None:
        """Wait ``seconds`` unless the app is shutting down."""
        try:
            await asyncio.wait_for(self._release.wait(), seconds)
        except TimeoutError:
            return

    def release(self) -> None:
        """Wake every held request (called on app shutdown)."""
        self._release.set()


async def _truncated(request: web.Request, response: web.Response) -> web.StreamResponse:
    body = cast("bytes", response.body or b"")
    stream = web.StreamResponse(status=response.status, headers=response.headers)
    stream.content_length = len(body)
    # Closing the connection after half the body is what makes the client see a short payload.
    stream.force_close()
    await stream.prepare(request)
    await stream.write(body[: len(body) // 2])
    return stream


def error_body(vendor: str, status: int) -> dict[str, Any]:
    """A simulated failure in the error shape of the vendor whose app answers."""
    detail = "simulated upstream failure"
    if vendor == "angelcam":
        return {"title": "Service unavailable", "detail": detail, "status": status}
    if vendor == "opencamera":
        return {"code": status, "message": detail}
    return {"error": "simulated_failure", "message": detail}


async def discard_body(request: web.Request) -> None:
    """Read what the client is still uploading before answering without the handler.

    A server that answers a large upload half-read leaves its connection lingering; reading
    it first makes the exchange end cleanly, as it does with a real device.
    """
    while await request.content.readany():
        pass


async def _apply(fault: Fault, request: web.Request, handler: Handler) -> web.StreamResponse:
    if fault.kind == "status5xx":
        await discard_body(request)
        return web.json_response(
            error_body(request.app[VENDOR_KEY], fault.status), status=fault.status
        )
    if fault.kind in {"timeout", "slow"}:
        await request.app[FAULTS_KEY].hold(fault.wait)
        return await handler(request)
    response = await handler(request)
    if not isinstance(response, web.Response):
        return response  # streamed bodies (media) cannot be rewritten after the fact
    if fault.kind in {"off_origin", "spec_examples"}:
        return _rewritten(fault, request, response)
    if fault.kind == "malformed_json":
        response.body = MALFORMED_BODY
        response.content_type = "application/json"
        return response
    return await _truncated(request, response)


def _rewritten(fault: Fault, request: web.Request, response: web.Response) -> web.Response:
    """The answer with its JSON body moved off origin or shaped like the spec's examples."""
    try:
        body = json.loads(cast("bytes", response.body or b""))
    except ValueError:
        return response  # not JSON (media, 204): nothing to move
    if fault.kind == "off_origin":
        body = off_origin(body, str(request.url.origin()), fault.origin or DEFAULT_ORIGIN, request)
    elif (reshape := request.app.get(RESHAPE_KEY)) is not None:
        body = reshape(request, body)
    rewritten = web.json_response(body, status=response.status)
    for name, value in response.headers.items():
        if name.lower() not in {"content-length", "content-type"}:
            rewritten.headers[name] = value
    return rewritten


def off_origin(body: Any, own: str, other: str, request: web.Request) -> Any:
    """Every URL of ``own`` inside ``body`` moved to ``other``; every page's ``next`` too."""
    if isinstance(body, str):
        return other + body[len(own) :] if body.startswith(own) else body
    if isinstance(body, list):
        return [off_origin(item, own, other, request) for item in body]
    if not isinstance(body, dict):
        return body
    moved = {key: off_origin(value, own, other, request) for key, value in body.items()}
    if "next" in moved and "results" in moved and moved["next"] is None:
        moved["next"] = other + request.path_qs
    return moved


def instrument(
    vendor: str, log: RequestLog, faults: FaultInjector, account_of: AccountOf
) -> Middleware:
    """Middleware that logs API requests and injects faults, skipping ``/_sim/``."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        resource = request.match_info.route.resource
        endpoint = resource.canonical if resource is not None else request.path
        fault = faults.pick(request.method, request.path)
        status = 500
        try:
            response = await (_apply(fault, request, handler) if fault else handler(request))
            status = response.status
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            log.record(
                vendor,
                account_of(request),
                request.method,
                request.path,
                status=status,
                endpoint=endpoint,
            )
        return response

    return middleware


FAULTS_KEY: Final = web.AppKey("faults", FaultInjector)
LOG_KEY: Final = web.AppKey("request_log", RequestLog)
VENDOR_KEY: Final = web.AppKey("vendor", str)
RESHAPE_KEY: Final[web.AppKey[Reshape]] = web.AppKey("reshape")


async def json_body(request: web.Request) -> dict[str, Any]:
    """Parse a JSON object body for control handlers (400 text on anything else)."""
    try:
        body = await request.json() if request.can_read_body else {}
    except json.JSONDecodeError as exc:
        raise web.HTTPBadRequest(text=f"body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="body must be a JSON object")
    return body


async def _get_requests(request: web.Request) -> web.Response:
    log, vendor = request.app[LOG_KEY], request.app[VENDOR_KEY]
    records = log.select(
        vendor,
        account=request.query.get("account"),
        path_prefix=request.query.get("path_prefix"),
        method=request.query.get("method"),
    )
    return web.json_response({"count": len(records), "requests": [r.as_json() for r in records]})


async def _get_counters(request: web.Request) -> web.Response:
    log, vendor = request.app[LOG_KEY], request.app[VENDOR_KEY]
    return web.json_response({"total": log.count(vendor=vendor), **log.counters(vendor)})


async def _post_fault(request: web.Request) -> web.Response:
    body = await json_body(request)
    allowed = {"kind", "count", "share", "path_prefix", "method", "status", "delay", "origin"}
    unknown = set(body) - allowed
    if unknown:
        raise web.HTTPBadRequest(text=f"unknown fields: {sorted(unknown)}")
    try:
        fault = request.app[FAULTS_KEY].add(**body)
    except (TypeError, ValueError) as exc:
        raise web.HTTPBadRequest(text=str(exc)) from exc
    return web.json_response(fault.as_json(), status=201)


async def _delete_faults(request: web.Request) -> web.Response:
    request.app[FAULTS_KEY].clear()
    return web.Response(status=204)


async def _get_faults(request: web.Request) -> web.Response:
    return web.json_response([f.as_json() for f in request.app[FAULTS_KEY].faults])


def _clock_routes(clock: SimClock) -> list[web.RouteDef]:
    async def advance(request: web.Request) -> web.Response:
        body = await json_body(request)
        seconds = body.get("seconds")
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
            raise web.HTTPBadRequest(text="seconds must be a non-negative number")
        return web.json_response({"now": iso(clock.advance(seconds))})

    async def read(_: web.Request) -> web.Response:
        return web.json_response({"now": iso(clock.now())})

    return [web.post("/_sim/clock", advance), web.get("/_sim/clock", read)]


def make_app(
    vendor: str,
    log: RequestLog,
    faults: FaultInjector,
    *,
    account_of: AccountOf,
    routes: Iterable[web.AbstractRouteDef],
    control: Iterable[web.AbstractRouteDef] = (),
    clock: Callable[[], datetime] | None = None,
    middlewares: Iterable[Middleware] = (),
    reshape: Reshape | None = None,
) -> web.Application:
    """Build a vendor app with logging, faults and the shared plus vendor ``/_sim/`` routes.

    ``clock`` is the state's ``now``; when it is a ``SimClock``, ``/_sim/clock`` can advance it.

    ``middlewares`` (e.g. vendor auth or rate limiting) run inside the instrumentation, so the
    log sees their answers and ``account_of`` can read what they stored on the request.
    ``reshape`` shapes answers like the vendor's spec examples for the ``spec_examples`` fault.
    """
    app = web.Application(middlewares=[instrument(vendor, log, faults, account_of), *middlewares])
    app[FAULTS_KEY] = faults
    app[LOG_KEY] = log
    app[VENDOR_KEY] = vendor
    if reshape is not None:
        app[RESHAPE_KEY] = reshape
    app.add_routes(routes)
    app.add_routes(
        [
            web.get("/_sim/requests", _get_requests),
            web.get("/_sim/counters", _get_counters),
            web.get("/_sim/faults", _get_faults),
            web.post("/_sim/faults", _post_fault),
            web.delete("/_sim/faults", _delete_faults),
            *(_clock_routes(clock) if isinstance(clock, SimClock) else []),
            *control,
        ]
    )

    async def release_held(_: web.Application) -> None:
        faults.release()

    app.on_shutdown.append(release_held)
    return app
