"""Angelcam cloud API client (space-scoped, budgeted, typed)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta
import logging
from typing import Any, Final, Literal

import aiohttp
from yarl import URL

from ..budget import RequestBudget
from ..decode import Node, each, format_datetime, utcnow
from ..errors import (
    AuthenticationError,
    CameraOfflineError,
    NotSupportedError,
    PermissionDeniedError,
    ProtocolError,
    ProviderError,
    RequestRejectedError,
    UnavailableError,
)
from ..http import DEFAULT_TIMEOUT, HttpCore
from ..model import (
    Account,
    ArrowClient,
    Broadcasting,
    Camera,
    CameraEvent,
    Clip,
    Incident,
    MediaFile,
    MediaStream,
    Message,
    NotificationMethod,
    NotificationRule,
    Permission,
    PlaybackControls,
    PlaybackPosition,
    PlaybackStream,
    Recording,
    RtsSettings,
    Segment,
    Site,
    Snapshot,
    Space,
    StreamUrl,
)
from . import map as amap

DEFAULT_BASE_URL: Final = "https://api.angelcam.com/v1/"
PAGE_LIMIT: Final = 100
# The timeline endpoint answers at most one day per call.
TIMELINE_SPAN: Final = timedelta(days=1)
# `recording/{id}/start/?duration=` accepts 30-1800 s.
RECORD_MIN_SECONDS: Final = 30
RECORD_MAX_SECONDS: Final = 1800
# A stream/snapshot URL whose token lifetime we cannot read is re-fetched after this long.
URL_MAX_AGE: Final = timedelta(minutes=10)
MESSAGE_TYPES: Final = amap.MESSAGE_TYPES
# `PUT /rts/` accepts these incident TTLs only (ISO 8601 as the API spells them).
INCIDENT_TTLS: Final = {
    timedelta(minutes=1): "PT1M",
    timedelta(minutes=3): "PT3M",
    timedelta(minutes=5): "PT5M",
    timedelta(minutes=10): "PT10M",
    timedelta(minutes=30): "PT30M",
    timedelta(hours=1): "PT1H",
}
_REDIRECTS: Final = frozenset({301, 308})
# Angelcam answers 502 bad_gateway for a camera (or its Arrow client) that is offline.
CAMERA_OFFLINE_STATUS: Final = 502


def camera_offline(err: UnavailableError) -> UnavailableError:
    """The error as CameraOfflineError when Angelcam said so (its 502), else unchanged."""
    if err.status == CAMERA_OFFLINE_STATUS and not isinstance(err, CameraOfflineError):
        return CameraOfflineError(str(err), err.status)
    return err


@asynccontextmanager
async def _offline_as_error() -> AsyncIterator[None]:
    try:
        yield
    except UnavailableError as err:
        raise camera_offline(err) from None


type AuthScheme = Literal["PersonalAccessToken", "Bearer"]

_LOGGER = logging.getLogger(__name__)


class _CachedCamera:
    """A camera's tokenised URLs from its last fetch, and when we got them."""

    __slots__ = ("issued_at", "node")

    def __init__(self, node: Node, issued_at: datetime) -> None:
        self.node = node
        self.issued_at = issued_at


