"""Event entities: what a camera reported (motion, incident, person, alert, ...), as pushed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.event import EventDeviceClass, EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import CamHubCoordinator
from .data import CamHubConfigEntry
from .entity import CamHubCameraDescription, CamHubCameraEntity, async_add_camera_entities
from .providers.interface import Connection
from .providers.model import Camera, Vendor
from .push_apply import camera_event_signal, event_types

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class CamHubEventDescription(CamHubCameraDescription, EventEntityDescription):
    """The per-camera event entity."""


def _pushes_events(connection: Connection, _camera: Camera) -> bool:
    return bool(event_types(Vendor(connection.provider.key)))


EVENTS = CamHubEventDescription(
    key="events",
    translation_key="events",
    device_class=EventDeviceClass.MOTION,
    supported=_pushes_events,
    # What a camera reported stays true while it is offline.
    available_offline=True,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CamHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One event entity per camera of a vendor that pushes events."""
    async_add_camera_entities(entry, async_add_entities, (EVENTS,), CamHubEventEntity)


class CamHubEventEntity(CamHubCameraEntity, EventEntity):
    """Fires when the vendor pushes an event for this camera."""

    entity_description: CamHubEventDescription

    def __init__(
        self, coordinator: CamHubCoordinator, item_id: str, description: CamHubEventDescription
    ) -> None:
        """The event types are the vendor's."""
        super().__init__(coordinator, item_id, description)
        self._attr_event_types = list(event_types(coordinator.vendor))

    async def async_added_to_hass(self) -> None:
        """Listen for this camera's events."""
        await super().async_added_to_hass()
        signal = camera_event_signal(self.coordinator.config_entry.entry_id, self.item_id)
        self.async_on_remove(async_dispatcher_connect(self.hass, signal, self._camera_event))

    @callback
    def _camera_event(self, event_type: str, attributes: dict[str, Any]) -> None:
        self._trigger_event(event_type, {k: v for k, v in attributes.items() if v is not None})
        self.async_write_ha_state()
