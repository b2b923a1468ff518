"""Push registration: backoff after failures, the repair when it keeps failing, 503 meanwhile,
and the catch-up poll that closes the gap before a new entry's pushes start."""

from __future__ import annotations

from datetime import timedelta
import hashlib
import hmac
import json

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camhub.const import (
    CONF_PUSH_SECRET,
    CONF_PUSH_TARGET_ID,
    CONF_WEBHOOK_ID,
    DOMAIN,
)
from custom_components.camhub.providers.angelcam.poll import MINUTE_RESERVE
from custom_components.camhub.providers.errors import UnavailableError
from custom_components.camhub.push import REGISTER_BACKOFF
from simulator.stack import SimulatorStack

from .conftest import angelcam_data, async_add_entry, novavms_data
from .push_support import channel

FRONT_DOOR = 1
FRONT_DOOR_ONLINE = "binary_sensor.front_door_online"
NOTIFICATIONS = "/v1/rts/notifications/"
WEBHOOKS = "/api/v1/webhooks"


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delay: timedelta) -> None:
    freezer.tick(delay)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def _issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"push_failing_{entry.entry_id}")


async def _angelcam_without_url(hass: HomeAssistant, stack: SimulatorStack) -> MockConfigEntry:
    """Alice's entry where push has no URL to register (no external URL, no local API)."""
    assert await async_setup_component(hass, "http", {})
    hass.config.api = None
    return await async_add_entry(hass, angelcam_data(stack), "angelcam:1:1")


async def test_a_5xx_during_registration_is_retried_within_a_minute(
    hass: HomeAssistant, stack: SimulatorStack, freezer: FrozenDateTimeFactory
) -> None:
    entry = await _angelcam_without_url(hass, stack)
    stack.angelcam.faults.add("status5xx", count=1, status=502, path_prefix=NOTIFICATIONS)
    freezer.tick(timedelta(seconds=61))
    await hass.config.async_update(external_url="http://127.0.0.1:9")
    await hass.async_block_till_done()
    log = stack.log
    assert log.count(vendor="angelcam", path_prefix=NOTIFICATIONS, status=502) == 1
    assert channel(entry).url is None
    assert channel(entry).failures == 1
    # Not yet: the first step of the backoff is 30 s.
    await _tick(hass, freezer, REGISTER_BACKOFF[0] - timedelta(seconds=1))
    assert log.count(vendor="angelcam", path_prefix=NOTIFICATIONS) == 1
    await _tick(hass, freezer, timedelta(seconds=1))
    # The whole first registration: method list, create, rule list and six rules.
    assert log.count(vendor="angelcam", path_prefix=NOTIFICATIONS) == 1 + 9
    assert channel(entry).url is not None
    assert entry.data[CONF_PUSH_SECRET]
    assert channel(entry).failures == 0
    assert _issue(hass, entry) is None


