"""OpenCamera firmware entity and `camhub.upgrade_firmware` against the simulated device."""

from __future__ import annotations

import asyncio
from pathlib import Path

from homeassistant.components.update import (
    ATTR_IN_PROGRESS,
    ATTR_INSTALLED_VERSION,
    ATTR_LATEST_VERSION,
    ATTR_UPDATE_PERCENTAGE,
)
from homeassistant.const import ATTR_ENTITY_ID, ATTR_SUPPORTED_FEATURES, STATE_OFF
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.event import async_track_state_change_event
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.camhub.const import DOMAIN
from custom_components.camhub.firmware import ATTR_PATH, SERVICE_UPGRADE_FIRMWARE
from simulator.opencamera import firmware_image
from simulator.stack import SimulatorStack

from .health_support import async_add_opencamera, device_uuid, entity_id

UPLOAD = "/api/v1/system/upgrade"
# Several upload chunks (64 KiB each), so progress has steps to show.
PAYLOAD = b"\x5a" * (300 * 1024)


@pytest.fixture
def config_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """A configuration directory of our own, holding a firmware folder."""
    hass.config.config_dir = str(tmp_path)
    (tmp_path / "firmware").mkdir()
    return tmp_path


def _firmware(hass: HomeAssistant, entry: MockConfigEntry, stack: SimulatorStack) -> str:
    return entity_id(hass, entry, "update", device_uuid(stack), "firmware")


async def _upgrade(hass: HomeAssistant, entity: str, path: str) -> None:
    await hass.services.async_call(
        DOMAIN,
        SERVICE_UPGRADE_FIRMWARE,
        {ATTR_ENTITY_ID: entity, ATTR_PATH: path},
        blocking=True,
    )


def _uploads(stack: SimulatorStack) -> int:
    return stack.log.count(vendor="opencamera", path_prefix=UPLOAD)


async def test_firmware_entity(
    hass: HomeAssistant, stack: SimulatorStack, opencamera_entry: MockConfigEntry
) -> None:
    state = hass.states.get(_firmware(hass, opencamera_entry, stack))
    assert state is not None
    assert state.state == STATE_OFF
    assert state.attributes[ATTR_INSTALLED_VERSION] == "1.0.1"
    assert state.attributes[ATTR_LATEST_VERSION] == "1.0.1"
    assert state.attributes[ATTR_IN_PROGRESS] is False


async def test_upgrade_reports_progress_then_the_new_version(
    hass: HomeAssistant,
    stack: SimulatorStack,
    opencamera_entry: MockConfigEntry,
    config_dir: Path,
) -> None:
    (config_dir / "firmware" / "camera-1.2.0.bin").write_bytes(firmware_image("1.2.0", PAYLOAD))
    entity = _firmware(hass, opencamera_entry, stack)
    seen: list[tuple[bool, int | None]] = []

    @callback
    def changed(event: Event[EventStateChangedData]) -> None:
        state = event.data["new_state"]
        assert state is not None
        seen.append((state.attributes[ATTR_IN_PROGRESS], state.attributes[ATTR_UPDATE_PERCENTAGE]))

    unsubscribe = async_track_state_change_event(hass, entity, changed)
    await _upgrade(hass, entity, "firmware/camera-1.2.0.bin")
    await hass.async_block_till_done()
    unsubscribe()

    assert stack.opencamera.state.upgrades == ["1.2.0"]
    assert _uploads(stack) == 1
    running = [percent for in_progress, percent in seen if in_progress]
    assert running[0] == 0
    assert running[-1] == 100
    assert running == sorted(running)
    assert len(running) > 3
    assert seen[-1] == (False, None)
    state = hass.states.get(entity)
    assert state is not None
    assert state.attributes[ATTR_INSTALLED_VERSION] == "1.2.0"
    assert state.attributes[ATTR_SUPPORTED_FEATURES] & 4  # UpdateEntityFeature.PROGRESS


