"""Tests of the NovaVMS simulator over real HTTP: auth, roles, pagination, limits, webhooks."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
import hashlib
import hmac
import io
import json
from typing import Any

import aiohttp
from aiohttp import web
import av
from PIL import Image
import pytest

from tests.novavms_contract import validate_delivery

from .conftest import Serve, Sim

type Json = dict[str, Any]


async def call(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    json_body: object = None,
    params: dict[str, str] | None = None,
) -> tuple[int, Any, aiohttp.typedefs.LooseHeaders]:
    """Make one request; return status, decoded JSON (or None) and headers."""
    async with session.request(
        method, url, headers=headers, json=json_body, params=params
    ) as response:
        raw = await response.read()
        body = json.loads(raw) if raw and response.content_type == "application/json" else None
        return response.status, body, response.headers


async def get_all(session: aiohttp.ClientSession, url: str, headers: dict[str, str]) -> list[Json]:
    """Follow next_cursor through every page."""
    items: list[Json] = []
    params = {"limit": "2"}
    while True:
        status, body, _ = await call(session, "GET", url, headers=headers, params=params)
        assert status == 200
        items += body["data"]
        if body["next_cursor"] is None:
            return items
        params = {"limit": "2", "cursor": body["next_cursor"]}


def api(sim: Sim, path: str) -> str:
    """Absolute API URL."""
    return f"{sim.url}/api/v1{path}"


def camera_named(sim: Sim, name: str) -> str:
    """Id of the demo camera called ``name``."""
    return next(c.id for c in sim.state.cameras.values() if c.name == name)


# ----- auth, roles, errors -------------------------------------------------------------------


async def test_auth_errors(nova: Sim, session: aiohttp.ClientSession) -> None:
    """Missing token 401 auth_required, unknown 401 invalid_token, disabled 403."""
    status, body, _ = await call(session, "GET", api(nova, "/cameras"))
    assert (status, body["error"]) == (401, "auth_required")
    assert body["request_id"].startswith("req_")
    assert isinstance(body["message"], str)
    status, body, _ = await call(
        session, "GET", api(nova, "/cameras"), headers={"Authorization": "Bearer sk_live_nope"}
    )
    assert (status, body["error"]) == (401, "invalid_token")
    status, body, _ = await call(
        session, "GET", api(nova, "/cameras"), headers={"Authorization": "Basic abc"}
    )
    assert status == 401
    next(k for k in nova.state.keys.values() if k.role == "admin").disabled = True
    status, body, _ = await call(session, "GET", api(nova, "/cameras"), headers=nova.key("admin"))
    assert (status, body["error"]) == (403, "account_disabled")


async def test_error_styles(nova: Sim, session: aiohttp.ClientSession) -> None:
    """The nested shape is selectable; "mixed" nests only the token bucket's 429."""
    async with session.post(f"{nova.url}/_sim/error-style", json={"style": "nested"}) as r:
        assert r.status == 200
    status, body, _ = await call(session, "GET", api(nova, "/cameras"))
    assert status == 401
    assert body == {"error": {"code": "AUTH_REQUIRED", "message": "missing bearer token"}}
    async with session.post(f"{nova.url}/_sim/error-style", json={"style": "odd"}) as r:
        assert r.status == 400
    nova.state.error_style = "mixed"
    nova.state.burst = 1
    headers = nova.key("operator")
    await call(session, "GET", api(nova, "/sites"), headers=headers)
    status, body, _ = await call(session, "GET", api(nova, "/sites"), headers=headers)
    assert (status, body["error"]["code"]) == (429, "RATE_LIMITED")
    assert body["error"]["message"].startswith("rate limit exceeded, retry after")
    status, body, _ = await call(session, "GET", api(nova, "/cameras"))
    assert body["error"] == "auth_required"


async def test_unknown_paths_and_methods(nova: Sim, session: aiohttp.ClientSession) -> None:
    """Unknown API paths and methods answer in the vendor envelope."""
    headers = nova.key("admin")
    status, body, _ = await call(session, "GET", api(nova, "/nothing"), headers=headers)
    assert (status, body["error"]) == (404, "not_found")
    status, body, response_headers = await call(
        session, "PUT", api(nova, "/cameras"), headers=headers
    )
    assert (status, body["error"]) == (405, "method_not_allowed")
    assert "GET" in response_headers["Allow"]
    async with session.get(f"{nova.url}/healthz") as response:
        assert await response.json() == {"status": "ok"}
        assert "X-RateLimit-Limit" not in response.headers


async def test_viewer_is_site_scoped_and_read_only(
    nova: Sim, session: aiohttp.ClientSession
) -> None:
    """A viewer sees only its sites' cameras, gets 403 elsewhere and for writes."""
    viewer = nova.key("viewer")
    cameras = await get_all(session, api(nova, "/cameras"), viewer)
    assert sorted(c["name"] for c in cameras) == ["Lobby", "Parking", "Server room"]
    dock = camera_named(nova, "Dock east")
    status, body, _ = await call(session, "GET", api(nova, f"/cameras/{dock}"), headers=viewer)
    assert (status, body["error"]) == (403, "forbidden")
    lobby = camera_named(nova, "Lobby")
    for method, path, payload in (
        ("POST", "/cameras", {"name": "x"}),
        ("PATCH", f"/cameras/{lobby}", {"name": "x"}),
        ("DELETE", f"/cameras/{lobby}", None),
        ("POST", f"/cameras/{lobby}/trigger", {}),
        ("GET", "/webhooks", None),
        ("POST", "/webhooks", {}),
    ):
        status, body, _ = await call(
            session, method, api(nova, path), headers=viewer, json_body=payload
        )
        assert (status, body["error"]) == (403, "forbidden"), (method, path)
    sites = await get_all(session, api(nova, "/sites"), viewer)
    assert [s["name"] for s in sites] == ["Headquarters"]
    status, body, _ = await call(session, "GET", api(nova, "/gateways"), headers=viewer)
    assert body["total"] == 1


