"""Angelcam client against the Angelcam simulator over real HTTP."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
import itertools
import json
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest

from custom_components.camhub.providers import AngelcamClient
from custom_components.camhub.providers.angelcam.client import MESSAGE_TYPES, URL_MAX_AGE
from custom_components.camhub.providers.angelcam.webhook import verified_angelcam_push
from custom_components.camhub.providers.budget import Limit, RequestBudget
from custom_components.camhub.providers.errors import (
    AuthenticationError,
    NotSupportedError,
    PermissionDeniedError,
    ProtocolError,
    ProviderError,
    RateLimitedError,
    RequestRejectedError,
    UnavailableError,
)
from custom_components.camhub.providers.model import Capability, PlaybackStream, PushKind
from simulator.angelcam_scenarios import ARROW_UUID
from simulator.control import SimClock
from simulator.stack import SimulatorStack
from tests.providers.conftest import Factory

JPEG = b"\xff\xd8"


def api_count(stack: SimulatorStack, prefix: str = "/v1/", method: str | None = None) -> int:
    """Angelcam API requests the simulator logged (control routes are never logged)."""
    return stack.log.count(vendor="angelcam", path_prefix=prefix, method=method)


def roomy_budget(clock: SimClock) -> RequestBudget:
    """A budget far above the vendor's, so tests reach the simulator's own limit."""
    return RequestBudget([Limit("minute", 10_000, 60)], clock=lambda: clock().timestamp())


@pytest.fixture
async def traced() -> AsyncIterator[tuple[aiohttp.ClientSession, list[dict[str, str]]]]:
    """A session recording every request's headers."""
    seen: list[dict[str, str]] = []

    async def on_start(
        _: Any, __: SimpleNamespace, params: aiohttp.TraceRequestStartParams
    ) -> None:
        seen.append({"url": str(params.url), **params.headers})

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        yield session, seen


async def test_account_space_and_permissions(
    traced: tuple[aiohttp.ClientSession, list[dict[str, str]]],
    creds: dict[str, Any],
    stack: SimulatorStack,
    clock: SimClock,
) -> None:
    session, seen = traced
    client = AngelcamClient(
        session,
        token=creds["angelcam"]["personal_access_token"],
        base_url=creds["angelcam"]["url"],
        now=clock,
    )
    assert (client.account, client.permissions) == (None, None)
    account = await client.async_fetch_account()
    assert client.account == account
    assert client.permissions is not None
    assert (account.account_id, account.space_id, account.name) == ("1", "1", "Alice Novak")
    # The space names the entry, not the user: every member of it finds the same one.
    assert account.unique_id == "angelcam:space:1"
    spaces = await client.async_fetch_spaces()
    assert {(s.id, s.is_default) for s in spaces} == {("1", True), ("2", False)}
    shop = await client.async_fetch_permissions("2")
    assert {p.permission for p in shop} >= {"camera.view", "location.view"}
    assert all(p.location_id is not None for p in shop)
    snapshot = await client.async_fetch_snapshot_state()
    assert snapshot.cameras
    # Once the space is known every request names it; nothing ever activates a space.
    after_spaces = [h for h in seen if "/spaces/" not in h["url"] and "/me/" not in h["url"]]
    assert after_spaces
    assert all(h.get("X-Space-Id") == "1" for h in after_spaces)
    assert all(h["Authorization"] == "PersonalAccessToken angelcam-pat-demo-1" for h in seen)
    assert not any("activate" in r.path for r in stack.log.records)


async def test_other_space_by_header_and_unknown_space(
    make_angelcam: Factory[AngelcamClient], creds: dict[str, Any]
) -> None:
    bearer = {"token": creds["angelcam"]["bearer_token"], "auth_scheme": "Bearer"}
    shop = make_angelcam(space_id=2, **bearer)
    account = await shop.async_fetch_account()
    assert (account.space_id, account.space_name) == ("2", "Marek shop")
    snapshot = await shop.async_fetch_snapshot_state()
    assert {c.name for c in snapshot.cameras.values()} == {"Shop entrance", "Cash desk"}
    site = next(iter(snapshot.sites.values()))
    assert not site.can_arm, "a guest without location.arming cannot arm"
    assert all(Capability.ARMING not in c.capabilities for c in snapshot.cameras.values())
    assert site.capabilities == {Capability.ARMING_SCHEDULE}, "no arming panel, the schedule stays"
    with pytest.raises(PermissionDeniedError, match="HTTP 403"):
        await shop.async_arm(site.id)
    lost = make_angelcam(space_id=99, **bearer)
    # The simulator refuses an X-Space-Id the user is not a member of.
    with pytest.raises(PermissionDeniedError, match="HTTP 403"):
        await lost.async_fetch_account()