async def test_rejected_file(
    hass: HomeAssistant,
    stack: SimulatorStack,
    opencamera_entry: MockConfigEntry,
    config_dir: Path,
) -> None:
    (config_dir / "firmware" / "notes.txt").write_bytes(b"not a firmware image")
    entity = _firmware(hass, opencamera_entry, stack)
    with pytest.raises(ServiceValidationError) as caught:
        await _upgrade(hass, entity, "firmware/notes.txt")
    assert caught.value.translation_key == "firmware_rejected"
    assert _uploads(stack) == 1
    assert stack.opencamera.state.firmware_version == "1.0.1"
    state = hass.states.get(entity)
    assert state is not None
    assert state.attributes[ATTR_IN_PROGRESS] is False


async def test_device_error(
    hass: HomeAssistant,
    stack: SimulatorStack,
    opencamera_entry: MockConfigEntry,
    config_dir: Path,
) -> None:
    (config_dir / "firmware" / "fw.bin").write_bytes(firmware_image("1.3.0"))
    stack.opencamera.faults.add("status5xx", path_prefix=UPLOAD)
    with pytest.raises(HomeAssistantError) as caught:
        await _upgrade(hass, _firmware(hass, opencamera_entry, stack), "firmware/fw.bin")
    assert caught.value.translation_key == "cannot_connect"
    assert stack.opencamera.state.upgrades == []


async def test_paths_outside_the_config_directory_are_refused(
    hass: HomeAssistant,
    stack: SimulatorStack,
    opencamera_entry: MockConfigEntry,
    config_dir: Path,
) -> None:
    entity = _firmware(hass, opencamera_entry, stack)
    outside = config_dir.parent / "outside.bin"
    outside.write_bytes(firmware_image("6.6.6"))
    (config_dir / "firmware" / "link.bin").symlink_to(outside)
    for path in ("../outside.bin", str(outside), "firmware/link.bin"):
        with pytest.raises(ServiceValidationError) as caught:
            await _upgrade(hass, entity, path)
        assert caught.value.translation_key == "firmware_outside_config"
    assert _uploads(stack) == 0


async def test_upgrade_not_implemented(
    hass: HomeAssistant, stack: SimulatorStack, config_dir: Path
) -> None:
    """A device answering the upload with 501 is not sent firmware again."""
    stack.opencamera.state.unsupported = {"upgradeSystem"}
    entry = await async_add_opencamera(hass, stack)
    (config_dir / "firmware" / "fw.bin").write_bytes(firmware_image("1.3.0"))
    entity = _firmware(hass, entry, stack)
    for _ in range(2):
        with pytest.raises(HomeAssistantError) as caught:
            await _upgrade(hass, entity, "firmware/fw.bin")
        assert caught.value.translation_key == "unsupported"
    assert _uploads(stack) == 1
    # The device answered before reading the upload; one more request (the logout) lets
    # the simulator finish that connection instead of leaving its handler to the teardown.
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_one_upgrade_at_a_time(
    hass: HomeAssistant,
    stack: SimulatorStack,
    opencamera_entry: MockConfigEntry,
    config_dir: Path,
) -> None:
    (config_dir / "firmware" / "fw.bin").write_bytes(firmware_image("1.4.0", PAYLOAD))
    entity = _firmware(hass, opencamera_entry, stack)
    started = asyncio.Event()

    @callback
    def changed(event: Event[EventStateChangedData]) -> None:
        state = event.data["new_state"]
        if state is not None and state.attributes[ATTR_IN_PROGRESS]:
            started.set()

    unsubscribe = async_track_state_change_event(hass, entity, changed)
    first = hass.async_create_task(_upgrade(hass, entity, "firmware/fw.bin"))
    await started.wait()
    with pytest.raises(ServiceValidationError) as caught:
        await _upgrade(hass, entity, "firmware/fw.bin")
    assert caught.value.translation_key == "upgrade_in_progress"
    await first
    unsubscribe()
    assert stack.opencamera.state.upgrades == ["1.4.0"]


async def test_only_camhub_firmware_entities(
    hass: HomeAssistant, stack: SimulatorStack, opencamera_entry: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await _upgrade(hass, "update.somebody_else", "firmware/fw.bin")
    assert caught.value.translation_key == "not_camhub_firmware"
