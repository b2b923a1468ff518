"""Every public method of every client, against answers that are empty, mistyped, incomplete
or about other ids, over real HTTP: only ProviderError subclasses ever come out.

A small server on 127.0.0.1 answers every request of one example with the same drawn status,
headers and body (OpenCamera's login excepted, so its token-guarded methods are reached).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
import tempfile
from typing import Any

import aiohttp
from aiohttp import web
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
import pytest

from custom_components.camhub.providers import AngelcamClient, NovaVMSClient, OpenCameraClient
from custom_components.camhub.providers.budget import RequestBudget
from custom_components.camhub.providers.errors import ProviderError
from custom_components.camhub.providers.model import (
    PlaybackControls,
    PlaybackStream,
    StreamUrl,
)
from tests.two_hosts import serve_app

from . import samples
from .test_mapping_fuzz import _paths, _replace, json_values

set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "camhub-hypothesis")
FUZZ = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NOW = datetime(2026, 4, 21, 12, 0, tzinfo=UTC)
LOGIN = {"access_token": "tok", "valid_until": "2099-01-01T00:00:00Z"}
# Every sample object the mapping tests know, each also wrapped as both vendors' list pages.
OBJECTS = [sample for _, sample in samples.MAPPERS.values() if isinstance(sample, dict)]


def _pages(item: Any) -> list[Any]:
    return [
        item,
        {"count": 1, "next": None, "previous": None, "results": [item]},
        {"data": [item], "next_cursor": None, "total": 1},
        [item],
    ]


@dataclass(slots=True)
class Answer:
    """What the server says to every request of one example."""

    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Server:
    """The fuzz server's base URL and its current answer."""

    url: str = ""
    answer: Answer = field(default_factory=Answer)


@st.composite
def answers(draw: st.DrawFn) -> Answer:
    """Empty, wrong-typed, missing-field and other-id bodies, with a few statuses."""
    kind = draw(st.sampled_from(["shape", "random", "mutated", "other_id"]))
    if kind == "shape":
        body = draw(st.sampled_from([b"", b"null", b"[]", b"{}", b'"x"', b"0", b"true", b"\xff"]))
    elif kind == "random":
        body = json.dumps(draw(json_values)).encode()
    else:
        value = draw(st.sampled_from([p for obj in OBJECTS for p in _pages(obj)]))
        path = draw(st.sampled_from(_paths(value)))
        if kind == "mutated":
            new = draw(json_values)
            value = _replace(value, path, new, delete=draw(st.booleans()) and bool(path))
        else:
            other = draw(st.sampled_from([999, "999", "other", 0, -1, 1.5, ""]))
            value = _swap_ids(value, other)
        body = json.dumps(value).encode()
    status = draw(st.sampled_from([200] * 8 + [201, 204, 301, 400, 401, 404, 429, 500, 501]))
    headers = {}
    if status == 301:
        headers["Location"] = draw(
            st.sampled_from(["/moved", "http://[::1", "http://127.0.0.1:1/x", "ftp://h/x"])
        )
    if status == 429:
        headers["Retry-After"] = draw(st.sampled_from(["1", "inf", "nan", "-5", "soon", "1e999"]))
    return Answer(status, body, headers)


def _swap_ids(value: Any, other: Any) -> Any:
    if isinstance(value, list):
        return [_swap_ids(item, other) for item in value]
    if isinstance(value, dict):
        return {
            key: other if key in {"id", "uuid", "camera_id"} else _swap_ids(child, other)
            for key, child in value.items()
        }
    return value