# ----- cameras ---------------------------------------------------------------------------


async def test_camera_pagination_walks_every_camera(
    nova: Sim, session: aiohttp.ClientSession
) -> None:
    """Cursor pages of 2 cover all 6 demo cameras exactly once, with the total."""
    headers = nova.key("operator")
    cameras = await get_all(session, api(nova, "/cameras"), headers)
    assert len(cameras) == len({c["id"] for c in cameras}) == 6
    assert set(cameras[0]) == {
        "id",
        "name",
        "site_id",
        "gateway_id",
        "connection_mode",
        "type",
        "status",
        "active_tier",
    }
    status, body, _ = await call(session, "GET", api(nova, "/cameras"), headers=headers)
    assert (body["total"], len(body["data"]), body["next_cursor"]) == (6, 6, None)
    for params in ({"limit": "0"}, {"limit": "101"}, {"limit": "x"}, {"cursor": "!!"}):
        status, body, _ = await call(
            session, "GET", api(nova, "/cameras"), headers=headers, params=params
        )
        assert (status, body["error"]) == (400, "validation_error"), params
    status, _, _ = await call(
        session,
        "GET",
        api(nova, "/cameras"),
        headers=headers,
        params={"cursor": "eyJvIjogLTF9"},  # {"o": -1}
    )
    assert status == 400


async def test_camera_filters(nova: Sim, session: aiohttp.ClientSession) -> None:
    """Filters by status, type, connection mode, site and gateway; bad enums answer 400."""
    headers = nova.key("admin")

    async def names(**params: str) -> list[str]:
        status, body, _ = await call(
            session, "GET", api(nova, "/cameras"), headers=headers, params=params
        )
        assert status == 200
        return sorted(c["name"] for c in body["data"])

    assert await names(status="offline") == ["Dock west"]
    assert await names(type="rtsp", connection_mode="direct") == ["Yard"]
    warehouse = next(s.id for s in nova.state.sites.values() if s.name == "Warehouse")
    assert await names(site_id=warehouse) == ["Dock east", "Dock west", "Yard"]
    gateway = next(g.id for g in nova.state.gateways.values() if g.site_id == warehouse)
    assert await names(gateway_id=gateway) == ["Dock east", "Dock west"]
    status, body, _ = await call(
        session, "GET", api(nova, "/cameras"), headers=headers, params={"status": "asleep"}
    )
    assert (status, body["error"]) == (400, "validation_error")


def onvif_camera(sim: Sim, name: str) -> Json:
    """A valid gateway-bound ONVIF camera body for the first site."""
    site = next(iter(sim.state.sites))
    return {
        "site_id": site,
        "gateway_id": next(g.id for g in sim.state.gateways.values() if g.site_id == site),
        "name": name,
        "type": "onvif",
        "host": "10.0.0.63",
        "onvif_username": "admin",
        "onvif_password": "s3cret",
    }


async def test_camera_create_get_patch_delete(nova: Sim, session: aiohttp.ClientSession) -> None:
    """Operators create, read, rename and soft-delete cameras."""
    headers = nova.key("operator")
    onvif = onvif_camera(nova, "Back door")
    status, created, _ = await call(
        session, "POST", api(nova, "/cameras"), headers=headers, json_body=onvif
    )
    assert status == 201
    assert (created["status"], created["connection_mode"]) == ("online", "gateway")
    status, fetched, _ = await call(
        session, "GET", api(nova, f"/cameras/{created['id']}"), headers=headers
    )
    assert fetched == created
    assert {"stream_transport", "created_at"} <= set(fetched)

    async def patch(body: Json) -> tuple[int, Json]:
        url = api(nova, f"/cameras/{created['id']}")
        status, answer, _ = await call(session, "PATCH", url, headers=headers, json_body=body)
        return status, answer

    status, patched = await patch({"name": "Back door (rev 2)"})
    assert (status, patched["name"]) == (200, "Back door (rev 2)")
    status, body = await patch({"onvif_password": "wrong"})
    assert (status, body["error"]) == (400, "validation_error")
    status, body = await patch({"site_id": "00000000-0000-0000-0000-000000000000"})
    assert (status, body["error"]) == (404, "not_found")
    status, _, _ = await call(
        session, "DELETE", api(nova, f"/cameras/{created['id']}"), headers=headers
    )
    assert status == 204
    status, body, _ = await call(
        session, "GET", api(nova, f"/cameras/{created['id']}"), headers=headers
    )
    assert (status, body["error"]) == (404, "not_found")
    assert created["id"] not in {
        c["id"] for c in await get_all(session, api(nova, "/cameras"), headers)
    }


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"type": "thermal"}, 400, "validation_error"),
        ({"name": ""}, 400, "validation_error"),
        ({"host": None}, 400, "validation_error"),
        ({"gateway_id": None}, 400, "validation_error"),
        ({"site_id": "00000000-0000-0000-0000-000000000000"}, 404, "not_found"),
        ({"gateway_id": "00000000-0000-0000-0000-000000000000"}, 404, "not_found"),
        ({"onvif_password": "wrong"}, 400, "validation_error"),
    ],
)
async def test_camera_create_validation(
    nova: Sim, session: aiohttp.ClientSession, change: Json, status: int, code: str
) -> None:
    """Missing or wrong fields, unknown sites/gateways and failed checks are refused."""
    body = onvif_camera(nova, "Cam") | change
    body = {k: v for k, v in body.items() if v is not None}
    got, answer, _ = await call(
        session, "POST", api(nova, "/cameras"), headers=nova.key("admin"), json_body=body
    )
    assert (got, answer["error"]) == (status, code)


