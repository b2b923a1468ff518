"""Binary sensors: camera online and motion; gateway and Arrow client connectivity."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.binary_sensor import (  # type: ignore[attr-defined,unused-ignore]
    BinarySensorDeviceClass,  # moved to binary_sensor.const in 2025.5+, still exported
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .coordinator import CamHubCoordinator
from .data import CamHubConfigEntry
from .entity import (
    CamHubCameraDescription,
    CamHubCameraEntity,
    CamHubHardwareEntity,
    async_add_camera_entities,
    async_add_hardware_entities,
)
from .providers.interface import Connection
from .providers.model import Camera, Capability

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class CamHubBinarySensorDescription(CamHubCameraDescription, BinarySensorEntityDescription):
    """A per-camera binary sensor: how its value is read."""

    is_on: Callable[[CamHubCoordinator, Camera], bool]
    # When the current value ends by itself (motion), so the state flips without a poll.
    ends_at: Callable[[CamHubCoordinator, str], datetime | None] = lambda _c, _id: None


def _motion_supported(_connection: Connection, camera: Camera) -> bool:
    # Motion is read from the camera's events (OpenCamera's API has no event endpoint).
    return camera.supports(Capability.EVENTS)


BINARY_SENSORS: tuple[CamHubBinarySensorDescription, ...] = (
    CamHubBinarySensorDescription(
        key="online",
        translation_key="online",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        available_offline=True,
        is_on=lambda _coordinator, camera: camera.online is True,
    ),
    CamHubBinarySensorDescription(
        key="motion",
        translation_key="motion",
        device_class=BinarySensorDeviceClass.MOTION,
        supported=_motion_supported,
        is_on=lambda coordinator, camera: coordinator.motion.is_on(camera.id, dt_util.utcnow()),
        ends_at=lambda coordinator, camera_id: coordinator.motion.until(camera_id),
    ),
)


# NovaVMS gateways and Angelcam Arrow clients: reachable or not.
CONNECTIVITY = BinarySensorEntityDescription(
    key="online",
    translation_key="online",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CamHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors of every camera, now and as cameras appear."""
    async_add_camera_entities(entry, async_add_entities, BINARY_SENSORS, CamHubBinarySensor)
    async_add_hardware_entities(
        entry, async_add_entities, "gateway", (CONNECTIVITY,), CamHubGatewayOnline
    )
    async_add_hardware_entities(
        entry, async_add_entities, "arrow_client", (CONNECTIVITY,), CamHubArrowClientOnline
    )


class CamHubBinarySensor(CamHubCameraEntity, BinarySensorEntity):
    """Online or motion state of one camera."""

    entity_description: CamHubBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """The value as of now (motion ends on time even between polls)."""
        camera = self.camera
        return None if camera is None else self.entity_description.is_on(self.coordinator, camera)

    def _state_changes_at(self) -> datetime | None:
        """Motion ends on time even between polls."""
        return self.entity_description.ends_at(self.coordinator, self.item_id)


class CamHubHardwareOnline(CamHubHardwareEntity, BinarySensorEntity):
    """Whether a gateway or Arrow client is connected (unknown until read or pushed)."""

    @property
    def is_on(self) -> bool | None:
        """Online as last polled, read or pushed."""
        item = self._item()
        return None if item is None else item.online


class CamHubGatewayOnline(CamHubHardwareOnline):
    """Whether a NovaVMS gateway is connected."""

    device_kind = "gateway"


class CamHubArrowClientOnline(CamHubHardwareOnline):
    """Whether an Angelcam Arrow client is connected."""

    device_kind = "arrow_client"
