"""Tests of the OpenCamera simulator: Swagger-validated responses, tokens, WebRTC, VOD, upgrade."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from datetime import datetime, timedelta
import functools
import io
import json
from pathlib import Path
from typing import Any

import aiohttp
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack
import av
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
import pytest
import yaml

from simulator.opencamera import OPENCAMD_ONLY, OpenCameraState, firmware_image, loopback_ice

from .conftest import START, Device

SPEC = Path(__file__).parent.parent / "specs" / "opencameras.yaml"

type Json = dict[str, Any]


def to_openapi3(swagger: Json) -> Json:
    """Translate the Swagger 2.0 file to OpenAPI 3.0 (openapi-core reads only OpenAPI 3).

    One deliberate change: ``valid_until`` is ``format: date`` in the spec while its own example
    (and every implementation) is a date-time, so it is validated as ``date-time``.
    """
    text = json.dumps(swagger, default=str).replace("#/definitions/", "#/components/schemas/")
    source = json.loads(text.replace('"format": "date"', '"format": "date-time"'))
    paths: Json = {}
    for path, operations in source["paths"].items():
        for method, operation in operations.items():
            converted = {
                k: v
                for k, v in operation.items()
                if k not in {"consumes", "produces", "parameters", "responses"}
            }
            consumes = operation.get("consumes", ["application/json"])
            produces = operation.get("produces", ["application/json"])
            parameters, form = [], {}
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "body":
                    converted["requestBody"] = {
                        "required": parameter.get("required", False),
                        "content": {m: {"schema": parameter["schema"]} for m in consumes},
                    }
                elif parameter["in"] == "formData":
                    form[parameter["name"]] = {"type": "string", "format": "binary"}
                else:
                    parameters.append(
                        {
                            "name": parameter["name"],
                            "in": parameter["in"],
                            "required": parameter.get("required", False),
                            "schema": {"type": parameter["type"]},
                        }
                    )
            if form:
                schema = {"type": "object", "properties": form}
                converted["requestBody"] = {"content": {"multipart/form-data": {"schema": schema}}}
            if parameters:
                converted["parameters"] = parameters
            converted["responses"] = {
                code: {"description": response["description"]}
                | (
                    {"content": {m: {"schema": response["schema"]} for m in produces}}
                    if "schema" in response
                    else {}
                )
                for code, response in operation["responses"].items()
            }
            paths.setdefault(path, {})[method] = converted
    return {
        "openapi": "3.0.3",
        "info": source["info"],
        "servers": [{"url": source["basePath"]}],
        "paths": paths,
        "components": {
            "schemas": source["definitions"],
            "securitySchemes": {
                "basicAuth": {"type": "http", "scheme": "basic"},
                "key": {"type": "apiKey", "in": "header", "name": "x-token"},
            },
        },
    }


@functools.cache
def spec() -> OpenAPI:
    """The OpenCamera contract as an openapi-core validator."""
    return OpenAPI.from_dict(to_openapi3(yaml.safe_load(SPEC.read_text())))


async def checked(
    session: aiohttp.ClientSession,
    device: Device,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    json_body: object = None,
    validate_request: bool = True,
) -> tuple[int, Any]:
    """Call the device, validate request and response against the Swagger file."""
    url = f"{device.api}{path}"
    data = json.dumps(json_body).encode() if json_body is not None else None
    sent = {"Content-Type": "application/json"} if data is not None else {}
    async with session.request(
        method, url, headers=headers | sent if headers else sent, data=data
    ) as r:
        raw = await r.read()
        status, content_type = r.status, r.content_type
    request = MockRequest(
        device.url, method.lower(), f"/api/v1{path}", headers=headers or {}, data=data
    )
    if validate_request:
        spec().validate_request(request)
    if status == 200:
        response = MockResponse(raw, status_code=status, content_type=content_type)
        spec().validate_response(request, response)
    return status, json.loads(raw) if content_type == "application/json" and raw else raw


def basic(user: str, password: str, device: str | None = None) -> dict[str, str]:
    """Basic auth of ``user:pass:device`` (or plain ``user:pass``)."""
    raw = f"{user}:{password}" + (f":{device}" if device is not None else "")
    return {"Authorization": f"Basic {base64.b64encode(raw.encode()).decode()}"}


async def login(session: aiohttp.ClientSession, device: Device) -> dict[str, str]:
    """Obtain a token; return the x-token header."""
    state = device.state
    status, body = await checked(
        session,
        device,
        "POST",
        "/user/token/obtain",
        headers=basic(state.username, state.password, state.uuid),
    )
    assert status == 200
    return {"x-token": body["access_token"]}


def test_spec_copy_matches_shared_contract() -> None:
    """The test copy is byte-identical to the contract file it was copied from."""
    shared = Path("/work/shared/specs/opencamera/opencameras.yaml")
    if shared.exists():  # the shared folder is not part of the repository
        assert SPEC.read_bytes() == shared.read_bytes()
    assert spec() is spec()


async def test_obtain_token_variants(device: Device, session: aiohttp.ClientSession) -> None:
    """user:pass:device with uuid, name or empty device, and plain user:pass, all log in."""
    state = device.state
    for device_part in (state.uuid, state.name, "", None):
        status, body = await checked(
            session,
            device,
            "POST",
            "/user/token/obtain",
            headers=basic(state.username, state.password, device_part),
        )
        assert status == 200
        assert datetime.fromisoformat(body["valid_until"]) == START + timedelta(hours=1)
        assert body["access_token"] in state.tokens
    assert device.log.count(account=state.username) == 4


@pytest.mark.parametrize(
    ("make_headers", "status"),
    [
        (lambda _: {}, 401),
        (lambda _: {"Authorization": "Basic !!!"}, 401),
        (lambda _: {"Authorization": "Bearer abc"}, 401),
        (lambda _: {"Authorization": "Basic " + base64.b64encode(b"nocolon").decode()}, 401),
        (lambda state: basic(state.username, "wrong", ""), 400),
        (lambda state: basic("root", state.password, ""), 400),
        (lambda state: basic(state.username, state.password, "other-device"), 400),
    ],
)
async def test_obtain_token_refused(
    device: Device,
    session: aiohttp.ClientSession,
    make_headers: Callable[[OpenCameraState], dict[str, str]],
    status: int,
) -> None:
    """Missing/garbled Basic auth answers 401; wrong credentials or device 400."""
    headers = make_headers(device.state)
    async with session.post(f"{device.api}/user/token/obtain", headers=headers) as r:
        assert r.status == status
        body = await r.json()
    assert body["code"] == status
    assert device.state.tokens == {}


async def test_device_and_system_info(device: Device, session: aiohttp.ClientSession) -> None:
    """GET /device and /system answer the spec's shapes."""
    token = await login(session, device)
    status, info = await checked(session, device, "GET", "/device", headers=token)
    assert status == 200
    assert info["uuid"] == device.state.uuid
    assert info["uptime"] == 5 * 3600
    assert info["resolution"] == "1920\u00d71080"
    status, system = await checked(session, device, "GET", "/system", headers=token)
    assert system == {
        "firmwareVersion": "1.0.1",
        "sdcard_free": 12,
        "sdcard_total": 32,
        "live_session_config": {"ice_servers": ["stun.l.google.com:19302"]},
    }