async def test_direct_camera_registers_asynchronously(
    nova: Sim, session: aiohttp.ClientSession
) -> None:
    """A direct-mode camera is pending until its (simulated) registration finishes."""
    headers = nova.key("operator")
    body = {
        "site_id": next(iter(nova.state.sites)),
        "connection_mode": "direct",
        "name": "Street",
        "type": "rtsp",
        "rtsp_url": "rtsp://10.0.0.5/stream",
    }
    status, created, _ = await call(
        session, "POST", api(nova, "/cameras"), headers=headers, json_body=body
    )
    assert (status, created["status"], created["gateway_id"]) == (201, "pending", None)
    nova.clock.advance(5)
    status, fetched, _ = await call(
        session, "GET", api(nova, f"/cameras/{created['id']}"), headers=headers
    )
    assert fetched["status"] == "online"
    status, body, _ = await call(
        session, "POST", api(nova, "/cameras"), headers=headers, json_body=[1]
    )
    assert status == 400
    async with session.post(api(nova, "/cameras"), headers=headers, data=b"{") as response:
        assert response.status == 400


# ----- trigger ------------------------------------------------------------------------------


async def test_trigger_five_second_rule(nova: Sim, session: aiohttp.ClientSession) -> None:
    """One trigger per camera per 5 s: 202, then 429 with Retry-After, then 202 again."""
    headers = nova.key("operator")
    lobby, parking = camera_named(nova, "Lobby"), camera_named(nova, "Parking")
    url = api(nova, f"/cameras/{lobby}/trigger")
    status, body, _ = await call(
        session, "POST", url, headers=headers, json_body={"duration_sec": 30, "note": "walk"}
    )
    assert status == 202
    assert body["expected_clip_duration_sec"] == 30
    assert body["started_at"] == "2026-04-21T12:00:00Z"
    status, error, response_headers = await call(session, "POST", url, headers=headers)
    assert (status, error["error"], response_headers["Retry-After"]) == (429, "rate_limited", "5")
    # Another camera is not affected.
    status, _, _ = await call(
        session, "POST", api(nova, f"/cameras/{parking}/trigger"), headers=headers
    )
    assert status == 202
    nova.clock.advance(4.9)
    status, _, _ = await call(session, "POST", url, headers=headers)
    assert status == 429
    nova.clock.advance(0.1)
    status, second, _ = await call(session, "POST", url, headers=headers)
    assert (status, second["expected_clip_duration_sec"]) == (202, 15)
    events = await get_all(session, api(nova, "/events"), headers)
    manual = [e for e in events if e["id"] == body["event_id"]]
    assert manual[0]["trigger_type"] == "manual"
    assert manual[0]["ai_status"] == "skipped"
    assert not nova.state.alerts  # manual events never match alert rules


@pytest.mark.parametrize(
    "payload", [{"duration_sec": 4}, {"duration_sec": 61}, {"duration_sec": "10"}]
)
async def test_trigger_duration_bounds(
    nova: Sim, session: aiohttp.ClientSession, payload: Json
) -> None:
    """duration_sec outside 5-60 is a validation error (and does not start the 5 s window)."""
    url = api(nova, f"/cameras/{camera_named(nova, 'Lobby')}/trigger")
    status, body, _ = await call(session, "POST", url, headers=nova.key("admin"), json_body=payload)
    assert (status, body["error"]) == (400, "validation_error")
    status, _, _ = await call(
        session, "POST", url, headers=nova.key("admin"), json_body={"duration_sec": 5}
    )
    assert status == 202


async def test_trigger_offline_camera(nova: Sim, session: aiohttp.ClientSession) -> None:
    """An offline camera cannot record: 400 ai_unavailable."""
    url = api(nova, f"/cameras/{camera_named(nova, 'Dock west')}/trigger")
    status, body, _ = await call(session, "POST", url, headers=nova.key("operator"))
    assert (status, body["error"]) == (400, "ai_unavailable")


# ----- rate limit --------------------------------------------------------------------------