@pytest.fixture
async def server(socket_enabled: None) -> AsyncIterator[Server]:
    """The fuzz server on 127.0.0.1."""
    state = Server()

    async def answer(request: web.Request) -> web.StreamResponse:
        await request.read()
        if request.path.endswith("/user/token/obtain"):
            return web.json_response(LOGIN)
        current = state.answer
        return web.Response(
            status=current.status,
            body=current.body if current.status != 204 else None,
            headers={"Content-Type": "application/json", **current.headers},
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    async with serve_app(app) as origin:
        state.url = origin
        yield state


@pytest.fixture
async def session(server: Server) -> AsyncIterator[aiohttp.ClientSession]:
    """One client session for the whole fuzz."""
    async with aiohttp.ClientSession() as client:
        yield client


type Call = Callable[[Any, str], Awaitable[object]]


async def _read(manager: contextlib.AbstractAsyncContextManager[Any]) -> bytes:
    async with manager as media:
        return b"".join([chunk async for chunk in media.chunks])


def _stream(base: str) -> PlaybackStream:
    controls = PlaybackControls(
        base_url=f"{base}/recording/streams/s/",
        play=f"{base}/recording/streams/s/play/",
        pause=f"{base}/recording/streams/s/pause/",
        speed=f"{base}/recording/streams/s/speed/",
    )
    return PlaybackStream(url=f"{base}/s.m3u8", format="hls", controls=controls)


ANGELCAM: dict[str, Call] = {
    "async_arm": lambda c, _: c.async_arm(1, 5),
    "async_camera_image": lambda c, _: c.async_camera_image(1),
    "async_create_clip": lambda c, _: c.async_create_clip(
        1, name="n", start=NOW - timedelta(hours=1), end=NOW, recording_id="r"
    ),
    "async_create_notification_method": lambda c, _: c.async_create_notification_method(
        name="n", url="https://h/x", key="k"
    ),
    "async_create_notification_rule": lambda c, _: c.async_create_notification_rule(
        method_id="abc", message_type="arming"
    ),
    "async_delete_notification_method": lambda c, _: c.async_delete_notification_method(1),
    "async_disarm": lambda c, _: c.async_disarm(1),
    "async_ensure_webhook": lambda c, _: c.async_ensure_webhook(name="n", url="https://h/x"),
    "async_fetch_account": lambda c, _: c.async_fetch_account(),
    "async_fetch_arrow_client": lambda c, _: c.async_fetch_arrow_client("u"),
    "async_fetch_arrow_clients": lambda c, _: c.async_fetch_arrow_clients(),
    "async_fetch_camera": lambda c, _: c.async_fetch_camera(1),
    "async_fetch_camera_events": lambda c, _: c.async_fetch_camera_events(
        1, start=NOW - timedelta(hours=1), end=NOW
    ),
    "async_fetch_cameras": lambda c, _: c.async_fetch_cameras(1),
    "async_fetch_clip": lambda c, _: c.async_fetch_clip(1, "c"),
    "async_fetch_clips": lambda c, _: c.async_fetch_clips(1),
    "async_fetch_incident": lambda c, _: c.async_fetch_incident(1),
    "async_fetch_incidents": lambda c, _: c.async_fetch_incidents(
        start=NOW - timedelta(hours=1), end=NOW
    ),
    "async_fetch_location": lambda c, _: c.async_fetch_location(1),
    "async_fetch_locations": lambda c, _: c.async_fetch_locations(),
    "async_fetch_media": lambda c, base: c.async_fetch_media(f"{base}/m.jpg"),
    "async_fetch_messages": lambda c, _: c.async_fetch_messages(),
    "async_fetch_notification_methods": lambda c, _: c.async_fetch_notification_methods(),
    "async_fetch_notification_rules": lambda c, _: c.async_fetch_notification_rules(),
    "async_fetch_permissions": lambda c, _: c.async_fetch_permissions("1"),
    "async_fetch_recordings": lambda c, _: c.async_fetch_recordings(1),
    "async_fetch_rts_settings": lambda c, _: c.async_fetch_rts_settings(),
    "async_set_incident_ttl": lambda c, _: c.async_set_incident_ttl(timedelta(minutes=5)),
    "async_fetch_unread_count": lambda c, _: c.async_fetch_unread_count(),
    "async_fetch_broadcasting": lambda c, _: c.async_fetch_broadcasting(1),
    "async_set_broadcasting": lambda c, _: c.async_set_broadcasting(1, enabled=True),
    "async_fetch_snapshot_state": lambda c, _: c.async_fetch_snapshot_state(),
    "async_fetch_spaces": lambda c, _: c.async_fetch_spaces(),
    "async_fetch_timeline": lambda c, _: c.async_fetch_timeline("r", NOW - timedelta(days=2), NOW),
    "async_mark_message_read": lambda c, _: c.async_mark_message_read(1),
    "async_open_media": lambda c, base: _read(c.async_open_media(f"{base}/m.ts")),
    "async_playback_control": lambda c, base: c.async_playback_control(_stream(base), "play"),
    "async_playback_position": lambda c, base: c.async_playback_position(_stream(base)),
    "async_playback_speed": lambda c, base: c.async_playback_speed(_stream(base), 2),
    "async_playback_stream": lambda c, _: c.async_playback_stream("r", NOW, NOW),
    "async_recording_download_url": lambda c, _: c.async_recording_download_url(
        "r", NOW - timedelta(hours=1), NOW
    ),
    "async_recording_snapshot": lambda c, _: c.async_recording_snapshot("r", NOW),
    "async_refresh_stream_url": lambda c, base: c.async_refresh_stream_url(
        StreamUrl(url=f"{base}/s.m3u8?token=t", format="hls", issued_at=NOW)
    ),
    "async_start_recording": lambda c, _: c.async_start_recording("r", 60),
    "async_stop_recording": lambda c, _: c.async_stop_recording("r"),
    "async_stream_url": lambda c, _: c.async_stream_url(1),
    "async_update_notification_method": lambda c, _: c.async_update_notification_method(
        1, name="n", url="https://h/x"
    ),
    "async_update_notification_rule": lambda c, _: c.async_update_notification_rule(
        1, method_id=2, message_type="arming"
    ),
}
NOVAVMS: dict[str, Call] = {
    "async_acknowledge_event": lambda c, _: c.async_acknowledge_event("e"),
    "async_camera_image": lambda c, _: c.async_camera_image("c"),
    "async_create_webhook": lambda c, _: c.async_create_webhook(name="n", url="https://h/x"),
    "async_delete_webhook": lambda c, _: c.async_delete_webhook("w"),
    "async_fetch_account": lambda c, _: c.async_fetch_account(),
    "async_fetch_alerts": lambda c, _: c.async_fetch_alerts("new"),
    "async_fetch_camera": lambda c, _: c.async_fetch_camera("c"),
    "async_fetch_cameras": lambda c, _: c.async_fetch_cameras("s"),
    "async_fetch_event": lambda c, _: c.async_fetch_event("e"),
    "async_fetch_events": lambda c, _: c.async_fetch_events(camera_id="c", site_id="s", since=NOW),
    "async_fetch_gateways": lambda c, _: c.async_fetch_gateways(),
    "async_fetch_media": lambda c, base: c.async_fetch_media(f"{base}/storage/x.jpg"),
    "async_fetch_sites": lambda c, _: c.async_fetch_sites(),
    "async_fetch_snapshot_state": lambda c, _: c.async_fetch_snapshot_state(),
    "async_fetch_webhook": lambda c, _: c.async_fetch_webhook("w"),
    "async_fetch_webhooks": lambda c, _: c.async_fetch_webhooks(),
    "async_open_media": lambda c, base: _read(c.async_open_media(f"{base}/storage/x.ts")),
    "async_trigger_clip": lambda c, _: c.async_trigger_clip("c", 10, "n"),
    "async_update_webhook": lambda c, _: c.async_update_webhook("w", url="https://h/x"),
    "async_fetch_alert_rules": lambda c, _: c.async_fetch_alert_rules(),
    "async_update_alert_rule": lambda c, _: c.async_update_alert_rule("r", enabled=False),
}
FIRMWARE = Path(tempfile.gettempdir()) / "camhub-fuzz-firmware.bin"
OPENCAMERA: dict[str, Call] = {
    "async_download_vod": lambda c, _: c.async_download_vod(
        NOW - timedelta(minutes=1), NOW, Path(tempfile.gettempdir()) / "camhub-fuzz-vod.mp4"
    ),
    "async_fetch_account": lambda c, _: c.async_fetch_account(),
    "async_fetch_device_info": lambda c, _: c.async_fetch_device_info(),
    "async_fetch_media": lambda c, base: c.async_fetch_media(f"{base}/api/v1/media/x.jpg"),
    "async_fetch_snapshot_state": lambda c, _: c.async_fetch_snapshot_state(),
    "async_fetch_system_info": lambda c, _: c.async_fetch_system_info(),
    "async_fetch_vod": lambda c, _: c.async_fetch_vod(NOW - timedelta(seconds=4), NOW),
    "async_login": lambda c, _: c.async_login(),
    "async_logout": lambda c, _: _login_then(c, c.async_logout),
    "async_open_media": lambda c, base: _read(c.async_open_media(f"{base}/api/v1/media/x.ts")),
    "async_update_live_config": lambda c, _: c.async_update_live_config(["stun:h:3478"]),
    "async_upgrade_firmware": lambda c, _: c.async_upgrade_firmware(FIRMWARE),
    "async_webrtc_offer": lambda c, _: c.async_webrtc_offer("v=0\r\n"),
}


async def _login_then(client: OpenCameraClient, call: Callable[[], Awaitable[None]]) -> None:
    await client.async_login()
    await call()


def _client(vendor: str, session: aiohttp.ClientSession, base: str) -> Any:
    budget = RequestBudget.unlimited()
    if vendor == "angelcam":
        return AngelcamClient(
            session,
            token="tok-angel",
            base_url=f"{base}/v1/",
            budget=budget,
            now=lambda: NOW,
            timeout=5,
        )
    if vendor == "novavms":
        # NovaVMS's own budget: its per-camera trigger window is part of the client.
        return NovaVMSClient(session, api_key="key-nova", base_url=base, timeout=5)
    return OpenCameraClient(
        session,
        url=base,
        username="user",
        password="pass-word",
        budget=budget,
        now=lambda: NOW,
        timeout=5,
    )


CALLS = [
    *(("angelcam", name) for name in ANGELCAM),
    *(("novavms", name) for name in NOVAVMS),
    *(("opencamera", name) for name in OPENCAMERA),
]
TABLES = {"angelcam": ANGELCAM, "novavms": NOVAVMS, "opencamera": OPENCAMERA}


@pytest.mark.parametrize(
    ("client_class", "table"),
    [(AngelcamClient, ANGELCAM), (NovaVMSClient, NOVAVMS), (OpenCameraClient, OPENCAMERA)],
)
def test_the_fuzz_walks_every_public_method(client_class: type, table: dict[str, Call]) -> None:
    public = {name for name in dir(client_class) if name.startswith("async_")}
    assert public == set(table)


@FUZZ
@given(call=st.sampled_from(CALLS), answer=answers())
async def test_only_provider_errors_come_out(
    server: Server, session: aiohttp.ClientSession, call: tuple[str, str], answer: Answer
) -> None:
    FIRMWARE.write_bytes(b"firmware")
    vendor, name = call
    server.answer = answer
    client = _client(vendor, session, server.url)
    with contextlib.suppress(ProviderError):
        await TABLES[vendor][name](client, server.url)
