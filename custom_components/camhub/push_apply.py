"""What a verified push changes: motion, camera events, online and arming state, incidents."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
import logging
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from .const import DOMAIN, EVENT_INCIDENT
from .coordinator import CamHubCoordinator
from .health import async_apply_arrow_push
from .incident_images import async_store_image
from .providers import AngelcamClient, NovaVMSClient
from .providers.model import Camera, CameraEvent, PushKind, PushMessage, Snapshot, Vendor
from .providers.motion import NOVAVMS_EVENT_LENGTH, NOVAVMS_MOTION_KINDS

_LOGGER = logging.getLogger(__name__)

# What a camera's event entity reports, per vendor (Angelcam: an incident's category when it
# is motion, else "incident"; NovaVMS: the trigger, the AI tag when it is a known one, alerts).
ANGELCAM_EVENT_TYPES: Final = ("motion", "incident")
NOVAVMS_EVENT_TYPES: Final = ("motion", "person", "vehicle", "animal", "ai_tag", "manual", "alert")
_NOVAVMS_TAGS: Final = frozenset({"person", "vehicle", "animal"})


def event_types(vendor: Vendor) -> tuple[str, ...]:
    """The event types a camera of `vendor` can report (none without a push channel)."""
    match vendor:
        case Vendor.ANGELCAM:
            return ANGELCAM_EVENT_TYPES
        case Vendor.NOVAVMS:
            return NOVAVMS_EVENT_TYPES
        case _:
            return ()


def camera_event_signal(entry_id: str, camera_id: str) -> str:
    """Dispatcher signal carrying (event type, attributes) for one camera of an entry.

    One signal per camera, so an event wakes that camera's event entity only.
    """
    return f"{DOMAIN}_{entry_id}_camera_event_{camera_id}"


def novavms_event_type(event: CameraEvent) -> str:
    """A NovaVMS event's type as the event entity reports it."""
    if event.kind == "ai_tag":
        return next((tag for tag in event.tags if tag in _NOVAVMS_TAGS), "ai_tag")
    return event.kind if event.kind in NOVAVMS_EVENT_TYPES else "motion"


def with_online(snapshot: Snapshot, camera_ids: Iterable[str], *, online: bool) -> Snapshot | None:
    """The snapshot with those cameras online or offline (None: none of them changes)."""
    status = "online" if online else "offline"
    changed = {
        camera_id: replace(camera, online=online, status=status)
        for camera_id in camera_ids
        if (camera := snapshot.cameras.get(camera_id)) is not None and camera.online != online
    }
    if not changed:
        return None
    return replace(snapshot, cameras={**snapshot.cameras, **changed})


