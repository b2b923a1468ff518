"""Event entities: what a camera reported (motion, incident, person, alert, ...), as pushed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from homeassistant.components.event import EventDeviceClass, EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .coordinator import CamHubCoordinator
from .data import CamHubConfigEntry
from .entity import CamHubCameraDescription, CamHubCameraEntity, async_add_camera_entities
from .push_apply import camera_event_signal

PARALLEL_UPDATES = 0

# Whether the last event was acknowledged (pushed with it, or set by the action).
ATTR_ACKNOWLEDGED: Final = "acknowledged"
ATTR_EVENT_ID: Final = "event_id"


def camera_ack_signal(entry_id: str, camera_id: str) -> str:
    """Dispatcher signal carrying the id of an event of one camera just acknowledged."""
    return f"{DOMAIN}_{entry_id}_event_acknowledged_{camera_id}"


@dataclass(frozen=True, kw_only=True)
class CamHubEventDescription(CamHubCameraDescription, EventEntityDescription):
    """The per-camera event entity."""


EVENTS = CamHubEventDescription(
    key="events",
    translation_key="events",
    device_class=EventDeviceClass.MOTION,
    # What a camera reported stays true while it is offline.
    available_offline=True,
)


def _event_types(entry: CamHubConfigEntry) -> tuple[str, ...]:
    """The event types the entry's vendor pushes (none without a push channel)."""
    push = entry.runtime_data.push
    return push.support.event_types if push is not None else ()


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CamHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One event entity per camera of a vendor that pushes events."""
    if _event_types(entry):
        async_add_camera_entities(entry, async_add_entities, (EVENTS,), CamHubEventEntity)


class CamHubEventEntity(CamHubCameraEntity, EventEntity):
    """Fires when the vendor pushes an event for this camera."""

    entity_description: CamHubEventDescription
    # The last event's id and whether it is acknowledged (None: not known).
    _event_id: str | None = None
    _acknowledged: bool | None = None

    def __init__(
        self, coordinator: CamHubCoordinator, item_id: str, description: CamHubEventDescription
    ) -> None:
        """The event types are the vendor's."""
        super().__init__(coordinator, item_id, description)
        self._attr_event_types = list(_event_types(coordinator.config_entry))

    async def async_added_to_hass(self) -> None:
        """Listen for this camera's events and acknowledgements; restore the last one's."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_state()) is not None:
            event_id = last.attributes.get(ATTR_EVENT_ID)
            acknowledged = last.attributes.get(ATTR_ACKNOWLEDGED)
            self._event_id = event_id if isinstance(event_id, str) else None
            self._acknowledged = acknowledged if isinstance(acknowledged, bool) else None
        entry_id = self.coordinator.config_entry.entry_id
        for signal, target in (
            (camera_event_signal(entry_id, self.item_id), self._camera_event),
            (camera_ack_signal(entry_id, self.item_id), self._event_acknowledged),
        ):
            self.async_on_remove(async_dispatcher_connect(self.hass, signal, target))

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Whether the last event is acknowledged, as far as that is known."""
        if self._acknowledged is None:
            return None
        return {ATTR_ACKNOWLEDGED: self._acknowledged}

    @callback
    def _camera_event(self, event_type: str, attributes: dict[str, Any]) -> None:
        event_id = attributes.get(ATTR_EVENT_ID)
        acknowledged = attributes.get(ATTR_ACKNOWLEDGED)
        if acknowledged is None and event_id is not None and event_id == self._event_id:
            # An alert for the event shown last: what is known of that event stays.
            acknowledged = self._acknowledged
        self._event_id, self._acknowledged = event_id, acknowledged
        self._trigger_event(event_type, {k: v for k, v in attributes.items() if v is not None})
        self.async_write_ha_state()

    @callback
    def _event_acknowledged(self, event_id: str) -> None:
        """An event of this camera was acknowledged: shown when it is the last one."""
        if event_id == self._event_id:
            self._acknowledged = True
            self.async_write_ha_state()
