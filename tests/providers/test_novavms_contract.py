"""The NovaVMS client against a second mock built from tests/specs/novavms-openapi.yaml alone.

The mock knows nothing of our simulator: each operation answers the contract's example (or a
value built from its schema), and every request the client sends is checked against the file.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
from aiohttp import web
import pytest

from custom_components.camhub.providers import NovaVMSClient
from custom_components.camhub.providers.model import Capability
from tests.novavms_contract import document, example_answer, mock_app

CAMERA = "550e8400-e29b-41d4-a716-446655440000"
SITE = "b5e9f3a1-2c4d-4e6f-8a1b-3c5d7e9f1a2b"
GATEWAY = "8f1a2b3c-4d5e-6f7a-8b9c-0d1e2f3a4b5c"
EVENT = "7a1e4b52-9c3d-4f1a-8b2e-5d6c7e8f9a0b"
WEBHOOK = "ad8c00f8-8755-5298-9f0f-7139878d310e"
ORG = "1ffe6bbf-a23d-55d3-b816-17373494239b"
# Every operation of the contract the client uses.
USED = {
    "listSites",
    "listCameras",
    "getCamera",
    "listGateways",
    "triggerCamera",
    "listEvents",
    "getEvent",
    "updateEvent",
    "listAlerts",
    "listAlertRules",
    "updateAlertRule",
    "listWebhooks",
    "createWebhook",
    "getWebhook",
    "updateWebhook",
    "deleteWebhook",
}


@dataclass
class Mock:
    """The contract mock as a test sees it."""

    client: NovaVMSClient
    hits: list[str]
    problems: list[str]


@pytest.fixture
async def mock(socket_enabled: None) -> AsyncIterator[Mock]:
    """The mock on a free 127.0.0.1 port and a client pointed at it."""
    hits: list[str] = []
    problems: list[str] = []
    runner = web.AppRunner(mock_app(hits, problems))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    async with aiohttp.ClientSession() as session:
        yield Mock(NovaVMSClient(session, api_key="sk_live_contract", base_url=url), hits, problems)
    await runner.cleanup()


def test_every_2xx_answer_of_the_contract_has_a_body_the_mock_can_serve() -> None:
    for item in document()["paths"].values():
        for method, operation in item.items():
            if method in {"get", "post", "patch", "delete"}:
                status, _, headers = example_answer(operation)
                assert 200 <= status < 300
                if operation.get("security") != []:
                    assert set(headers) >= {"X-RateLimit-Remaining", "X-RateLimit-Reset"}


async def test_the_client_reads_every_operation_it_uses(mock: Mock) -> None:
    client = mock.client
    account = await client.async_fetch_account()
    assert account.account_id == ORG
    (site,) = await client.async_fetch_sites()
    assert (site.id, site.name) == (SITE, "Main warehouse")
    (camera,) = await client.async_fetch_cameras(site_id=SITE)
    assert (camera.id, camera.name, camera.online, camera.status) == (
        CAMERA,
        "Loading Dock East",
        True,
        "online",
    )
    assert (camera.site_id, camera.gateway_id, camera.model) == (SITE, GATEWAY, "ONVIF camera")
    assert Capability.CLIP_TRIGGER in camera.capabilities
    detail = await client.async_fetch_camera(CAMERA)
    assert (detail.id, detail.active_tier) == (CAMERA, "main")
    (gateway,) = await client.async_fetch_gateways()
    assert (gateway.id, gateway.online, gateway.version) == (GATEWAY, True, "2.4.1")
    assert gateway.last_heartbeat_at is not None
    snapshot = await client.async_fetch_snapshot_state()
    assert snapshot.sites[SITE].camera_ids == (CAMERA,)
    assert set(snapshot.gateways) == {GATEWAY}
    trigger = await client.async_trigger_clip(CAMERA, duration=30, note="walkthrough")
    assert (trigger.event_id, trigger.expected_duration) == (
        "c1d2e3f4-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
        15,
    )
    (event,) = await client.async_fetch_events(camera_id=CAMERA)
    assert (event.id, event.kind, event.tags, event.camera_id) == (
        EVENT,
        "motion",
        ("person",),
        CAMERA,
    )
    assert event.snapshot_url is not None
    full = await client.async_fetch_event(EVENT)
    assert (full.kind, full.clip_duration) == ("manual", 19)
    assert full.clip_url is not None
    await client.async_acknowledge_event(EVENT)
    (alert,) = await client.async_fetch_alerts(status="new")
    assert (alert.event_id, alert.camera_id, alert.rule_name) == (EVENT, CAMERA, "Night watch")
    (rule,) = await client.async_fetch_alert_rules()
    assert (rule.name, rule.enabled, rule.trigger_type) == ("Night watch", True, "ai_person")
    changed = await client.async_update_alert_rule(rule.id, enabled=False)
    assert (changed.id, changed.enabled) == (rule.id, False)
    (hook,) = await client.async_fetch_webhooks()
    assert (hook.id, hook.enabled, hook.secret) == (WEBHOOK, True, None)
    created = await client.async_create_webhook(name="Home Assistant (CamHub)", url=hook.url)
    assert created.secret == "whsec_live_4f9d1c0b7e2a"
    read = await client.async_fetch_webhook(WEBHOOK)
    assert read.secret == "whsec_live_4f9d1c0b7e2a"
    updated = await client.async_update_webhook(WEBHOOK, url=hook.url)
    assert set(updated.event_types) == {"alert", "event", "camera_status", "gateway_status"}
    await client.async_delete_webhook(WEBHOOK)
    # The X-RateLimit-* headers of every answer reached the budget.
    assert client.budget.remaining_minute is not None
    assert mock.problems == []
    assert set(mock.hits) == USED
