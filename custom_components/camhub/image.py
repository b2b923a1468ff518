"""Image entities: each camera's "Last event" picture, as captured when the push arrived."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.image import ImageEntity, ImageEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import CamHubCoordinator
from .data import CamHubConfigEntry
from .entity import CamHubCameraDescription, CamHubCameraEntity, async_add_camera_entities
from .pictures import picture_signal, pictures
from .stills import placeholder_jpeg

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class CamHubImageDescription(CamHubCameraDescription, ImageEntityDescription):
    """The per-camera picture entity."""


LAST_EVENT = CamHubImageDescription(
    key="last_event",
    translation_key="last_event",
    # Pictures come with pushes; what a camera reported stays while it is offline.
    supported=lambda connection, _camera: connection.push is not None,
    available_offline=True,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CamHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """A "Last event" picture per camera of a vendor that pushes events."""
    async_add_camera_entities(entry, async_add_entities, (LAST_EVENT,), CamHubLastEventImage)


class CamHubLastEventImage(CamHubCameraEntity, ImageEntity):
    """The camera's latest event picture; its time is the event's."""

    entity_description: CamHubImageDescription
    _attr_content_type = "image/jpeg"

    def __init__(
        self, coordinator: CamHubCoordinator, item_id: str, description: CamHubImageDescription
    ) -> None:
        """No picture until one is captured (or was, before a restart)."""
        super().__init__(coordinator, item_id, description)
        ImageEntity.__init__(self, coordinator.hass)
        self._picture_id: str | None = None
        self._show_latest()

    @callback
    def _show_latest(self) -> bool:
        """Take the camera's newest stored picture; whether it changed."""
        entry_id = self.coordinator.config_entry.entry_id
        latest = pictures(self.coordinator.hass).latest(entry_id, self.item_id)
        if latest is None or latest.id == self._picture_id:
            return False
        self._picture_id = latest.id
        self._attr_image_last_updated = latest.taken_at
        return True

    async def async_added_to_hass(self) -> None:
        """Listen for this camera's new pictures."""
        await super().async_added_to_hass()
        signal = picture_signal(self.coordinator.config_entry.entry_id, self.item_id)
        self.async_on_remove(async_dispatcher_connect(self.hass, signal, self._new_picture))
        # One taken between this entity's creation and now was announced to nobody.
        self._show_latest()

    @callback
    def _new_picture(self) -> None:
        if self._show_latest():
            self.async_write_ha_state()

    async def async_image(self) -> bytes:
        """The picture's JPEG; before the first, the "no picture yet" drawing (as a camera's)."""
        body = None
        if self._picture_id is not None:
            entry_id = self.coordinator.config_entry.entry_id
            body = await pictures(self.hass).async_read(entry_id, self._picture_id)
        return body if body is not None else placeholder_jpeg()