async def test_snapshot_state_maps_locations_cameras_and_capabilities(
    angelcam: AngelcamClient, stack: SimulatorStack
) -> None:
    await angelcam.async_fetch_account()
    before = api_count(stack)
    snapshot = await angelcam.async_fetch_snapshot_state()
    assert api_count(stack) - before == 3, "locations + two non-empty locations"
    assert angelcam.budget.sent == api_count(stack)
    house, garage = snapshot.sites["1"], snapshot.sites["2"]
    assert (house.name, house.armed, house.can_arm) == ("House", False, True)
    assert garage.armed is True
    assert house.capabilities == {Capability.ARMING, Capability.ARMING_SCHEDULE}
    assert set(house.camera_ids) == {"1", "2", "3"}
    front, living = snapshot.cameras["1"], snapshot.cameras["3"]
    assert front.online is True
    assert front.site_id == "1"
    assert {Capability.LIVE_HLS, Capability.RECORDINGS, Capability.ARMING} <= front.capabilities
    assert Capability.LIVE_HLS not in living.capabilities, "an MJPEG camera offers MJPEG only"
    assert Capability.LIVE_MJPEG in living.capabilities
    # Angelcam events are moments in the recording: they carry no media of their own.
    assert Capability.EVENT_MEDIA not in front.capabilities


async def test_cameras_all_pages_and_empty_locations_cost_nothing(
    angelcam: AngelcamClient, stack: SimulatorStack
) -> None:
    state = stack.angelcam.state
    for number in range(230):
        state.add_camera(f"Extra {number}", 2)
    state.set_camera_online(1, online=False)
    cameras = await angelcam.async_fetch_cameras()
    assert len(cameras) == 234
    assert api_count(stack, "/v1/cameras/") == 3, "100 + 100 + 34"
    garage = await angelcam.async_fetch_cameras(location_id=2)
    assert len(garage) == 231
    assert {c.site_id for c in garage} == {"2"}
    assert (await angelcam.async_fetch_camera(1)).online is False
    assert len(await angelcam.async_fetch_locations()) == 2


async def test_arm_disarm_with_delay(angelcam: AngelcamClient, stack: SimulatorStack) -> None:
    await angelcam.async_arm(1)
    assert (await angelcam.async_fetch_location(1)).armed is True
    await angelcam.async_disarm(1, delay=30)
    assert (await angelcam.async_fetch_location(1)).armed is True, "not before the delay"
    stack.angelcam.state.advance(31)
    assert (await angelcam.async_fetch_location(1)).armed is False
    await angelcam.async_arm(1, delay=10)
    assert [r.path for r in stack.log.select(path_prefix="/v1/rts/", method="POST")] == [
        "/v1/rts/arm/",
        "/v1/rts/disarm/",
        "/v1/rts/arm/",
    ]


async def test_incidents_messages_and_events(
    angelcam: AngelcamClient, stack: SimulatorStack, clock: SimClock
) -> None:
    state = stack.angelcam.state
    _, incident = state.fire_motion(4)  # camera 4 is in the armed garage
    assert incident is not None
    incidents = await angelcam.async_fetch_incidents(start=clock() - timedelta(hours=1))
    assert [i.id for i in incidents] == [str(incident.id)]
    one = await angelcam.async_fetch_incident(incident.id)
    assert (one.state, one.event_count) == ("open", 1)
    assert await angelcam.async_fetch_incidents(end=clock() - timedelta(days=1)) == []
    oldest_first = await angelcam.async_fetch_incidents(newest_first=False)
    assert len(oldest_first) == 1
    messages = await angelcam.async_fetch_messages()
    assert [m.type for m in messages] == ["my_incident"]
    assert not messages[0].is_read
    await angelcam.async_mark_message_read(messages[0].id)
    assert (await angelcam.async_fetch_messages())[0].is_read
    events = await angelcam.async_fetch_camera_events(
        4, start=clock() - timedelta(hours=3), end=clock()
    )
    assert [e.kind for e in events] == ["motion_detected"] * 3
    assert all(e.camera_id == "4" for e in events)