async def test_token_bucket_headers_and_429(nova: Sim, session: aiohttp.ClientSession) -> None:
    """Every response carries X-RateLimit-*; an empty bucket answers 429 with Retry-After."""
    headers = nova.key("operator")
    status, _, first = await call(session, "GET", api(nova, "/sites"), headers=headers)
    assert first["X-RateLimit-Limit"] == "1000"
    assert first["X-RateLimit-Remaining"] == "99"
    assert int(first["X-RateLimit-Reset"]) >= int(nova.clock().timestamp())
    for expected in range(98, -1, -1):
        status, _, seen = await call(session, "GET", api(nova, "/sites"), headers=headers)
        assert (status, seen["X-RateLimit-Remaining"]) == (200, str(expected))
    status, body, limited = await call(session, "GET", api(nova, "/sites"), headers=headers)
    assert (status, body["error"]) == (429, "rate_limited")
    assert limited["Retry-After"] == "1"
    assert limited["X-RateLimit-Remaining"] == "0"
    # Another key has its own bucket.
    status, _, _ = await call(session, "GET", api(nova, "/sites"), headers=nova.key("admin"))
    assert status == 200
    nova.clock.advance(0.06)  # 1000/min refills one token every 0.06 s
    status, _, _ = await call(session, "GET", api(nova, "/sites"), headers=headers)
    assert status == 200
    assert nova.log.count(status=429) == 1


async def test_error_responses_carry_rate_headers(
    nova: Sim, session: aiohttp.ClientSession
) -> None:
    """Errors after authentication still report the bucket."""
    status, _, headers = await call(
        session, "GET", api(nova, "/cameras/nope"), headers=nova.key("operator")
    )
    assert status == 404
    assert headers["X-RateLimit-Remaining"] == "99"


# ----- events, alerts, media ----------------------------------------------------------------


async def test_events_filters_ack_and_ai(nova: Sim, session: aiohttp.ClientSession) -> None:
    """Events list newest first, filter, settle AI analysis with time, and can be acknowledged."""
    headers = nova.key("operator")
    events = await get_all(session, api(nova, "/events"), headers)
    assert [e["trigger_type"] for e in events] == ["manual", "ai_tag", "motion"]
    assert (events[1]["ai_status"], events[1]["tags"]) == ("completed", ["person"])
    assert set(events[0]) >= {
        "id",
        "camera_id",
        "camera_name",
        "camera_deleted",
        "triggered_at",
        "summary",
        "tags",
        "acknowledged",
        "starred",
        "snapshot_url",
    }

    async def ids(**params: str) -> list[str]:
        status, body, _ = await call(
            session, "GET", api(nova, "/events"), headers=headers, params=params
        )
        assert status == 200, body
        return [e["id"] for e in body["data"]]

    assert await ids(trigger_type="motion") == [events[2]["id"]]
    assert await ids(camera_id=events[1]["camera_id"]) == [events[1]["id"]]
    assert await ids(date_from="2026-04-21T11:00:00Z") == [events[0]["id"], events[1]["id"]]
    assert await ids(date_to="2026-04-21T10:45:00+00:00") == [events[2]["id"]]
    assert len(await ids(date_from="2026-04-21", date_to="2026-04-21")) == 3
    assert await ids(date_to="2026-04-20") == []
    assert await ids(ai_status="skipped") == [events[0]["id"]]
    assert await ids(starred="true") == []
    for params in ({"date_from": "yesterday"}, {"trigger_type": "sound"}):
        status, body, _ = await call(
            session, "GET", api(nova, "/events"), headers=headers, params=params
        )
        assert (status, body["error"]) == (400, "validation_error")
    detail_url = api(nova, f"/events/{events[1]['id']}")
    status, detail, _ = await call(session, "GET", detail_url, headers=headers)
    assert detail["prev_event_id"] == events[2]["id"]
    assert detail["next_event_id"] == events[0]["id"]
    fresh = nova.state.fire_event(events[1]["camera_id"], "ai_tag")
    fresh_url = api(nova, f"/events/{fresh.id}")
    status, pending, _ = await call(session, "GET", fresh_url, headers=headers)
    assert (pending["ai_status"], pending["summary"], pending["next_event_id"]) == (
        "pending",
        None,
        None,
    )
    nova.clock.advance(10)
    status, analysed, _ = await call(session, "GET", fresh_url, headers=headers)
    assert (analysed["ai_status"], analysed["tags"]) == ("completed", ["person"])
    assert analysed["summary"] == analysed["narrative"] != None  # noqa: E711
    status, acked, _ = await call(
        session, "PATCH", detail_url, headers=headers, json_body={"acknowledged": True}
    )
    assert (status, acked["acknowledged"]) == (200, True)
    status, body, _ = await call(
        session, "PATCH", detail_url, headers=headers, json_body={"starred": "yes"}
    )
    assert status == 400
    status, body, _ = await call(
        session, "PATCH", detail_url, headers=nova.key("viewer"), json_body={"acknowledged": True}
    )
    assert status == 403
    status, body, _ = await call(session, "GET", api(nova, "/events/missing"), headers=headers)
    assert status == 404


async def test_viewer_events_outside_scope(nova: Sim, session: aiohttp.ClientSession) -> None:
    """Viewers list only their sites' events and get 403 on others."""
    dock = camera_named(nova, "Dock east")
    nova.state.fire_event(dock)
    viewer = nova.key("viewer")
    events = await get_all(session, api(nova, "/events"), viewer)
    assert dock not in {e["camera_id"] for e in events}
    hidden = next(e for e in nova.state.events.values() if e.camera_id == dock)
    status, _, _ = await call(session, "GET", api(nova, f"/events/{hidden.id}"), headers=viewer)
    assert status == 403
    assert (await get_all(session, api(nova, "/alerts"), viewer)) == []


