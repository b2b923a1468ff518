"""Angelcam simulator: control API, fault injection on Angelcam paths, scenarios, route coverage."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
import hashlib
import json
import random
from typing import Any

import aiohttp
import pytest

from simulator.angelcam import SCENARIOS, build_state, create_app
from simulator.angelcam_model import ClockAdapter, NotFoundError, as_clock
from simulator.control import FaultInjector, RequestLog, SimClock

from .angelcam_support import SPEC, Angel, Serve, running
from .conftest import START


async def control(angel: Angel, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """Call the control API; return status and decoded body (text when not JSON)."""
    async with angel.api.session.request(method, f"{angel.control}/{path}", json=body) as response:
        text = await response.text()
        try:
            return response.status, json.loads(text)
        except json.JSONDecodeError:
            return response.status, text


async def test_camera_status_add_and_remove(angel: Angel) -> None:
    """Control routes change cameras; the API shows it."""
    assert await control(angel, "POST", "cameras/1/offline") == (200, {"changed": True})
    assert await control(angel, "POST", "cameras/1/offline") == (200, {"changed": False})
    assert (await angel.api.get("/v1/cameras/1/")).body["status"] == "offline"
    assert await control(angel, "POST", "cameras/1/online") == (200, {"changed": True})
    status, added = await control(
        angel,
        "POST",
        "cameras",
        {"name": "Shed", "location_id": 2, "recording": True, "tags": ["x"]},
    )
    assert status == 201
    assert added["name"] == "Shed"
    camera = await angel.api.get(f"/v1/cameras/{added['id']}/")
    assert {"code": "CRA"} in camera.body["applications"]
    assert (await angel.api.get("/v1/locations/2/")).body["cameras_count"] == 2
    assert (await control(angel, "DELETE", f"cameras/{added['id']}"))[0] == 204
    assert (await angel.api.get(f"/v1/cameras/{added['id']}/")).status == 404
    assert angel.state.recordings.of_camera(added["id"]) == []
    assert (await control(angel, "DELETE", "cameras/999"))[0] == 404
    assert (await control(angel, "POST", "cameras/abc/online"))[0] == 400
    assert (await control(angel, "POST", "cameras", {"location_id": 1}))[0] == 400
    assert (await control(angel, "POST", "cameras", {"name": "x", "location_id": 99}))[0] == 404


async def test_incidents_arming_and_arrow_clients(angel: Angel) -> None:
    """Fire motion, change arming from outside, flip the Arrow client."""
    status, fired = await control(angel, "POST", "incidents", {"camera_id": 4})
    assert status == 201
    assert fired["incident_id"] is not None
    _, quiet = await control(angel, "POST", "incidents", {"camera_id": 1, "title": "Person"})
    assert quiet["incident_id"] is None
    events = await angel.api.get("/v1/cameras/1/events/", params={"limit": "1"})
    assert events.body["results"][0]["title"] == "Person"
    assert await control(angel, "POST", "arming", {"location_id": 1, "armed": True}) == (
        200,
        {"changed": True},
    )
    assert (await angel.api.get("/v1/locations/1/")).body["is_armed"] is True
    assert (await control(angel, "POST", "arming", {"location_id": 1, "armed": "yes"}))[0] == 400
    uuid = "6f1c2a8e-4d1b-4c57-9a0e-3b2f7d9c1e55"
    assert (await control(angel, "POST", f"arrow-clients/{uuid}/offline"))[1] == {"changed": True}
    assert (await control(angel, "POST", f"arrow-clients/{uuid}/offline"))[1] == {"changed": False}
    assert (await angel.api.get("/v1/cameras/4/")).body["status"] == "offline"
    assert (await control(angel, "POST", f"arrow-clients/{uuid}/online"))[1] == {"changed": True}
    assert (await angel.api.get("/v1/cameras/4/")).body["status"] == "online"
    assert (await control(angel, "POST", "arrow-clients/nope/online"))[0] == 404
    assert (await control(angel, "POST", "incidents", {"camera_id": 99}))[0] == 404


async def test_clock_rate_limits_and_credentials(angel: Angel) -> None:
    """The shared clock route drives delays; limits switch; credentials are deterministic."""
    await angel.api.post("/v1/rts/arm/", params={"location_id": "1", "delay": "120"})
    status, moved = await control(angel, "POST", "clock", {"seconds": 120})
    assert (status, moved["now"]) == (200, "2026-04-21T12:02:00Z")
    assert (await angel.api.get("/v1/locations/1/")).body["is_armed"] is True
    assert await control(angel, "POST", "rate-limits", {"per_minute": 1, "per_day": None}) == (
        200,
        {"per_minute": 1, "per_day": None},
    )
    angel.clock.advance(60)
    assert (await angel.api.get("/v1/me/")).status == 200
    assert (await angel.api.get("/v1/me/", validate=False)).status == 429
    assert (await control(angel, "POST", "rate-limits", {"per_minute": "x"}))[0] == 400
    assert (await control(angel, "POST", "rate-limits", {"per_minute": None}))[1] == {
        "per_minute": None,
        "per_day": None,
    }
    _, creds = await control(angel, "GET", "credentials")
    assert creds["personal_access_token"] == "angelcam-pat-demo-1"
    assert creds["bearer_token"] == "angelcam-oauth-demo-1"
    assert [u["space_ids"] for u in creds["users"]] == [[1, 2], [2]]
    _, log = await control(angel, "GET", "webhooks")
    assert log == {"deliveries": []}
    # Control traffic is never logged as API traffic.
    assert angel.log.count(vendor="angelcam", path_prefix="/_sim/") == 0


async def test_requests_and_counters(angel: Angel) -> None:
    """The shared log routes count Angelcam requests per endpoint and account."""
    await angel.api.get("/v1/cameras/1/")
    await angel.api.get("/v1/cameras/2/")
    await angel.api.get("/v1/me/", auth=False)
    _, counters = await control(angel, "GET", "counters")
    assert counters["endpoints"]["GET /v1/cameras/{camera_id}/"] == 2
    assert counters["accounts"] == {"1": 2, "-": 1}
    _, requests = await control(angel, "GET", "requests?account=1")
    assert requests["count"] == 2


async def test_fault_status5xx(angel: Angel) -> None:
    """A 5xx fault answers without the handler for the next N matching requests."""
    angel.faults.add("status5xx", count=1, status=502, path_prefix="/v1/cameras/")
    assert (await angel.api.get("/v1/locations/")).status == 200
    failed = await angel.api.get("/v1/cameras/", validate=False)
    assert failed.status == 502
    assert (await angel.api.get("/v1/cameras/")).status == 200
    assert angel.log.count(vendor="angelcam", status=502) == 1


async def test_fault_malformed_json(angel: Angel) -> None:
    """The body is not JSON but keeps the status and content type."""
    angel.faults.add("malformed_json", count=1, path_prefix="/v1/me/")
    reply = await angel.api.get("/v1/me/", validate=False)
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(reply.raw)


async def test_fault_truncated(angel: Angel) -> None:
    """The client sees a short payload."""
    angel.faults.add("truncated", count=1, path_prefix="/v1/cameras/")
    with pytest.raises(aiohttp.ClientPayloadError):
        await angel.api.get("/v1/cameras/", validate=False)
    assert (await angel.api.get("/v1/cameras/")).status == 200


async def test_fault_timeout(angel: Angel) -> None:
    """A held request makes the client's timeout fire."""
    angel.faults.add("timeout", count=1, path_prefix="/v1/rts/", delay=5)
    timeout = aiohttp.ClientTimeout(total=0.3)
    with pytest.raises(asyncio.TimeoutError):
        async with angel.api.session.get(
            f"{angel.origin}/v1/rts/", headers=angel.api.auth(), timeout=timeout
        ) as response:
            await response.read()
    angel.faults.release()