async def test_token_expiry_refresh_and_logout(
    device: Device, session: aiohttp.ClientSession
) -> None:
    """Tokens expire by the clock; refresh extends the same token; logout ends it."""
    token = await login(session, device)
    device.clock.advance(3000)
    status, body = await checked(session, device, "POST", "/user/token/refresh", headers=token)
    assert status == 200
    assert datetime.fromisoformat(body["valid_until"]) == device.clock() + timedelta(hours=1)
    device.clock.advance(3000)  # past the first expiry, within the refreshed one
    status, _ = await checked(session, device, "GET", "/system", headers=token)
    assert status == 200
    device.clock.advance(601)
    status, body = await checked(session, device, "GET", "/system", headers=token)
    assert (status, body["code"]) == (401, 401)
    fresh = await login(session, device)
    status, _ = await checked(session, device, "GET", "/user/logout", headers=fresh)
    assert status == 200
    status, _ = await checked(session, device, "GET", "/device", headers=fresh)
    assert status == 401
    status, _ = await checked(session, device, "GET", "/device", headers={"x-token": "made-up"})
    assert status == 401
    async with session.get(f"{device.api}/device") as r:
        assert r.status == 401


async def test_live_config(device: Device, session: aiohttp.ClientSession) -> None:
    """PUT /media/live/config stores ICE servers; invalid bodies answer 400."""
    token = await login(session, device)
    servers = {"ice_servers": ["stun.example.org:3478"]}
    status, _ = await checked(
        session, device, "PUT", "/media/live/config", headers=token, json_body=servers
    )
    assert status == 200
    status, system = await checked(session, device, "GET", "/system", headers=token)
    assert system["live_session_config"] == servers
    for bad in ({"ice_servers": "stun"}, {"ice_servers": [1]}, ["x"]):
        status, _ = await checked(
            session,
            device,
            "PUT",
            "/media/live/config",
            headers=token,
            json_body=bad,
            validate_request=False,
        )
        assert status == 400
    async with session.put(f"{device.api}/media/live/config", headers=token, data=b"{") as r:
        assert r.status == 400


