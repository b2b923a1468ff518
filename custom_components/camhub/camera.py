"""Camera entities: stills, HLS with expiring URLs, MJPEG, and WebRTC negotiated with the device."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from http import HTTPStatus
import logging

from aiohttp import ClientError, ClientResponse, ClientTimeout, web
from homeassistant.components.camera import (  # type: ignore[attr-defined,unused-ignore]
    Camera,
    CameraEntityDescription,
    CameraEntityFeature,  # moved to camera.const in 2025.5+, still exported at runtime
)
from homeassistant.components.camera.webrtc import (
    WebRTCAnswer,
    WebRTCError,
    WebRTCSendMessage,
)
from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.aiohttp_client import async_aiohttp_proxy_web, async_get_clientsession
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_call_later, async_track_point_in_utc_time
from homeassistant.util import dt as dt_util
from webrtc_models import RTCIceCandidateInit

from .const import CONF_STREAM_FORMAT, SNAPSHOT_CACHE_TTL, STREAM_URL_REFRESH_MARGIN, StreamFormat
from .coordinator import CamHubCoordinator
from .data import CamHubConfigEntry
from .entity import CamHubCameraDescription, CamHubCameraEntity, async_add_camera_entities
from .exceptions import raise_translated
from .lib.sdp import is_complete, with_candidates
from .offered import offered
from .providers.errors import CameraOfflineError, ProviderError
from .providers.model import Capability, StreamUrl
from .providers.push import set_online
from .stills import newest_frame_jpeg, placeholder_jpeg

_LOGGER = logging.getLogger(__name__)

# Time to the MJPEG stream's first byte; the stream itself runs as long as the viewer watches.
MJPEG_CONNECT_TIMEOUT = ClientTimeout(total=None, sock_connect=10, sock_read=30)

PARALLEL_UPDATES = 0
# When a stream URL does not say when its token expires, probe it this often for a 301.
STREAM_URL_PROBE_INTERVAL = timedelta(minutes=1)
# After a failed refresh, try again this much later.
STREAM_URL_RETRY = timedelta(minutes=1)
# How long a trickled WebRTC offer waits for the browser's candidates.
CANDIDATE_WINDOW = 2.0
# An OpenCamera still is the newest frame of this much recording, ending this long ago
# (the device cannot serve the future; a span of some seconds holds a key frame).
STILL_RECORDING_SPAN = timedelta(seconds=4)
STILL_RECORDING_DELAY = timedelta(seconds=1)


@dataclass(frozen=True, kw_only=True)
class CamHubCameraEntityDescription(CamHubCameraDescription, CameraEntityDescription):
    """The camera entity of a camera (named after the device)."""


CAMERAS: tuple[CamHubCameraEntityDescription, ...] = (
    CamHubCameraEntityDescription(key="camera", name=None),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CamHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a camera entity per camera, now and as cameras appear."""
    async_add_camera_entities(entry, async_add_entities, CAMERAS, _camera_entity)


def _camera_entity(
    coordinator: CamHubCoordinator, camera_id: str, description: CamHubCameraEntityDescription
) -> CamHubCamera:
    camera = coordinator.data.cameras[camera_id]
    if camera.supports(Capability.LIVE_WEBRTC):
        return CamHubWebRTCCamera(coordinator, camera_id, description)
    return CamHubCamera(coordinator, camera_id, description)


class SharedImage:
    """A short-lived image cache; concurrent requests wait for one upstream fetch.

    A failed fetch is remembered as long as a picture would be (the vendor is not asked
    again for every viewer), and the last picture known stays what is shown meanwhile.
    """

    def __init__(self, ttl: timedelta) -> None:
        """Start empty."""
        self._ttl = ttl
        self._lock = asyncio.Lock()
        self._image: bytes | None = None
        self._fetched_at: datetime | None = None

    async def get(self, fetch: Callable[[], Awaitable[bytes]]) -> bytes | None:
        """The cached image while fresh, else a new one (fetched once for all waiters).

        None while no fetch ever gave a picture; a ProviderError from `fetch` reaches
        the caller that fetched, the others get the last picture known.
        """
        async with self._lock:
            now = dt_util.utcnow()
            if self._fetched_at is None or now - self._fetched_at > self._ttl:
                self._fetched_at = now
                self._image = await fetch_keeping(fetch, self._image)
            return self._image


