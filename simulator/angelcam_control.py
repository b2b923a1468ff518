"""Angelcam control API under /_sim/: drive scenario events and read the webhook deliveries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

from aiohttp import web

from simulator.angelcam_http import stamp
from simulator.angelcam_model import NotFoundError
from simulator.angelcam_state import AngelcamState
from simulator.control import json_body

STATE_KEY: Final = web.AppKey("angelcam_state", AngelcamState)

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _state(request: web.Request) -> AngelcamState:
    state = request.app[STATE_KEY]
    state.tick()
    return state


def _handled(handler: Handler) -> Handler:
    """Answer 404 for unknown objects and 400 for wrong field types (plain text)."""

    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except NotFoundError as exc:
            raise web.HTTPNotFound(text=f"unknown {exc}") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise web.HTTPBadRequest(text=f"bad request: {exc!r}") from None

    return wrapper


def _camera_id(request: web.Request) -> int:
    return int(request.match_info["camera_id"])


def _status_route(online: bool) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        changed = _state(request).set_camera_online(_camera_id(request), online=online)
        return web.json_response({"changed": changed})

    return _handled(handler)


def _arrow_route(online: bool) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        changed = _state(request).set_arrow_online(request.match_info["uuid"], online=online)
        return web.json_response({"changed": changed})

    return _handled(handler)


@_handled
async def add_camera(request: web.Request) -> web.Response:
    """POST /_sim/cameras ``{name, location_id, type?, recording?, broadcasting?, ...}``."""
    body = await json_body(request)
    camera = _state(request).add_camera(
        str(body["name"]),
        int(body["location_id"]),
        camera_type=body.get("type", "h264"),
        recording=bool(body.get("recording", False)),
        broadcasting=bool(body.get("broadcasting", False)),
        arrow_client=body.get("arrow_client"),
        tags=list(body.get("tags", [])),
    )
    return web.json_response(
        {"id": camera.id, "name": camera.name, "location_id": camera.location_id}, status=201
    )


@_handled
async def remove_camera(request: web.Request) -> web.Response:
    """DELETE /_sim/cameras/{camera_id}."""
    _state(request).remove_camera(_camera_id(request))
    return web.Response(status=204)


@_handled
async def fire_incident(request: web.Request) -> web.Response:
    """POST /_sim/incidents ``{camera_id, title?}``: a motion event (an incident when armed)."""
    body = await json_body(request)
    event, incident = _state(request).fire_motion(
        int(body["camera_id"]), title=str(body.get("title", "Motion detected"))
    )
    return web.json_response(
        {
            "camera_id": event.camera_id,
            "occurred_at": stamp(event.occurred_at),
            "incident_id": incident.id if incident else None,
        },
        status=201,
    )


@_handled
async def arming(request: web.Request) -> web.Response:
    """POST /_sim/arming ``{location_id, armed, invoker?}``: arming changed outside the API."""
    body = await json_body(request)
    armed = body["armed"]
    if not isinstance(armed, bool):
        raise TypeError("armed must be a boolean")
    changed = _state(request).set_arming(
        int(body["location_id"]), armed=armed, invoker=str(body.get("invoker", "My Angelcam"))
    )
    return web.json_response({"changed": changed})


def _deliveries(state: AngelcamState) -> dict[str, Any]:
    return {"deliveries": [d.as_json() for d in state.webhooks.deliveries]}


async def webhooks(request: web.Request) -> web.Response:
    """GET /_sim/webhooks: the delivery log."""
    return web.json_response(_deliveries(_state(request)))


async def drain_webhooks(request: web.Request) -> web.Response:
    """POST /_sim/webhooks/drain: wait for deliveries in flight, then return the log."""
    state = _state(request)
    await state.webhooks.drain()
    return web.json_response(_deliveries(state))


@_handled
async def rate_limits(request: web.Request) -> web.Response:
    """POST /_sim/rate-limits ``{per_minute, per_day}`` (null switches a window off)."""
    body = await json_body(request)
    limits = _state(request).rate_limiter.limits
    for name in ("per_minute", "per_day"):
        if name in body:
            value = body[name]
            setattr(limits, name, None if value is None else int(value))
    return web.json_response({"per_minute": limits.per_minute, "per_day": limits.per_day})


async def credentials(request: web.Request) -> web.Response:
    """GET /_sim/credentials: the scenario's logins."""
    return web.json_response(_state(request).credentials())


def routes() -> list[web.RouteDef]:
    """Return the Angelcam-specific control routes."""
    return [
        web.post("/_sim/cameras", add_camera),
        web.delete("/_sim/cameras/{camera_id}", remove_camera),
        web.post("/_sim/cameras/{camera_id}/offline", _status_route(online=False)),
        web.post("/_sim/cameras/{camera_id}/online", _status_route(online=True)),
        web.post("/_sim/incidents", fire_incident),
        web.post("/_sim/arming", arming),
        web.post("/_sim/arrow-clients/{uuid}/offline", _arrow_route(online=False)),
        web.post("/_sim/arrow-clients/{uuid}/online", _arrow_route(online=True)),
        web.get("/_sim/webhooks", webhooks),
        web.post("/_sim/webhooks/drain", drain_webhooks),
        web.post("/_sim/rate-limits", rate_limits),
        web.get("/_sim/credentials", credentials),
    ]