async def test_signed_snapshot_and_clip(nova: Sim, session: aiohttp.ClientSession) -> None:
    """Event media URLs are signed and expire; the snapshot is a JPEG, the clip H.264."""
    headers = nova.key("operator")
    event = (await get_all(session, api(nova, "/events"), headers))[0]
    async with session.get(event["snapshot_url"]) as response:
        assert (response.status, response.content_type) == (200, "image/jpeg")
        with Image.open(io.BytesIO(await response.read())) as image:
            assert image.format == "JPEG"
    _, detail, _ = await call(session, "GET", api(nova, f"/events/{event['id']}"), headers=headers)
    async with session.get(detail["clip_url"]) as response:
        assert response.content_type == "video/mp2t"
        clip = await response.read()
    with av.open(io.BytesIO(clip), format="mpegts") as container:
        frames = list(container.decode(video=0))
    assert len(frames) >= detail["clip_duration_sec"] * 5
    forged = event["snapshot_url"].replace("X-Goog-Signature=", "X-Goog-Signature=0")
    async with session.get(forged) as response:
        assert response.status == 403
    unknown = event["snapshot_url"].replace(event["id"], "missing")
    async with session.get(unknown) as response:
        assert response.status == 403  # the signature covers the path
    nova.clock.advance(3601)
    async with session.get(event["snapshot_url"]) as response:
        assert (response.status, await response.text()) == (400, "ExpiredToken")


async def test_signed_url_for_missing_event(nova: Sim, session: aiohttp.ClientSession) -> None:
    """A valid signature for an object that does not exist answers 404."""
    url = nova.state.signed_url(nova.url, "/storage/bkt-cloud-ai/missing.jpg")
    assert url is not None
    async with session.get(url) as response:
        assert response.status == 404


async def test_alerts_and_cooldown(nova: Sim, session: aiohttp.ClientSession) -> None:
    """Motion fires the built-in rule once per camera per cooldown; alerts filter and detail."""
    lobby = camera_named(nova, "Lobby")
    nova.state.fire_event(lobby)
    nova.state.fire_event(lobby)
    nova.clock.advance(301)
    nova.state.fire_event(lobby, "ai_tag")
    headers = nova.key("viewer")
    alerts = await get_all(session, api(nova, "/alerts"), headers)
    assert len(alerts) == 2
    assert alerts[0]["fired_at"] > alerts[1]["fired_at"]
    assert set(alerts[0]) == {
        "id",
        "rule_id",
        "rule_name",
        "event_id",
        "camera_id",
        "status",
        "fired_at",
        "acknowledged_at",
    }
    status, body, _ = await call(
        session, "GET", api(nova, "/alerts"), headers=headers, params={"status": "resolved"}
    )
    assert body["total"] == 0
    status, body, _ = await call(
        session,
        "GET",
        api(nova, "/alerts"),
        headers=headers,
        params={"rule_id": alerts[0]["rule_id"], "date_from": "2026-04-21T12:03:00Z"},
    )
    assert [a["id"] for a in body["data"]] == [alerts[0]["id"]]
    status, one, _ = await call(
        session, "GET", api(nova, f"/alerts/{alerts[0]['id']}"), headers=headers
    )
    assert one == alerts[0]
    nova.state.alerts[alerts[0]["id"]].acknowledged_at = nova.clock()
    status, timeline, _ = await call(
        session, "GET", api(nova, f"/alerts/{alerts[0]['id']}/timeline"), headers=headers
    )
    assert [e["action"] for e in timeline["entries"]] == ["fired", "acknowledged"]
    status, _, _ = await call(session, "GET", api(nova, "/alerts/missing"), headers=headers)
    assert status == 404


RULE: Json = {
    "name": "Dock only",
    "trigger_type": "motion",
    "scope_type": "by_camera",
    "recipients": ["dock@example.com"],
    "cooldown_sec": 60,
}


async def test_alert_rules_crud_for_operators(nova: Sim, session: aiohttp.ClientSession) -> None:
    """Operators list, create, change and delete rules; viewers may not even read them."""
    status, body, _ = await call(
        session, "GET", api(nova, "/alert-rules"), headers=nova.key("viewer")
    )
    assert (status, body["error"]) == (403, "forbidden")
    operator = nova.key("operator")
    (built_in,) = await get_all(session, api(nova, "/alert-rules"), operator)
    assert (built_in["name"], built_in["trigger_type"], built_in["enabled"]) == (
        "Any motion",
        "motion",
        True,
    )
    dock = camera_named(nova, "Dock east")
    rule = {**RULE, "camera_ids": [dock]}
    status, created, _ = await call(
        session, "POST", api(nova, "/alert-rules"), headers=operator, json_body=rule
    )
    assert status == 201
    assert (created["scope_type"], created["camera_ids"], created["cooldown_sec"]) == (
        "by_camera",
        [dock],
        60,
    )
    status, body, _ = await call(
        session, "POST", api(nova, "/alert-rules"), headers=operator, json_body=rule
    )
    assert (status, body["error"]) == (409, "conflict")
    url = api(nova, f"/alert-rules/{created['id']}")
    status, body, _ = await call(
        session, "PATCH", url, headers=operator, json_body={"enabled": False}
    )
    assert (status, body["enabled"], body["name"]) == (200, False, "Dock only")
    status, body, _ = await call(session, "GET", url, headers=operator)
    assert (status, body["enabled"]) == (200, False)
    status, _, _ = await call(session, "DELETE", url, headers=operator)
    assert status == 204
    status, body, _ = await call(session, "GET", url, headers=operator)
    assert (status, body["error"]) == (404, "not_found")


