"""NovaVMSPush on its own: what each delivery changes, its verifier, its webhook's life."""

from __future__ import annotations

from dataclasses import replace
import json
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.camhub.providers import NovaVMSClient
from custom_components.camhub.providers.errors import (
    PermissionDeniedError,
    ProtocolError,
    RequestRejectedError,
)
from custom_components.camhub.providers.model import (
    Camera,
    CameraEvent,
    Gateway,
    PushMessage,
    Snapshot,
)
from custom_components.camhub.providers.motion import NOVAVMS_EVENT_LENGTH, MotionTracker
from custom_components.camhub.providers.novavms.client import EVENT_TYPES
from custom_components.camhub.providers.novavms.push import NovaVMSPush, event_type
from custom_components.camhub.providers.novavms.webhook import (
    parse_novavms_webhook,
    signature,
)
from custom_components.camhub.providers.push import (
    ISSUE_NEEDS_SECRET,
    PushContext,
    PushSupport,
    PushUnavailableError,
)
from simulator.control import SimClock
from tests.providers.samples import NOVA_EVENT
from tests.two_hosts import serve_app

JPEG_START = b"\xff\xd8"
ALERT: dict[str, Any] = {"alert_id": "a1", "rule_id": "r1", "rule_name": "Any motion"}
URL = "https://ha.example.org/api/webhook/x"