async def test_fault_slow_and_share(angel: Angel) -> None:
    """Slow answers arrive intact; a share of requests fails, decided by the seeded random."""
    angel.faults.add("slow", count=1, delay=0.05, path_prefix="/v1/me/")
    assert (await angel.api.get("/v1/me/")).status == 200
    angel.faults.add("status5xx", share=0.5, path_prefix="/v1/locations/")
    statuses = [(await angel.api.get("/v1/locations/", validate=False)).status for _ in range(20)]
    assert 0 < statuses.count(503) < 20
    assert set(statuses) == {200, 503}
    status, _ = await control(angel, "GET", "credentials")
    assert status == 200  # control routes are never faulted


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenarios_are_deterministic(scenario: str) -> None:
    """Same scenario, same clock: same credentials and objects."""
    first = build_state(scenario, SimClock(START))
    second = build_state(scenario, SimClock(START))
    assert first.credentials() == second.credentials()
    assert sorted(first.world.cameras) == sorted(second.world.cameras)
    assert first.scenario == scenario


def test_scenario_sizes() -> None:
    """demo: a few cameras in two spaces; large: at least 400; empty: none."""
    demo = build_state("demo", SimClock(START))
    assert len(demo.world.cameras) == 6
    assert len(demo.world.spaces) == 2
    assert sum(1 for c in demo.world.cameras.values() if c.records) == 3
    assert len(demo.world.arrow_clients) == 1
    large = build_state("large", SimClock(START))
    assert len(large.world.cameras) >= 400
    empty = build_state("empty", SimClock(START))
    assert (len(empty.world.cameras), len(empty.world.spaces)) == (0, 1)
    assert empty.credentials()["user_id"] == 1
    with pytest.raises(ValueError, match="unknown scenario"):
        build_state("huge")