async def test_rts_settings_incident_ttl(angelcam: AngelcamClient, stack: SimulatorStack) -> None:
    assert (await angelcam.async_fetch_rts_settings()).incident_ttl == timedelta(minutes=5)
    # The space's owner chose a shorter TTL in My Angelcam.
    stack.angelcam.state.rts.incident_ttl[1] = "PT1M"
    assert (await angelcam.async_fetch_rts_settings()).incident_ttl == timedelta(minutes=1)
    assert api_count(stack, "/v1/rts/", "GET") == 2


async def test_notification_method_found_again_not_duplicated(
    angelcam: AngelcamClient, stack: SimulatorStack, clock: SimClock
) -> None:
    await angelcam.async_fetch_account()
    method = await angelcam.async_ensure_webhook(name="camhub", url="http://127.0.0.1:9/a")
    assert method.signature_key, "the key comes back in the answer"
    assert "signature_key" not in repr(method)
    rules = await angelcam.async_fetch_notification_rules()
    assert sorted(r.message_type for r in rules) == sorted(MESSAGE_TYPES)
    posts = api_count(stack, "/v1/rts/notifications/", "POST")
    assert posts == 1 + len(MESSAGE_TYPES)
    clock.advance(60)  # that cost 16 of the 20 requests a minute
    again = await angelcam.async_ensure_webhook(name="camhub", url="http://127.0.0.1:9/a")
    assert again.id == method.id
    assert api_count(stack, "/v1/rts/notifications/", "POST") == posts, "nothing re-created"
    moved = await angelcam.async_ensure_webhook(name="camhub", url="http://127.0.0.1:9/b")
    assert (moved.id, moved.url) == (method.id, "http://127.0.0.1:9/b")
    assert api_count(stack, "/v1/rts/notifications/methods/", "PUT") == 1
    methods = await angelcam.async_fetch_notification_methods()
    assert [m.id for m in methods] == [method.id]
    rule = rules[0]
    updated = await angelcam.async_update_notification_rule(
        rule.id, method_id=method.id, message_type="camera_status_offline", allowed_cameras=[1]
    )
    assert (updated.message_type, updated.allowed_cameras) == ("camera_status_offline", ("1",))
    with pytest.raises(RequestRejectedError, match="HTTP 400 invalid") as caught:
        await angelcam.async_create_notification_rule(method_id=method.id, message_type="motion")
    assert caught.value.code == "invalid"


async def test_webhook_delivered_by_simulator_verifies(
    angelcam: AngelcamClient,
    stack: SimulatorStack,
    clock: SimClock,
    hook_server: tuple[str, list[tuple[bytes, dict[str, str]]]],
) -> None:
    url, received = hook_server
    method = await angelcam.async_ensure_webhook(
        name="camhub", url=url, message_types=["camera_status_offline", "arming"]
    )
    assert method.signature_key is not None
    stack.angelcam.state.set_camera_online(2, online=False)
    stack.angelcam.state.set_arming(1, armed=True)
    await stack.angelcam.state.webhooks.drain()
    kinds = []
    for body, headers in received:
        push = verified_angelcam_push(body, headers, method.signature_key, now=clock())
        kinds.append((push.kind, push.camera_id, push.online, push.armed))
    assert kinds == [
        (PushKind.CAMERA_STATUS, "2", False, None),
        (PushKind.ARMING, None, None, True),
    ]


async def test_recordings_timeline_and_playback(
    angelcam: AngelcamClient, stack: SimulatorStack, clock: SimClock
) -> None:
    recordings = await angelcam.async_fetch_recordings(2)
    assert len(recordings) == 1
    recording = recordings[0]
    assert recording.active
    before = api_count(stack, "/v1/recording/")
    segments = await angelcam.async_fetch_timeline(
        recording.id, clock() - timedelta(days=3), clock()
    )
    assert api_count(stack, "/v1/recording/") - before == 3, "one call per day of range"
    assert len(segments) == 3, "two gaps split the footage; day boundaries are joined"
    assert all(a.end < b.start for a, b in itertools.pairwise(segments))
    stream = await angelcam.async_playback_stream(recording.id, clock() - timedelta(hours=2))
    assert stream.controls is not None
    position = await angelcam.async_playback_position(stream)
    assert position.position is not None
    await angelcam.async_playback_control(stream, "pause")
    await angelcam.async_playback_control(stream, "play")
    await angelcam.async_playback_speed(stream, 4)
    assert (await angelcam.async_playback_position(stream)).speed == 4
    image = await angelcam.async_recording_snapshot(recording.id, clock() - timedelta(hours=1))
    assert image.startswith(JPEG)
    url = await angelcam.async_recording_download_url(
        recording.id, clock() - timedelta(hours=2), clock() - timedelta(hours=1)
    )
    assert url.startswith("http")
    with pytest.raises(NotSupportedError):
        await angelcam.async_fetch_recordings(3)  # no Cloud Recording