@pytest.mark.parametrize(
    "change",
    [
        {"name": "ab"},
        {"trigger_type": "sound"},
        {"scope_type": "by_zone"},
        {"schedule_type": "weekends"},
        {"cooldown_sec": 59},
        {"cooldown_sec": True},
        {"min_confidence": 1.5},
        {"recipients": []},
        {"custom_tags": ["x"] * 21},
        {"camera_ids": "all"},
        {"enabled": "yes"},
        {"recipients": None},
    ],
)
async def test_alert_rule_validation(
    nova: Sim, session: aiohttp.ClientSession, change: Json
) -> None:
    body = {key: value for key, value in {**RULE, **change}.items() if value is not None}
    await _refused(nova, session, "/alert-rules", body)


async def _refused(nova: Sim, session: aiohttp.ClientSession, path: str, body: Json) -> None:
    """An operator's POST of `body` is refused as invalid."""
    status, answer, _ = await call(
        session, "POST", api(nova, path), headers=nova.key("operator"), json_body=body
    )
    assert (status, answer["error"]) == (400, "validation_error")


async def test_alert_rules_decide_which_alerts_fire(
    nova: Sim, session: aiohttp.ClientSession
) -> None:
    """A disabled rule fires nothing, a camera-scoped one only for its cameras; own cooldowns."""
    state = nova.state
    (built_in,) = state.alert_rules.values()
    dock, lobby = camera_named(nova, "Dock east"), camera_named(nova, "Lobby")
    status, _, _ = await call(
        session,
        "POST",
        api(nova, "/alert-rules"),
        headers=nova.key("operator"),
        json_body={**RULE, "camera_ids": [dock]},
    )
    assert status == 201
    state.fire_event(dock)
    state.fire_event(lobby)
    fired = sorted((a.rule_name, state.cameras[a.camera_id].name) for a in state.alerts.values())
    assert fired == [
        ("Any motion", "Dock east"),
        ("Any motion", "Lobby"),
        ("Dock only", "Dock east"),
    ]
    # Within 300 s the built-in rule waits; the 60 s rule fires again.
    nova.clock.advance(61)
    state.fire_event(dock)
    assert len(state.alerts) == 4
    await call(
        session,
        "PATCH",
        api(nova, f"/alert-rules/{built_in.id}"),
        headers=nova.key("operator"),
        json_body={"enabled": False},
    )
    nova.clock.advance(301)
    state.fire_event(lobby)
    assert len(state.alerts) == 4


async def test_sites_carry_org_id_and_gateways_have_no_cursor(
    nova: Sim, session: aiohttp.ClientSession
) -> None:
    """Sites expose the organisation id; the gateway list is {data, total} only."""
    headers = nova.key("admin")
    sites = await get_all(session, api(nova, "/sites"), headers)
    assert {s["org_id"] for s in sites} == {nova.state.org_id}
    status, site, _ = await call(
        session, "GET", api(nova, f"/sites/{sites[1]['id']}"), headers=headers
    )
    assert site == sites[1]
    status, _, _ = await call(
        session, "GET", api(nova, f"/sites/{sites[1]['id']}"), headers=nova.key("viewer")
    )
    assert status == 403
    status, _, _ = await call(session, "GET", api(nova, "/sites/missing"), headers=headers)
    assert status == 404
    status, gateways, _ = await call(session, "GET", api(nova, "/gateways"), headers=headers)
    assert set(gateways) == {"data", "total"}
    assert gateways["total"] == 2
    gateway = gateways["data"][1]
    status, one, _ = await call(
        session, "GET", api(nova, f"/gateways/{gateway['id']}"), headers=headers
    )
    assert one == gateway
    status, _, _ = await call(
        session, "GET", api(nova, f"/gateways/{gateway['id']}"), headers=nova.key("viewer")
    )
    assert status == 403


async def test_login_returns_org_and_expires(nova: Sim, session: aiohttp.ClientSession) -> None:
    """User login (both documented paths) gives a token with org_id; it expires; 5 tries/15 min."""
    user = next(iter(nova.state.users.values()))
    status, body, _ = await call(
        session,
        "POST",
        f"{nova.url}/api/auth/login",
        json_body={"email": user.email, "password": user.password, "client_type": "api"},
    )
    assert status == 200
    assert body["user"]["org_id"] == nova.state.org_id
    token = {"Authorization": f"Bearer {body['access_token']}"}
    status, _, _ = await call(session, "GET", api(nova, "/cameras"), headers=token)
    assert status == 200
    nova.clock.advance(15 * 60)
    status, error, _ = await call(session, "GET", api(nova, "/cameras"), headers=token)
    assert (status, error["error"]) == (401, "invalid_token")
    login = api(nova, "/auth/login")
    for _ in range(5):
        status, error, _ = await call(
            session, "POST", login, json_body={"email": user.email, "password": "bad"}
        )
        assert (status, error["error"]) == (401, "invalid_credentials")
    status, error, headers = await call(
        session, "POST", login, json_body={"email": user.email, "password": user.password}
    )
    assert (status, error["error"], headers["Retry-After"]) == (429, "rate_limited", "900")
    status, _, _ = await call(session, "POST", login, json_body={"email": 1})
    assert status == 400
    status, _, _ = await call(
        session, "POST", login, json_body={"email": "nobody@example.com", "password": "x"}
    )
    assert status == 401


# ----- webhooks --------------------------------------------------------------------------