async def test_registration_backs_off_and_a_repair_appears_only_when_it_keeps_failing(
    hass: HomeAssistant,
    stack: SimulatorStack,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await async_setup_component(hass, "http", {})
    stack.novavms.faults.add("status5xx", path_prefix=WEBHOOKS)
    org = stack.credentials()["novavms"]["org_id"]
    entry = await async_add_entry(hass, novavms_data(stack), f"novavms:{org}")
    push = channel(entry)

    def attempts() -> int:
        return stack.log.count(vendor="novavms", path_prefix=WEBHOOKS)

    assert attempts() == 1
    assert "could not set up push, retrying in 0:00:30" in caplog.text
    for step, delay in enumerate(REGISTER_BACKOFF, start=1):
        await _tick(hass, freezer, delay - timedelta(seconds=1))
        assert attempts() == step, f"too early before step {step}"
        # A repair only once the last (15 min) step failed as well.
        assert _issue(hass, entry) is None
        await _tick(hass, freezer, timedelta(seconds=1))
        assert attempts() == step + 1
    issue = _issue(hass, entry)
    assert issue is not None
    assert issue.translation_key == "push_failing"
    assert issue.translation_placeholders == {"name": entry.title, "vendor": "NovaVMS"}
    assert push.failures == len(REGISTER_BACKOFF) + 1
    # It keeps trying at the last step; the first success clears the repair and the count.
    stack.novavms.faults.clear()
    await _tick(hass, freezer, REGISTER_BACKOFF[-1])
    assert push.url is not None
    hook = stack.novavms.state.webhooks[entry.data[CONF_PUSH_TARGET_ID]]
    assert entry.data[CONF_PUSH_SECRET] == hook.secret
    assert _issue(hass, entry) is None
    assert push.failures == 0


async def test_a_push_while_registration_is_pending_is_deferred_with_retry_after(
    hass: HomeAssistant,
    stack: SimulatorStack,
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    assert await async_setup_component(hass, "http", {})
    stack.novavms.faults.add("status5xx", count=1, path_prefix=WEBHOOKS)
    org = stack.credentials()["novavms"]["org_id"]
    entry = await async_add_entry(hass, novavms_data(stack), f"novavms:{org}")
    http = await hass_client_no_auth()
    push = channel(entry)
    assert push.pending
    assert CONF_PUSH_SECRET not in entry.data
    body = json.dumps({"event_type": "camera_status", "data": {}}).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Webhook-ID": "d-1",
        "X-Webhook-Timestamp": dt_util.utcnow().isoformat(),
        "X-Webhook-Signature": hmac.new(b"unknown", body, hashlib.sha256).hexdigest(),
    }
    path = f"/api/webhook/{entry.data[CONF_WEBHOOK_ID]}"
    freezer.tick(timedelta(seconds=10))
    response = await http.post(path, data=body, headers=headers)
    # The vendor keeps the delivery and tries again after the registration retry.
    assert response.status == 503
    assert response.headers["Retry-After"] == "20"
    assert (push.accepted, push.refused) == (0, 1)
    await _tick(hass, freezer, timedelta(seconds=20))
    assert not push.pending
    assert entry.data[CONF_PUSH_SECRET]
    # Now there is a secret to check against: a wrong signature is refused for good.
    response = await http.post(path, data=body, headers=headers)
    assert response.status == 401


async def test_a_registration_without_a_retry_refuses_unsigned_pushes(
    hass: HomeAssistant, stack: SimulatorStack, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Push is unavailable (no URL): nothing will register by itself, so nothing is deferred."""
    entry = await _angelcam_without_url(hass, stack)
    http = await hass_client_no_auth()
    assert not channel(entry).pending
    response = await http.post(
        f"/api/webhook/{entry.data[CONF_WEBHOOK_ID]}",
        data=b"{}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 401


async def test_a_new_entry_catches_up_on_what_happened_before_push_started(
    hass: HomeAssistant, stack: SimulatorStack, freezer: FrozenDateTimeFactory
) -> None:
    """The first registration waits for room in the minute; a camera goes offline meanwhile."""
    assert await async_setup_component(hass, "http", {})
    await hass.config.async_update(external_url="http://127.0.0.1:9")
    entry = await async_add_entry(hass, angelcam_data(stack), "angelcam:1:1")
    push, coordinator = channel(entry), entry.runtime_data.coordinator
    log = stack.log
    # Setup spent the room the 9 registration requests and the catch-up poll need.
    assert push.url is None
    assert push.pending
    assert push.failures == 0, "waiting for the budget is not a failure"
    assert log.count(vendor="angelcam", path_prefix=NOTIFICATIONS) == 0
    polls = log.count(vendor="angelcam", path_prefix="/v1/rts/incidents/")
    await _tick(hass, freezer, timedelta(seconds=30))
    assert stack.angelcam.state.set_camera_online(FRONT_DOOR, online=False)
    await stack.angelcam.state.webhooks.drain()
    await hass.async_block_till_done()
    # Nobody pushes to an entry that is not registered yet.
    assert hass.states.get(FRONT_DOOR_ONLINE).state == STATE_ON
    # The regular poll is minutes away.
    assert coordinator.update_interval is not None
    assert coordinator.update_interval > timedelta(minutes=3)
    await _tick(hass, freezer, timedelta(seconds=30))
    assert push.url == "http://127.0.0.1:9" + f"/api/webhook/{entry.data[CONF_WEBHOOK_ID]}"
    assert log.count(vendor="angelcam", path_prefix=NOTIFICATIONS) == 9
    # One poll right after registering, and it shows the camera offline.
    assert log.count(vendor="angelcam", path_prefix="/v1/rts/incidents/") == polls + 1
    assert hass.states.get(FRONT_DOOR_ONLINE).state == STATE_OFF
    # Inside the minute's budget, with the reserve for the user's own requests left.
    remaining = entry.runtime_data.connection.client.budget.remaining_minute
    assert remaining is not None
    assert remaining >= MINUTE_RESERVE
    # A restart finds the method again; pushes never stopped, so no catch-up poll.
    freezer.tick(timedelta(seconds=61))
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert log.count(vendor="angelcam", path_prefix="/v1/rts/incidents/") == polls + 2
    assert channel(entry).url is not None


async def test_a_stopped_channel_leaves_no_timer_behind(
    hass: HomeAssistant, stack: SimulatorStack
) -> None:
    """A registration still running when the entry unloads (or HA stops) retries nothing."""
    entry = await _angelcam_without_url(hass, stack)
    push = channel(entry)
    started = push._task
    push._async_stop()
    # Home Assistant's stop and the unload both stop it; the second time changes nothing.
    push._async_stop()
    # What that registration does when its answer comes in afterwards: rate limited, failed.
    push._retry_in(timedelta(seconds=60))
    push._failed(UnavailableError("late"))
    push._schedule_register()
    assert push._retry is None
    assert push._task is started
    assert not push.pending
