"""Tolerant reading: a bad list item is skipped (one warning), unknown enums read "unknown",
an answer about another id is a ProtocolError, never a KeyError."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
import logging
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.camhub.providers import AngelcamClient, NovaVMSClient
from custom_components.camhub.providers.decode import UNKNOWN, warn_skipped
from custom_components.camhub.providers.errors import ProtocolError
from simulator.control import SimClock
from simulator.stack import SimulatorStack
from tests.two_hosts import serve_app

from . import samples
from .angelcam.test_client import roomy_budget
from .conftest import Factory

type Script = dict[str, Any]


@pytest.fixture
async def scripted() -> AsyncIterator[tuple[str, Script]]:
    """A server on 127.0.0.1 answering each path with the JSON the test put in the script."""
    script: Script = {}

    async def answer(request: web.Request) -> web.Response:
        if request.path not in script:
            return web.json_response({"title": "not_found"}, status=404)
        return web.json_response(script[request.path])

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    async with serve_app(app) as origin:
        yield origin, script


def page(*items: Any) -> dict[str, Any]:
    """An Angelcam list page."""
    return {"count": len(items), "next": None, "previous": None, "results": list(items)}


def skipped(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The skip warnings logged so far."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "Skipped a list item" in r.getMessage()
    ]


async def test_one_bad_camera_is_skipped_with_one_warning(
    scripted: tuple[str, Script], session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    base, script = scripted
    other = {**samples.CAMERA, "id": 158, "status": "rebooting"}
    broken = {key: value for key, value in samples.CAMERA.items() if key != "id"}
    script["/v1/cameras/"] = page(samples.CAMERA, broken, other)
    client = AngelcamClient(session, token="tok-angel", base_url=f"{base}/v1/")
    caplog.set_level(logging.WARNING)

    cameras = await client.async_fetch_cameras()
    await client.async_fetch_cameras()

    assert [(c.id, c.status, c.online) for c in cameras] == [
        ("157", "online", True),
        ("158", UNKNOWN, None),
    ]
    warnings = skipped(caplog)
    assert len(warnings) == 1, "rate-limited: once per field and problem"
    assert "results[].id: missing field" in warnings[0]
    assert "tok-angel" not in caplog.text


def test_skip_warnings_are_rate_limited_per_field(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    now = [10_000.0]
    err = ProtocolError("x GET h/l?offset=1.results[3].name: missing field")
    warn_skipped(err, clock=lambda: now[0])
    warn_skipped(ProtocolError("x GET h/l?offset=2.results[7].name: missing field"), lambda: now[0])
    assert len(skipped(caplog)) == 1
    now[0] += 3601
    warn_skipped(err, clock=lambda: now[0])
    assert len(skipped(caplog)) == 2


async def test_camera_answering_with_another_id_is_a_protocol_error(
    scripted: tuple[str, Script], session: aiohttp.ClientSession
) -> None:
    base, script = scripted
    script["/v1/cameras/1/"] = {**samples.CAMERA, "id": 2}
    client = AngelcamClient(session, token="tok-angel", base_url=f"{base}/v1/")
    with pytest.raises(ProtocolError, match=r"\.id: answered for camera 2, not 1"):
        await client.async_stream_url(1)
    with pytest.raises(ProtocolError, match="answered for camera 2"):
        await client.async_camera_image(1)
    script["/api/v1/cameras/c1"] = {**samples.NOVA_CAMERA, "id": "c2"}
    nova = NovaVMSClient(session, api_key="key-nova", base_url=base)
    with pytest.raises(ProtocolError, match="answered for camera c2"):
        await nova.async_fetch_camera("c1")
    script["/api/v1/alert-rules/r1"] = {"id": "r2", "name": "Night", "trigger_type": "motion"}
    with pytest.raises(ProtocolError, match=r"\.id: answered for rule r2, not r1"):
        await nova.async_update_alert_rule("r1", enabled=False)


async def test_unknown_enums_read_unknown(
    scripted: tuple[str, Script], session: aiohttp.ClientSession
) -> None:
    base, script = scripted
    script["/v1/cameras/1/clips/"] = page({**samples.CLIP, "status": "ARCHIVED"})
    script["/v1/cameras/1/recordings/"] = page({**samples.RECORDING, "status": "PAUSED"})
    script["/v1/rts/messages/"] = page({**samples.MESSAGE, "type": "new_kind"})
    script["/api/v1/alerts"] = {"data": [{**samples.NOVA_ALERT, "status": "snoozed"}]}
    # A rule without `enabled` is enabled; a trigger added after the manual reads unknown.
    script["/api/v1/alert-rules"] = {
        "data": [{"id": "r1", "name": "Sound", "trigger_type": "audio"}]
    }
    client = AngelcamClient(session, token="tok-angel", base_url=f"{base}/v1/")
    nova = NovaVMSClient(session, api_key="key-nova", base_url=base)
    assert [c.status for c in await client.async_fetch_clips(1)] == [UNKNOWN]
    assert [r.status for r in await client.async_fetch_recordings(1)] == [UNKNOWN]
    assert [m.type for m in await client.async_fetch_messages()] == [UNKNOWN]
    assert [a.status for a in await nova.async_fetch_alerts()] == [UNKNOWN]
    assert [(r.trigger_type, r.enabled) for r in await nova.async_fetch_alert_rules()] == [
        (UNKNOWN, True)
    ]


async def test_spec_example_shaped_answers_are_read(
    make_angelcam: Factory[AngelcamClient], stack: SimulatorStack, clock: SimClock
) -> None:
    _, incident = stack.angelcam.state.fire_motion(4)  # camera 4 is in the armed garage
    assert incident is not None
    angelcam = make_angelcam(budget=roomy_budget(clock))
    before = await angelcam.async_fetch_snapshot_state()
    incidents = await angelcam.async_fetch_incidents(start=clock() - timedelta(days=7))
    messages = await angelcam.async_fetch_messages()
    assert incidents
    assert [m.type for m in messages] == ["my_incident"]
    stack.faults["angelcam"].add("spec_examples", path_prefix="/v1/")

    after = await angelcam.async_fetch_snapshot_state()
    shaped = await angelcam.async_fetch_messages()

    assert sorted(after.cameras) == sorted(before.cameras)
    assert [m.id for m in shaped] == [m.id for m in messages]
    assert {m.type for m in shaped} == {UNKNOWN}, "the spec's example items carry no type"
    assert [
        i.created_at
        for i in await angelcam.async_fetch_incidents(start=clock() - timedelta(days=7))
    ] == [i.created_at for i in incidents]