async def test_unsupported_operations_answer_501(
    device: Device, session: aiohttp.ClientSession
) -> None:
    """Per-device switches make operations answer go-swagger's 501 (after auth)."""
    token = await login(session, device)
    async with session.post(
        f"{device.url}/_sim/unsupported", json={"operations": ["getDeviceInfo"]}
    ) as r:
        assert await r.json() == {"unsupported": ["getDeviceInfo"]}
    async with session.get(f"{device.api}/device", headers=token) as r:
        assert r.status == 501
        body = await r.json()
    assert body == {"code": 501, "message": "operation getDeviceInfo has not yet been implemented"}
    async with session.get(f"{device.api}/device") as r:
        assert r.status == 401
    status, _ = await checked(session, device, "GET", "/system", headers=token)
    assert status == 200
    async with session.post(f"{device.url}/_sim/unsupported", json={"operations": ["fly"]}) as r:
        assert r.status == 400
    device.state.unsupported = set(OPENCAMD_ONLY)
    for path in ("/system", "/media/vod/1/2"):
        async with session.get(f"{device.api}{path}", headers=token) as r:
            assert r.status == 501
    async with session.get(f"{device.url}/_sim/status") as r:
        assert (await r.json())["tokens"] == 1


async def test_create_user_and_reset_password(
    device: Device, session: aiohttp.ClientSession
) -> None:
    """POST /user stores the user; PUT /user/reset takes a bare JSON string password."""
    token = await login(session, device)
    user = {"id": 1, "firstName": "Ada", "email": "ada@example.com", "password": "x"}
    status, _ = await checked(session, device, "POST", "/user", headers=token, json_body=user)
    assert (status, device.state.user) == (200, user)
    status, _ = await checked(
        session, device, "PUT", "/user/reset", headers=token, json_body="n3w-pass"
    )
    assert status == 200
    status, _ = await checked(
        session,
        device,
        "POST",
        "/user/token/obtain",
        headers=basic(device.state.username, "n3w-pass", ""),
    )
    assert status == 200
    for path, method, bad in (("/user", "POST", ["x"]), ("/user/reset", "PUT", {"a": 1})):
        status, _ = await checked(
            session, device, method, path, headers=token, json_body=bad, validate_request=False
        )
        assert status == 400


async def test_vod_download_is_real_video(device: Device, session: aiohttp.ClientSession) -> None:
    """GET /media/vod/{start}/{end} returns decodable H.264 MPEG-TS of that range."""
    token = await login(session, device)
    start = START - timedelta(minutes=10)
    path = f"/media/vod/{start.isoformat()}/{(start + timedelta(seconds=4)).isoformat()}"
    status, data = await checked(session, device, "GET", path, headers=token)
    assert status == 200
    with av.open(io.BytesIO(data), format="mpegts") as container:
        frames = list(container.decode(video=0))
    assert len(frames) == 4 * 5
    unix = int(start.timestamp())
    status, again = await checked(
        session, device, "GET", f"/media/vod/{unix}/{unix + 4}", headers=token
    )
    assert again == data
    naive = start.replace(tzinfo=None).isoformat()
    status, _ = await checked(
        session, device, "GET", f"/media/vod/{naive}/{unix + 2}", headers=token
    )
    assert status == 200
    for bad in (
        f"/media/vod/soon/{unix}",
        f"/media/vod/{unix + 4}/{unix}",
        f"/media/vod/{unix}/{int(START.timestamp()) + 60}",
        f"/media/vod/{unix - 600}/{unix}",
        "/media/vod/99999999999999999/99999999999999999",
    ):
        async with session.get(f"{device.api}{bad}", headers=token) as r:
            assert r.status == 400, bad


