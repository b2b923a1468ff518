"""Angelcam Cloud Recording endpoints and the recording streamer host.

API (auth, under /v1): camera recordings, recording detail, timeline (at most 24 h), stream
creation with ``stream_controls``, snapshot, download, start/stop, clips (create, list, detail,
stream, share) and the deprecated stream-info URL. Streamer (no auth, like
``rec-streamer-*.angelcam.com``): stream info (position, speed), play, pause, speed, the VOD HLS
playlist and segments, plus snapshot, download and clip files.

Spec/notes choices: ``stream_controls`` is nested as the spec says (``flat_controls`` also copies
the URLs to the top level, the shape of the guide example); stream info answers
``current_position`` (schema) and, with ``info_fields``, ``current_time`` (the example's name).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from aiohttp import web

from simulator.angelcam_api import visible_camera
from simulator.angelcam_http import (
    ApiError,
    context,
    invalid,
    json_object,
    no_content,
    page,
    parse_time,
    query_int,
    query_time,
    required_time,
    stamp,
    world,
)
from simulator.angelcam_live import LIVE_KEY, origin, source
from simulator.angelcam_model import WORLD_KEY, Camera, NotFoundError
from simulator.angelcam_recording import (
    MAX_CLIP,
    MAX_DURATION,
    MAX_TIMELINE,
    MIN_DURATION,
    RECORDING_KEY,
    SPEEDS,
    Clip,
    PlaybackStream,
    Recording,
    RecordingStore,
)
from simulator.media import jpeg_frame

STREAMER_NAME: Final = "rec-streamer-sim"
MAX_DOWNLOAD: Final = timedelta(hours=3)
DOWNLOAD_SECONDS: Final = 10  # media actually served per download (CPU is shared)


@dataclass(slots=True)
class PlaybackOptions:
    """Switches between the shapes the spec and the guide example disagree on."""

    info_fields: tuple[str, ...] = ("current_position",)
    flat_controls: bool = False


OPTIONS_KEY: Final = web.AppKey("angelcam_playback_options", PlaybackOptions)


def store(request: web.Request) -> RecordingStore:
    """Return the recording store of this app."""
    return request.app[RECORDING_KEY]


def _recording_camera(camera: Camera) -> Camera:
    if not camera.records:
        # The API answers 404 when Cloud Recording is not active on the camera.
        raise ApiError(404, "Cloud Recording is not active on this camera.")
    return camera


def _recording(request: web.Request, permission: str = "camera.recording.view") -> Recording:
    try:
        recording = store(request).recording(request.match_info["recording_id"])
    except NotFoundError:
        raise ApiError(404) from None
    ctx = context(request)
    camera = world(request).cameras[recording.camera_id]
    if camera.space_id != ctx.membership.space_id or not ctx.membership.allows(
        "camera.view", camera.location_id, camera.id
    ):
        raise ApiError(404)
    ctx.require(permission, camera.location_id, camera.id)
    return recording


def recording_json(request: web.Request, recording: Recording) -> dict[str, Any]:
    """Render a RecordingResponse."""
    now = world(request).now()
    camera = world(request).cameras[recording.camera_id]
    footage = recording.footage(now)
    return {
        "id": recording.id,
        "status": recording.status(now, camera.status == "online"),
        "retention": f"P{recording.retention.days}D",
        "record_queue_capacity": None,
        "deactivated_at": stamp(recording.deactivated_at),
        "recording_start": stamp(footage[0][0]) if footage else None,
        "recording_end": stamp(footage[-1][1]) if footage else None,
    }


async def camera_recordings(request: web.Request) -> web.Response:
    """GET /cameras/{camera_id}/recordings/."""
    camera = _recording_camera(visible_camera(request, "camera.recording.view"))
    found = store(request).of_camera(camera.id)
    return page(request, found, lambda r: recording_json(request, r))


async def camera_recording(request: web.Request) -> web.Response:
    """GET /cameras/{camera_id}/recording/ (deprecated): one object, the continuous recording."""
    camera = _recording_camera(visible_camera(request, "camera.recording.view"))
    return web.json_response(recording_json(request, store(request).of_camera(camera.id)[0]))


async def recording(request: web.Request) -> web.Response:
    """GET /recording/{recording_id}/."""
    return web.json_response(recording_json(request, _recording(request)))


def _range(request: web.Request) -> tuple[datetime, datetime | None]:
    start = required_time(request, "start")
    end = query_time(request, "end")
    if end is not None and end <= start:
        raise invalid("end", "End must be later than start.")
    return start, end


def _bounded(request: web.Request, longest: timedelta, message: str) -> tuple[datetime, datetime]:
    start = required_time(request, "start")
    end = required_time(request, "end")
    if end <= start:
        raise invalid("end", "End must be later than start.")
    if end - start > longest:
        raise invalid("end", message)
    return start, end


async def timeline(request: web.Request) -> web.Response:
    """GET /recording/{recording_id}/timeline/?start=&end= (at most one day)."""
    found = _recording(request)
    start, end = _bounded(request, MAX_TIMELINE, "Maximum length of timeline is 1 day.")
    spans = found.between(world(request).now(), start, end)
    return web.json_response(
        {
            "start": stamp(start),
            "end": stamp(end),
            "segments": [{"start": stamp(s), "end": stamp(e)} for s, e in spans],
        }
    )


def _stream_json(request: web.Request, stream: PlaybackStream) -> dict[str, Any]:
    base = origin(request)
    controls = base / "recording" / "streams" / stream.id
    control_urls = {
        "base_url": f"{controls}/",
        "play": f"{controls}/play/",
        "pause": f"{controls}/pause/",
        "speed": f"{controls}/speed/",
    }
    body: dict[str, Any] = {
        "url": str(base / "streams" / stream.id / "playlist.m3u8"),
        "format": "hls",
        "stream_info": f"{base}/v1/recording/stream/{STREAMER_NAME}/{stream.id}/",
        "stream_controls": control_urls,
    }
    if request.app[OPTIONS_KEY].flat_controls:
        body.update(control_urls)
    return body


def _open(
    request: web.Request, found: Recording, start: datetime, end: datetime | None
) -> web.Response:
    now = world(request).now()
    if not found.between(now, start, end or now):
        raise ApiError(404, "No recorded footage at the requested time.")
    stream = store(request).open_stream(found, start, end)
    return web.json_response(_stream_json(request, stream))


async def recording_stream(request: web.Request) -> web.Response:
    """GET /recording/{recording_id}/stream/?start=[&end=]: create a playback stream."""
    found = _recording(request)
    start, end = _range(request)
    return _open(request, found, start, end)


async def recording_snapshot(request: web.Request) -> web.Response:
    """GET /recording/{recording_id}/snapshot/?datetime=."""
    found = _recording(request)
    when = required_time(request, "datetime")
    if not found.covers(world(request).now(), when):
        raise ApiError(404, "No recorded footage at the requested time.")
    url = origin(request) / "recording-snapshots" / found.id / f"{int(when.timestamp())}.jpg"
    return web.json_response({"url": str(url)})


async def recording_download(request: web.Request) -> web.Response:
    """GET /recording/{recording_id}/download/?start=&end= (at most 3 h; gaps skipped)."""
    found = _recording(request)
    start, end = _bounded(request, MAX_DOWNLOAD, "Maximum downloadable length is 3 hours.")
    token = request.app[LIVE_KEY].issue(found.camera_id)
    url = (origin(request) / "recording-downloads" / found.id / "").with_query(
        start=str(int(start.timestamp())), end=str(int(end.timestamp())), token=token
    )
    return web.json_response({"url": str(url)})


async def start_recording(request: web.Request) -> web.Response:
    """POST /recording/{recording_id}/start/?start_from=&stop_at=|duration=."""
    found = _recording(request, "camera.recording.manage")
    start_from = query_time(request, "start_from")
    stop_at = query_time(request, "stop_at")
    duration = query_int(request, "duration", minimum=MIN_DURATION, maximum=MAX_DURATION)
    if stop_at is not None and duration is not None:
        raise invalid("duration", "stop_at and duration are mutually exclusive.")
    if duration is not None:
        stop_at = world(request).now() + timedelta(seconds=duration)
    store(request).start(found, start_from=start_from, stop_at=stop_at)
    return no_content()


async def stop_recording(request: web.Request) -> web.Response:
    """POST /recording/{recording_id}/stop/."""
    store(request).stop(_recording(request, "camera.recording.manage"))
    return no_content()


async def deprecated_stream_info(request: web.Request) -> web.Response:
    """GET /recording/stream/{streamer_name}/{streamer_id}/ (deprecated): ``{current_time}``."""
    stream = _stream(request, "streamer_id")
    camera = world(request).cameras[stream.camera_id]
    if camera.space_id != context(request).membership.space_id:
        raise ApiError(404)
    return web.json_response({"current_time": stamp(stream.position(world(request).now()))})


# Clips --------------------------------------------------------------------------------------


def clip_json(request: web.Request, clip: Clip) -> dict[str, Any]:
    """Render a ClipObject with a fresh time-limited download URL."""
    token = request.app[LIVE_KEY].issue(clip.camera_id)
    download = (origin(request) / "clips" / clip.id / "download" / "").with_query(token=token)
    return {
        "id": clip.id,
        "created_by": clip.created_by,
        "created_at": stamp(clip.created_at),
        "name": clip.name,
        "status": clip.status(world(request).now()),
        "start": stamp(clip.start),
        "end": stamp(clip.end),
        "sharing_token": clip.sharing_token,
        "download_url": str(download),
    }


async def clips(request: web.Request) -> web.Response:
    """GET /cameras/{camera_id}/clips/?created_by= (default: the caller's clips)."""
    camera = _recording_camera(visible_camera(request, "camera.clip.view"))
    found = store(request).clips_of(camera.id)
    created_by = request.query.get("created_by")
    if created_by != "*":
        try:
            authors = (
                {int(part) for part in created_by.split(",")}
                if created_by
                else {context(request).user.id}
            )
        except ValueError:
            raise invalid("created_by", "Enter a comma separated list of user ids.") from None
        found = [c for c in found if c.created_by in authors]
    return page(request, found, lambda c: clip_json(request, c))


def _clip_time(body: dict[str, Any], name: str) -> datetime:
    value = body.get(name)
    if not isinstance(value, str):
        raise ApiError(400, f"{name}: This field is required.")
    try:
        return parse_time(value)
    except ValueError:
        raise ApiError(400, f"{name}: Datetime has wrong format.") from None


async def create_clip(request: web.Request) -> web.Response:
    """POST /cameras/{camera_id}/clips/: 201 with a PENDING clip."""
    camera = _recording_camera(visible_camera(request, "camera.clip.create"))
    body = await json_object(request)
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise ApiError(400, "name: This field is required.")
    start, end = _clip_time(body, "start"), _clip_time(body, "end")
    if end <= start:
        raise ApiError(400, "The clip must end after it starts.")
    if end - start > MAX_CLIP:
        raise ApiError(400, "The maximum clip length is 3 hours.")
    recordings = store(request).of_camera(camera.id)
    wanted = body.get("recording")
    chosen = next((r for r in recordings if wanted is None or r.id == wanted), None)
    if chosen is None:
        raise ApiError(400, "Unknown recording.")
    if not chosen.between(world(request).now(), start, end):
        raise ApiError(400, "No recording footage exists for the requested time range.")
    clip = store(request).create_clip(
        camera, chosen, user_id=context(request).user.id, name=name, start=start, end=end
    )
    return web.json_response(clip_json(request, clip), status=201)


def _clip(request: web.Request) -> Clip:
    camera = _recording_camera(visible_camera(request, "camera.clip.view"))
    clip = store(request).clips.get(request.match_info["clip_id"])
    if clip is None or clip.camera_id != camera.id:
        raise ApiError(404)
    return clip


async def clip(request: web.Request) -> web.Response:
    """GET /cameras/{camera_id}/clips/{clip_id}/."""
    return web.json_response(clip_json(request, _clip(request)))


async def clip_stream(request: web.Request) -> web.Response:
    """GET /cameras/{camera_id}/clips/{clip_id}/stream/?start=: play a READY clip."""
    found = _clip(request)
    if found.status(world(request).now()) != "READY":
        raise ApiError(404, "The clip is not ready yet.")
    start = required_time(request, "start")
    begin = min(max(start, found.start), found.end)
    return _open(request, store(request).recording(found.recording_id), begin, found.end)


async def share_clip(request: web.Request) -> web.Response:
    """POST /cameras/{camera_id}/clips/{clip_id}/share/ with ``{email}`` (nothing is sent)."""
    found = _clip(request)
    context(request).require("camera.clip.manage", None, found.camera_id)
    body = await json_object(request)
    if not isinstance(body.get("email"), str) or "@" not in body["email"]:
        raise invalid("email", "Enter a valid email address.")
    return no_content()


# Streamer host (no auth) ------------------------------------------------------------------


def _stream(request: web.Request, key: str = "stream_id") -> PlaybackStream:
    try:
        return store(request).stream(request.match_info[key])
    except NotFoundError:
        raise ApiError(404) from None


async def stream_info(request: web.Request) -> web.Response:
    """GET {base_url}: the position shown right now and the speed."""
    stream = _stream(request)
    position = stamp(stream.position(request.app[WORLD_KEY].now()))
    body: dict[str, Any] = dict.fromkeys(request.app[OPTIONS_KEY].info_fields, position)
    body["speed"] = stream.speed
    return web.json_response(body)


async def stream_play(request: web.Request) -> web.Response:
    """POST {play}."""
    _stream(request).play(request.app[WORLD_KEY].now())
    return no_content()


async def stream_pause(request: web.Request) -> web.Response:
    """POST {pause}."""
    _stream(request).pause(request.app[WORLD_KEY].now())
    return no_content()


async def stream_speed(request: web.Request) -> web.Response:
    """POST {speed} with ``{"speed": 1|2|4|8|16}``: re-prepares the playlist at that speed."""
    stream = _stream(request)
    speed = (await json_object(request)).get("speed")
    if speed not in SPEEDS or isinstance(speed, bool):
        raise invalid("speed", f'"{speed}" is not a valid choice.')
    store(request).set_speed(stream, int(speed))
    return no_content()


async def stream_playlist(request: web.Request) -> web.Response:
    """GET the playback playlist: VOD from the stream start, segments ``speed`` apart."""
    stream = _stream(request)
    hls = source(request.app[WORLD_KEY], request.app[WORLD_KEY].cameras[stream.camera_id])
    first = stream.indices[0]
    text = hls.playlist(
        hls.start_of(first),
        count=len(stream.indices),
        uri=lambda i: f"{stream.indices[i - first]}.ts",
    )
    return web.Response(text=text, content_type="application/vnd.apple.mpegurl")


async def stream_segment(request: web.Request) -> web.Response:
    """GET one playback segment listed in the stream's playlist."""
    stream = _stream(request)
    try:
        index = int(request.match_info["index"])
    except ValueError:
        raise ApiError(404) from None
    if index not in stream.indices:
        raise ApiError(404)
    hls = source(request.app[WORLD_KEY], request.app[WORLD_KEY].cameras[stream.camera_id])
    return web.Response(body=hls.segment(index), content_type="video/mp2t")


def _file_recording(request: web.Request) -> tuple[Recording, Camera]:
    try:
        found = store(request).recording(request.match_info["recording_id"])
    except NotFoundError:
        raise ApiError(404) from None
    return found, request.app[WORLD_KEY].cameras[found.camera_id]


async def snapshot_file(request: web.Request) -> web.Response:
    """GET a recording snapshot JPEG (URL from ``recording/{id}/snapshot/``)."""
    _, camera = _file_recording(request)
    try:
        when = datetime.fromtimestamp(int(request.match_info["epoch"]), UTC)
    except ValueError:
        raise ApiError(404) from None
    return web.Response(body=jpeg_frame(camera.name, when), content_type="image/jpeg")


def _check_file_token(request: web.Request, camera_id: int) -> None:
    if request.app[LIVE_KEY].check(request.query.get("token", ""), camera_id) != "valid":
        raise ApiError(403, "The download link has expired.")


def _ts(
    request: web.Request, camera: Camera, spans: list[tuple[datetime, datetime]]
) -> web.Response:
    if not spans:
        raise ApiError(404, "No footage in the requested range.")
    start, end = spans[0][0], spans[-1][1]
    hls = source(request.app[WORLD_KEY], camera)
    body = hls.range(start, end, max_seconds=DOWNLOAD_SECONDS)
    return web.Response(body=body, content_type="video/mp2t")


async def download_file(request: web.Request) -> web.Response:
    """GET a recording download (MPEG-TS; the first seconds of the footage in range)."""
    found, camera = _file_recording(request)
    _check_file_token(request, camera.id)
    try:
        start = datetime.fromtimestamp(int(request.query["start"]), UTC)
        end = datetime.fromtimestamp(int(request.query["end"]), UTC)
    except (KeyError, ValueError):
        raise ApiError(404) from None
    return _ts(request, camera, found.between(request.app[WORLD_KEY].now(), start, end))


async def clip_file(request: web.Request) -> web.Response:
    """GET a clip download: 404 until the clip is READY."""
    found = store(request).clips.get(request.match_info["clip_id"])
    if found is None:
        raise ApiError(404)
    camera = request.app[WORLD_KEY].cameras[found.camera_id]
    _check_file_token(request, camera.id)
    if found.status(request.app[WORLD_KEY].now()) != "READY":
        raise ApiError(404, "The clip is not ready yet.")
    if camera.type == "mjpeg":
        # Angelcam cuts MJPEG cameras' clips as MP4 (HLS cameras' as MPEG-TS).
        hls = source(request.app[WORLD_KEY], camera)
        body = hls.mp4(found.start, found.end, max_seconds=DOWNLOAD_SECONDS)
        return web.Response(body=body, content_type="video/mp4")
    return _ts(request, camera, [(found.start, found.end)])


def routes() -> list[web.RouteDef]:
    """Return the recording API routes (under /v1) and the streamer-host routes."""
    return [
        web.get("/v1/cameras/{camera_id}/recordings/", camera_recordings),
        web.get("/v1/cameras/{camera_id}/recording/", camera_recording),
        web.get("/v1/recording/{recording_id}/", recording),
        web.get("/v1/recording/{recording_id}/timeline/", timeline),
        web.get("/v1/recording/{recording_id}/stream/", recording_stream),
        web.get("/v1/recording/{recording_id}/snapshot/", recording_snapshot),
        web.get("/v1/recording/{recording_id}/download/", recording_download),
        web.post("/v1/recording/{recording_id}/start/", start_recording),
        web.post("/v1/recording/{recording_id}/stop/", stop_recording),
        web.get("/v1/recording/stream/{streamer_name}/{streamer_id}/", deprecated_stream_info),
        web.get("/v1/cameras/{camera_id}/clips/", clips),
        web.post("/v1/cameras/{camera_id}/clips/", create_clip),
        web.get("/v1/cameras/{camera_id}/clips/{clip_id}/", clip),
        web.get("/v1/cameras/{camera_id}/clips/{clip_id}/stream/", clip_stream),
        web.post("/v1/cameras/{camera_id}/clips/{clip_id}/share/", share_clip),
        web.get("/recording/streams/{stream_id}/", stream_info),
        web.post("/recording/streams/{stream_id}/play/", stream_play),
        web.post("/recording/streams/{stream_id}/pause/", stream_pause),
        web.post("/recording/streams/{stream_id}/speed/", stream_speed),
        web.get("/streams/{stream_id}/playlist.m3u8", stream_playlist),
        web.get("/streams/{stream_id}/{index}.ts", stream_segment),
        web.get("/recording-snapshots/{recording_id}/{epoch}.jpg", snapshot_file),
        web.get("/recording-downloads/{recording_id}/", download_file),
        web.get("/clips/{clip_id}/download/", clip_file),
    ]
