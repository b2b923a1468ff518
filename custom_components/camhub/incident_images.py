"""Incident images: captured when the push arrives, served by an authenticated view.

A `camhub_incident` event carries ``/api/camhub/incident/<entry>/<image>.jpg``. The picture is
fetched from the vendor in the background the moment the incident is pushed (so it shows the
incident, not whatever the camera sees when someone opens the notification) and kept in memory,
a bounded number per entry, until the entry unloads. The path needs Home Assistant
authentication, like camera_proxy: the companion apps send it with notification images.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from http import HTTPStatus
import logging
import secrets
from typing import Final

from aiohttp import web
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.http import HomeAssistantView
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN
from .data import CamHubConfigEntry
from .providers.errors import ProviderError

_LOGGER = logging.getLogger(__name__)

URL_PREFIX: Final = "/api/camhub/incident"
# Images kept per entry; older ones answer 404 (notifications are read soon or not at all).
MAX_IMAGES: Final = 50

type Capture = asyncio.Task[bytes | None]

DATA_IMAGES: HassKey[dict[str, OrderedDict[str, Capture]]] = HassKey(f"{DOMAIN}_incident_images")


def _images(hass: HomeAssistant) -> dict[str, OrderedDict[str, Capture]]:
    return hass.data.setdefault(DATA_IMAGES, {})


async def _capture(fetch: Callable[[], Awaitable[bytes]]) -> bytes | None:
    try:
        return await fetch()
    except ProviderError as err:
        _LOGGER.debug("Incident image unavailable: %s", err)
        return None


@callback
def async_store_image(
    hass: HomeAssistant, entry: CamHubConfigEntry, fetch: Callable[[], Awaitable[bytes]]
) -> str:
    """Start capturing an incident's image now; the path it will be served at."""
    image_id = secrets.token_urlsafe(16)
    stored = _images(hass).setdefault(entry.entry_id, OrderedDict())
    stored[image_id] = entry.async_create_background_task(
        hass, _capture(fetch), f"{DOMAIN} incident image", eager_start=True
    )
    while len(stored) > MAX_IMAGES:
        _, oldest = stored.popitem(last=False)
        oldest.cancel()
    return f"{URL_PREFIX}/{entry.entry_id}/{image_id}.jpg"


@callback
def async_forget_images(hass: HomeAssistant, entry_id: str) -> None:
    """Drop an unloading entry's images (and stop captures still running)."""
    for task in _images(hass).pop(entry_id, OrderedDict()).values():
        task.cancel()


class IncidentImageView(HomeAssistantView):
    """GET an incident image (authenticated)."""

    url = URL_PREFIX + "/{entry_id}/{image}"
    name = f"api:{DOMAIN}:incident_image"
    requires_auth = True

    def __init__(self, hass: HomeAssistant) -> None:
        """Serve the images captured in `hass`."""
        self.hass = hass

    async def get(self, request: web.Request, entry_id: str, image: str) -> web.StreamResponse:
        """The JPEG, once captured; 404 when unknown, dropped or not obtainable."""
        stored = _images(self.hass).get(entry_id) or OrderedDict[str, Capture]()
        capture = stored.get(image.removesuffix(".jpg"))
        body = None
        if capture is not None:
            # wait() neither cancels the capture nor raises when an unload cancelled it.
            await asyncio.wait({capture})
            body = None if capture.cancelled() else capture.result()
        if body is None:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        return web.Response(
            body=body, content_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"}
        )


@callback
def async_setup_incident_images(hass: HomeAssistant) -> None:
    """Register the view once."""
    hass.http.register_view(IncidentImageView(hass))
