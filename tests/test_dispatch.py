"""Per-device dispatch: a push or poll writes the states of the devices it changed, no others."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED, STATE_OFF, STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camhub.coordinator import CamHubCoordinator
from simulator.control import SimClock
from simulator.populate import populate_angelcam, populate_novavms
from simulator.stack import SimulatorStack

from .conftest import angelcam_data, async_add_entry, novavms_data
from .health_support import device_of
from .push_support import async_serve

CAMERAS = 200


@dataclass
class Writes:
    """Every state written (async_write_ha_state) and changed (state_changed) from now on."""

    written: Counter[str]
    changed: Counter[str]

    def clear(self) -> None:
        """Start counting afresh."""
        self.written.clear()
        self.changed.clear()


@pytest.fixture
def writes(hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch) -> Iterator[Writes]:
    """Count writes through Entity._async_write_ha_state, which every write goes through."""
    counted = Writes(Counter(), Counter())
    original = Entity._async_write_ha_state

    def counting(self: Entity) -> None:
        counted.written[self.entity_id] += 1
        original(self)

    monkeypatch.setattr(Entity, "_async_write_ha_state", counting)

    @callback
    def changed(event: Event[Any]) -> None:
        if event.data["entity_id"].split(".")[0] != "persistent_notification":
            counted.changed[event.data["entity_id"]] += 1

    unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, changed)
    yield counted
    unsubscribe()


@pytest.fixture
async def big_stack(socket_enabled: None, sim_clock: SimClock) -> AsyncIterator[SimulatorStack]:
    """An otherwise empty scenario whose NovaVMS organisation has 200 cameras."""
    async with SimulatorStack(scenario="empty", clock=sim_clock) as running:
        populate_novavms(running, CAMERAS)
        yield running


@pytest.fixture
async def big_entry(
    hass: HomeAssistant,
    big_stack: SimulatorStack,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> MockConfigEntry:
    """The 200-camera organisation set up, served and registered for push."""
    org = big_stack.credentials()["novavms"]["org_id"]
    entry = await async_add_entry(hass, novavms_data(big_stack), f"novavms:{org}")
    await async_serve(hass, hass_client_no_auth, freezer, entry)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


def device_entities(hass: HomeAssistant, entry: MockConfigEntry, kind: str, item: str) -> set[str]:
    """The enabled entities of one device of the entry."""
    device = device_of(hass, entry, kind, item)
    assert device is not None, f"no {kind} device {item}"
    found = {
        e.entity_id
        for e in er.async_entries_for_device(er.async_get(hass), device.id)
        if e.disabled_by is None
    }
    assert found
    return found


def entry_entities(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    """Every enabled entity of the entry."""
    entries = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    return {e.entity_id for e in entries if e.disabled_by is None}


def coordinator_of(entry: MockConfigEntry) -> CamHubCoordinator:
    """The entry's coordinator."""
    coordinator: CamHubCoordinator = entry.runtime_data.coordinator
    return coordinator


async def deliver(hass: HomeAssistant, stack: SimulatorStack) -> None:
    """Let NovaVMS deliver what it queued and Home Assistant apply it."""
    await stack.novavms.state.drain()
    await hass.async_block_till_done()


async def test_camera_push_writes_only_that_cameras_entities(
    hass: HomeAssistant, big_stack: SimulatorStack, big_entry: MockConfigEntry, writes: Writes
) -> None:
    nova = big_stack.novavms.state
    coordinator = coordinator_of(big_entry)
    assert len(coordinator.data.cameras) == CAMERAS
    assert len(entry_entities(hass, big_entry)) > 4 * CAMERAS
    camera = next(iter(coordinator.data.cameras))
    mine = device_entities(hass, big_entry, "camera", camera)
    online = next(e for e in mine if e.startswith("binary_sensor.") and e.endswith("_online"))
    writes.clear()
    nova.set_camera_status(camera, "offline")
    await deliver(hass, big_stack)
    assert hass.states.get(online).state == STATE_OFF  # type: ignore[union-attr]
    # Each of the camera's entities wrote once, and nothing else did.
    assert writes.written == dict.fromkeys(mine, 1)
    assert set(writes.changed) <= mine
    assert online in writes.changed
    # The same status again (a repeated push) changes nothing, so writes nothing.
    writes.clear()
    coordinator.async_push_data(coordinator.data, [("camera", camera)])
    assert writes.written == {}