class PushEffects:
    """Applies one entry's verified pushes to its coordinator, entities and the event bus."""

    def __init__(self, hass: HomeAssistant, coordinator: CamHubCoordinator) -> None:
        """Effects land on `coordinator`'s data; events go out for its entry."""
        self.hass = hass
        self.coordinator = coordinator
        self.entry = coordinator.config_entry

    async def async_apply(self, message: PushMessage) -> None:
        """Change what the message reports (its images are fetched in their own tasks)."""
        # The channel starts after the first successful poll: there is data to change.
        snapshot = self.coordinator.data
        match message.kind:
            case PushKind.INCIDENT:
                self._incident(message, snapshot)
            case PushKind.EVENT if message.event is not None:
                self._event(message.event, snapshot)
            case PushKind.ALERT:
                self._alert(message, snapshot)
            case PushKind.CAMERA_STATUS if message.camera_id is not None:
                self._set_online(snapshot, (message.camera_id,), message.online)
            case PushKind.GATEWAY_STATUS:
                self._gateway_status(message, snapshot)
            case PushKind.ARROW_STATUS:
                async_apply_arrow_push(self.coordinator, message)
                self._set_online(self.coordinator.data, message.affected_camera_ids, message.online)
            case PushKind.ARMING:
                self._arming(message, snapshot)
            case _:
                _LOGGER.debug("%s: push of kind %s ignored", self.coordinator.name, message.kind)

    # -- cameras: online, motion, events ---------------------------------------------------

    @callback
    def _set_online(
        self, snapshot: Snapshot, camera_ids: Iterable[str], online: bool | None
    ) -> None:
        if online is None:
            return
        ids = tuple(camera_ids)
        changed = with_online(snapshot, ids, online=online)
        if changed is not None:
            self.coordinator.async_push_data(changed, [("camera", camera_id) for camera_id in ids])

    @callback
    def _gateway_status(self, message: PushMessage, snapshot: Snapshot) -> None:
        """NovaVMS gateway: it and the cameras behind it (the push only counts them)."""
        gateway = snapshot.gateways.get(str(message.data.get("gateway_id")))
        if gateway is None or message.online is None:
            return
        status = "online" if message.online else "offline"
        gateway = replace(gateway, online=message.online, status=status)
        snapshot = replace(snapshot, gateways={**snapshot.gateways, gateway.id: gateway})
        self.coordinator.async_push_data(snapshot, [("gateway", gateway.id)])
        behind = [c.id for c in snapshot.cameras.values() if c.gateway_id == gateway.id]
        self._set_online(snapshot, behind, message.online)

    @callback
    def _camera_event(self, camera_id: str, event_type: str, attributes: dict[str, Any]) -> None:
        async_dispatcher_send(
            self.hass, camera_event_signal(self.entry.entry_id, camera_id), event_type, attributes
        )

    @callback
    def _event(self, event: CameraEvent, snapshot: Snapshot) -> None:
        """NovaVMS event: motion for its length, and the camera's event entity fires."""
        camera_id = event.camera_id
        if camera_id is None or camera_id not in snapshot.cameras:
            return
        if event.kind in NOVAVMS_MOTION_KINDS:
            self.coordinator.motion.extend(camera_id, event.occurred_at + NOVAVMS_EVENT_LENGTH)
            self.coordinator.async_push_data(snapshot, [("camera", camera_id)])
        attributes: dict[str, Any] = {"event_id": event.id, "title": event.summary or event.title}
        if event.tags:
            attributes["tags"] = list(event.tags)
        self._camera_event(camera_id, novavms_event_type(event), attributes)

    @callback
    def _incident(self, message: PushMessage, snapshot: Snapshot) -> None:
        """Angelcam incident: names its camera only by `sensor_name`; motion on for the TTL."""
        camera = _camera_named(snapshot, message.data.get("sensor_name"))
        if camera is None:
            # Another space of the same user, or a sensor that is no camera: polling decides.
            _LOGGER.debug("%s: incident for a camera not in this entry", self.coordinator.name)
            return
        motion = self.coordinator.motion
        motion.extend(camera.id, dt_util.utcnow() + motion.incident_ttl)
        if message.incident_id is not None:
            # The poll need not look the camera up (that costs requests).
            motion.incident_cameras[message.incident_id] = camera.id
        self.coordinator.async_push_data(snapshot, [("camera", camera.id)])
        category = message.data.get("incident_category")
        event_type = "motion" if category == "motion" else "incident"
        attributes = {"incident_id": message.incident_id, "title": message.title}
        self._camera_event(camera.id, event_type, attributes)
        client = self.coordinator.client
        if not isinstance(client, AngelcamClient):
            return
        self._fire_incident(
            snapshot,
            camera,
            message,
            lambda: client.async_camera_image(camera.id),
            incident_id=message.incident_id,
        )

    @callback
    def _alert(self, message: PushMessage, snapshot: Snapshot) -> None:
        """NovaVMS alert: the event entity fires and so does camhub_incident (with its image)."""
        alert = message.alert
        camera = snapshot.cameras.get(alert.camera_id or "") if alert is not None else None
        if alert is None or camera is None:
            return
        self._camera_event(
            camera.id, "alert", {"alert_id": alert.id, "title": alert.rule_name or message.title}
        )
        client = self.coordinator.client
        if not isinstance(client, NovaVMSClient):
            return
        event_id = alert.event_id

        async def fetch_image() -> bytes:
            if event_id is None:
                return await client.async_camera_image(camera.id)
            event = await client.async_fetch_event(event_id)
            if event.snapshot_url is None:
                return await client.async_camera_image(camera.id)
            return (await client.async_fetch_media(event.snapshot_url)).content

        self._fire_incident(snapshot, camera, message, fetch_image, incident_id=alert.id)

    @callback
    def _fire_incident(
        self,
        snapshot: Snapshot,
        camera: Camera,
        message: PushMessage,
        fetch_image: Callable[[], Awaitable[bytes]],
        *,
        incident_id: str | None,
    ) -> None:
        """camhub_incident: camera, location, title and an image URL for notifications."""
        site = snapshot.sites.get(camera.site_id) if camera.site_id is not None else None
        entity_id = er.async_get(self.hass).async_get_entity_id(
            "camera", DOMAIN, f"{self.entry.unique_id}:{camera.id}:camera"
        )
        self.hass.bus.async_fire(
            EVENT_INCIDENT,
            {
                "config_entry_id": self.entry.entry_id,
                "vendor": str(self.coordinator.vendor),
                "incident_id": incident_id,
                "camera_id": camera.id,
                "camera_name": camera.name,
                "entity_id": entity_id,
                "location_id": site.id if site is not None else None,
                "location": site.name if site is not None else None,
                "title": message.title,
                "image_url": async_store_image(self.hass, self.entry, fetch_image),
            },
        )

    # -- locations -------------------------------------------------------------------------

    @callback
    def _arming(self, message: PushMessage, snapshot: Snapshot) -> None:
        """Angelcam arming: the message names its location only in its text."""
        if message.armed is None:
            return
        text = " ".join(
            str(message.data.get(key) or "")
            for key in ("title", "short_description", "long_description")
        )
        named = [site for site in snapshot.sites.values() if site.name and site.name in text]
        if not named:
            _LOGGER.debug("%s: arming of a location not in this entry", self.coordinator.name)
            return
        # "Home office" also contains "Home": the longest name is the one meant.
        site = max(named, key=lambda s: len(s.name))
        if site.armed is not message.armed:
            sites = {**snapshot.sites, site.id: replace(site, armed=message.armed)}
            self.coordinator.async_push_data(replace(snapshot, sites=sites), [("site", site.id)])


def _camera_named(snapshot: Snapshot, name: object) -> Camera | None:
    """The one camera called `name` (None when none or several are)."""
    found = [camera for camera in snapshot.cameras.values() if camera.name == name]
    return found[0] if len(found) == 1 else None
