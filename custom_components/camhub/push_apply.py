"""What a verified push changes, applied: coordinator data, event entities, camhub_incident.

The vendor's PushSupport says what a message changes (a PushOutcome); this module hands it
to Home Assistant: only the devices it names hear of new data, each camera's event entity
hears its own events, incidents go on the bus, and event pictures are captured now.
"""

from __future__ import annotations

import logging

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from .const import DOMAIN, EVENT_INCIDENT
from .coordinator import CamHubCoordinator
from .pictures import pictures
from .providers.model import PushMessage, Snapshot
from .providers.push import FiredIncident, PushOutcome, PushSupport

_LOGGER = logging.getLogger(__name__)


def camera_event_signal(entry_id: str, camera_id: str) -> str:
    """Dispatcher signal carrying (event type, attributes) for one camera of an entry.

    One signal per camera, so an event wakes that camera's event entity only.
    """
    return f"{DOMAIN}_{entry_id}_camera_event_{camera_id}"


class PushEffects:
    """Applies one entry's verified pushes to its coordinator, entities and the event bus."""

    def __init__(
        self, hass: HomeAssistant, coordinator: CamHubCoordinator, support: PushSupport
    ) -> None:
        """Effects land on `coordinator`'s data; `support` says what a message changes."""
        self.hass = hass
        self.coordinator = coordinator
        self.support = support
        self.entry = coordinator.config_entry

    async def async_apply(self, message: PushMessage) -> None:
        """Change what the message reports (its images are fetched in their own tasks)."""
        # The channel starts after the first successful poll: there is data to change.
        snapshot = self.coordinator.data
        outcome = self.support.apply(message, snapshot, self.coordinator.motion, dt_util.utcnow())
        self._show(outcome, snapshot)

    @callback
    def _show(self, outcome: PushOutcome, snapshot: Snapshot) -> None:
        """Hand one outcome to Home Assistant (`snapshot`: the data it was worked out on)."""
        if outcome == PushOutcome():
            _LOGGER.debug("%s: push changed nothing", self.coordinator.name)
            return
        if outcome.snapshot is not None:
            snapshot = outcome.snapshot
            # Naming no device means any may have changed (a new one, too): all compare.
            self.coordinator.async_push_data(snapshot, outcome.devices or None)
        for event in outcome.events:
            async_dispatcher_send(
                self.hass,
                camera_event_signal(self.entry.entry_id, event.camera_id),
                event.event_type,
                dict(event.attributes),
            )
        for incident in outcome.incidents:
            self._fire_incident(snapshot, incident)
        store = pictures(self.hass)
        for picture in outcome.pictures:
            store.async_capture(self.entry, picture, incident=False)

    @callback
    def _fire_incident(self, snapshot: Snapshot, incident: FiredIncident) -> None:
        """camhub_incident: camera, location, title and an image URL for notifications."""
        camera = snapshot.cameras[incident.camera_id]
        store = pictures(self.hass)
        picture_id = store.async_capture(self.entry, incident.picture, incident=True)
        site = snapshot.sites.get(camera.site_id) if camera.site_id is not None else None
        entity_id = er.async_get(self.hass).async_get_entity_id(
            "camera", DOMAIN, f"{self.entry.unique_id}:{camera.id}:camera"
        )
        self.hass.bus.async_fire(
            EVENT_INCIDENT,
            {
                "config_entry_id": self.entry.entry_id,
                "vendor": self.entry.runtime_data.provider.key,
                "incident_id": incident.incident_id,
                "camera_id": camera.id,
                "camera_name": camera.name,
                "entity_id": entity_id,
                "location_id": site.id if site is not None else None,
                "location": site.name if site is not None else None,
                "title": incident.title,
                "image_url": store.url(self.entry.entry_id, picture_id),
            },
        )