def test_clock_adapter_and_activity() -> None:
    """Any ``now`` callable becomes an advanceable clock; activity steps change the world."""
    base = datetime(2026, 1, 1, tzinfo=UTC)
    clock = as_clock(lambda: base)
    assert isinstance(clock, ClockAdapter)
    clock.advance(30)
    assert clock.now() == base + timedelta(seconds=30)
    assert isinstance(as_clock(None), SimClock)
    state = build_state("demo", lambda: base)
    rng = random.Random(3)
    before = len(state.rts.events)
    for _ in range(30):
        state.activity_step(rng)
    changed = len(state.rts.events) - before + len(state.rts.messages)
    assert changed >= 30
    build_state("empty").activity_step(rng)  # nothing to do, nothing breaks
    with pytest.raises(NotFoundError):
        state.world.camera(999)
    with pytest.raises(NotFoundError):
        state.world.location(999)


async def test_every_route_is_served_and_validated(
    serve: Serve, session: aiohttp.ClientSession, clock: SimClock
) -> None:
    """A tour through every API and streamer route, each answer validated by the client."""
    state = build_state("demo", clock)
    state.rate_limiter.limits.per_minute = None
    log = RequestLog(clock)
    app = create_app(state, log, FaultInjector())
    routes = {
        f"{r.method} {r.resource.canonical}"
        for r in app.router.routes()
        if r.resource is not None
        and r.method != "HEAD"
        and not r.resource.canonical.startswith("/_sim")
    }
    async with running(serve, session, clock) as angel:
        await tour(angel)
        visited = set(angel.log.counters("angelcam")["endpoints"])
        validated_paths = {(method, path) for method, path, _ in angel.api.validated}
        validated = {
            f"{r.method} {r.endpoint}"
            for r in angel.log.records
            if (r.method, r.path) in validated_paths
        }
    assert routes - visited == set()
    spec_routes = {r for r in routes if r.split(" ")[1].startswith(("/v1/", "/recording/streams/"))}
    assert len(spec_routes) == 52
    assert spec_routes - validated == set()


async def tour(angel: Angel) -> None:
    """Call every route once (API and media)."""
    api = angel.api
    for path in ("/v1/me/", "/v1/spaces/", "/v1/spaces/1/", "/v1/spaces/1/permissions/"):
        await api.get(path)
    camera = (await api.get("/v1/cameras/1/")).body
    await api.get("/v1/cameras/")
    await api.get("/v1/cameras/1/broadcasting/")
    await api.post("/v1/cameras/1/broadcasting/start/")
    await api.post("/v1/cameras/1/broadcasting/stop/")
    await api.get("/v1/locations/")
    await api.get("/v1/locations/1/")
    arrow = (await api.get("/v1/arrow-clients/")).body["results"][0]["uuid"]
    await api.get(f"/v1/arrow-clients/{arrow}/")
    await api.get("/v1/rts/")
    await api.put("/v1/rts/", body={"incident_ttl": "PT3M"})
    await api.post("/v1/rts/arm/", params={"location_id": "1"})
    await api.post("/v1/rts/disarm/", params={"location_id": "2"})
    await api.post("/v1/rts/arm/", params={"location_id": "2"})
    angel.state.fire_motion(4)
    incident = (await api.get("/v1/rts/incidents/")).body["results"][0]["id"]
    await api.get(f"/v1/rts/incidents/{incident}/")
    await api.get("/v1/cameras/4/events/")
    message = (await api.get("/v1/rts/messages/")).body["results"][0]["id"]
    await api.get(f"/v1/rts/messages/{message}/")
    await api.put(f"/v1/rts/messages/{message}/", body={"is_read": True})
    await api.post("/v1/rts/messages/set-all-read/")
    await api.get("/v1/rts/messages/unread-count/")
    method = (
        await api.post(
            "/v1/rts/notifications/methods/", body={"type": "email", "email": "a@example.com"}
        )
    ).body["id"]
    await api.get("/v1/rts/notifications/methods/")
    await api.get(f"/v1/rts/notifications/methods/{method}/")
    await api.put(
        f"/v1/rts/notifications/methods/{method}/", body={"type": "email", "email": "b@example.com"}
    )
    rule_body = {"notification_method": method, "message_type": "arming"}
    rule = (await api.post("/v1/rts/notifications/rules/", body=rule_body)).body["id"]
    await api.get("/v1/rts/notifications/rules/")
    await api.get(f"/v1/rts/notifications/rules/{rule}/")
    await api.put(f"/v1/rts/notifications/rules/{rule}/", body=rule_body)
    await tour_recording(angel, camera)