async def test_gateway_push_writes_the_gateway_and_its_cameras(
    hass: HomeAssistant, big_stack: SimulatorStack, big_entry: MockConfigEntry, writes: Writes
) -> None:
    nova = big_stack.novavms.state
    coordinator = coordinator_of(big_entry)
    gateway = next(iter(coordinator.data.gateways))
    behind = [c.id for c in coordinator.data.cameras.values() if c.gateway_id == gateway]
    assert 0 < len(behind) < CAMERAS
    expected = device_entities(hass, big_entry, "gateway", gateway).union(
        *(device_entities(hass, big_entry, "camera", camera) for camera in behind)
    )
    writes.clear()
    nova.set_gateway_status(gateway, "offline")
    await deliver(hass, big_stack)
    assert writes.written == dict.fromkeys(expected, 1)
    assert set(writes.changed) <= expected


async def test_motion_event_writes_only_that_cameras_entities(
    hass: HomeAssistant,
    big_stack: SimulatorStack,
    big_entry: MockConfigEntry,
    writes: Writes,
    freezer: FrozenDateTimeFactory,
) -> None:
    coordinator = coordinator_of(big_entry)
    camera = list(coordinator.data.cameras)[7]
    mine = device_entities(hass, big_entry, "camera", camera)
    writes.clear()
    big_stack.novavms.state.fire_event(camera, "motion")
    await deliver(hass, big_stack)
    # The picture is fetched in the background.
    await hass.async_block_till_done(wait_background_tasks=True)
    # The motion sensor turned on, the event entity fired and the event's picture arrived;
    # only this camera wrote.
    assert {e.split(".")[0] for e in writes.changed} == {"binary_sensor", "event", "image"}
    assert set(writes.written) == mine
    assert coordinator.motion.is_on(camera, coordinator.data.fetched_at + timedelta(seconds=1))


async def test_poll_writes_only_what_changed(
    hass: HomeAssistant, big_stack: SimulatorStack, big_entry: MockConfigEntry, writes: Writes
) -> None:
    coordinator = coordinator_of(big_entry)
    sent = big_stack.log.count(vendor="novavms")
    writes.clear()
    await coordinator.async_refresh()
    # A real poll ran, and found nothing new: not one state written.
    assert big_stack.log.count(vendor="novavms") > sent
    assert coordinator.last_update_success
    assert writes.written == {}
    assert writes.changed == {}
    # One camera changed at the vendor without a push: the next poll writes its entities.
    camera = list(coordinator.data.cameras)[42]
    big_stack.novavms.state.cameras[camera].active_tier = "sub"
    await coordinator.async_refresh()
    mine = device_entities(hass, big_entry, "camera", camera)
    assert writes.written == dict.fromkeys(mine, 1)
    # Only its status sensor shows the tier (an attribute).
    assert set(writes.changed) == {e for e in mine if e.startswith("sensor.")}
    # A camera the vendor no longer lists: its device and entities go, no others write.
    writes.clear()
    big_stack.novavms.state.delete_camera(camera)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert set(writes.written) <= mine
    assert [hass.states.get(e) for e in mine] == [None] * len(mine)
    assert device_of(hass, big_entry, "camera", camera) is None