async def fetch_keeping(fetch: Callable[[], Awaitable[bytes]], last: bytes | None) -> bytes | None:
    """A new picture, or the last one known when the vendor has none.

    Only CameraOfflineError is raised: the entity must say at once that the camera is offline.
    """
    try:
        return await fetch()
    except CameraOfflineError:
        raise
    except ProviderError as err:
        # A missing picture is not an error worth a traceback; say why at debug level.
        _LOGGER.debug("no new image: %s", err)
        return last


class CamHubCamera(CamHubCameraEntity, Camera):
    """A camera: snapshots for every vendor, HLS or MJPEG live view for Angelcam."""

    entity_description: CamHubCameraEntityDescription
    _unsub_refresh: CALLBACK_TYPE | None = None

    def __init__(
        self,
        coordinator: CamHubCoordinator,
        camera_id: str,
        description: CamHubCameraEntityDescription,
    ) -> None:
        """Set up the entity and the camera machinery (tokens, stream, image cache)."""
        super().__init__(coordinator, camera_id, description)
        Camera.__init__(self)
        self._image = SharedImage(SNAPSHOT_CACHE_TTL)
        self._stream_url: StreamUrl | None = None
        self._attr_brand = coordinator.vendor_name
        self._update_from_camera()

    @property
    def live_format(self) -> str | None:
        """The live format used: the preferred one when offered, else the best offered."""
        camera = self.camera
        if camera is None:
            return None
        offered = [
            fmt
            for fmt, cap in (("hls", Capability.LIVE_HLS), ("mjpeg", Capability.LIVE_MJPEG))
            if camera.supports(cap)
        ]
        preferred = self.coordinator.config_entry.options.get(CONF_STREAM_FORMAT)
        if preferred in offered:
            return str(preferred)
        return offered[0] if offered else None

    @callback
    def _update_from_camera(self) -> None:
        camera = self.camera
        self._attr_is_on = camera is not None and camera.online is not False
        self._attr_model = None if camera is None else camera.model
        features = CameraEntityFeature(0)
        if self.live_format == StreamFormat.HLS or (
            camera is not None and camera.supports(Capability.LIVE_WEBRTC)
        ):
            features |= CameraEntityFeature.STREAM
        self._attr_supported_features = features

    @callback
    def _handle_coordinator_update(self) -> None:
        self._update_from_camera()
        super()._handle_coordinator_update()

    async def async_will_remove_from_hass(self) -> None:
        """Stop refreshing the stream URL."""
        self._cancel_refresh()
        await super().async_will_remove_from_hass()

    # -- stills -----------------------------------------------------------------------------

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        """A JPEG from the camera, shared by concurrent viewers; never a broken image.

        The vendor's picture (live, latest event, or a frame of the newest recording),
        else the last picture known, else a "no picture yet" placeholder.
        """
        try:
            image = await self._image.get(self._async_fetch_image)
        except CameraOfflineError as err:
            _LOGGER.debug("%s: %s", self.entity_id, err)
            self._async_went_offline()
            image = None
        return image if image is not None else placeholder_jpeg()

    async def _async_fetch_image(self) -> bytes:
        connection = self.connection
        if connection.images is not None:
            return await connection.images.async_camera_image(self.item_id)
        # A device whose API has no still: the newest frame of what it just recorded.
        vod = offered(connection.vod, "still image")
        end = dt_util.utcnow() - STILL_RECORDING_DELAY
        video = await vod.async_fetch_vod(end - STILL_RECORDING_SPAN, end)
        return await self.hass.async_add_executor_job(newest_frame_jpeg, video)

    @callback
    def _async_went_offline(self) -> None:
        """The vendor said the camera is offline: show it now, not at the next poll."""
        changed = set_online(self.coordinator.data, (self.item_id,), online=False)
        if changed is not None:
            self.coordinator.async_push_data(*changed)

    # -- live view: HLS ---------------------------------------------------------------------

    async def stream_source(self) -> str | None:
        """A current HLS URL (its token is refreshed before it expires)."""
        if self.live_format != StreamFormat.HLS:
            return None
        stream = await self._async_stream_url()
        return stream.url

    @raise_translated
    async def _async_stream_url(self) -> StreamUrl:
        try:
            return await self._async_fresh_stream_url()
        except CameraOfflineError:
            self._async_went_offline()
            raise

    async def _async_fresh_stream_url(self) -> StreamUrl:
        client = offered(self.connection.live, "live stream URL")
        current = self._stream_url
        if current is None or not current.is_fresh(dt_util.utcnow(), self._margin):
            fmt = self.live_format or StreamFormat.HLS
            current = await client.async_stream_url(self.item_id, fmt, fresh=current is not None)
            if fmt == StreamFormat.HLS and current.expires_at is None:
                # A URL from the client's cache may carry an expired token: the server
                # then answers 301 with a fresh one, which must be kept (not re-asked).
                current = await client.async_refresh_stream_url(current)
            self._stream_url = current
            self._schedule_refresh()
        return current

    @property
    def _margin(self) -> float:
        return STREAM_URL_REFRESH_MARGIN.total_seconds()

    @callback
    def _schedule_refresh(self, delay: timedelta | None = None) -> None:
        self._cancel_refresh()
        stream = self._stream_url
        if stream is None:
            return
        now = dt_util.utcnow()
        if delay is not None:
            when = now + delay
        elif stream.expires_at is not None:
            when = max(now, stream.expires_at - STREAM_URL_REFRESH_MARGIN)
        else:
            when = now + STREAM_URL_PROBE_INTERVAL
        self._unsub_refresh = async_track_point_in_utc_time(self.hass, self._async_refresh, when)

    @callback
    def _cancel_refresh(self) -> None:
        if self._unsub_refresh is not None:
            self._unsub_refresh()
            self._unsub_refresh = None

    async def _async_refresh(self, _now: datetime) -> None:
        """Swap in a new URL before the token expires, or once the server answers 301."""
        self._unsub_refresh = None
        client = self.connection.live
        old = self._stream_url
        if old is None or client is None:
            return
        if self.stream is None:
            # Nobody watches: forget the URL; the next viewer gets a current one.
            self._stream_url = None
            return
        try:
            if old.expires_at is not None:
                new = await client.async_stream_url(self.item_id, old.format, fresh=True)
            else:
                new = await client.async_refresh_stream_url(old)
        except ProviderError as err:
            _LOGGER.debug("%s: stream URL refresh failed: %s", self.entity_id, err)
            self._schedule_refresh(STREAM_URL_RETRY)
            return
        self._stream_url = new
        if new.url != old.url and self.stream is not None:
            self.stream.update_source(new.url)
        self._schedule_refresh()

    # -- live view: MJPEG -------------------------------------------------------------------

    async def handle_async_mjpeg_stream(self, request: web.Request) -> web.StreamResponse | None:
        """Relay the vendor's MJPEG stream when that is the live format."""
        if self.live_format != StreamFormat.MJPEG:
            return await super().handle_async_mjpeg_stream(request)
        stream = await self._async_stream_url()
        session = async_get_clientsession(self.hass)
        try:
            upstream = await session.get(stream.url, timeout=MJPEG_CONNECT_TIMEOUT)
        except (ClientError, TimeoutError) as err:
            _LOGGER.debug("%s: MJPEG stream unreachable: %s", self.entity_id, type(err).__name__)
            return None
        if upstream.status != HTTPStatus.OK:
            # The vendor's error body is no picture: Home Assistant answers 502 instead.
            _LOGGER.debug("%s: MJPEG stream refused (%s)", self.entity_id, upstream.status)
            upstream.release()
            # The vendor's gateway cannot reach the camera behind it (Angelcam answers so).
            if upstream.status == HTTPStatus.BAD_GATEWAY:
                self._async_went_offline()
            return None

        async def opened() -> ClientResponse:
            return upstream

        return await async_aiohttp_proxy_web(self.hass, request, opened())