async def test_playback_flat_shape_and_current_time(
    angelcam: AngelcamClient, stack: SimulatorStack, clock: SimClock
) -> None:
    stack.angelcam.state.playback.flat_controls = True
    stack.angelcam.state.playback.info_fields = ("current_time",)
    recording = (await angelcam.async_fetch_recordings(1))[0]
    stream = await angelcam.async_playback_stream(
        recording.id, clock() - timedelta(hours=2), clock() - timedelta(hours=1)
    )
    assert stream.controls is not None
    position = await angelcam.async_playback_position(stream)
    assert position.position is not None
    bare = PlaybackStream(url="http://x/", format="hls")
    with pytest.raises(NotSupportedError, match="no position"):
        await angelcam.async_playback_position(bare)
    with pytest.raises(NotSupportedError, match="no controls"):
        await angelcam.async_playback_speed(bare, 2)


async def test_clips(angelcam: AngelcamClient, clock: SimClock) -> None:
    clip = await angelcam.async_create_clip(
        1, name="Door", start=clock() - timedelta(hours=2), end=clock() - timedelta(hours=1)
    )
    assert clip.status == "PENDING"
    assert not clip.ready
    assert [c.id for c in await angelcam.async_fetch_clips(1)] == [clip.id]
    assert (await angelcam.async_fetch_clip(1, clip.id)).name == "Door"
    with pytest.raises(RequestRejectedError, match="HTTP 400"):
        await angelcam.async_create_clip(
            1, name="Long", start=clock() - timedelta(hours=5), end=clock()
        )
    recording = (await angelcam.async_fetch_recordings(1))[0]
    other = await angelcam.async_create_clip(
        1,
        name="Event",
        start=clock() - timedelta(minutes=30),
        end=clock() - timedelta(minutes=20),
        recording_id=recording.id,
    )
    assert other.camera_id == "1"


async def test_stream_url_freshness_and_301(
    angelcam: AngelcamClient,
    stack: SimulatorStack,
    clock: SimClock,
    session: aiohttp.ClientSession,
) -> None:
    first = await angelcam.async_stream_url(1)
    assert (first.camera_id, first.format, first.issued_at) == ("1", "hls", clock())
    assert "token" not in repr(first)
    again = await angelcam.async_stream_url(1)
    assert again.url == first.url
    assert api_count(stack, "/v1/cameras/1/") == 1, "a fresh URL is reused"
    clock.advance(6 * 60)  # the simulator's tokens live 5 minutes
    refreshed = await angelcam.async_refresh_stream_url(first)
    assert refreshed.url != first.url
    assert refreshed.issued_at == clock()
    async with session.get(refreshed.url, allow_redirects=False) as response:
        assert response.status == 200
    same = await angelcam.async_refresh_stream_url(refreshed)
    assert same is refreshed
    clock.advance(URL_MAX_AGE.total_seconds())
    await angelcam.async_stream_url(1)
    assert api_count(stack, "/v1/cameras/1/") == 2, "an old URL is re-fetched"
    mjpeg = await angelcam.async_stream_url(3, "mjpeg", fresh=True)
    assert mjpeg.format == "mjpeg"
    with pytest.raises(NotSupportedError, match="no hls stream"):
        await angelcam.async_stream_url(3)


async def test_camera_image_refetches_a_refused_url_once(
    angelcam: AngelcamClient, stack: SimulatorStack, clock: SimClock
) -> None:
    assert (await angelcam.async_camera_image(1)).startswith(JPEG)
    calls = api_count(stack, "/v1/cameras/1/")
    clock.advance(6 * 60)  # expired token, within the stream server's grace: it redirects
    assert (await angelcam.async_camera_image(1)).startswith(JPEG)
    assert api_count(stack, "/v1/cameras/1/") == calls, "the redirect was enough"
    stack.angelcam.state.world.secret = b"rotated"  # every issued token is now refused (401)
    assert (await angelcam.async_camera_image(1)).startswith(JPEG)
    assert api_count(stack, "/v1/cameras/1/") == calls + 1, "re-fetched once"
    stack.angelcam.state.remove_camera(2)
    with pytest.raises(RequestRejectedError, match="HTTP 404"):
        await angelcam.async_camera_image(2)