async def upload(
    session: aiohttp.ClientSession,
    device: Device,
    token: dict[str, str],
    content: bytes | None,
    field: str = "img_file",
) -> int:
    """POST /system/upgrade with a multipart file."""
    form = aiohttp.FormData()
    if content is not None:
        form.add_field(field, content, filename="fw.bin", content_type="application/octet-stream")
    else:
        form.add_field("comment", "no file")
    async with session.post(f"{device.api}/system/upgrade", headers=token, data=form) as r:
        return r.status


async def test_firmware_upgrade(device: Device, session: aiohttp.ClientSession) -> None:
    """A valid image changes the firmware version and reboots; bad images answer 400."""
    token = await login(session, device)
    device.clock.advance(60)
    assert await upload(session, device, token, firmware_image("1.1.0")) == 200
    _, system = await checked(session, device, "GET", "/system", headers=token)
    assert system["firmwareVersion"] == "1.1.0"
    _, info = await checked(session, device, "GET", "/device", headers=token)
    assert info["uptime"] == 0
    for bad in (
        b"",
        b"not a firmware image",
        firmware_image("", b"x"),
        firmware_image("1.2.0", b""),
        firmware_image("9" * 40),
        b"OCFW\n\xff\xfe\npayload",
    ):
        assert await upload(session, device, token, bad) == 400, bad
    assert await upload(session, device, token, firmware_image("2.0"), field="other") == 400
    assert await upload(session, device, token, None) == 400
    async with session.post(f"{device.api}/system/upgrade", headers=token, data=b"raw") as r:
        assert r.status == 400
    assert device.state.upgrades == ["1.1.0"]
    assert await upload(session, device, {"x-token": "bad"}, firmware_image("3.0")) == 401


async def test_live_session_streams_video(device: Device, session: aiohttp.ClientSession) -> None:
    """A real aiortc peer sends a complete offer and receives video frames from the answer."""
    token = await login(session, device)
    peer = RTCPeerConnection()
    peer.addTransceiver("video", direction="recvonly")
    peer.addTransceiver("audio", direction="recvonly")
    tracks: asyncio.Queue[MediaStreamTrack] = asyncio.Queue()
    peer.on("track", tracks.put_nowait)
    try:
        with loopback_ice():
            await peer.setLocalDescription(await peer.createOffer())
        offer = {"type": "offer", "sdp": peer.localDescription.sdp}
        status, answer = await checked(
            session, device, "POST", "/media/live/session", headers=token, json_body=offer
        )
        assert status == 200
        assert answer["type"] == "answer"
        assert "a=candidate" in answer["sdp"]  # complete: candidates are in the answer
        assert answer["valid_until"] == "2026-04-21T13:00:00Z"
        await peer.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
        async with asyncio.timeout(20):
            received = [await tracks.get(), await tracks.get()]
            video = next(t for t in received if t.kind == "video")
            frames = [await video.recv() for _ in range(3)]
        assert {(f.width, f.height) for f in frames} == {(320, 240)}
        assert len(device.state.peers) == 1
    finally:
        await peer.close()
    await device.state.close()
    assert device.state.peers == set()


@pytest.mark.parametrize(
    "body",
    [
        {"type": "answer", "sdp": "v=0\r\n"},
        {"type": "offer"},
        {"type": "offer", "sdp": "hello"},
        {"type": "offer", "sdp": "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"},
    ],
)
async def test_live_session_rejects_bad_offers(
    device: Device, session: aiohttp.ClientSession, body: Json
) -> None:
    """Bodies that are not usable SDP offers answer 400."""
    token = await login(session, device)
    async with session.post(f"{device.api}/media/live/session", headers=token, json=body) as r:
        assert r.status == 400
    async with session.post(f"{device.api}/media/live/session", headers=token, data=b"[") as r:
        assert r.status == 400
    await device.state.close()