@dataclass(slots=True)
class _PendingOffer:
    """A browser offer waiting for its trickled candidates."""

    sdp: str
    send_message: WebRTCSendMessage
    candidates: list[RTCIceCandidateInit] = field(default_factory=list)
    cancel_timer: CALLBACK_TYPE | None = None


class CamHubWebRTCCamera(CamHubCamera):
    """An OpenCamera device: native WebRTC, negotiated with complete (non-trickle) offers.

    A browser that trickles sends its offer without candidates; they are collected until
    the browser signals the end (an empty candidate) or CANDIDATE_WINDOW passes, then sent
    to the device in one complete offer.
    """

    def __init__(
        self,
        coordinator: CamHubCoordinator,
        camera_id: str,
        description: CamHubCameraEntityDescription,
    ) -> None:
        """No offer pending yet."""
        super().__init__(coordinator, camera_id, description)
        self._pending: dict[str, _PendingOffer] = {}

    async def async_handle_async_webrtc_offer(
        self, offer_sdp: str, session_id: str, send_message: WebRTCSendMessage
    ) -> None:
        """Answer a complete offer now; hold a trickled one for its candidates."""
        if is_complete(offer_sdp):
            await self._async_answer(offer_sdp, send_message)
            return
        pending = _PendingOffer(offer_sdp, send_message)
        self._pending[session_id] = pending
        pending.cancel_timer = async_call_later(
            self.hass,
            CANDIDATE_WINDOW,
            HassJob(partial(self._async_window_closed, session_id), cancel_on_shutdown=True),
        )

    async def async_on_webrtc_candidate(
        self, session_id: str, candidate: RTCIceCandidateInit
    ) -> None:
        """Collect a candidate; an empty one means the browser has no more."""
        pending = self._pending.get(session_id)
        if pending is None:
            # Already answered: the device cannot take late candidates.
            return
        if candidate.candidate:
            pending.candidates.append(candidate)
            return
        # Answer in the background: this call only acknowledges the candidate message.
        self.hass.async_create_task(
            self._async_send_pending(session_id), f"{self.entity_id} WebRTC offer"
        )

    @callback
    def close_webrtc_session(self, session_id: str) -> None:
        """The viewer left before the offer went out."""
        pending = self._pending.pop(session_id, None)
        if pending is not None and pending.cancel_timer is not None:
            pending.cancel_timer()

    async def async_will_remove_from_hass(self) -> None:
        """Drop offers still waiting for candidates."""
        for session_id in list(self._pending):
            self.close_webrtc_session(session_id)
        await super().async_will_remove_from_hass()

    async def _async_window_closed(self, session_id: str, _now: datetime) -> None:
        await self._async_send_pending(session_id)

    async def _async_send_pending(self, session_id: str) -> None:
        pending = self._pending.get(session_id)
        if pending is None:
            return
        self.close_webrtc_session(session_id)
        offer = with_candidates(pending.sdp, pending.candidates)
        try:
            await self._async_answer(offer, pending.send_message)
        except HomeAssistantError as err:
            # Nobody awaits this offer any more: tell the viewer through the session.
            pending.send_message(WebRTCError("webrtc_offer_failed", str(err)))

    @raise_translated
    async def _async_answer(self, offer_sdp: str, send_message: WebRTCSendMessage) -> None:
        """Hand a complete offer to the device and relay its answer."""
        webrtc = offered(self.connection.webrtc, "WebRTC")
        send_message(WebRTCAnswer(await webrtc.async_webrtc_offer(self.item_id, offer_sdp)))
