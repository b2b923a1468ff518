"""Buttons per camera: trigger a clip on the camera, or record one in the cloud."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import RECORD_CLIP_DURATION, TRIGGER_CLIP_DURATION
from .coordinator import CamHubCoordinator
from .data import CamHubConfigEntry
from .entity import CamHubCameraDescription, CamHubCameraEntity, async_add_camera_entities
from .exceptions import raise_translated
from .offered import offered
from .providers.interface import Connection
from .providers.model import Camera, Capability
from .recordings import async_record_clip, media_library

PARALLEL_UPDATES = 1


async def _trigger_clip(coordinator: CamHubCoordinator, camera_id: str) -> None:
    # The description's `supported` made this button only where the feature exists.
    trigger = offered(coordinator.config_entry.runtime_data.connection.clip_trigger, "clip trigger")
    # NovaVMS allows one trigger per camera per 5 s; the client's budget refuses
    # faster presses locally and a 429 from the server surfaces as a translated error.
    await trigger.async_trigger_clip(camera_id, int(TRIGGER_CLIP_DURATION.total_seconds()))
    # A person who pressed it looks for the new event in the media browser next.
    media_library(coordinator.hass, coordinator.config_entry).events_changed(camera_id)


async def _record_clip(coordinator: CamHubCoordinator, camera_id: str) -> None:
    # The same recording the camhub.trigger_clip action starts for cloud-recorded cameras.
    await async_record_clip(
        coordinator.hass,
        coordinator.config_entry,
        camera_id,
        int(RECORD_CLIP_DURATION.total_seconds()),
    )


@dataclass(frozen=True, kw_only=True)
class CamHubButtonDescription(CamHubCameraDescription, ButtonEntityDescription):
    """A per-camera button: what pressing it does."""

    press: Callable[[CamHubCoordinator, str], Awaitable[None]]


def _takes_trigger(connection: Connection, camera: Camera) -> bool:
    return connection.clip_trigger is not None and camera.supports(Capability.CLIP_TRIGGER)


def _records_clips(connection: Connection, camera: Camera) -> bool:
    return connection.recordings is not None and camera.supports(Capability.RECORDINGS)


BUTTONS: tuple[CamHubButtonDescription, ...] = (
    CamHubButtonDescription(
        key="trigger_clip",
        translation_key="trigger_clip",
        supported=_takes_trigger,
        press=_trigger_clip,
    ),
    CamHubButtonDescription(
        key="record_clip",
        translation_key="record_clip",
        supported=_records_clips,
        press=_record_clip,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CamHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the buttons of every camera, now and as cameras appear."""
    async_add_camera_entities(entry, async_add_entities, BUTTONS, CamHubButton)


class CamHubButton(CamHubCameraEntity, ButtonEntity):
    """Press to start a clip on the camera."""

    entity_description: CamHubButtonDescription

    @raise_translated
    async def async_press(self) -> None:
        """Run the description's action through the entry's connection."""
        await self.entity_description.press(self.coordinator, self.item_id)