class AngelcamClient:
    """One Angelcam user in one space; every request carries X-Space-Id."""

    vendor: Final = "angelcam"
    # The shortest recording started on demand (CloudRecordings).
    min_record_seconds: Final = RECORD_MIN_SECONDS

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        token: str,
        space_id: str | int | None = None,
        base_url: str = DEFAULT_BASE_URL,
        auth_scheme: AuthScheme = "PersonalAccessToken",
        budget: RequestBudget | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._token = token
        self._auth_scheme = auth_scheme
        self.space_id = None if space_id is None else str(space_id)
        self._now = now
        self.budget = budget or RequestBudget.angelcam(clock=lambda: now().timestamp())
        self._http = HttpCore(
            session,
            vendor="angelcam",
            base_url=base_url,
            budget=self.budget,
            secrets=lambda: (self._token,),
            timeout=timeout,
            clock=lambda: now().timestamp(),
        )
        self._account: Account | None = None
        self._permissions: tuple[Permission, ...] | None = None
        self._cameras: dict[str, _CachedCamera] = {}

    def __repr__(self) -> str:
        return f"AngelcamClient(space_id={self.space_id!r})"

    @property
    def account(self) -> Account | None:
        """The account from the last async_fetch_account (None before the first)."""
        return self._account

    @property
    def permissions(self) -> tuple[Permission, ...] | None:
        """The user's grants in our space, as last fetched (None before the first)."""
        return self._permissions

    # -- plumbing -------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {"Authorization": f"{self._auth_scheme} {self._token}"}
        if self.space_id is not None:
            # The server-side "activate space" would switch the user's web app too.
            headers["X-Space-Id"] = self.space_id
        return headers

    async def _get(
        self, path: str, params: dict[str, Any] | None = None, *, field: str = "URL"
    ) -> Node:
        return await self._http.json(
            "GET", path, params=params, credentials=self._headers(), field=field
        )

    async def _call(self, method: str, path: str, json: Any) -> Node:
        """A write whose answer is the written object."""
        return await self._http.json(method, path, json=json, credentials=self._headers())

    async def _command(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None
    ) -> None:
        """A write answered with 204 (its body, if any, is ignored)."""
        await self._http.request(
            method, path, params=params, json=json, credentials=self._headers()
        )

    async def _pages(self, path: str, params: dict[str, Any] | None = None) -> list[Node]:
        """Every item of a paginated list, following `next` until it is null.

        A `next` on another origin (the spec's own examples name example.com) or one
        already read ends the list with what was read: a warning, not a failed refresh.
        """
        query: dict[str, Any] | None = {"limit": PAGE_LIMIT, **(params or {})}
        items: list[Node] = []
        url: str | None = path
        seen: set[str] = set()
        while url is not None:
            results, following = amap.page_of(await self._get(url, query, field="next"))
            items.extend(results)
            # `next` is a full URL that already carries the query.
            query = None
            url = None if following is None else self._http.resolve(following)
            if url is not None and not self._http.on_origin(url):
                self._http.warn_off_origin(url, "next", "the list ends at the last page read")
                url = None
            elif url is not None and url in seen:
                _LOGGER.warning("angelcam: a list's next link repeats; it ends here")
                url = None
            elif url is not None:
                seen.add(url)
        return items

    async def _service[T](self, call: Awaitable[T]) -> T:
        """Await a call on a paid-service endpoint; its 404 means the service is not active."""
        try:
            return await call
        except RequestRejectedError as err:
            if err.status == 404:
                raise NotSupportedError(str(err)) from None
            raise

    # -- identity -------------------------------------------------------------------------

    async def async_fetch_spaces(self) -> list[Space]:
        """Spaces the user belongs to (a plain JSON array)."""
        return each((await self._get("spaces/")).items(), amap.space_from)

    async def async_fetch_permissions(self, space_id: str | None = None) -> tuple[Permission, ...]:
        """The user's grants in the space (default: ours); cached for arming decisions."""
        space = space_id or self.space_id
        if space is None:
            raise ProviderError("angelcam: no space chosen yet; fetch the account first")
        permissions = amap.permissions_from(await self._get(f"spaces/{space}/permissions/"))
        if space == self.space_id:
            self._permissions = permissions
        return permissions

    async def async_fetch_account(self) -> Account:
        """Who we are: user id plus the chosen (or default) space; also loads permissions."""
        me = await self._get("me/")
        space = amap.choose_space(await self.async_fetch_spaces(), self.space_id)
        self.space_id = space.id
        await self.async_fetch_permissions()
        self._account = amap.account_from(me, space)
        return self._account

    # -- state ------------------------------------------------------------------------------

    def _remember(self, nodes: Iterable[Node]) -> None:
        issued = self._now()
        for camera_id, node in each(nodes, lambda node: (node.ident("id"), node)):
            self._cameras[camera_id] = _CachedCamera(node, issued)

    async def async_fetch_locations(self) -> list[Site]:
        """All locations (without camera membership; see async_fetch_snapshot_state)."""
        return each(
            await self._pages("locations/"),
            lambda node: amap.location_from(node, permissions=self._permissions),
        )

    async def async_fetch_location(self, location_id: str | int) -> Site:
        """One location."""
        node = await self._get(f"locations/{location_id}/")
        return amap.location_from(node, permissions=self._permissions)

    async def async_fetch_cameras(self, location_id: str | int | None = None) -> list[Camera]:
        """All cameras (every page), optionally of one location."""
        params = None if location_id is None else {"location_id": location_id}
        nodes = await self._pages("cameras/", params)
        self._remember(nodes)
        site = None if location_id is None else str(location_id)
        return each(nodes, lambda node: amap.camera_from(node, site))

    async def async_fetch_camera(self, camera_id: str | int) -> Camera:
        """One camera (also refreshes its tokenised URLs).

        An answer naming another camera is a ProtocolError: its URLs are not this camera's.
        """
        node = await self._get(f"cameras/{camera_id}/")
        camera = amap.camera_from(node)
        if camera.id != str(camera_id):
            raise node.fail(f"answered for camera {camera.id}, not {camera_id}", "id")
        self._remember([node])
        return camera

    async def async_fetch_snapshot_state(self) -> Snapshot:
        """One full refresh: locations, then the cameras of each non-empty location.

        Cameras carry no location id, so membership comes from `?location_id=`; empty
        locations cost nothing.
        """
        account = self._account or await self.async_fetch_account()
        locations = await self._pages("locations/")
        by_location: dict[str, list[Node]] = {}
        wanted = each(
            locations, lambda node: (node.ident("id"), node.opt_number("cameras_count") != 0)
        )
        for location_id, has_cameras in wanted:
            if not has_cameras:
                continue
            nodes = await self._pages("cameras/", {"location_id": location_id})
            self._remember(nodes)
            by_location[location_id] = nodes
        return amap.snapshot_from(account, locations, by_location, self._permissions, self._now())

    # -- Arrow clients -----------------------------------------------------------------------

    async def async_fetch_arrow_clients(self) -> list[ArrowClient]:
        """Paired Arrow clients (the list carries no status: see async_fetch_arrow_client)."""
        return each(await self._pages("arrow-clients/"), amap.arrow_client_from)

    async def async_fetch_arrow_client(self, uuid: str) -> ArrowClient:
        """One Arrow client with its status (online, offline, not_paired)."""
        return amap.arrow_client_from(await self._get(f"arrow-clients/{uuid}/"))

    # -- broadcasting ------------------------------------------------------------------------

    async def async_fetch_broadcasting(self, camera_id: str | int) -> Broadcasting:
        """A camera's broadcasting state (NotSupportedError without the Broadcasting service)."""
        node = await self._service(self._get(f"cameras/{camera_id}/broadcasting/"))
        return amap.broadcasting_from(node)

    async def async_set_broadcasting(self, camera_id: str | int, *, enabled: bool) -> None:
        """Start or stop public broadcasting (NotSupportedError without the service)."""
        verb = "start" if enabled else "stop"
        await self._service(self._command("POST", f"cameras/{camera_id}/broadcasting/{verb}/"))

    # -- arming ------------------------------------------------------------------------------

    async def async_arm(self, location_id: str | int, delay: int = 0) -> None:
        """Arm a location, optionally after `delay` seconds."""
        await self._command("POST", "rts/arm/", params={"location_id": location_id, "delay": delay})

    async def async_disarm(self, location_id: str | int, delay: int = 0) -> None:
        """Disarm a location, optionally after `delay` seconds."""
        await self._command(
            "POST", "rts/disarm/", params={"location_id": location_id, "delay": delay}
        )

    # -- incidents, messages, events --------------------------------------------------------

    async def async_fetch_rts_settings(self) -> RtsSettings:
        """The space's RTS settings: how long an incident stays open without new events."""
        return amap.rts_settings_from(await self._get("rts/"))

    async def async_set_incident_ttl(self, ttl: timedelta) -> RtsSettings:
        """Set the incident TTL; only INCIDENT_TTLS are accepted (the API refuses others)."""
        value = INCIDENT_TTLS.get(ttl)
        if value is None:
            raise ValueError(f"angelcam: {ttl} is no incident TTL the API accepts")
        return amap.rts_settings_from(await self._call("PUT", "rts/", {"incident_ttl": value}))

    async def async_fetch_unread_count(self) -> int:
        """How many RTS messages are unread."""
        return amap.unread_count_from(await self._get("rts/messages/unread-count/"))

    async def async_fetch_incidents(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 20,
        newest_first: bool = True,
    ) -> list[Incident]:
        """One page of incidents (newest first by default)."""
        params: dict[str, Any] = {"limit": limit, "ordering": "desc" if newest_first else "asc"}
        if start is not None:
            params["start"] = format_datetime(start)
        if end is not None:
            params["end"] = format_datetime(end)
        results, _ = amap.page_of(await self._get("rts/incidents/", params))
        return each(results, amap.incident_from)

    async def async_fetch_incident(self, incident_id: str | int) -> Incident:
        """One incident."""
        return amap.incident_from(await self._get(f"rts/incidents/{incident_id}/"))

    async def async_fetch_messages(self, limit: int = 20) -> list[Message]:
        """The newest RTS messages (one page)."""
        results, _ = amap.page_of(await self._get("rts/messages/", {"limit": limit}))
        return each(results, amap.message_from)

    async def async_mark_message_read(self, message_id: str | int) -> None:
        """Mark one message read."""
        await self._command("PUT", f"rts/messages/{message_id}/", json={"is_read": True})

    async def async_fetch_camera_events(
        self,
        camera_id: str | int,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = PAGE_LIMIT,
    ) -> list[CameraEvent]:
        """A camera's events in the range (forward-only pages), newest first."""
        params: dict[str, Any] = {"limit": limit}
        if start is not None:
            params["start"] = format_datetime(start)
        if end is not None:
            params["end"] = format_datetime(end)
        return each(
            await self._pages(f"cameras/{camera_id}/events/", params), amap.camera_event_from
        )

    # -- notification methods and rules (our webhook) ---------------------------------------

    async def async_fetch_notification_methods(self) -> list[NotificationMethod]:
        """Every notification method."""
        return each(await self._pages("rts/notifications/methods/"), amap.method_from)

    async def async_create_notification_method(
        self, *, name: str, url: str, key: str | None = None, http_method: str = "POST"
    ) -> NotificationMethod:
        """Create an HTTP method (the vendor answers 200 with the object and its key)."""
        node = await self._call(
            "POST", "rts/notifications/methods/", json=_method_body(name, url, key, http_method)
        )
        return amap.method_from(node)

    async def async_update_notification_method(
        self,
        method_id: str | int,
        *,
        name: str,
        url: str,
        key: str | None = None,
        http_method: str = "POST",
    ) -> NotificationMethod:
        """Replace an HTTP method's settings."""
        node = await self._call(
            "PUT",
            f"rts/notifications/methods/{method_id}/",
            json=_method_body(name, url, key, http_method),
        )
        return amap.method_from(node)

    async def async_delete_notification_method(self, method_id: str | int) -> None:
        """Delete a method: not in the spec (RequestRejectedError 404/405 where it is absent)."""
        await self._command("DELETE", f"rts/notifications/methods/{method_id}/")

    async def async_fetch_notification_rules(self) -> list[NotificationRule]:
        """Every notification rule."""
        return each(await self._pages("rts/notifications/rules/"), amap.rule_from)

    async def async_create_notification_rule(
        self, *, method_id: str | int, message_type: str, allowed_cameras: Sequence[int] = ()
    ) -> NotificationRule:
        """Send one message type to one method."""
        node = await self._call(
            "POST",
            "rts/notifications/rules/",
            json=_rule_body(method_id, message_type, allowed_cameras),
        )
        return amap.rule_from(node)

    async def async_update_notification_rule(
        self,
        rule_id: str | int,
        *,
        method_id: str | int,
        message_type: str,
        allowed_cameras: Sequence[int] = (),
    ) -> NotificationRule:
        """Replace a rule."""
        node = await self._call(
            "PUT",
            f"rts/notifications/rules/{rule_id}/",
            json=_rule_body(method_id, message_type, allowed_cameras),
        )
        return amap.rule_from(node)

    async def async_ensure_webhook(
        self,
        *,
        name: str,
        url: str,
        message_types: Sequence[str] = MESSAGE_TYPES,
        key: str | None = None,
    ) -> NotificationMethod:
        """Find our method again (by name, else URL) and its rules; create only what is missing.

        The spec has no DELETE for methods or rules, so duplicates would pile up forever.
        """
        methods = await self.async_fetch_notification_methods()
        ours = next((m for m in methods if m.type == "http" and m.name == name), None)
        ours = ours or next((m for m in methods if m.type == "http" and m.url == url), None)
        if ours is None:
            ours = await self.async_create_notification_method(name=name, url=url, key=key)
        elif (
            ours.url != url or ours.name != name or (key is not None and key != ours.signature_key)
        ):
            ours = await self.async_update_notification_method(
                ours.id, name=name, url=url, key=key or ours.signature_key
            )
        covered = {
            rule.message_type
            for rule in await self.async_fetch_notification_rules()
            if rule.method_id == ours.id
        }
        for message_type in message_types:
            if message_type not in covered:
                await self.async_create_notification_rule(
                    method_id=ours.id, message_type=message_type
                )
        return ours

    # -- recordings, playback, clips ---------------------------------------------------------

    async def async_fetch_recordings(self, camera_id: str | int) -> list[Recording]:
        """The camera's recordings; NotSupportedError without Cloud Recording."""
        nodes = await self._service(self._pages(f"cameras/{camera_id}/recordings/"))
        return each(nodes, lambda node: amap.recording_from(node, str(camera_id)))

    async def async_fetch_timeline(
        self, recording_id: str, start: datetime, end: datetime
    ) -> list[Segment]:
        """Recorded segments in [start, end), one call per day of range (the API's maximum)."""
        segments: list[Segment] = []
        chunk_start = start
        while chunk_start < end:
            chunk_end = min(chunk_start + TIMELINE_SPAN, end)
            params = {"start": format_datetime(chunk_start), "end": format_datetime(chunk_end)}
            node = await self._service(self._get(f"recording/{recording_id}/timeline/", params))
            for segment in amap.segments_from(node):
                # A segment crossing a chunk boundary comes back in both chunks: join them.
                if segments and segment.start <= segments[-1].end:
                    last = segments.pop()
                    segments.append(Segment(start=last.start, end=max(last.end, segment.end)))
                else:
                    segments.append(segment)
            chunk_start = chunk_end
        return segments

    async def async_playback_stream(
        self, recording_id: str, start: datetime, end: datetime | None = None
    ) -> PlaybackStream:
        """A recorded stream from `start` (to `end`, or the end of the footage)."""
        params = {"start": format_datetime(start)}
        if end is not None:
            params["end"] = format_datetime(end)
        node = await self._service(self._get(f"recording/{recording_id}/stream/", params))
        return amap.playback_stream_from(node)

    async def async_playback_position(self, stream: PlaybackStream) -> PlaybackPosition:
        """Where the recorded stream is (stream controls, else the deprecated info URL)."""
        if stream.controls is not None:
            # The streamer host takes no auth (`security: []`) and is not the metered API.
            response = await self._http.request(
                "GET", stream.controls.base_url, counted=False, field="stream_controls.base_url"
            )
            return amap.position_from(response.json())
        if stream.info_url is None:
            raise NotSupportedError("angelcam: this recorded stream offers no position")
        # The deprecated info URL is on the API itself and needs our token: only there.
        return amap.position_from(
            await self._get(self._http.resolve(stream.info_url), field="stream_info")
        )

    async def async_playback_control(
        self, stream: PlaybackStream, action: Literal["play", "pause"]
    ) -> None:
        """Resume or pause a recorded stream."""
        controls = _controls(stream)
        url = controls.play if action == "play" else controls.pause
        await self._http.request("POST", url, counted=False, field=f"stream_controls.{action}")

    async def async_playback_speed(self, stream: PlaybackStream, speed: int) -> None:
        """Change the playback speed (1, 2, 4, 8 or 16)."""
        await self._http.request(
            "POST",
            _controls(stream).speed,
            json={"speed": speed},
            counted=False,
            field="stream_controls.speed",
        )

    async def async_recording_snapshot(self, recording_id: str, at: datetime) -> bytes:
        """The still image recorded at `at`."""
        node = await self._service(
            self._get(f"recording/{recording_id}/snapshot/", {"datetime": format_datetime(at)})
        )
        return (await self.async_fetch_media(node.text("url"))).content

    async def async_recording_download_url(
        self, recording_id: str, start: datetime, end: datetime
    ) -> str:
        """A time-limited download URL for footage (at most 3 h)."""
        params = {"start": format_datetime(start), "end": format_datetime(end)}
        node = await self._service(self._get(f"recording/{recording_id}/download/", params))
        return node.text("url")

    async def async_start_recording(
        self, recording_id: str, duration_seconds: int | None = None
    ) -> None:
        """Start a cloud recording now, or extend the one running.

        With `duration_seconds` (clamped to the API's 30-1800 s) the vendor stops it by
        itself that long after this call; None records until async_stop_recording and
        cancels a stop scheduled earlier. Needs the recording_start_stop scope;
        NotSupportedError when the recording (or Cloud Recording) is gone.
        """
        params = None
        if duration_seconds is not None:
            seconds = min(max(duration_seconds, RECORD_MIN_SECONDS), RECORD_MAX_SECONDS)
            params = {"duration": seconds}
        await self._service(
            self._command("POST", f"recording/{recording_id}/start/", params=params)
        )

    async def async_stop_recording(self, recording_id: str) -> None:
        """Stop a cloud recording now (NotSupportedError when it is gone)."""
        await self._service(self._command("POST", f"recording/{recording_id}/stop/"))

    async def async_fetch_clips(self, camera_id: str | int) -> list[Clip]:
        """The camera's clips."""
        nodes = await self._service(self._pages(f"cameras/{camera_id}/clips/"))
        return each(nodes, lambda node: amap.clip_from(node, str(camera_id)))

    async def async_fetch_clip(self, camera_id: str | int, clip_id: str) -> Clip:
        """One clip (poll it until READY or ERROR)."""
        node = await self._service(self._get(f"cameras/{camera_id}/clips/{clip_id}/"))
        return amap.clip_from(node, str(camera_id))

    async def async_create_clip(
        self,
        camera_id: str | int,
        *,
        name: str,
        start: datetime,
        end: datetime,
        recording_id: str | None = None,
    ) -> Clip:
        """Cut a clip (at most 3 h); it starts PENDING."""
        body: dict[str, Any] = {
            "name": name,
            "start": format_datetime(start),
            "end": format_datetime(end),
        }
        if recording_id is not None:
            body["recording"] = recording_id
        node = await self._service(self._call("POST", f"cameras/{camera_id}/clips/", body))
        return amap.clip_from(node, str(camera_id))

    # -- live media ----------------------------------------------------------------------------

    async def _camera_node(self, camera_id: str, *, fresh: bool) -> tuple[_CachedCamera, bool]:
        """The camera's cached node (re-fetched when asked, missing or old) and if it was."""
        cached = self._cameras.get(camera_id)
        if fresh or cached is None or self._now() - cached.issued_at > URL_MAX_AGE:
            # async_fetch_camera checked that the answer is this camera's, so it is cached.
            await self.async_fetch_camera(camera_id)
            return self._cameras[camera_id], True
        return cached, False

    async def async_stream_url(
        self, camera_id: str | int, fmt: str = "hls", *, fresh: bool = False
    ) -> StreamUrl:
        """A live stream URL, reused while fresh, else re-fetched with the camera."""
        cached, fetched = await self._camera_node(str(camera_id), fresh=fresh)
        stream = amap.stream_url_from(cached.node, fmt, cached.issued_at)
        if stream is not None and not stream.is_fresh(self._now()) and not fetched:
            cached, _ = await self._camera_node(str(camera_id), fresh=True)
            stream = amap.stream_url_from(cached.node, fmt, cached.issued_at)
        if stream is None:
            raise NotSupportedError(f"angelcam: camera {camera_id} offers no {fmt} stream")
        return replace(stream, camera_id=str(camera_id))

    async def async_refresh_stream_url(self, stream: StreamUrl) -> StreamUrl:
        """Probe an HLS URL; on 301 the token expired and the Location is the new URL.

        The redirect is followed permanently (unlike players that treat 301 as 302).
        """
        async with (
            _offline_as_error(),
            self._http.open("GET", stream.url, allow_redirects=False, counted=False) as response,
        ):
            location = response.headers.get("Location")
            status = response.status
        if status in _REDIRECTS and location:
            try:
                new_url = str(URL(stream.url).join(URL(location)))
            except ValueError:
                raise ProtocolError("angelcam: unreadable stream redirect") from None
            return StreamUrl(
                url=new_url,
                format=stream.format,
                issued_at=self._now(),
                expires_at=amap.token_expiry(new_url),
                camera_id=stream.camera_id,
            )
        return stream

    async def async_camera_image(self, camera_id: str | int) -> bytes:
        """A JPEG: the live snapshot while available, else the stored one.

        A cached URL whose token was refused is re-fetched once with the camera.
        """
        cached, fetched = await self._camera_node(str(camera_id), fresh=False)
        async with _offline_as_error():
            try:
                return (await self.async_fetch_media(_snapshot_url(cached.node, camera_id))).content
            except (AuthenticationError, PermissionDeniedError, RequestRejectedError):
                if fetched:
                    raise
            cached, _ = await self._camera_node(str(camera_id), fresh=True)
            return (await self.async_fetch_media(_snapshot_url(cached.node, camera_id))).content

    async def async_fetch_media(self, url: str) -> MediaFile:
        """Download media from a tokenised Angelcam URL, without our token.

        Snapshots, HLS playlists and segments, clip and footage downloads: the URL is
        its own access, and it is not counted against the API budget. Errors map like
        API errors (404/410 -> RequestRejectedError with that status); messages name
        the host only, never the URL.
        """
        return await self._http.fetch_media(url)

    def async_open_media(self, url: str) -> AbstractAsyncContextManager[MediaStream]:
        """Stream media from a tokenised Angelcam URL (footage and clip downloads are big).

        Use as `async with client.async_open_media(url) as media:`; errors as in
        async_fetch_media, also while the chunks are read.
        """
        return self._http.open_media(url)


def _snapshot_url(node: Node, camera_id: str | int) -> str:
    url = amap.live_snapshot_url(node)
    if url is None:
        raise NotSupportedError(f"angelcam: camera {camera_id} has no snapshot")
    return url


def _controls(stream: PlaybackStream) -> PlaybackControls:
    if stream.controls is None:
        raise NotSupportedError("angelcam: this recorded stream offers no controls")
    return stream.controls


def _method_body(name: str, url: str, key: str | None, http_method: str) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "http", "name": name, "url": url, "http_method": http_method}
    if key is not None:
        body["signature_private_key"] = key
    return body


def _rule_body(
    method_id: str | int, message_type: str, allowed_cameras: Sequence[int]
) -> dict[str, Any]:
    # The spec types the id as an integer; one that is not stays as the server wrote it.
    method = int(method_id) if str(method_id).isdecimal() else method_id
    return {
        "notification_method": method,
        "message_type": message_type,
        "allowed_cameras": list(allowed_cameras),
    }