async def test_failure_and_recovery_reach_every_entity(
    hass: HomeAssistant, big_stack: SimulatorStack, big_entry: MockConfigEntry, writes: Writes
) -> None:
    coordinator = coordinator_of(big_entry)
    everything = entry_entities(hass, big_entry)
    writes.clear()
    big_stack.novavms.faults.add("status5xx")
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert set(writes.written) == everything
    assert all(hass.states.get(e).state == STATE_UNAVAILABLE for e in everything)  # type: ignore[union-attr]
    # Failing again tells no one: they are unavailable already.
    writes.clear()
    await coordinator.async_refresh()
    assert writes.written == {}
    # A push meanwhile is kept for later, not shown on unavailable entities.
    camera = next(iter(coordinator.data.cameras))
    big_stack.novavms.state.set_camera_status(camera, "offline")
    await deliver(hass, big_stack)
    assert writes.written == {}
    big_stack.novavms.faults.clear()
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert set(writes.written) == everything
    assert hass.states.get(next(iter(everything))).state != STATE_UNAVAILABLE  # type: ignore[union-attr]


# -- Angelcam: locations, incidents, a space grown large ------------------------------------


async def test_angelcam_pushes_write_only_their_devices(
    hass: HomeAssistant,
    *,
    socket_enabled: None,
    sim_clock: SimClock,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    writes: Writes,
) -> None:
    async with SimulatorStack(scenario="empty", clock=sim_clock) as stack:
        locations = populate_angelcam(stack, 30)
        creds = stack.credentials()["angelcam"]
        data = {**angelcam_data(stack), "space_id": str(creds["space_ids"][0])}
        data["access_token"] = creds["personal_access_token"]
        entry = await async_add_entry(hass, data, "angelcam:bench:30")
        await async_serve(hass, hass_client_no_auth, freezer, entry)
        await hass.async_block_till_done(wait_background_tasks=True)
        coordinator = coordinator_of(entry)
        assert (len(coordinator.data.cameras), len(coordinator.data.sites)) == (30, locations)
        state = stack.angelcam.state
        camera = list(coordinator.data.cameras)[3]
        mine = device_entities(hass, entry, "camera", camera)
        writes.clear()
        state.set_camera_online(int(camera), online=False)
        await state.webhooks.drain()
        await hass.async_block_till_done()
        assert writes.written == dict.fromkeys(mine, 1)
        # Motion in an armed location: an incident for that camera only.
        site = coordinator.data.cameras[camera].site_id
        assert site is not None
        state.set_camera_online(int(camera), online=True)
        state.set_arming(int(site), armed=True)
        await state.webhooks.drain()
        await hass.async_block_till_done()
        panel = {e for e in device_entities(hass, entry, "site", site) if "alarm" in e}
        assert set(writes.changed) - mine == panel
        writes.clear()
        state.fire_motion(int(camera))
        await state.webhooks.drain()
        await hass.async_block_till_done()
        assert writes.changed
        assert set(writes.written) <= mine
        await hass.config_entries.async_unload(entry.entry_id)


async def test_a_failing_listener_does_not_stop_the_others(
    hass: HomeAssistant, novavms_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    coordinator = coordinator_of(novavms_entry)
    data = coordinator.data
    camera = next(iter(data.cameras.values()))
    key = ("camera", camera.id)
    heard: list[str] = []

    def broken() -> None:
        raise RuntimeError("listener failed")

    remove_broken = coordinator.async_add_listener(broken, key)
    remove_heard = coordinator.async_add_listener(lambda: heard.append(camera.id), key)
    renamed = replace(camera, name="Renamed")
    coordinator.async_push_data(replace(data, cameras={**data.cameras, camera.id: renamed}), [key])
    assert heard == [camera.id]
    assert "Unexpected error updating listener" in caplog.text
    remove_broken()
    remove_heard()
    # A device nobody listens to any more is forgotten.
    nobody = ("camera", "nobody")
    coordinator.async_add_listener(lambda: None, nobody)()
    assert nobody not in coordinator._device_listeners
    assert key in coordinator._device_listeners
