"""Angelcam API conventions: auth, space context, rate limit, error bodies, pagination, parsing."""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import json
import math
import re
from typing import Any, Final, Protocol, cast

from aiohttp import web

from simulator.angelcam_model import WORLD_KEY, Membership, User, World
from simulator.control import CONTROL_PREFIX

API_PREFIX: Final = "/v1/"
PAGE_SIZE: Final = 100  # default and, [inferred], maximum page size
TITLES: Final[dict[int, str]] = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    429: "throttled",
    502: "bad_gateway",
    503: "bad_gateway",  # the errors guide uses the same title for 503
}
DEFAULT_DETAILS: Final[dict[int, str]] = {
    401: "Authentication credentials were not provided.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    405: "Method not allowed.",
    502: "Bad gateway.",
}
CTX_KEY: Final = "angelcam_ctx"

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
type Detail = str | dict[str, list[str]]


class ApiError(Exception):
    """An Angelcam error answer: ``{title, detail, status}``."""

    def __init__(self, status: int, detail: Detail | None = None, title: str | None = None) -> None:
        """Describe the error; title and detail default from the status."""
        super().__init__(status)
        self.status = status
        self.title = title or TITLES.get(status, "error")
        self.detail: Detail = detail if detail is not None else DEFAULT_DETAILS.get(status, "")

    def response(self) -> web.Response:
        """Render the JSON error body."""
        body = {"title": self.title, "detail": self.detail, "status": self.status}
        return web.json_response(body, status=self.status)


def invalid(field_name: str, message: str) -> ApiError:
    """Return a field validation error (400 ``invalid`` with ``{field: [message]}``)."""
    return ApiError(400, {field_name: [message]})