def _event(camera_id: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {**NOVA_EVENT, "camera_id": camera_id, "trigger_type": kind, "tags": [], **fields}


def _message(event_type: str, data: dict[str, Any]) -> PushMessage:
    body = {"event_type": event_type, "timestamp": "2026-04-21T12:00:00Z", "data": data}
    return parse_novavms_webhook(json.dumps(body).encode())


@pytest.fixture
async def snapshot(novavms: NovaVMSClient) -> Snapshot:
    """The demo organisation as the client reads it."""
    return await novavms.async_fetch_snapshot_state()


@pytest.fixture
def push(novavms: NovaVMSClient, creds: dict[str, Any]) -> NovaVMSPush:
    return NovaVMSPush(novavms, api_url=creds["novavms"]["url"])


def _camera(snapshot: Snapshot) -> Camera:
    return next(c for c in snapshot.cameras.values() if c.online)


def test_it_is_a_push_support(push: NovaVMSPush, creds: dict[str, Any]) -> None:
    support: PushSupport = push
    assert "alert" in support.event_types
    assert support.requires_https
    assert support.api_origin() == creds["novavms"]["url"]


@pytest.mark.parametrize(
    ("kind", "tags", "expected"),
    [
        ("motion", (), "motion"),
        ("ai_tag", ("person",), "person"),
        ("ai_tag", ("dog", "vehicle"), "vehicle"),
        ("ai_tag", ("dog",), "ai_tag"),
        ("manual", (), "manual"),
        ("line_crossing", (), "motion"),
    ],
)
def test_event_types(kind: str, tags: tuple[str, ...], expected: str, clock: SimClock) -> None:
    event = CameraEvent(kind=kind, occurred_at=clock(), camera_id="c", tags=tags)
    assert event_type(event) == expected
    assert expected in NovaVMSPush.event_types


def test_motion_event_turns_motion_on_for_its_length(
    push: NovaVMSPush, snapshot: Snapshot, clock: SimClock
) -> None:
    camera = _camera(snapshot)
    message = _message(
        "event",
        _event(camera.id, "ai_tag", tags=["vehicle"], summary="A"),
    )
    assert message.event is not None
    motion = MotionTracker()
    outcome = push.apply(message, snapshot, motion, clock())
    assert motion.until(camera.id) == message.event.occurred_at + NOVAVMS_EVENT_LENGTH
    assert (outcome.snapshot, outcome.devices) == (snapshot, (("camera", camera.id),))
    [fired] = outcome.events
    assert (fired.event_type, fired.attributes) == (
        "vehicle",
        {"event_id": "e1", "title": "A", "acknowledged": False, "tags": ["vehicle"]},
    )
    # The event names its snapshot: that is its picture, taken when the event happened.
    [picture] = outcome.pictures
    assert (picture.camera_id, picture.taken_at) == (camera.id, message.event.occurred_at)


def test_other_event_fires_without_motion(
    push: NovaVMSPush, snapshot: Snapshot, clock: SimClock
) -> None:
    camera = _camera(snapshot)
    message = _message(
        "event", _event(camera.id, "manual", id="e2", snapshot_url=None, acknowledged=True)
    )
    motion = MotionTracker()
    outcome = push.apply(message, snapshot, motion, clock())
    assert motion.cameras() == set()
    # No snapshot named: no picture.
    assert (outcome.snapshot, outcome.devices, outcome.pictures) == (None, (), ())
    assert [(e.event_type, dict(e.attributes)) for e in outcome.events] == [
        ("manual", {"event_id": "e2", "title": "Dock", "acknowledged": True})
    ]
    unknown = _message("event", _event("nope", "motion"))
    assert push.apply(unknown, snapshot, motion, clock()) == type(outcome)()


async def test_alert_fires_the_event_and_an_incident_with_an_image(
    push: NovaVMSPush, novavms: NovaVMSClient, snapshot: Snapshot, clock: SimClock
) -> None:
    camera = _camera(snapshot)
    [event] = await novavms.async_fetch_events(camera_id=camera.id, limit=1)
    data = {**ALERT, "camera_id": camera.id, "event_id": event.id}
    outcome = push.apply(_message("alert", data), snapshot, MotionTracker(), clock())
    assert outcome.snapshot is None
    [fired] = outcome.events
    assert (fired.event_type, fired.attributes) == (
        "alert",
        {"alert_id": "a1", "event_id": event.id, "title": "Any motion"},
    )
    [incident] = outcome.incidents
    assert (incident.camera_id, incident.incident_id, incident.title) == (
        camera.id,
        "a1",
        "Any motion",
    )
    assert (await incident.picture.fetch()).startswith(JPEG_START)
    # Without an event, the camera's newest event snapshot stands in.
    data = {**ALERT, "camera_id": camera.id}
    [without] = push.apply(_message("alert", data), snapshot, MotionTracker(), clock()).incidents
    assert (await without.picture.fetch()).startswith(JPEG_START)
    other = {**ALERT, "camera_id": "nope"}
    assert push.apply(_message("alert", other), snapshot, MotionTracker(), clock()).events == ()


async def test_an_alert_whose_event_has_no_snapshot_shows_the_cameras_newest(
    snapshot: Snapshot, clock: SimClock
) -> None:
    """An event without `snapshot_url` (the simulator always names one): the camera's newest."""
    camera = _camera(snapshot)
    picture = JPEG_START + b"newest"
    origin: list[str] = []

    async def event(_request: web.Request) -> web.Response:
        return web.json_response(_event(camera.id, "motion", id="e1", snapshot_url=None))

    async def events(_request: web.Request) -> web.Response:
        newest = _event(camera.id, "motion", id="e2", snapshot_url=f"{origin[0]}/storage/e2.jpg")
        return web.json_response({"data": [newest], "next_cursor": None, "total": 1})

    async def stored(_request: web.Request) -> web.Response:
        return web.Response(body=picture, content_type="image/jpeg")

    app = web.Application()
    app.router.add_get("/api/v1/events/e1", event)
    app.router.add_get("/api/v1/events", events)
    app.router.add_get("/storage/e2.jpg", stored)
    async with serve_app(app) as base, aiohttp.ClientSession() as session:
        origin.append(base)
        client = NovaVMSClient(session, api_key="sk_live_x", base_url=base)
        data = {**ALERT, "camera_id": camera.id, "event_id": "e1"}
        outcome = NovaVMSPush(client, api_url=base).apply(
            _message("alert", data), snapshot, MotionTracker(), clock()
        )
        [incident] = outcome.incidents
        assert await incident.picture.fetch() == picture


def test_camera_status(push: NovaVMSPush, snapshot: Snapshot, clock: SimClock) -> None:
    camera = _camera(snapshot)
    message = _message("camera_status", {"camera_id": camera.id, "status": "offline"})
    outcome = push.apply(message, snapshot, MotionTracker(), clock())
    assert outcome.snapshot is not None
    assert outcome.snapshot.cameras[camera.id].online is False
    assert outcome.devices == (("camera", camera.id),)
    assert push.apply(message, outcome.snapshot, MotionTracker(), clock()).snapshot is None


def test_gateway_status_takes_the_cameras_behind_it(
    push: NovaVMSPush, snapshot: Snapshot, clock: SimClock
) -> None:
    gateway = Gateway(id="g1", name="Gate", site_id=None, online=True, status="online")
    camera = replace(_camera(snapshot), gateway_id="g1")
    snapshot = replace(
        snapshot, gateways={"g1": gateway}, cameras={**snapshot.cameras, camera.id: camera}
    )
    message = _message("gateway_status", {"gateway_id": "g1", "status": "offline"})
    outcome = push.apply(message, snapshot, MotionTracker(), clock())
    assert outcome.snapshot is not None
    assert outcome.snapshot.gateways["g1"].status == "offline"
    assert outcome.snapshot.cameras[camera.id].online is False
    assert outcome.devices == (("gateway", "g1"), ("camera", camera.id))
    # The cameras behind it were offline already: the gateway alone.
    again = replace(message, online=False)
    after = push.apply(
        again, replace(outcome.snapshot, gateways={"g1": gateway}), MotionTracker(), clock()
    )
    assert after.devices == (("gateway", "g1"),)
    unknown = _message("gateway_status", {"gateway_id": "g9", "status": "offline"})
    assert push.apply(unknown, snapshot, MotionTracker(), clock()).snapshot is None
    assert push.apply(_message("other", {}), snapshot, MotionTracker(), clock()).snapshot is None


def _context(**data: Any) -> PushContext:
    options = {"webhook_secret": data.pop("pasted")} if "pasted" in data else {}
    return PushContext(url=URL, instance="abcd1234", data=data, options=options)


async def test_register_creates_then_finds_the_webhook_and_unregisters_it(
    push: NovaVMSPush, novavms: NovaVMSClient, clock: SimClock
) -> None:
    target = await push.async_register(_context())
    assert target.target_id is not None
    [hook] = [h for h in await novavms.async_fetch_webhooks() if h.url == URL]
    assert hook.id == target.target_id
    # Found again with the stored secret: nothing new on the account.
    again = await push.async_register(
        _context(push_target_id=target.target_id, push_secret=target.secret)
    )
    assert again == target
    assert len([h for h in await novavms.async_fetch_webhooks() if h.url == URL]) == 1
    verifier = push.verifier(target.secret, clock)
    body = b"{}"
    headers = {
        "X-Webhook-Signature": signature(target.secret, body),
        "X-Webhook-ID": "d-1",
        "X-Webhook-Timestamp": clock().strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    with pytest.raises(ProtocolError, match="event_type"):
        verifier.verify(body, headers)
    await push.async_unregister(target.target_id)
    assert [h for h in await novavms.async_fetch_webhooks() if h.url == URL] == []
    # Gone already: quiet.
    await push.async_unregister(target.target_id)


async def test_unregister_passes_on_other_refusals(
    make_novavms: Any, creds: dict[str, Any]
) -> None:
    viewer = NovaVMSPush(make_novavms("viewer"), api_url=creds["novavms"]["url"])
    with pytest.raises(PermissionDeniedError):
        await viewer.async_unregister("w-1")


async def test_a_webhook_nobody_can_read_the_secret_of_is_replaced_or_reported() -> None:
    """A server (not ours) that hides every secret: delete, create, and still no secret."""
    hook = {"id": "w1", "name": "CamHub", "url": URL, "event_types": list(EVENT_TYPES)}
    seen: list[str] = []

    async def answer(request: web.Request) -> web.Response:
        seen.append(f"{request.method} {request.path}")
        match request.method, request.path:
            case "GET", "/api/v1/webhooks":
                return web.json_response({"data": [hook], "next_cursor": None, "total": 1})
            case "GET", _:
                return web.json_response({"error": "forbidden", "message": "admin"}, status=403)
            case "DELETE", "/api/v1/webhooks/w1":
                return web.Response(status=204)
            case "DELETE", _:
                return web.json_response({"error": "conflict", "message": "busy"}, status=409)
            case _:
                return web.json_response(hook, status=201)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    async with serve_app(app) as base, aiohttp.ClientSession() as session:
        push = NovaVMSPush(NovaVMSClient(session, api_key="sk_live_x", base_url=base), api_url=base)
        with pytest.raises(PushUnavailableError) as problem:
            await push.async_register(_context())
        assert problem.value.issue == ISSUE_NEEDS_SECRET
        assert seen == [
            "GET /api/v1/webhooks",
            "GET /api/v1/webhooks/w1",
            "DELETE /api/v1/webhooks/w1",
            "POST /api/v1/webhooks",
        ]
        # A refusal other than "not found" is passed on.
        with pytest.raises(RequestRejectedError):
            await push.async_unregister("w2")


async def test_a_viewer_key_uses_the_pasted_secret(
    make_novavms: Any, creds: dict[str, Any]
) -> None:
    viewer = NovaVMSPush(make_novavms("viewer"), api_url=creds["novavms"]["url"])
    with pytest.raises(PushUnavailableError) as problem:
        await viewer.async_register(_context())
    assert (problem.value.issue, problem.value.placeholders) == (ISSUE_NEEDS_SECRET, {"url": URL})
    target = await viewer.async_register(_context(pasted="whsec_pasted"))
    assert (target.target_id, target.secret) == (None, "whsec_pasted")
