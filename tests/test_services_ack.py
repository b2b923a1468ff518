"""camhub.acknowledge_event against the NovaVMS simulator over HTTP: pushed events, acknowledged."""

from __future__ import annotations

from dataclasses import replace
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, HomeAssistant, State, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache_with_extra_data,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camhub.const import CONF_PUSH_SECRET, DOMAIN
from custom_components.camhub.providers.model import Capability
from simulator.stack import SimulatorStack

from .conftest import async_add_entry, novavms_data
from .push_support import async_serve
from .test_push_novavms import Served, _push

EVENTS = "event.lobby_events"
ACTION = "acknowledge_event"


@pytest.fixture
async def served(
    hass: HomeAssistant,
    stack: SimulatorStack,
    novavms_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> Served:
    """The operator key's entry, registered for push."""
    http = await async_serve(hass, hass_client_no_auth, freezer, novavms_entry)
    # The minute async_serve lets pass makes a poll due: done before requests are counted.
    await hass.async_block_till_done(wait_background_tasks=True)
    return Served(hass, novavms_entry, http, stack.novavms.state)


def _requests(stack: SimulatorStack, **filters: Any) -> int:
    """NovaVMS requests so far (of a method, say)."""
    return stack.log.count(vendor="novavms", **filters)


async def _fire(served: Served, trigger: str = "manual") -> str:
    """The Lobby camera reports an event (motion ones with an alert), pushed; its id."""
    event = served.nova.fire_event(served.camera("Lobby"), trigger)
    await served.deliver()
    # An alert's picture is fetched in the background: done before requests are counted.
    await served.hass.async_block_till_done(wait_background_tasks=True)
    return event.id


async def _alert(served: Served, event_id: str) -> None:
    """A signed alert delivery for the Lobby camera's event `event_id`."""
    alert = {"alert_id": "a-1", "rule_name": "Any motion", "camera_id": served.camera("Lobby")}
    secret = served.entry.data[CONF_PUSH_SECRET]
    assert await served.post(*_push(secret, "alert", {**alert, "event_id": event_id})) == 200
    await served.hass.async_block_till_done(wait_background_tasks=True)


def _attributes(hass: HomeAssistant, entity_id: str = EVENTS) -> dict[str, Any]:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return dict(state.attributes)


async def _acknowledge(hass: HomeAssistant, **data: Any) -> None:
    await hass.services.async_call(DOMAIN, ACTION, {"entity_id": EVENTS, **data}, blocking=True)


async def _refused(hass: HomeAssistant, **data: Any) -> ServiceValidationError:
    with pytest.raises(ServiceValidationError) as err:
        await _acknowledge(hass, **data)
    assert err.value.translation_domain == DOMAIN
    return err.value


def _changes(hass: HomeAssistant, entity_id: str = EVENTS) -> list[State]:
    """The states `entity_id` is written with from now on."""
    seen: list[State] = []

    @callback
    def record(event: Event[Any]) -> None:
        if event.data["entity_id"] == entity_id and event.data["new_state"] is not None:
            seen.append(event.data["new_state"])

    hass.bus.async_listen(EVENT_STATE_CHANGED, record)
    return seen


async def test_acknowledges_the_last_pushed_event(
    hass: HomeAssistant, stack: SimulatorStack, served: Served
) -> None:
    # Motion: NovaVMS pushes the event and its alert, in either order; both name the event.
    event_id = await _fire(served, "motion")
    before = hass.states.get(EVENTS)
    assert before is not None
    assert before.attributes["event_id"] == event_id
    assert before.attributes["acknowledged"] is False
    changes = _changes(hass)
    budget = served.entry.runtime_data.connection.budget
    sent, patched, metered = _requests(stack), _requests(stack, method="PATCH"), budget.sent
    await _acknowledge(hass)
    assert served.nova.events[event_id].acknowledged is True
    # One metered request, the acknowledgement itself: nothing polled.
    assert (_requests(stack), _requests(stack, method="PATCH")) == (sent + 1, patched + 1)
    assert budget.sent == metered + 1
    # The attribute changes; the state (the last event's time) does not: no event fired.
    (after,) = changes
    assert after.state == before.state
    assert dict(after.attributes) == {**before.attributes, "acknowledged": True}
    # The alert for that event, arriving now, leaves it acknowledged.
    await _alert(served, event_id)
    assert _attributes(hass)["event_type"] == "alert"
    assert _attributes(hass)["acknowledged"] is True
    # A new event is not.
    newer = await _fire(served)
    assert (_attributes(hass)["event_id"], _attributes(hass)["acknowledged"]) == (newer, False)
    assert served.nova.events[newer].acknowledged is False


async def test_acknowledges_the_event_named(
    hass: HomeAssistant, stack: SimulatorStack, served: Served
) -> None:
    older = await _fire(served)
    newer = await _fire(served)
    sent = _requests(stack)
    await _acknowledge(hass, event_id=older)
    assert served.nova.events[older].acknowledged is True
    assert served.nova.events[newer].acknowledged is False
    # The entity shows its last event, which is still unacknowledged.
    assert (_attributes(hass)["event_id"], _attributes(hass)["acknowledged"]) == (newer, False)
    await _acknowledge(hass, event_id=newer)
    assert served.nova.events[newer].acknowledged is True
    assert _attributes(hass)["acknowledged"] is True
    assert _requests(stack) == sent + 2


async def test_no_event_yet(hass: HomeAssistant, stack: SimulatorStack, served: Served) -> None:
    assert "event_id" not in _attributes(hass)
    assert "acknowledged" not in _attributes(hass)
    sent = _requests(stack)
    assert (await _refused(hass)).translation_key == "no_event_to_acknowledge"
    assert (await _refused(hass, event_id="")).translation_key == "no_event_to_acknowledge"
    assert _requests(stack) == sent


async def test_only_a_camhub_event_entity_of_a_camera_that_acknowledges(
    hass: HomeAssistant,
    stack: SimulatorStack,
    served: Served,
    angelcam_entry: MockConfigEntry,
) -> None:
    event_id = await _fire(served)
    sent = _requests(stack)
    refusals = {
        # A CamHub entity of the camera that is not its event entity, and no entity of ours.
        "camera.lobby": "not_camhub_event",
        "binary_sensor.lobby_motion": "not_camhub_event",
        "event.nothing_here": "not_camhub_event",
        # Angelcam acknowledges nothing.
        "event.front_door_events": "unsupported_camera",
    }
    for entity_id, key in refusals.items():
        err = await _refused(hass, entity_id=entity_id, event_id=event_id)
        assert (err.translation_key, entity_id) == (key, entity_id)
    err = await _refused(hass, entity_id="event.front_door_events")
    assert err.translation_placeholders == {"vendor": "Angelcam"}
    both = [EVENTS, "event.yard_events"]
    assert (await _refused(hass, entity_id=both)).translation_key == "one_event_entity"
    # A camera without the capability, on the same connection, is refused as well.
    coordinator = served.entry.runtime_data.coordinator
    data = coordinator.data
    lobby = data.cameras[served.camera("Lobby")]
    stripped = replace(lobby, capabilities=lobby.capabilities - {Capability.EVENT_ACK})
    coordinator.async_push_data(replace(data, cameras={**data.cameras, lobby.id: stripped}))
    assert (await _refused(hass)).translation_key == "unsupported_camera"
    coordinator.async_push_data(data)
    assert _requests(stack) == sent
    assert served.nova.events[event_id].acknowledged is False
    await _acknowledge(hass)
    assert served.nova.events[event_id].acknowledged is True


async def test_failures_are_translated(
    hass: HomeAssistant, stack: SimulatorStack, served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    event_id = await _fire(served)
    # NovaVMS knows no such event (404).
    err = await _refused(hass, event_id="no-such-event")
    assert err.translation_key == "unknown_event"
    assert err.translation_placeholders == {"vendor": "NovaVMS", "event_id": "no-such-event"}
    assert "NovaVMS has no event no-such-event" in str(err)
    # NovaVMS fails (and keeps failing through the client's retries).
    stack.novavms.faults.add("status5xx", count=10, path_prefix="/api/v1/events", method="PATCH")
    with pytest.raises(HomeAssistantError) as failed:
        await _acknowledge(hass)
    assert not isinstance(failed.value, ServiceValidationError)
    assert failed.value.translation_key == "cannot_connect"
    assert failed.value.translation_placeholders == {"vendor": "NovaVMS"}
    assert served.nova.events[event_id].acknowledged is False
    assert _attributes(hass)["acknowledged"] is False
    # Told to the caller, not logged: no traceback. (aiohttp's access log trips over the
    # frozen clock when NovaVMS delivers: not ours.)
    logged = [
        r for r in caplog.records if r.name.startswith(("custom_components", "homeassistant"))
    ]
    assert not [r for r in logged if r.exc_info or r.levelno >= logging.ERROR]


async def test_acknowledged_survives_a_reload(hass: HomeAssistant, served: Served) -> None:
    event_id = await _fire(served)
    await _acknowledge(hass)
    await hass.config_entries.async_reload(served.entry.entry_id)
    await hass.async_block_till_done()
    attributes = _attributes(hass)
    assert (attributes["event_id"], attributes["acknowledged"]) == (event_id, True)


async def test_acknowledged_and_last_event_restored_after_a_restart(
    hass: HomeAssistant, stack: SimulatorStack
) -> None:
    """What the entity showed before the restart comes back; the action still finds the event."""
    nova = stack.novavms.state
    lobby = next(c.id for c in nova.cameras.values() if c.name == "Lobby")
    event = nova.fire_event(lobby, "manual")
    pushed = {"event_id": event.id, "title": "Manual clip", "acknowledged": False}
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(EVENTS, "2026-04-21T13:45:22.000+00:00", {**pushed, "acknowledged": True}),
                {"last_event_type": "manual", "last_event_attributes": pushed},
            ),
            (
                # Junk in the stored attributes is not shown.
                State(
                    "event.yard_events",
                    "2026-04-21T13:45:22.000+00:00",
                    {"event_id": 7, "acknowledged": "yes"},
                ),
                {"last_event_type": "manual", "last_event_attributes": {}},
            ),
        ],
    )
    org = stack.credentials()["novavms"]["org_id"]
    await async_add_entry(hass, novavms_data(stack), f"novavms:{org}")
    attributes = _attributes(hass)
    assert (attributes["event_type"], attributes["event_id"]) == ("manual", event.id)
    assert attributes["acknowledged"] is True
    assert "acknowledged" not in _attributes(hass, "event.yard_events")
    assert nova.events[event.id].acknowledged is False
    await _acknowledge(hass)
    assert nova.events[event.id].acknowledged is True
    err = await _refused(hass, entity_id="event.yard_events")
    assert err.translation_key == "no_event_to_acknowledge"


async def test_a_viewer_key_is_told_it_lacks_the_role(
    hass: HomeAssistant, stack: SimulatorStack
) -> None:
    """NovaVMS answers a viewer's acknowledgement 403: a permission error, not "re-authenticate"."""
    org = stack.credentials()["novavms"]["org_id"]
    await async_add_entry(hass, novavms_data(stack, "viewer"), f"novavms:{org}")
    nova = stack.novavms.state
    lobby = next(c.id for c in nova.cameras.values() if c.name == "Lobby")
    event = nova.fire_event(lobby, "manual")
    with pytest.raises(HomeAssistantError) as err:
        await _acknowledge(hass, event_id=event.id)
    assert err.value.translation_key == "not_permitted"
    assert err.value.translation_placeholders == {"vendor": "NovaVMS"}
    assert not nova.events[event.id].acknowledged