async def tour_recording(angel: Angel, camera: dict[str, Any]) -> None:
    """The recording, streamer and media part of the tour."""
    api = angel.api
    recording = (await api.get("/v1/cameras/1/recordings/")).body["results"][0]["id"]
    await api.get("/v1/cameras/1/recording/")
    base = f"/v1/recording/{recording}/"
    window = {"start": "2026-04-21T11:00:00Z", "end": "2026-04-21T11:10:00Z"}
    await api.get(base)
    await api.get(f"{base}timeline/", params=window)
    snapshot = (await api.get(f"{base}snapshot/", params={"datetime": window["start"]})).body
    await api.get(snapshot["url"], auth=False)
    download = (await api.get(f"{base}download/", params=window)).body
    await api.get(download["url"], auth=False)
    await api.post(f"{base}stop/")
    await api.post(f"{base}start/")
    playback = (await api.get(f"{base}stream/", params={"start": window["start"]})).body
    await api.get(playback["stream_info"])
    controls = playback["stream_controls"]
    await api.get(controls["base_url"], auth=False)
    await api.post(controls["pause"], auth=False)
    await api.post(controls["play"], auth=False)
    await api.post(controls["speed"], auth=False, body={"speed": 2})
    playlist = (await api.get(playback["url"], auth=False)).raw.decode()
    first = next(line for line in playlist.splitlines() if not line.startswith("#"))
    await api.get(playback["url"].replace("playlist.m3u8", first), auth=False)
    clip = (await api.post("/v1/cameras/1/clips/", body={"name": "t", **window})).body
    angel.clock.advance(20)
    await api.get("/v1/cameras/1/clips/")
    ready = (await api.get(f"/v1/cameras/1/clips/{clip['id']}/")).body
    await api.get(ready["download_url"], auth=False)
    await api.get(f"/v1/cameras/1/clips/{clip['id']}/stream/", params={"start": window["start"]})
    await api.post(f"/v1/cameras/1/clips/{clip['id']}/share/", body={"email": "a@example.com"})
    fresh = (await api.get("/v1/cameras/1/")).body
    hls = fresh["streams"][0]["url"]
    live = (await api.get(hls, auth=False)).raw.decode()
    segment = next(line for line in live.splitlines() if not line.startswith("#"))
    await api.get(hls.split("playlist.m3u8")[0] + segment, auth=False)
    await api.get(fresh["live_snapshot"], auth=False)
    await api.get(camera["snapshot"]["url"], auth=False)
    expiring = await api.get("/v1/cameras/1/", params={"stream_expires_at": "2026-04-21T12:00:30Z"})
    async with api.session.get(expiring.body["streams"][1]["url"] + "&refresh_rate=5") as response:
        await response.content.readuntil(b"\r\n\r\n")
        angel.clock.advance(60)
        await response.read()  # the stream ends itself once it has expired


def test_spec_copy_is_unmodified() -> None:
    """Tests validate against an unmodified copy of the contract (sha256 from SOURCES.md)."""
    digest = hashlib.sha256(SPEC.read_bytes()).hexdigest()
    assert digest == "266403c49786340acabe801186fd18776619ea5a5b2b98985b757dcaf962d395"
