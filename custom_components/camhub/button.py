"""Buttons per camera: trigger a NovaVMS clip, or record an Angelcam cloud clip."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .const import RECORD_CLIP_DURATION, TRIGGER_CLIP_DURATION
from .coordinator import CamHubCoordinator
from .data import CamHubConfigEntry
from .entity import CamHubCameraDescription, CamHubCameraEntity, async_add_camera_entities
from .exceptions import raise_translated
from .providers import NovaVMSClient
from .providers.errors import NotSupportedError
from .providers.model import Camera, Capability, Vendor
from .recordings import async_record_clip, media_library

PARALLEL_UPDATES = 1


async def _trigger_clip(coordinator: CamHubCoordinator, camera_id: str) -> None:
    client = coordinator.client
    if not isinstance(client, NovaVMSClient):
        raise NotSupportedError("only NovaVMS cameras take clip triggers")
    # NovaVMS allows one trigger per camera per 5 s; the client's budget refuses
    # faster presses locally and a 429 from the server surfaces as a translated error.
    await client.async_trigger_clip(camera_id, int(TRIGGER_CLIP_DURATION.total_seconds()))
    # A person who pressed it looks for the new event in the media browser next.
    media_library(coordinator.hass, coordinator.config_entry).events_changed(camera_id)


async def _record_clip(coordinator: CamHubCoordinator, camera_id: str) -> None:
    # The same recording the camhub.trigger_clip action starts for Angelcam cameras.
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


def _takes_trigger(vendor: Vendor, camera: Camera) -> bool:
    return vendor is Vendor.NOVAVMS and camera.supports(Capability.CLIP_TRIGGER)


def _records_clips(vendor: Vendor, camera: Camera) -> bool:
    return vendor is Vendor.ANGELCAM and camera.supports(Capability.RECORDINGS)


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
    hass: HomeAssistant, entry: CamHubConfigEntry, async_add_entities: AddEntitiesCallback
) -> None:
    """Add the buttons of every camera, now and as cameras appear."""
    async_add_camera_entities(entry, async_add_entities, BUTTONS, CamHubButton)


class CamHubButton(CamHubCameraEntity, ButtonEntity):
    """Press to start a clip on the camera."""

    entity_description: CamHubButtonDescription

    @raise_translated
    async def async_press(self) -> None:
        """Run the description's action through the entry's client."""
        await self.entity_description.press(self.coordinator, self.item_id)