def stamp(when: datetime | None) -> str | None:
    """Format a time the way the API answers: UTC, milliseconds, ``Z``."""
    if when is None:
        return None
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def parse_time(value: str) -> datetime:
    """Parse an ISO 8601 time; a time without offset counts as UTC (raise ``ValueError``)."""
    parsed = datetime.fromisoformat(value.strip().replace(" ", "+"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def query_time(request: web.Request, name: str) -> datetime | None:
    """Read an optional date-time query parameter (400 when malformed)."""
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        return parse_time(raw)
    except ValueError:
        raise invalid(name, "Datetime has wrong format.") from None


def required_time(request: web.Request, name: str) -> datetime:
    """Read a required date-time query parameter (400 when missing or malformed)."""
    value = query_time(request, name)
    if value is None:
        raise invalid(name, "This field is required.")
    return value


def query_int(
    request: web.Request, name: str, *, minimum: int | None = None, maximum: int | None = None
) -> int | None:
    """Read an integer query parameter within bounds (400 otherwise)."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise invalid(name, "A valid integer is required.") from None
    if minimum is not None and value < minimum:
        raise invalid(name, f"Ensure this value is greater than or equal to {minimum}.")
    if maximum is not None and value > maximum:
        raise invalid(name, f"Ensure this value is less than or equal to {maximum}.")
    return value


def path_int(request: web.Request, name: str) -> int:
    """Read an integer path parameter; anything else is an unknown object (404)."""
    try:
        return int(request.match_info[name])
    except ValueError:
        raise ApiError(404) from None


async def json_object(request: web.Request) -> dict[str, Any]:
    """Parse the JSON object body of a write request (400 otherwise)."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ApiError(400, "JSON parse error.", "parse_error") from None
    if not isinstance(body, dict):
        raise ApiError(400, {"non_field_errors": ["Expected a JSON object."]})
    return body


def page(request: web.Request, items: Sequence[Any], render: Callable[[Any], Any]) -> web.Response:
    """Answer one limit/offset page: ``{count, next, previous, results}`` with absolute URLs."""
    limit = min(query_int(request, "limit", minimum=1) or PAGE_SIZE, PAGE_SIZE)
    # The spec says offset >= 1 on some lists; 0 is what a client naturally sends first.
    offset = query_int(request, "offset", minimum=0) or 0
    url = request.url
    following = None
    if offset + limit < len(items):
        following = str(url.update_query(limit=limit, offset=offset + limit))
    preceding = None
    if offset > 0:
        back = offset - limit
        preceding = str(
            url.update_query(limit=limit, offset=back)
            if back > 0
            else url.update_query(limit=limit).without_query_params("offset")
        )
    results = [render(item) for item in items[offset : offset + limit]]
    return web.json_response(
        {"count": len(items), "next": following, "previous": preceding, "results": results}
    )


class HasId(Protocol):
    """Anything with an integer id."""

    id: int


def by_id[T: HasId](items: Iterable[T], wanted: int) -> T:
    """Return the item with id ``wanted`` among those the caller may see (404 otherwise)."""
    found = next((item for item in items if item.id == wanted), None)
    if found is None:
        raise ApiError(404)
    return found


def no_content() -> web.Response:
    """Answer 204 with an empty body."""
    return web.Response(status=204)


@dataclass(frozen=True, slots=True)
class Context:
    """Who is calling and in which space."""

    user: User
    membership: Membership

    def require(
        self, permission: str, location_id: int | None = None, camera_id: int | None = None
    ) -> None:
        """Raise 403 unless the caller holds ``permission`` there."""
        if not self.membership.allows(permission, location_id, camera_id):
            raise ApiError(403)


def context(request: web.Request) -> Context:
    """Return the caller's context set by the auth middleware."""
    return cast("Context", request[CTX_KEY])


def world(request: web.Request) -> World:
    """Return the world this app serves."""
    return request.app[WORLD_KEY]


@dataclass(slots=True)
class RateLimits:
    """The documented per-account limits (``None`` switches a window off)."""

    per_minute: int | None = 20
    per_day: int | None = 1000


@dataclass(slots=True)
class RateLimiter:
    """Sliding minute and day windows per account, on the simulated clock."""

    now: Callable[[], datetime]
    limits: RateLimits = field(default_factory=RateLimits)
    _seen: dict[str, deque[datetime]] = field(default_factory=dict)

    def hit(self, account: str) -> int | None:
        """Count one request; return the seconds to wait instead when a window is full."""
        now = self.now()
        seen = self._seen.setdefault(account, deque())
        while seen and now - seen[0] >= timedelta(days=1):
            seen.popleft()
        waits = [
            self._wait(seen, now, limit, window)
            for limit, window in (
                (self.limits.per_minute, timedelta(minutes=1)),
                (self.limits.per_day, timedelta(days=1)),
            )
            if limit is not None
        ]
        wait = max((w for w in waits if w is not None), default=None)
        if wait is None:
            seen.append(now)
        return wait

    @staticmethod
    def _wait(seen: deque[datetime], now: datetime, limit: int, window: timedelta) -> int | None:
        inside = [t for t in seen if now - t < window] if window < timedelta(days=1) else seen
        if len(inside) < limit:
            return None
        # The slot frees when the request that filled the window leaves it.
        oldest = inside[len(inside) - limit]
        return max(1, math.ceil((oldest + window - now).total_seconds()))


RATE_KEY: Final = web.AppKey("angelcam_rate", RateLimiter)


def account_of(app_world: World) -> Callable[[web.Request], str | None]:
    """Return the request-log account resolver: the user id behind the Authorization header."""

    def resolve(request: web.Request) -> str | None:
        user = _user(app_world, request.headers.get("Authorization", ""))
        return None if user is None else str(user.id)

    return resolve


def _user(app_world: World, header: str) -> User | None:
    scheme, _, token = header.partition(" ")
    if scheme not in {"PersonalAccessToken", "Bearer"} or not token.strip():
        return None
    return app_world.user_by_token(scheme, token.strip())


def _authenticate(request: web.Request) -> Context:
    app_world = world(request)
    header = request.headers.get("Authorization", "")
    if not header:
        raise ApiError(401)
    user = _user(app_world, header)
    if user is None:
        raise ApiError(401, "Invalid token.")
    memberships = app_world.memberships_of(user.id)
    raw_space = request.headers.get("X-Space-Id")
    if raw_space is None:
        chosen = next((m for m in memberships if m.is_default), None)
    else:
        try:
            space_id = int(raw_space)
        except ValueError:
            raise invalid("X-Space-Id", "A valid integer is required.") from None
        chosen = next((m for m in memberships if m.space_id == space_id), None)
        if chosen is None:
            raise ApiError(403, "You are not a member of this space.")
    if chosen is None:
        raise ApiError(403, "You are not a member of any space.")
    return Context(user, chosen)


def _admit(request: web.Request) -> None:
    """Authenticate and count a ``/v1/`` call (raise ``ApiError`` when refused)."""
    ctx = _authenticate(request)
    wait = request.app[RATE_KEY].hit(str(ctx.user.id))
    if wait is not None:
        raise ApiError(429, f"Request was throttled. Expected available in {wait} seconds.")
    request[CTX_KEY] = ctx


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every error into the Angelcam body; authenticate and rate-limit ``/v1/`` calls."""
    if request.path.startswith(CONTROL_PREFIX):
        return await handler(request)
    try:
        if request.path.startswith(API_PREFIX) and request.match_info.http_exception is None:
            _admit(request)
        return await handler(request)
    except ApiError as exc:
        return exc.response()
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return ApiError(exc.status).response()


# The spec's examples write timestamps with milliseconds and name example.com in links.
_WHOLE_SECONDS = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})Z$")
SPEC_EXAMPLE_ORIGIN: Final = "http://example.com"
# Fields the spec's own list examples leave out (MessageListResponse's items have no `type`).
SPEC_EXAMPLE_OMITS: Final[dict[str, frozenset[str]]] = {
    "/v1/rts/messages/": frozenset({"type", "read_at"}),
}


def spec_example_shape(request: web.Request, body: Any) -> Any:
    """An answer shaped like the spec's own examples (the ``spec_examples`` fault).

    Every list page names a ``next`` on example.com, items omit what the examples omit,
    and timestamps carry milliseconds: what a client written against the examples sees.
    """
    omit = SPEC_EXAMPLE_OMITS.get(request.path, frozenset())

    def shape(value: Any, *, item: bool = False) -> Any:
        if isinstance(value, str):
            return _WHOLE_SECONDS.sub(r"\1.000Z", value)
        if isinstance(value, list):
            return [shape(child, item=item) for child in value]
        if not isinstance(value, dict):
            return value
        shaped = {
            key: shape(child, item=key == "results")
            for key, child in value.items()
            if not (item and key in omit)
        }
        if "results" in shaped and "next" in shaped:
            shaped["next"] = SPEC_EXAMPLE_ORIGIN + request.path_qs
        return shaped

    return shape(body)
