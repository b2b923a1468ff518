"""Angelcam account endpoints: me, spaces, cameras (and broadcasting), locations, Arrow clients."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from simulator.angelcam_http import (
    ApiError,
    Context,
    by_id,
    context,
    no_content,
    page,
    path_int,
    query_int,
    stamp,
    world,
)
from simulator.angelcam_live import live_urls, stored_snapshot_url
from simulator.angelcam_model import (
    ArrowClient,
    Broadcasting,
    Camera,
    Location,
    NotFoundError,
    Space,
)


async def me(request: web.Request) -> web.Response:
    """GET /me/: the current user."""
    ctx = context(request)
    app_world = world(request)
    user = ctx.user
    own = [
        c
        for m in app_world.memberships_of(user.id)
        if m.allows("space.admin")
        for c in app_world.cameras_in(m.space_id)
    ]
    visible = {
        c.id for m in app_world.memberships_of(user.id) for c in app_world.visible_cameras(m)
    }
    body: dict[str, Any] = {
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "phone": user.phone,
        "my_cameras_count": len(own),
        "shared_cameras_count": len(visible) - len(own),
        "total_cameras_count": len(visible),
        "cameras_with_guests_count": 0,
        "require_qualification": False,
        "available_features": {"live_view": True},
    }
    root = app_world.root_location.get(user.id)
    if root is not None:
        body["root_site"] = root
    return web.json_response(body)


def _space_json(space: Space, is_default: bool) -> dict[str, Any]:
    return {"id": space.id, "name": space.name, "is_default": is_default}


async def spaces(request: web.Request) -> web.Response:
    """GET /spaces/: a plain array of the user's spaces."""
    app_world = world(request)
    memberships = app_world.memberships_of(context(request).user.id)
    return web.json_response(
        [_space_json(app_world.spaces[m.space_id], m.is_default) for m in memberships]
    )


def _membership(request: web.Request) -> tuple[Space, bool, Context]:
    ctx = context(request)
    space_id = path_int(request, "space_id")
    app_world = world(request)
    membership = app_world.memberships.get((ctx.user.id, space_id))
    if membership is None:
        raise ApiError(404)
    return app_world.spaces[space_id], membership.is_default, ctx


async def space(request: web.Request) -> web.Response:
    """GET /spaces/{space_id}/ (404 unless a member)."""
    found, is_default, _ = _membership(request)
    return web.json_response(_space_json(found, is_default))


async def permissions(request: web.Request) -> web.Response:
    """GET /spaces/{space_id}/permissions/: the user's grants in that space."""
    found, _, ctx = _membership(request)
    membership = world(request).memberships[(ctx.user.id, found.id)]
    return web.json_response({"assignments": [a.as_json() for a in membership.assignments]})


def camera_json(request: web.Request, camera: Camera) -> dict[str, Any]:
    """Render a CameraObject with fresh tokenised stream URLs."""
    app_world = world(request)
    taken = app_world.snapshot_time(camera)
    return {
        "id": camera.id,
        "name": camera.name,
        "type": camera.type,
        "status": camera.status,
        "snapshot": {
            "url": stored_snapshot_url(request, camera.id, taken),
            "created_at": stamp(taken),
        },
        **live_urls(request, camera),
        "event_api_hash": camera.event_api_hash,
        "applications": [{"code": code} for code in camera.applications],
        "low_latency_enabled": camera.low_latency_enabled,
        "audio_enabled": camera.audio_enabled,
        "enable_status_checks": camera.enable_status_checks,
        "enable_periodical_snapshots": camera.enable_periodical_snapshots,
        "tags": list(camera.tags),
    }


def visible_camera(request: web.Request, permission: str = "camera.view") -> Camera:
    """Return the path's camera if it is in the space and the caller holds ``permission``."""
    ctx = context(request)
    camera_id = path_int(request, "camera_id")
    try:
        camera = world(request).camera(camera_id)
    except NotFoundError:
        raise ApiError(404) from None
    if camera.space_id != ctx.membership.space_id or not ctx.membership.allows(
        "camera.view", camera.location_id, camera.id
    ):
        raise ApiError(404)
    ctx.require(permission, camera.location_id, camera.id)
    return camera


async def cameras(request: web.Request) -> web.Response:
    """GET /cameras/: paginated cameras with filters (ids, tags, location_id, has_guests)."""
    found = world(request).visible_cameras(context(request).membership)
    ids = request.query.get("ids")
    if ids:
        try:
            wanted = {int(part) for part in ids.split(",") if part}
        except ValueError:
            raise ApiError(400, {"ids": ["Enter a comma separated list of integers."]}) from None
        found = [c for c in found if c.id in wanted]
    tags = request.query.get("tags")
    if tags:
        wanted_tags = {t for t in tags.split(",") if t}
        found = [c for c in found if wanted_tags.intersection(c.tags)]
    location_id = query_int(request, "location_id", minimum=1)
    if location_id is not None:
        found = [c for c in found if c.location_id == location_id]
    if request.query.get("has_guests") in {"1", "true", "True"}:
        found = []  # nobody has guests in the simulator
    return page(request, found, lambda c: camera_json(request, c))


