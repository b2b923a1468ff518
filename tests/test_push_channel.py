"""The push channel: reachability and repairs, cloudhooks, removal, refusals, and a fuzz."""

from __future__ import annotations

from datetime import timedelta
import json
import logging
from typing import Any
from unittest.mock import AsyncMock, patch

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.cloud import CloudNotAvailable
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from hypothesis import given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.camhub.const import (
    CONF_CLOUDHOOK_URL,
    CONF_PUSH_SECRET,
    CONF_PUSH_TARGET_ID,
    CONF_VENDOR,
    CONF_WEBHOOK_ID,
    DOMAIN,
)
from custom_components.camhub.providers import provider_for
from custom_components.camhub.providers.push import PushSupport
from custom_components.camhub.providers.recent import RecentKeys
from custom_components.camhub.push import RefusalLog
from custom_components.camhub.push_vendor import (
    PushUnavailableError,
    async_remove_push,
    async_webhook_url,
)
from simulator.angelcam_webhooks import SIGNATURE_HEADER, sign
from simulator.stack import SimulatorStack

from .conftest import angelcam_data, async_add_entry, novavms_data
from .push_support import channel

CLOUDHOOK = "https://hooks.nabu.casa/camhub-test"


def _issues(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    registry = ir.async_get(hass)
    return {
        issue_id.removesuffix(f"_{entry.entry_id}")
        for (domain, issue_id) in registry.issues
        if domain == DOMAIN and issue_id.endswith(entry.entry_id)
    }


async def test_no_reachable_url_raises_a_repair_until_one_is_set(
    hass: HomeAssistant, stack: SimulatorStack, freezer: FrozenDateTimeFactory
) -> None:
    assert await async_setup_component(hass, "http", {})
    # No external URL, no cloud, and no local address to fall back to.
    hass.config.api = None
    entry = await async_add_entry(hass, angelcam_data(stack), "angelcam:1:1")
    assert _issues(hass, entry) == {"push_unreachable"}
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"push_unreachable_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["vendor"] == "Angelcam"
    assert channel(entry).url is None
    # Polling carries on at its budgeted rate.
    coordinator = entry.runtime_data.coordinator
    assert not coordinator.push_healthy
    assert coordinator.last_update_success
    freezer.tick(timedelta(seconds=61))
    await hass.config.async_update(external_url="http://127.0.0.1:9")
    await hass.async_block_till_done()
    assert _issues(hass, entry) == set()
    assert channel(entry).url == f"http://127.0.0.1:9/api/webhook/{entry.data[CONF_WEBHOOK_ID]}"


def _entry(vendor: str, url: str) -> MockConfigEntry:
    data = {CONF_VENDOR: vendor, "url": url, CONF_WEBHOOK_ID: "hook"}
    return MockConfigEntry(domain=DOMAIN, data=data | {"access_token": "t", "api_key": "k"})


def _push(hass: HomeAssistant, entry: MockConfigEntry) -> PushSupport:
    """The entry's push support, as its connection offers it."""
    provider = provider_for(entry.data[CONF_VENDOR])
    push = provider.connect(async_get_clientsession(hass), entry.data, None).push
    assert push is not None
    return push


@pytest.mark.parametrize(
    ("vendor", "external", "expected"),
    [
        ("novavms", "http://ha.example.org", None),
        ("novavms", "https://ha.example.org", "https://ha.example.org/api/webhook/hook"),
        ("angelcam", "http://ha.example.org", "http://ha.example.org/api/webhook/hook"),
    ],
)
async def test_cloud_vendors_need_an_external_url_novavms_https(
    hass: HomeAssistant, vendor: str, external: str, expected: str | None
) -> None:
    await hass.config.async_update(external_url=external)
    entry = _entry(vendor, "https://api.vendor.example/v1")
    if expected is None:
        with pytest.raises(PushUnavailableError) as caught:
            await async_webhook_url(hass, entry, _push(hass, entry))
        assert caught.value.issue == "push_unreachable"
        assert caught.value.placeholders == {"scheme": "HTTPS"}
    else:
        assert await async_webhook_url(hass, entry, _push(hass, entry)) == expected


async def test_cloudhook_is_used_when_cloud_is_connected_and_deleted_on_removal(
    hass: HomeAssistant, stack: SimulatorStack, freezer: FrozenDateTimeFactory
) -> None:
    hass.config.components.add("cloud")
    create = AsyncMock(return_value=CLOUDHOOK)
    delete = AsyncMock()
    cloud = "homeassistant.components.cloud"
    with (
        patch(f"{cloud}.async_active_subscription", return_value=True),
        patch(f"{cloud}.async_is_connected", return_value=True),
        patch(f"{cloud}.async_get_or_create_cloudhook", create),
        patch(f"{cloud}.async_delete_cloudhook", delete),
    ):
        entry = await async_add_entry(hass, angelcam_data(stack), "angelcam:1:1")
        freezer.tick(timedelta(seconds=61))
        await channel(entry).async_register()
        assert channel(entry).url == CLOUDHOOK
        assert entry.data[CONF_CLOUDHOOK_URL] == CLOUDHOOK
        create.assert_awaited_once_with(hass, entry.data[CONF_WEBHOOK_ID])
        methods = [m for m in stack.angelcam.state.rts.methods.values() if m.url == CLOUDHOOK]
        assert len(methods) == 1
        assert await hass.config_entries.async_remove(entry.entry_id)
        delete.assert_awaited_once_with(hass, entry.data[CONF_WEBHOOK_ID])


async def test_cloud_without_a_cloudhook_falls_back_to_the_external_url(
    hass: HomeAssistant, stack: SimulatorStack, freezer: FrozenDateTimeFactory
) -> None:
    hass.config.components.add("cloud")
    await hass.config.async_update(external_url="http://127.0.0.1:9")
    cloud = "homeassistant.components.cloud"
    with (
        patch(f"{cloud}.async_active_subscription", return_value=True),
        patch(f"{cloud}.async_is_connected", return_value=True),
        patch(f"{cloud}.async_get_or_create_cloudhook", side_effect=CloudNotAvailable),
    ):
        entry = await async_add_entry(hass, angelcam_data(stack), "angelcam:1:1")
        freezer.tick(timedelta(seconds=61))
        await channel(entry).async_register()
    assert channel(entry).url == f"http://127.0.0.1:9/api/webhook/{entry.data[CONF_WEBHOOK_ID]}"
    assert CONF_CLOUDHOOK_URL not in entry.data


async def test_removal_leaves_the_angelcam_method_the_api_cannot_delete(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    angelcam_served: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    rts = stack.angelcam.state.rts
    assert len(rts.methods) == 1
    caplog.set_level(logging.INFO)
    assert await hass.config_entries.async_remove(angelcam_entry.entry_id)
    await hass.async_block_till_done()
    # The spec has no DELETE; the attempt is refused and the README says what remains.
    assert stack.log.count(vendor="angelcam", method="DELETE") == 1
    assert len(rts.methods) == 1
    assert "stays on the account" in caplog.text
    assert _issues(hass, angelcam_entry) == set()


# Keys an Angelcam body may carry, and values of every JSON type for them.
_KEYS = st.sampled_from(
    [
        "incident_id",
        "incident_category",
        "sensor_name",
        "camera_id",
        "online",
        "action",
        "arrow_client_id",
        "affected_cameras",
        "title",
        "short_description",
    ]
)
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)
_BODIES = st.one_of(
    st.binary(max_size=300),
    st.dictionaries(_KEYS, _VALUES, max_size=6).map(lambda d: json.dumps(d).encode()),
)
# What the delivery is signed with: the right key, another key, garbage, or nothing.
_SIGNING = st.sampled_from(["key", "wrong", "garbage", "none"])
_TYPES = st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain", ""])


def _examples() -> list[tuple[bytes, str, str]]:
    """Deliveries drawn by hypothesis (collected first: the handler is awaited in the loop)."""
    drawn: list[tuple[bytes, str, str]] = []

    @settings(max_examples=300, database=None, deadline=None)
    @given(_BODIES, _SIGNING, _TYPES)
    def collect(body: bytes, signing: str, content_type: str) -> None:
        drawn.append((body, signing, content_type))

    collect()
    return drawn


async def test_fuzzed_deliveries_never_fail_the_handler(
    hass: HomeAssistant,
    angelcam_entry: MockConfigEntry,
    angelcam_served: TestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = angelcam_entry.data[CONF_PUSH_SECRET]
    path = f"/api/webhook/{angelcam_entry.data[CONF_WEBHOOK_ID]}"
    statuses: set[int] = set()
    for body, signing, content_type in _examples():
        headers: dict[str, Any] = {"Content-Type": content_type}
        if signing != "none":
            secret = key if signing == "key" else "wrong"
            token = sign(body, secret, dt_util.utcnow())
            headers[SIGNATURE_HEADER] = token if signing != "garbage" else token[::-1]
        response = await angelcam_served.post(path, data=body, headers=headers)
        statuses.add(response.status)
    await hass.async_block_till_done()
    assert statuses <= {200, 400, 401, 415}
    # Signed, well-formed bodies got through; the rest were refused.
    assert {200, 401, 415} <= statuses
    # aiohttp's test server access log trips over the frozen clock; HA runs without one.
    errors = [
        r for r in caplog.records if r.levelno >= logging.ERROR and r.name != "aiohttp.access"
    ]
    assert errors == []
    assert not [r for r in caplog.records if r.exc_info and r.name != "aiohttp.access"]
    assert hass.states.get("binary_sensor.garage_online") is not None


def test_refusal_log_warns_once_per_reason_and_period(caplog: pytest.LogCaptureFixture) -> None:
    now = dt_util.utcnow()
    clock = [now]
    log = RefusalLog(now=lambda: clock[0])
    caplog.set_level(logging.DEBUG)
    log.log("entry", 401, "bad signature", "1.2.3.4")
    log.log("entry", 401, "bad signature", "1.2.3.4")
    log.log("entry", 415, "not JSON", "1.2.3.4")
    clock[0] = now + timedelta(minutes=10)
    log.log("entry", 401, "bad signature", "1.2.3.4")
    assert [r.levelno for r in caplog.records] == [
        logging.WARNING,
        logging.DEBUG,
        logging.WARNING,
        logging.WARNING,
    ]


def test_recent_keys_forget_after_the_window_and_beyond_their_size() -> None:
    now = dt_util.utcnow()
    memory = RecentKeys(timedelta(minutes=5), size=2)
    assert not memory.known("a", now)
    memory.remember("a", now)
    assert memory.known("a", now)
    later = now + timedelta(minutes=6)
    assert not memory.known("a", later)
    for key in ("a", "b", "c"):
        memory.remember(key, later)
    # Only two are kept: the oldest went.
    assert len(memory) == 2
    assert not memory.known("a", later)
    assert memory.known("c", later)


async def test_a_vendor_without_push_gets_no_channel_and_no_event_entities(
    hass: HomeAssistant, opencamera_entry: MockConfigEntry
) -> None:
    assert opencamera_entry.runtime_data.push is None
    assert hass.states.async_entity_ids("event") == []
    assert hass.states.async_entity_ids("camera") != []


async def test_removal_carries_on_when_the_cloud_is_gone(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    hass.config.components.add("cloud")
    entry = _entry("novavms", "https://novavms.example.org")
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_CLOUDHOOK_URL: CLOUDHOOK}
    )
    delete = AsyncMock(side_effect=CloudNotAvailable)
    with (
        patch("homeassistant.components.cloud.async_delete_cloudhook", delete),
        caplog.at_level(logging.DEBUG, logger="custom_components.camhub"),
    ):
        await async_remove_push(hass, entry)
    delete.assert_awaited_once_with(hass, "hook")
    assert "cloudhook not deleted (cloud unavailable)" in caplog.text


async def test_removal_tells_when_the_vendor_webhook_could_not_be_deleted(
    hass: HomeAssistant, stack: SimulatorStack, caplog: pytest.LogCaptureFixture
) -> None:
    org = stack.credentials()["novavms"]["org_id"]
    assert await async_setup_component(hass, "http", {})
    entry = await async_add_entry(hass, novavms_data(stack), f"novavms:{org}")
    assert entry.data[CONF_PUSH_TARGET_ID] in stack.novavms.state.webhooks
    stack.novavms.faults.add("status5xx", path_prefix="/api/v1/webhooks/", method="DELETE")
    with caplog.at_level(logging.INFO, logger="custom_components.camhub"):
        assert await hass.config_entries.async_remove(entry.entry_id)
        await hass.async_block_till_done()
    assert stack.log.count(vendor="novavms", method="DELETE", status=503) == 1
    assert "the vendor webhook could not be deleted" in caplog.text
    # It stays on the account; nothing pretends otherwise.
    assert entry.data[CONF_PUSH_TARGET_ID] in stack.novavms.state.webhooks