@dataclass
class Receiver:
    """An aiohttp webhook receiver on 127.0.0.1 that records raw deliveries."""

    url: str = ""
    statuses: Iterator[int] = field(default_factory=lambda: iter(()))
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    got: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        """Record the delivery and answer the next scripted status (200 when exhausted)."""
        self.received.append((dict(request.headers), await request.read()))
        self.got.set()
        return web.Response(status=next(self.statuses, 200))


@pytest.fixture
async def receiver(serve: Serve) -> Receiver:
    """A running webhook receiver."""
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    hook.url = f"{await serve(app)}/hook"
    return hook


async def register(
    sim: Sim, session: aiohttp.ClientSession, url: str, event_types: list[str]
) -> Json:
    """Create a webhook as operator and return the creation response."""
    status, body, _ = await call(
        session,
        "POST",
        api(sim, "/webhooks"),
        headers=sim.key("operator"),
        json_body={"name": "HA", "url": url, "event_types": event_types},
    )
    assert status == 201, body
    return body


def verify(
    secret: str, headers: dict[str, str], raw: bytes, name: str = "X-Webhook-Signature"
) -> Json:
    """Check a delivery independently: HMAC-SHA256 hex of the raw body, ids and timestamp."""
    expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers[name], expected)
    # By contract: the webhook headers and envelope of tests/specs/novavms-openapi.yaml.
    validate_delivery({**headers, "X-Webhook-Signature": headers[name]}, raw)
    envelope: Json = json.loads(raw)
    assert envelope["webhook_id"] == headers["X-Webhook-ID"]
    assert envelope["timestamp"] == headers["X-Webhook-Timestamp"]
    datetime.fromisoformat(envelope["timestamp"])
    assert headers["Content-Type"] == "application/json"
    return envelope