async def test_budget_refuses_before_sending(
    angelcam: AngelcamClient, stack: SimulatorStack, clock: SimClock
) -> None:
    for _ in range(20):
        await angelcam.async_fetch_location(1)
    assert angelcam.budget.remaining_minute == 0
    with pytest.raises(RateLimitedError) as caught:
        await angelcam.async_fetch_location(1)
    assert caught.value.retry_after == pytest.approx(60)
    assert api_count(stack) == 20, "the refused call never reached the vendor"
    assert angelcam.budget.remaining_today == 980
    clock.advance(60)
    await angelcam.async_fetch_location(1)


async def test_vendor_429_is_parsed_and_held(
    make_angelcam: Factory[AngelcamClient], stack: SimulatorStack, clock: SimClock
) -> None:
    client = make_angelcam(budget=roomy_budget(clock))
    for _ in range(20):
        await client.async_fetch_location(1)
    clock.advance(15)
    with pytest.raises(RateLimitedError, match="throttled") as caught:
        await client.async_fetch_location(1)
    assert caught.value.retry_after == 45, "from 'Expected available in 45 seconds.'"
    sent = api_count(stack)
    with pytest.raises(RateLimitedError, match="budget"):
        await client.async_fetch_location(1)
    assert api_count(stack) == sent, "held until the wait is over"
    clock.advance(45)
    await client.async_fetch_location(1)


async def test_auth_not_found_and_transport_errors(
    make_angelcam: Factory[AngelcamClient], stack: SimulatorStack, angelcam: AngelcamClient
) -> None:
    bad = make_angelcam(token="wrong")
    with pytest.raises(AuthenticationError, match="HTTP 401 not_authenticated"):
        await bad.async_fetch_account()
    with pytest.raises(RequestRejectedError, match="HTTP 404") as caught:
        await angelcam.async_fetch_camera(999)
    assert caught.value.status == 404
    faults = stack.angelcam.faults
    faults.add("status5xx", count=1, status=502)
    with pytest.raises(UnavailableError, match="HTTP 502"):
        await angelcam.async_fetch_location(1)
    faults.add("malformed_json", count=1)
    with pytest.raises(ProtocolError, match="not valid JSON"):
        await angelcam.async_fetch_location(1)
    faults.add("truncated", count=1)
    with pytest.raises(UnavailableError, match="ClientPayloadError"):
        await angelcam.async_fetch_location(1)
    faults.add("timeout", count=1, delay=30)
    hasty = make_angelcam(timeout=0.2)
    with pytest.raises(UnavailableError, match="timed out"):
        await hasty.async_fetch_location(1)
    closed = make_angelcam(base_url="http://127.0.0.1:9/v1")
    with pytest.raises(UnavailableError, match="ClientConnectorError"):
        await closed.async_fetch_location(1)


async def test_no_secret_in_logs_messages_or_reprs(
    make_angelcam: Factory[AngelcamClient],
    creds: dict[str, Any],
    stack: SimulatorStack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = creds["angelcam"]["personal_access_token"]
    client = make_angelcam()
    caplog.set_level("DEBUG", logger="custom_components.camhub.providers")
    messages: list[str] = []
    stream = await client.async_stream_url(1)
    stack.angelcam.faults.add("status5xx", count=1, status=503, path_prefix="/stream/")
    try:
        await client.async_camera_image(1)
    except UnavailableError as err:
        messages.append(str(err))
    stack.angelcam.faults.add("status5xx", count=1, path_prefix="/stream/")
    try:
        await client.async_refresh_stream_url(stream)
    except UnavailableError as err:
        messages.append(str(err))
    bad = make_angelcam(token=token + "x")
    try:
        await bad.async_fetch_account()
    except AuthenticationError as err:
        messages.append(str(err))
    assert len(messages) == 3
    # Only our records: the simulator's own access log prints the URLs it served.
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("custom_components")]
    assert len(ours) >= 6, "requests are logged at debug level"
    token_query = stream.url.split("token=")[1]
    texts = [*messages, *ours, repr(client), repr(stream), repr(bad)]
    for text in texts:
        assert token not in text
        assert token_query not in text
    assert any("token=***" in text for text in texts)


