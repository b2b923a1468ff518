"""NovaVMS alert rules as switches: real Home Assistant against the NovaVMS simulator.

Requests are counted in the simulator's log; what a rule does is seen in the simulator's alerts.
"""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    EntityCategory,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.camhub.devices import hub_identifier
from custom_components.camhub.providers.errors import NotSupportedError
from custom_components.camhub.providers.novavms.rules import ABSENT_RETRY, RULES_MAX_AGE
from simulator.novavms import AlertRule
from simulator.stack import SimulatorStack

from .conftest import async_add_entry, novavms_data

RULES = "/api/v1/alert-rules"
ANY_MOTION = "switch.novavms_headquarters_and_1_more_site_alert_rule_any_motion"


def _reads(stack: SimulatorStack) -> int:
    return stack.log.count(vendor="novavms", path_prefix=RULES, method="GET")


async def _poll(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


async def _switch(hass: HomeAssistant, service: str, entity_id: str = ANY_MOTION) -> None:
    await hass.services.async_call(
        SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


def _state(hass: HomeAssistant, entity_id: str = ANY_MOTION) -> str:
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


async def test_a_rule_switched_off_fires_no_alert(
    hass: HomeAssistant, stack: SimulatorStack, novavms_entry: MockConfigEntry
) -> None:
    """The switch sits on the organisation's device; off costs one PATCH and stops alerts."""
    nova = stack.novavms.state
    (rule,) = nova.alert_rules.values()
    entity = er.async_get(hass).async_get(ANY_MOTION)
    assert entity is not None
    assert entity.entity_category is EntityCategory.CONFIG
    device = dr.async_get(hass).async_get(entity.device_id or "")
    assert device is not None
    assert hub_identifier(novavms_entry) in device.identifiers
    state = hass.states.get(ANY_MOTION)
    assert state is not None
    assert (state.state, state.attributes["trigger_type"]) == (STATE_ON, "motion")
    assert state.attributes["friendly_name"].endswith("Alert rule Any motion")
    sent, reads = stack.log.count(vendor="novavms"), _reads(stack)
    await _switch(hass, SERVICE_TURN_OFF)
    # One PATCH, and the answer is shown at once: no re-read, no poll.
    assert stack.log.count(vendor="novavms") - sent == 1
    assert stack.log.count(vendor="novavms", path_prefix=RULES, method="PATCH") == 1
    assert _reads(stack) == reads
    assert _state(hass) == STATE_OFF
    assert not rule.enabled
    lobby = next(c.id for c in nova.cameras.values() if c.name == "Lobby")
    alerts = len(nova.alerts)
    nova.fire_event(lobby, "motion")
    assert len(nova.alerts) == alerts
    await _switch(hass, SERVICE_TURN_ON)
    assert _state(hass) == STATE_ON
    assert rule.enabled
    nova.fire_event(lobby, "motion")
    assert len(nova.alerts) == alerts + 1


async def test_rules_are_read_every_five_minutes_and_follow_novavms(
    hass: HomeAssistant,
    *,
    stack: SimulatorStack,
    novavms_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Polls in between read no rules; a rule made in NovaVMS appears, a deleted one goes."""
    for polls in (0, 1, 2, 3):
        assert _reads(stack) == 1, f"after {polls} polls within 5 min"
        freezer.tick(timedelta(seconds=30))
        await _poll(hass, novavms_entry)
    nova = stack.novavms.state
    made = AlertRule(
        id="7c1f0000-0000-4000-8000-000000000001",
        name="Person at the dock",
        trigger_type="ai_person",
        recipients=["dock@example.com"],
        enabled=False,
    )
    nova.alert_rules[made.id] = made
    (built_in,) = (r for r in nova.alert_rules.values() if r.name == "Any motion")
    built_in.enabled = False
    freezer.tick(RULES_MAX_AGE)
    await _poll(hass, novavms_entry)
    assert _reads(stack) == 2
    person = "switch.novavms_headquarters_and_1_more_site_alert_rule_person_at_the_dock"
    assert _state(hass, person) == STATE_OFF
    state = hass.states.get(person)
    assert state is not None
    assert state.attributes["trigger_type"] == "ai_person"
    # Changed in NovaVMS: the switch follows at the next read.
    assert _state(hass) == STATE_OFF
    del nova.alert_rules[made.id]
    freezer.tick(RULES_MAX_AGE)
    await _poll(hass, novavms_entry)
    assert hass.states.get(person) is None
    assert er.async_get(hass).async_get(person) is None
    assert _state(hass) == STATE_OFF


async def test_a_failed_read_keeps_the_switches_and_is_retried(
    hass: HomeAssistant,
    stack: SimulatorStack,
    novavms_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 5xx on the rules does not fail the poll: the switches stay, the next poll asks again."""
    stack.novavms.faults.add("status5xx", path_prefix=RULES, count=1)
    freezer.tick(RULES_MAX_AGE)
    await _poll(hass, novavms_entry)
    assert novavms_entry.runtime_data.coordinator.last_update_success
    assert _state(hass) == STATE_ON
    reads = _reads(stack)
    freezer.tick(timedelta(seconds=30))
    await _poll(hass, novavms_entry)
    assert _reads(stack) == reads + 1
    assert _state(hass) == STATE_ON
    assert "Traceback" not in caplog.text
    camhub = [r for r in caplog.records if r.name.startswith("custom_components.camhub")]
    assert not [r for r in camhub if r.levelname in {"WARNING", "ERROR"}]


async def test_a_refused_change_is_a_translated_error(
    hass: HomeAssistant, stack: SimulatorStack, novavms_entry: MockConfigEntry
) -> None:
    stack.novavms.faults.add("status5xx", path_prefix=RULES, method="PATCH")
    with pytest.raises(HomeAssistantError) as err:
        await _switch(hass, SERVICE_TURN_OFF)
    assert err.value.translation_key is not None
    assert err.value.translation_placeholders == {"vendor": "NovaVMS"}
    assert _state(hass) == STATE_ON
    (rule,) = stack.novavms.state.alert_rules.values()
    assert rule.enabled


async def test_a_viewer_key_has_no_rule_switches_and_asks_once_a_day(
    hass: HomeAssistant, stack: SimulatorStack, freezer: FrozenDateTimeFactory
) -> None:
    """Viewers may not read rules (403): no switch, and the list is asked for once a day."""
    org = stack.credentials()["novavms"]["org_id"]
    entry = await async_add_entry(hass, novavms_data(stack, "viewer"), f"novavms:{org}")
    assert entry.runtime_data.coordinator.last_update_success
    assert hass.states.get(ANY_MOTION) is None
    assert _reads(stack) == 1
    for _ in range(3):
        freezer.tick(RULES_MAX_AGE)
        await _poll(hass, entry)
    assert _reads(stack) == 1
    freezer.tick(ABSENT_RETRY)
    await _poll(hass, entry)
    assert _reads(stack) == 2
    assert hass.states.get(ANY_MOTION) is None


async def test_vendors_without_rules_refuse_before_sending(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    sent = stack.log.count()
    with pytest.raises(NotSupportedError, match="no alert rules"):
        await angelcam_entry.runtime_data.coordinator.async_set_alert_rule("1", enabled=True)
    assert stack.log.count() == sent
    registry = er.async_get(hass)
    ours = er.async_entries_for_config_entry(registry, angelcam_entry.entry_id)
    assert not [e for e in ours if e.unique_id.endswith(":alert_rule")]