async def camera(request: web.Request) -> web.Response:
    """GET /cameras/{camera_id}/."""
    return web.json_response(camera_json(request, visible_camera(request)))


def _broadcast_camera(request: web.Request, permission: str = "camera.view") -> Broadcasting:
    broadcasting = visible_camera(request, permission).broadcasting
    if broadcasting is None:
        # Every broadcasting endpoint answers 404 without the Broadcasting service.
        raise ApiError(404, "Broadcasting service is not active on this camera.")
    return broadcasting


async def broadcasting(request: web.Request) -> web.Response:
    """GET /cameras/{camera_id}/broadcasting/."""
    found = _broadcast_camera(request)
    # `streams` is null: the simulated plan does not broadcast through the API.
    return web.json_response(
        {"enabled": found.enabled, "public_page": found.public_page, "streams": None}
    )


def _broadcast_switch(enabled: bool) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        _broadcast_camera(request, "camera.broadcasting.manage").enabled = enabled
        return no_content()

    return handler


def location_json(location: Location, cameras_count: int) -> dict[str, Any]:
    """Render a LocationObject; a pending delayed arm/disarm shows as next_(dis)arming."""
    pending = location.pending
    return {
        "id": location.id,
        "name": location.name,
        "description": location.description,
        "is_armed": location.is_armed,
        "next_arming": stamp(pending.due) if pending and pending.armed else None,
        "next_disarming": stamp(pending.due) if pending and not pending.armed else None,
        "cameras_count": cameras_count,
    }


def _render_location(request: web.Request, location: Location) -> dict[str, Any]:
    count = sum(1 for c in world(request).cameras.values() if c.location_id == location.id)
    return location_json(location, count)


async def locations(request: web.Request) -> web.Response:
    """GET /locations/: paginated locations the caller may view."""
    found = world(request).visible_locations(context(request).membership)
    return page(request, found, lambda loc: _render_location(request, loc))


async def location(request: web.Request) -> web.Response:
    """GET /locations/{location_id}/."""
    visible = world(request).visible_locations(context(request).membership)
    found = by_id(visible, path_int(request, "location_id"))
    return web.json_response(_render_location(request, found))


def _arrow_json(client: ArrowClient) -> dict[str, Any]:
    return {"uuid": client.uuid, "mac": client.mac, "ip": client.ip}


def _arrow_clients(request: web.Request) -> list[ArrowClient]:
    ctx = context(request)
    return sorted(
        (a for a in world(request).arrow_clients.values() if a.space_id == ctx.membership.space_id),
        key=lambda a: a.uuid,
    )


async def arrow_clients(request: web.Request) -> web.Response:
    """GET /arrow-clients/ (optionally filtered by MAC in any separator style)."""
    found = _arrow_clients(request)
    mac = request.query.get("mac")
    if mac:
        wanted = mac.replace("-", "").replace(":", "").lower()
        found = [a for a in found if a.mac.replace(":", "").lower() == wanted]
    return page(request, found, _arrow_json)


async def arrow_client(request: web.Request) -> web.Response:
    """GET /arrow-clients/{uuid}/ with its online status."""
    found = {a.uuid: a for a in _arrow_clients(request)}.get(request.match_info["uuid"])
    if found is None:
        raise ApiError(404)
    return web.json_response(
        {**_arrow_json(found), "status": "online" if found.online else "offline", "scanning": False}
    )


def routes() -> list[web.RouteDef]:
    """Return the account routes (under /v1)."""
    return [
        web.get("/v1/me/", me),
        web.get("/v1/spaces/", spaces),
        web.get("/v1/spaces/{space_id}/", space),
        web.get("/v1/spaces/{space_id}/permissions/", permissions),
        web.get("/v1/cameras/", cameras),
        web.get("/v1/cameras/{camera_id}/", camera),
        web.get("/v1/cameras/{camera_id}/broadcasting/", broadcasting),
        web.post("/v1/cameras/{camera_id}/broadcasting/start/", _broadcast_switch(enabled=True)),
        web.post("/v1/cameras/{camera_id}/broadcasting/stop/", _broadcast_switch(enabled=False)),
        web.get("/v1/locations/", locations),
        web.get("/v1/locations/{location_id}/", location),
        web.get("/v1/arrow-clients/", arrow_clients),
        web.get("/v1/arrow-clients/{uuid}/", arrow_client),
    ]