async def test_empty_locations_unscoped_queries_and_fallbacks(
    angelcam: AngelcamClient, stack: SimulatorStack, clock: SimClock
) -> None:
    from simulator.angelcam_model import Location

    with pytest.raises(ProviderError, match="no space chosen"):
        await angelcam.async_fetch_permissions()
    world = stack.angelcam.state.world
    world.locations[50] = Location(50, 1, "Shed")
    stack.angelcam.state.set_camera_online(2, online=False)
    snapshot = await angelcam.async_fetch_snapshot_state()
    assert snapshot.sites["50"].camera_ids == ()
    assert api_count(stack, "/v1/cameras/") == 2, "the empty shed costs no camera query"
    assert len(await angelcam.async_fetch_incidents()) == 0
    assert len(await angelcam.async_fetch_camera_events(1)) == 5
    assert (await angelcam.async_camera_image(2)).startswith(JPEG), "stored snapshot"
    stack.angelcam.state.set_camera_online(1, online=False)  # its cached live URL now fails
    with pytest.raises(UnavailableError, match="HTTP 502 bad_gateway"):
        await angelcam.async_camera_image(1)
    recording = (await angelcam.async_fetch_recordings(1))[0]
    stream = await angelcam.async_playback_stream(recording.id, clock() - timedelta(hours=1))
    assert stream.info_url is not None
    legacy = PlaybackStream(url=stream.url, format=stream.format, info_url=stream.info_url)
    assert (await angelcam.async_playback_position(legacy)).position is not None


@pytest.fixture
async def spec_vendor() -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """Serves the spec's example shapes the simulator does not produce.

    Its stream tokens have the spec example's `base64({time, timeout}).signature` form
    (the simulator's are `expiry.mac`), and its snapshot URL refuses every token.
    """
    from aiohttp import web

    camera: dict[str, Any] = {}

    async def get_camera(_: web.Request) -> web.Response:
        return web.json_response(camera)

    async def refuse(_: web.Request) -> web.Response:
        return web.json_response({"title": "not_authenticated", "status": 401}, status=401)

    app = web.Application()
    app.router.add_get("/v1/cameras/1/", get_camera)
    app.router.add_get("/stream/1/snapshot.jpg", refuse)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", camera
    finally:
        await runner.cleanup()


def spec_token(issued: datetime, timeout: int) -> str:
    payload = json.dumps({"time": int(issued.timestamp() * 1_000_000), "timeout": timeout})
    return base64.b64encode(payload.encode()).decode() + ".8ac35b434e768e8f"


async def test_spec_token_expiry_and_refused_fresh_url(
    spec_vendor: tuple[str, dict[str, Any]], session: aiohttp.ClientSession, clock: SimClock
) -> None:
    base, camera = spec_vendor
    client = AngelcamClient(session, token="t", base_url=f"{base}/v1", now=clock)
    token = spec_token(clock(), 60)
    camera.update(
        id=1,
        name="Spec",
        status="online",
        streams=[{"format": "hls", "url": f"{base}/stream/1/playlist.m3u8?token={token}"}],
        live_snapshot=f"{base}/stream/1/snapshot.jpg?token={token}",
        snapshot=None,
    )
    first = await client.async_stream_url(1)
    assert first.expires_at == clock() + timedelta(seconds=60)
    clock.advance(45)  # inside URL_MAX_AGE, but the token has under 30 s left
    second = await client.async_stream_url(1)
    assert second.issued_at == clock(), "re-fetched because its token runs out"
    calls = []
    for fresh_client in (
        client,
        AngelcamClient(session, token="t", base_url=f"{base}/v1", now=clock),
    ):
        with pytest.raises(AuthenticationError, match="HTTP 401"):
            await fresh_client.async_camera_image(1)
        calls.append(fresh_client.budget.sent)
    # Cached URL refused: one re-fetch. Freshly fetched URL refused: no second try.
    assert calls == [3, 1]
    camera.update(live_snapshot=None)
    with pytest.raises(NotSupportedError, match="no snapshot"):
        await client.async_camera_image(1)


async def test_arrow_clients_list_and_detail(angelcam: AngelcamClient) -> None:
    listed = await angelcam.async_fetch_arrow_clients()
    assert [client.id for client in listed] == [ARROW_UUID]
    assert listed[0].online is None, "the list carries no status"
    detail = await angelcam.async_fetch_arrow_client(ARROW_UUID)
    assert (detail.id, detail.mac) == (ARROW_UUID, "12:34:56:78:9a:bc")
    assert detail.online is not None