async def test_webhook_secret_shown_once_and_admin_only(
    nova: Sim, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """Creation returns whsec_live_…; later only admins read it; rotation changes it."""
    created = await register(nova, session, receiver.url, ["event"])
    assert created["secret"].startswith("whsec_live_")
    url = api(nova, f"/webhooks/{created['id']}")
    status, as_operator, _ = await call(session, "GET", url, headers=nova.key("operator"))
    assert "secret" not in as_operator
    status, as_admin, _ = await call(session, "GET", url, headers=nova.key("admin"))
    assert as_admin["secret"] == created["secret"]
    listed = await get_all(session, api(nova, "/webhooks"), nova.key("operator"))
    assert [w["id"] for w in listed] == [created["id"]]
    assert "secret" not in listed[0]
    status, _, _ = await call(session, "POST", f"{url}/rotate-secret", headers=nova.key("operator"))
    assert status == 403
    status, rotated, _ = await call(
        session, "POST", f"{url}/rotate-secret", headers=nova.key("admin")
    )
    assert rotated["secret"] != created["secret"]
    status, patched, _ = await call(
        session, "PATCH", url, headers=nova.key("operator"), json_body={"enabled": False}
    )
    assert patched["enabled"] is False
    status, _, _ = await call(session, "DELETE", url, headers=nova.key("operator"))
    assert status == 204
    status, _, _ = await call(session, "GET", url, headers=nova.key("operator"))
    assert status == 404


@pytest.mark.parametrize(
    "payload",
    [
        {"url": "http://example.com/hook", "event_types": ["event"]},
        {"url": "not a url", "event_types": ["event"]},
        {"url": "https://example.com/hook", "event_types": ["event.created"]},
        {"url": "https://example.com/hook", "event_types": []},
        {"url": "https://example.com/hook", "event_types": ["alert"], "enabled": "yes"},
        {"event_types": ["alert"]},
    ],
)
async def test_webhook_validation(nova: Sim, session: aiohttp.ClientSession, payload: Json) -> None:
    """HTTP (non-loopback) URLs and undocumented event types are refused."""
    await _refused(nova, session, "/webhooks", payload)


async def test_webhook_accepts_https_and_localhost(
    nova: Sim, session: aiohttp.ClientSession
) -> None:
    """HTTPS anywhere and plain HTTP on loopback names are accepted."""
    for url in ("https://example.com/hook", "http://localhost:8123/api/webhook/x"):
        created = await register(nova, session, url, ["alert"])
        assert created["url"] == url


async def test_webhook_delivery_signed(
    nova: Sim, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """Motion on a camera delivers `event` and `alert`; status changes deliver `camera_status`."""
    hook = await register(nova, session, receiver.url, ["event", "alert", "camera_status"])
    lobby = camera_named(nova, "Lobby")
    async with session.post(f"{nova.url}/_sim/incidents", json={"camera_id": lobby}) as r:
        assert r.status == 201
    async with session.post(f"{nova.url}/_sim/cameras/{lobby}/offline") as r:
        assert (await r.json())["status"] == "offline"
    async with session.post(f"{nova.url}/_sim/cameras/{lobby}/offline") as r:
        assert r.status == 200  # no change: no delivery
    async with asyncio.timeout(10):
        await nova.state.drain()
    envelopes = [verify(hook["secret"], headers, raw) for headers, raw in receiver.received]
    by_type = {e["event_type"]: e for e in envelopes}
    assert sorted(by_type) == ["alert", "camera_status", "event"]
    assert len(envelopes) == 3
    assert by_type["event"]["data"]["camera_id"] == lobby
    assert by_type["alert"]["data"]["camera_name"] == "Lobby"
    assert by_type["alert"]["data"]["severity"] == "warning"
    assert by_type["camera_status"]["data"]["status"] == "offline"
    assert len({e["webhook_id"] for e in envelopes}) == 3
    async with session.get(f"{nova.url}/_sim/deliveries") as r:
        assert [d["status"] for d in await r.json()] == [200, 200, 200]


async def test_webhook_retries_same_delivery_then_stops(
    nova: Sim, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """A failed delivery is retried with the same id and body, a bounded number of times."""
    nova.state.retry_delays = (0.01, 0.01)
    hook = await register(nova, session, receiver.url, ["camera_status"])
    receiver.statuses = iter([500, 503, 500, 200])
    nova.state.set_camera_status(camera_named(nova, "Parking"), "offline")
    async with asyncio.timeout(10):
        await nova.state.drain()
    assert len(receiver.received) == 3  # first try + two retries, then it stops
    assert len({raw for _, raw in receiver.received}) == 1
    assert len({h["X-Webhook-ID"] for h, _ in receiver.received}) == 1
    verify(hook["secret"], *receiver.received[0])
    assert [d.status for d in nova.state.deliveries] == [500, 503, 500]
    receiver.statuses = iter([500])
    nova.state.set_camera_status(camera_named(nova, "Parking"), "online")
    async with asyncio.timeout(10):
        await nova.state.drain()
    assert [d.attempt for d in nova.state.deliveries[3:]] == [1, 2]


async def test_webhook_unreachable_and_disabled(
    nova: Sim, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """Connection errors are recorded and retried; disabled webhooks receive nothing."""
    nova.state.retry_delays = (0.01,)
    await register(nova, session, "http://127.0.0.1:9/hook", ["event"])
    off = await register(nova, session, receiver.url, ["event"])
    await call(
        session,
        "PATCH",
        api(nova, f"/webhooks/{off['id']}"),
        headers=nova.key("operator"),
        json_body={"enabled": False, "name": "off"},
    )
    nova.state.fire_event(camera_named(nova, "Lobby"), "manual")
    async with asyncio.timeout(10):
        await nova.state.drain()
    assert [(d.attempt, d.error) for d in nova.state.deliveries] == [
        (1, "ClientConnectorError"),
        (2, "ClientConnectorError"),
    ]
    assert receiver.received == []


async def test_signature_header_name_switch(
    nova: Sim, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """The troubleshooting page's X-NovaVMS-Signature name can be selected."""
    nova.state.signature_header = "X-NovaVMS-Signature"
    hook = await register(nova, session, receiver.url, ["gateway_status"])
    gateway = next(iter(nova.state.gateways))
    async with session.post(f"{nova.url}/_sim/gateways/{gateway}/offline") as r:
        assert (await r.json())["status"] == "offline"
    async with asyncio.timeout(10):
        await nova.state.drain()
    headers, raw = receiver.received[0]
    envelope = verify(hook["secret"], headers, raw, "X-NovaVMS-Signature")
    assert envelope["data"]["affected_cameras"] == 3
    assert {c.status for c in nova.state.cameras.values() if c.gateway_id == gateway} == {"offline"}
    async with session.post(f"{nova.url}/_sim/gateways/{gateway}/online") as r:
        assert r.status == 200
    assert nova.state.cameras[camera_named(nova, "Lobby")].status == "online"


async def test_close_cancels_pending_retries(
    nova: Sim, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """Closing the state cancels deliveries waiting for a retry."""
    await register(nova, session, receiver.url, ["event"])
    receiver.statuses = iter([500])
    nova.state.fire_event(camera_named(nova, "Lobby"), "manual")
    async with asyncio.timeout(10):
        await receiver.got.wait()
    await nova.state.close()
    assert len(nova.state.deliveries) == len(receiver.received) == 1


# ----- control API -------------------------------------------------------------------------


async def test_control_cameras_and_events(nova: Sim, session: aiohttp.ClientSession) -> None:
    """Control adds, removes and fires on cameras; unknown ids answer 404; bad input 400."""
    async with session.post(f"{nova.url}/_sim/cameras", json={"name": "Garden"}) as r:
        added = await r.json()
        assert (r.status, added["name"], added["status"]) == (201, "Garden", "online")
    async with session.post(
        f"{nova.url}/_sim/events", json={"camera_id": added["id"], "trigger_type": "ai_tag"}
    ) as r:
        fired = await r.json()
        assert (r.status, fired["trigger_type"]) == (201, "ai_tag")
        assert fired["snapshot_url"].startswith(nova.url)
    async with session.post(
        f"{nova.url}/_sim/events", json={"camera_id": added["id"], "trigger_type": "x"}
    ) as r:
        assert r.status == 400
    async with session.delete(f"{nova.url}/_sim/cameras/{added['id']}") as r:
        assert r.status == 204
    async with session.post(f"{nova.url}/_sim/incidents", json={"camera_id": added["id"]}) as r:
        assert r.status == 404
    async with session.post(f"{nova.url}/_sim/cameras/missing/online") as r:
        assert r.status == 404
    async with session.post(f"{nova.url}/_sim/gateways/missing/online") as r:
        assert r.status == 404
    events = await get_all(session, api(nova, "/events"), nova.key("admin"))
    assert events[0]["camera_deleted"] is True
    assert nova.log.count(path_prefix="/_sim") == 0
