"""Each provider's connect(), check and refresh against the simulators on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from custom_components.camhub.providers import provider_for
from custom_components.camhub.providers.angelcam.connection import AngelcamConnection
from custom_components.camhub.providers.errors import NotSupportedError, OtherAccountError
from custom_components.camhub.providers.fields import FieldKind
from custom_components.camhub.providers.interface import KnownDevice, PollLoad
from custom_components.camhub.providers.model import Capability
from custom_components.camhub.providers.motion import MotionTracker
from custom_components.camhub.providers.opencamera.connection import (
    UPGRADE_OPERATION,
    OpenCameraConnection,
    address_snapshot,
)
from custom_components.camhub.providers.opencamera.live_config import LIVE_CONFIG_OPERATION
from simulator.control import SimClock


def _angelcam_data(creds: dict[str, Any]) -> dict[str, Any]:
    return {
        "vendor": "angelcam",
        "access_token": creds["angelcam"]["personal_access_token"],
        "url": creds["angelcam"]["url"],
    }


def _opencamera_data(creds: dict[str, Any]) -> dict[str, Any]:
    device = creds["opencamera"]["devices"][0]
    parts = urlsplit(device["url"])
    return {
        "vendor": "opencamera",
        "host": parts.hostname,
        "port": parts.port,
        "username": device["username"],
        "password": device["password"],
    }


async def test_angelcam_connection(
    session: aiohttp.ClientSession, creds: dict[str, Any], clock: SimClock
) -> None:
    provider = provider_for("angelcam")
    data = _angelcam_data(creds)
    budget = provider.new_budget(lambda: clock().timestamp())
    assert budget is not None
    assert provider.budget_key(data) == provider.budget_key(dict(data))
    assert provider.budget_key(data) != provider.budget_key({**data, "access_token": "other"})
    connection = provider.connect(session, data, budget)
    assert isinstance(connection, AngelcamConnection)
    assert connection.budget is budget
    assert connection.images is connection.client
    assert connection.arming is not None
    assert connection.recordings is not None
    assert connection.recordings.min_record_seconds == 30
    assert connection.clip_trigger is None
    assert connection.vod is None
    assert connection.webrtc is None
    connection.restore_devices(
        [KnownDevice(kind="camera", item_id="x", name=None, parent=("arrow_client", "a1"))]
    )
    check = await provider.async_check(connection, data, reauth=False)
    assert check.account is not None
    assert check.account.vendor == "angelcam"
    motion = MotionTracker()
    refresh = await connection.async_refresh(motion, clock(), sites=frozenset())
    assert refresh.snapshot.cameras
    assert refresh.cost > 0
    site = next(iter(refresh.snapshot.sites))
    only = await connection.async_refresh(motion, clock(), sites=frozenset({site}))
    assert set(only.snapshot.sites) == {site}
    fetched = await connection.arming.async_fetch_site(site)
    assert fetched.id == site
    camera = next(iter(refresh.snapshot.cameras))
    assert connection.events is not None
    events = await connection.events.async_fetch_camera_events(
        camera, since=clock() - timedelta(days=30), limit=5
    )
    assert len(events) <= 5
    with pytest.raises(NotSupportedError):
        await connection.events.async_fetch_event("1")
    load = PollLoad(cost=provider.steady_cost(refresh.snapshot, 99), sites=3)
    assert provider.steady_cost(refresh.snapshot, 99) < 99
    assert provider.interval(load) >= timedelta(minutes=3)
    shared = PollLoad(cost=load.cost, sites=3, sharing=2)
    assert provider.minimum_interval(shared) == 2 * provider.minimum_interval(load)
    healthy = PollLoad(cost=load.cost, sites=3, push_healthy=True)
    assert provider.interval(healthy) == 4 * provider.interval(load)
    assert connection.extra_per_day >= 0
    assert provider.configuration_url(data) == "https://my.angelcam.com/"
    fields = provider.option_fields(refresh.snapshot)
    assert [f.key for f in fields] == ["stream_format", "locations"]
    assert {c.value for c in fields[1].choices} == set(refresh.snapshot.sites)
    assert [f.key for f in provider.reauth_fields()] == ["access_token"]
    assert provider.reauth_fields()[0].secret


async def test_angelcam_foreign_space_on_reauth(
    session: aiohttp.ClientSession, creds: dict[str, Any]
) -> None:
    provider = provider_for("angelcam")
    data = {**_angelcam_data(creds), "space_id": "999999"}
    connection = provider.connect(session, data, None)
    with pytest.raises(OtherAccountError):
        await provider.async_check(connection, data, reauth=True)
    with pytest.raises(Exception) as refused:  # noqa: PT011 - any refusal but OtherAccount
        await provider.async_check(connection, data, reauth=False)
    assert not isinstance(refused.value, OtherAccountError)


async def test_novavms_connection(
    session: aiohttp.ClientSession, creds: dict[str, Any], clock: SimClock
) -> None:
    provider = provider_for("novavms")
    data = {
        "vendor": "novavms",
        "url": creds["novavms"]["url"],
        "api_key": creds["novavms"]["api_keys"]["operator"],
    }
    budget = provider.new_budget(lambda: clock().timestamp())
    connection = provider.connect(session, data, budget)
    assert connection.clip_trigger is not None
    assert connection.arming is None
    assert connection.recordings is None
    check = await provider.async_check(connection, data, reauth=False)
    assert check.account is not None
    assert check.choose is None
    motion = MotionTracker()
    refresh = await connection.async_refresh(motion, clock(), sites=frozenset())
    assert refresh.snapshot.cameras
    assert refresh.cost >= 2
    camera = next(iter(refresh.snapshot.cameras))
    assert connection.events is not None
    events = await connection.events.async_fetch_camera_events(camera, since=clock(), limit=3)
    assert len(events) <= 3
    assert provider.interval(PollLoad(cost=1)) == timedelta(seconds=30)
    assert provider.minimum_interval(PollLoad(cost=9)) == timedelta(seconds=10)
    assert provider.steady_cost(refresh.snapshot, 7) == 7
    assert provider.configuration_url(data) == data["url"]
    assert provider.budget_key(data) is not None
    assert [f.key for f in provider.option_fields(None)] == ["sites", "webhook_secret"]
    assert [f.key for f in provider.connection_fields()] == ["url", "api_key"]
    assert [f.key for f in provider.reauth_fields()] == ["api_key"]


async def test_opencamera_connection(
    session: aiohttp.ClientSession, creds: dict[str, Any], clock: SimClock, tmp_path: Path
) -> None:
    provider = provider_for("opencamera")
    data = _opencamera_data(creds)
    assert provider.budget_key(data) is None
    assert provider.new_budget(lambda: 0.0) is None
    assert not provider.hub
    connection = provider.connect(session, data, None)
    assert isinstance(connection, OpenCameraConnection)
    assert connection.images is None
    assert connection.vod is connection.client
    check = await provider.async_check(connection, data, reauth=False)
    assert check.account is not None
    refresh = await connection.async_refresh(MotionTracker(), clock(), sites=frozenset())
    assert len(refresh.snapshot.cameras) == 1
    assert connection.live_config is not None
    current = connection.live_config.ice_servers(refresh.snapshot)
    assert current is not None
    assert await connection.live_config.async_set_ice_servers(["bad server"]) == {
        "ice_servers": "invalid_ice_server"
    }
    assert await connection.live_config.async_set_ice_servers([*current]) == {}
    assert provider.interval(PollLoad(cost=1)) == timedelta(seconds=60)
    assert provider.option_fields(None) == ()
    assert provider.configuration_url(data) == f"http://{data['host']}:{data['port']}"
    assert [f.kind for f in provider.connection_fields()][1] is FieldKind.PORT
    assert [f.key for f in provider.reauth_fields()] == ["username", "password"]
    connection.unsupported.add(UPGRADE_OPERATION)
    assert connection.firmware is not None
    with pytest.raises(NotSupportedError):
        await connection.firmware.async_upgrade_firmware(tmp_path / "none.bin", lambda _: None)
    connection.unsupported.add(LIVE_CONFIG_OPERATION)
    assert connection.live_config.ice_servers(refresh.snapshot) is None
    await connection.async_close()


def test_opencamera_address_fallback_has_what_the_device_offers() -> None:
    snapshot = address_snapshot(
        {"host": "Cam.local", "port": 8000}, datetime(2026, 1, 1, tzinfo=UTC)
    )
    (camera,) = snapshot.cameras.values()
    assert camera.id == "cam.local:8000"
    assert camera.capabilities == {
        Capability.LIVE_WEBRTC,
        Capability.VOD,
        Capability.DEVICE_INFO,
    }
