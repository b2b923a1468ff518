"""Angelcam simulator: Cloud Recording, playback streams with controls, clips, real media."""

from __future__ import annotations

from datetime import timedelta
import io
import itertools
from typing import Any

from PIL import Image
import pytest

from simulator.angelcam_http import stamp

from .angelcam_support import Angel, validate_schema
from .conftest import START
from .test_angelcam_live import first_frame, in_thread


def at(**delta: float) -> str:
    """An API time relative to the test start."""
    value = stamp(START + timedelta(**delta))
    assert value is not None
    return value


async def recordings(angel: Angel, camera_id: int, space: str = "1") -> list[dict[str, Any]]:
    """List a camera's recordings."""
    reply = await angel.api.get(
        f"/v1/cameras/{camera_id}/recordings/", headers={"X-Space-Id": space}
    )
    assert reply.status == 200
    found: list[dict[str, Any]] = reply.body["results"]
    return found


async def stream(angel: Angel, recording_id: str, **params: str) -> dict[str, Any]:
    """Create a playback stream."""
    reply = await angel.api.get(f"/v1/recording/{recording_id}/stream/", params=params)
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.body
    return body


async def position(angel: Angel, controls: dict[str, str]) -> tuple[str, float]:
    """Read the stream position and speed from base_url."""
    reply = await angel.api.get(controls["base_url"], auth=False)
    return reply.body["current_position"], reply.body["speed"]


async def test_recordings_of_a_camera(angel: Angel) -> None:
    """A camera lists its recordings; without Cloud Recording the endpoints are 404."""
    continuous, event = await recordings(angel, 1)
    assert continuous["status"] == "RECORDING"
    assert continuous["retention"] == "P7D"
    assert continuous["recording_start"] == at(days=-7)
    assert event["status"] == "READY"
    assert event["recording_start"] is None
    detail = await angel.api.get(f"/v1/recording/{continuous['id']}/")
    assert detail.body == continuous
    # The deprecated singular path answers one object (not a list, whatever the guide reads).
    legacy = await angel.api.get("/v1/cameras/1/recording/")
    assert legacy.body == continuous
    missing = await angel.api.get("/v1/cameras/3/recordings/")
    assert missing.status == 404
    assert missing.body["detail"] == "Cloud Recording is not active on this camera."
    unknown = "00000000-0000-4000-8000-000000000000"
    assert (await angel.api.get(f"/v1/recording/{unknown}/")).status == 404
    shared = await recordings(angel, 5, space="2")
    assert shared[0]["status"] == "RECORDING"
    foreign = await angel.api.get(f"/v1/recording/{shared[0]['id']}/")
    assert foreign.status == 404


async def test_timeline_shows_gaps_and_stops_at_a_day(angel: Angel) -> None:
    """Segments inside the range; more than 24 hours is refused with 400."""
    [backyard] = await recordings(angel, 2)
    url = f"/v1/recording/{backyard['id']}/timeline/"
    reply = await angel.api.get(url, params={"start": at(hours=-21), "end": at(hours=-19)})
    assert reply.body == {
        "start": at(hours=-21),
        "end": at(hours=-19),
        "segments": [
            {"start": at(hours=-21), "end": at(hours=-20)},
            {"start": at(hours=-19, minutes=-40), "end": at(hours=-19)},
        ],
    }
    full_day = await angel.api.get(url, params={"start": at(hours=-24), "end": at()})
    assert len(full_day.body["segments"]) == 2
    too_long = await angel.api.get(url, params={"start": at(hours=-24, seconds=-1), "end": at()})
    assert too_long.status == 400
    assert too_long.body == {
        "title": "invalid",
        "detail": {"end": ["Maximum length of timeline is 1 day."]},
        "status": 400,
    }
    backwards = await angel.api.get(url, params={"start": at(), "end": at(hours=-1)})
    assert backwards.status == 400
    missing = await angel.api.get(url, params={"start": at()}, invalid_request=True)
    assert missing.body["detail"] == {"end": ["This field is required."]}


async def test_stream_controls_report_and_move_the_position(angel: Angel) -> None:
    """base_url reports the position; pause holds it, play resumes, speed multiplies it."""
    [continuous, _] = await recordings(angel, 1)
    body = await stream(angel, continuous["id"], start=at(hours=-1))
    assert body["format"] == "hls"
    controls = body["stream_controls"]
    assert set(controls) == {"base_url", "play", "pause", "speed"}
    assert controls["base_url"].startswith(f"{angel.origin}/recording/streams/")
    assert "base_url" not in body
    assert await position(angel, controls) == (at(hours=-1), 1)
    angel.clock.advance(10)
    assert await position(angel, controls) == (at(hours=-1, seconds=10), 1)
    assert (await angel.api.post(controls["pause"], auth=False)).status == 204
    angel.clock.advance(10)
    assert await position(angel, controls) == (at(hours=-1, seconds=10), 1)
    assert (await angel.api.post(controls["play"], auth=False)).status == 204
    angel.clock.advance(5)
    assert await position(angel, controls) == (at(hours=-1, seconds=15), 1)
    speed = await angel.api.post(controls["speed"], auth=False, body={"speed": 4})
    assert speed.status == 204
    angel.clock.advance(5)
    assert await position(angel, controls) == (at(hours=-1, seconds=35), 4)
    wrong = await angel.api.post(
        controls["speed"], auth=False, body={"speed": 3}, invalid_request=True
    )
    assert wrong.status == 400
    deprecated = await angel.api.get(body["stream_info"])
    assert deprecated.body == {"current_time": at(hours=-1, seconds=35)}
    elsewhere = await angel.api.get(body["stream_info"], headers={"X-Space-Id": "2"})
    assert elsewhere.status == 404
    backwards = await angel.api.get(
        f"/v1/recording/{continuous['id']}/stream/", params={"start": at(), "end": at(hours=-1)}
    )
    assert backwards.status == 400


async def test_position_stops_at_the_end_and_idle_streams_expire(angel: Angel) -> None:
    """With an end the position stops there; a stream nobody polls expires."""
    [continuous, _] = await recordings(angel, 1)
    body = await stream(angel, continuous["id"], start=at(hours=-1), end=at(hours=-1, seconds=30))
    angel.clock.advance(60)
    assert await position(angel, body["stream_controls"]) == (at(hours=-1, seconds=30), 1)
    angel.clock.advance(6 * 60)
    gone = await angel.api.get(body["stream_controls"]["base_url"], auth=False)
    assert gone.status == 404
    assert (await angel.api.post(body["stream_controls"]["play"], auth=False)).status == 404
    assert (await angel.api.get(body["url"], auth=False)).status == 404


async def test_playback_shapes_of_the_guide(angel: Angel) -> None:
    """PlaybackOptions add the flat control URLs and the ``current_time`` name."""
    angel.state.playback.flat_controls = True
    angel.state.playback.info_fields = ("current_position", "current_time")
    [continuous, _] = await recordings(angel, 1)
    body = await stream(angel, continuous["id"], start=at(minutes=-5))
    assert body["base_url"] == body["stream_controls"]["base_url"]
    info = await angel.api.get(body["base_url"], auth=False)
    assert info.body["current_time"] == info.body["current_position"] == at(minutes=-5)


async def test_recording_playlist_is_real_hls(angel: Angel) -> None:
    """The playback playlist is VOD H.264 that PyAV decodes; speed spaces the segments."""
    [continuous, _] = await recordings(angel, 1)
    body = await stream(angel, continuous["id"], start=at(minutes=-30))
    playlist = (await angel.api.get(body["url"], auth=False)).raw.decode()
    assert "#EXT-X-ENDLIST" in playlist
    uris = [line for line in playlist.splitlines() if not line.startswith("#")]
    assert len(uris) == 30
    assert await in_thread(lambda: first_frame(body["url"])) == (320, 180)
    await angel.api.post(body["stream_controls"]["speed"], auth=False, body={"speed": 2})
    fast = (await angel.api.get(body["url"], auth=False)).raw.decode()
    indices = [int(line[:-3]) for line in fast.splitlines() if not line.startswith("#")]
    assert {b - a for a, b in itertools.pairwise(indices)} == {2}
    stream_id = body["stream_controls"]["base_url"].rstrip("/").rsplit("/", 1)[1]
    unlisted = await angel.api.get(f"{angel.origin}/streams/{stream_id}/1.ts", auth=False)
    assert unlisted.status == 404
    bad = await angel.api.get(f"{angel.origin}/streams/{stream_id}/x.ts", auth=False)
    assert bad.status == 404


async def test_streams_skip_gaps_and_need_footage(angel: Angel) -> None:
    """A stream starting in a gap begins at the next footage; no footage at all is 404."""
    [backyard] = await recordings(angel, 2)
    body = await stream(angel, backyard["id"], start=at(hours=-50), end=at(hours=-47, minutes=-55))
    playlist = (await angel.api.get(body["url"], auth=False)).raw.decode()
    indices = [int(line[:-3]) for line in playlist.splitlines() if not line.startswith("#")]
    assert indices[0] * 2 == int((START - timedelta(hours=48)).timestamp())
    [_, event] = await recordings(angel, 1)
    none = await angel.api.get(
        f"/v1/recording/{event['id']}/stream/", params={"start": at(hours=-1)}
    )
    assert none.status == 404


async def test_recording_snapshot_and_download(angel: Angel) -> None:
    """Snapshot URL serves a JPEG; download (at most 3 h) serves MPEG-TS with a token."""
    [backyard] = await recordings(angel, 2)
    rid = backyard["id"]
    snap = await angel.api.get(f"/v1/recording/{rid}/snapshot/", params={"datetime": at(hours=-1)})
    image = await angel.api.get(snap.body["url"], auth=False)
    assert Image.open(io.BytesIO(image.raw)).format == "JPEG"
    in_gap = await angel.api.get(
        f"/v1/recording/{rid}/snapshot/", params={"datetime": at(hours=-19, minutes=-50)}
    )
    assert in_gap.status == 404
    download = await angel.api.get(
        f"/v1/recording/{rid}/download/", params={"start": at(minutes=-10), "end": at()}
    )
    media = await angel.api.get(download.body["url"], auth=False)
    assert media.headers["Content-Type"] == "video/mp2t"
    assert media.raw[0] == 0x47  # MPEG-TS sync byte
    too_long = await angel.api.get(
        f"/v1/recording/{rid}/download/", params={"start": at(hours=-4), "end": at()}
    )
    assert too_long.status == 400
    empty = await angel.api.get(
        f"/v1/recording/{rid}/download/",
        params={"start": at(hours=-19, minutes=-55), "end": at(hours=-19, minutes=-45)},
    )
    assert (await angel.api.get(empty.body["url"], auth=False)).status == 404
    broken = download.body["url"].replace("start=", "start=x")
    assert (await angel.api.get(broken, auth=False)).status == 404
    angel.clock.advance(6 * 60)
    expired = await angel.api.get(download.body["url"], auth=False)
    assert expired.status == 403
    unknown = f"{angel.origin}/recording-snapshots/00000000-0000-4000-8000-000000000000/1.jpg"
    assert (await angel.api.get(unknown, auth=False)).status == 404
    not_a_time = snap.body["url"].rsplit("/", 1)[0] + "/noon.jpg"
    assert (await angel.api.get(not_a_time, auth=False)).status == 404


async def test_event_recording_start_and_auto_stop(angel: Angel) -> None:
    """start_from captures buffered media; duration stops it; calling again extends it."""
    [_, event] = await recordings(angel, 1)
    url = f"/v1/recording/{event['id']}/"
    started = await angel.api.post(
        f"{url}start/", params={"start_from": at(seconds=-10), "duration": "60"}
    )
    assert started.status == 204
    running_now = (await angel.api.get(url)).body
    assert (running_now["status"], running_now["recording_start"]) == ("RECORDING", at(seconds=-10))
    angel.clock.advance(30)
    await angel.api.post(f"{url}start/", params={"duration": "60"})
    angel.clock.advance(45)
    assert (await angel.api.get(url)).body["status"] == "RECORDING"
    angel.clock.advance(16)
    stopped = (await angel.api.get(url)).body
    assert (stopped["status"], stopped["recording_end"]) == ("READY", at(seconds=90))
    for params in (
        {"duration": "10"},
        {"duration": "1801"},
        {"duration": "60", "stop_at": at(minutes=5)},
    ):
        bad = await angel.api.post(f"{url}start/", params=params, validate=False)
        assert bad.status == 400  # the spec declares no 400 for this operation
        validate_schema(bad.body, "Error400InvalidParams")


async def test_stop_and_start_continuous(angel: Angel) -> None:
    """stop ends the span; start without limits records until stopped."""
    [continuous, _] = await recordings(angel, 1)
    url = f"/v1/recording/{continuous['id']}/"
    assert (await angel.api.post(f"{url}stop/")).status == 204
    assert (await angel.api.post(f"{url}stop/")).status == 204
    assert (await angel.api.get(url)).body["status"] == "READY"
    angel.clock.advance(60)
    await angel.api.post(f"{url}start/", params={"stop_at": at(minutes=5)})
    await angel.api.post(f"{url}start/")
    angel.clock.advance(600)
    assert (await angel.api.get(url)).body["status"] == "RECORDING"
    timeline = await angel.api.get(
        f"{url}timeline/", params={"start": at(minutes=-5), "end": at(minutes=5)}
    )
    assert timeline.body["segments"] == [
        {"start": at(minutes=-5), "end": at()},
        {"start": at(minutes=1), "end": at(minutes=5)},
    ]


async def test_recording_pauses_while_the_camera_is_offline(angel: Angel) -> None:
    """Offline: CONNECTING and a gap; online again: RECORDING."""
    [continuous, _] = await recordings(angel, 1)
    url = f"/v1/recording/{continuous['id']}/"
    angel.state.set_camera_online(1, online=False)
    assert (await angel.api.get(url)).body["status"] == "CONNECTING"
    await angel.api.post(f"{url}start/")  # nothing to record from while offline
    assert (await angel.api.get(url)).body["status"] == "CONNECTING"
    angel.clock.advance(120)
    angel.state.set_camera_online(1, online=True)
    assert (await angel.api.get(url)).body["status"] == "RECORDING"
    angel.clock.advance(60)
    timeline = await angel.api.get(
        f"{url}timeline/", params={"start": at(minutes=-1), "end": at(minutes=3)}
    )
    assert timeline.body["segments"] == [
        {"start": at(minutes=-1), "end": at()},
        {"start": at(minutes=2), "end": at(minutes=3)},
    ]


async def test_recording_permissions(angel: Angel) -> None:
    """The shared space grants viewing recordings, not managing them or creating clips."""
    [shop] = await recordings(angel, 5, space="2")
    shared = {"X-Space-Id": "2"}
    denied = await angel.api.post(f"/v1/recording/{shop['id']}/stop/", headers=shared)
    assert denied.status == 403
    clip = await angel.api.post(
        "/v1/cameras/5/clips/",
        headers=shared,
        body={"name": "x", "start": at(minutes=-2), "end": at(minutes=-1)},
    )
    assert clip.status == 403


async def test_clip_lifecycle(angel: Angel) -> None:
    """201 PENDING, then BUILDING, then READY; the download works only when READY."""
    created = await angel.api.post(
        "/v1/cameras/1/clips/",
        body={"name": "Doorbell", "start": at(minutes=-5), "end": at(minutes=-4)},
    )
    assert created.status == 201
    clip = created.body
    assert (clip["status"], clip["created_by"], clip["name"]) == ("PENDING", 1, "Doorbell")
    url = f"/v1/cameras/1/clips/{clip['id']}/"
    assert (await angel.api.get(clip["download_url"], auth=False)).status == 404
    not_ready = await angel.api.get(f"{url}stream/", params={"start": clip["start"]})
    assert not_ready.status == 404
    angel.clock.advance(5)
    assert (await angel.api.get(url)).body["status"] == "BUILDING"
    angel.clock.advance(10)
    ready = (await angel.api.get(url)).body
    assert ready["status"] == "READY"
    media = await angel.api.get(ready["download_url"], auth=False)
    assert media.status == 200
    assert media.raw[0] == 0x47
    playback = await angel.api.get(f"{url}stream/", params={"start": at(hours=-1)})
    assert playback.status == 200
    position_now = await position(angel, playback.body["stream_controls"])
    assert position_now == (at(minutes=-5), 1)
    shared = await angel.api.post(f"{url}share/", body={"email": "friend@example.com"})
    assert shared.status == 204
    bad_share = await angel.api.post(f"{url}share/", body={"email": "nope"}, validate=False)
    assert bad_share.status == 400
    listing = await angel.api.get("/v1/cameras/1/clips/")
    assert [c["id"] for c in listing.body["results"]] == [clip["id"]]
    everyone = await angel.api.get("/v1/cameras/1/clips/", params={"created_by": "*"})
    assert everyone.body["count"] == 1
    others = await angel.api.get("/v1/cameras/1/clips/", params={"created_by": "2,3"})
    assert others.body["count"] == 0
    junk = await angel.api.get("/v1/cameras/1/clips/", params={"created_by": "me"})
    assert junk.status == 400
    assert (await angel.api.get("/v1/cameras/2/clips/" + clip["id"] + "/")).status == 404
    gone = f"{angel.origin}/clips/00000000-0000-4000-8000-000000000000/download/"
    assert (await angel.api.get(gone, auth=False)).status == 404


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {"name": "x", "start": "2026-04-21T08:00:00Z", "end": "2026-04-21T11:00:01Z"},
            "The maximum clip length is 3 hours.",
        ),
        (
            {"name": "x", "start": "2026-04-21T12:00:00Z", "end": "2026-04-21T11:00:00Z"},
            "The clip must end after it starts.",
        ),
        (
            {"name": "x", "start": "2026-04-25T00:00:00Z", "end": "2026-04-25T00:01:00Z"},
            "No recording footage exists for the requested time range.",
        ),
        (
            {
                "name": "x",
                "start": "2026-04-21T11:00:00Z",
                "end": "2026-04-21T11:01:00Z",
                "recording": "00000000-0000-4000-8000-000000000000",
            },
            "Unknown recording.",
        ),
        (
            {"start": "2026-04-21T11:00:00Z", "end": "2026-04-21T11:01:00Z"},
            "name: This field is required.",
        ),
        ({"name": "x", "end": "2026-04-21T11:01:00Z"}, "start: This field is required."),
        (
            {"name": "x", "start": "soon", "end": "2026-04-21T11:01:00Z"},
            "start: Datetime has wrong format.",
        ),
    ],
)
async def test_clip_validation(angel: Angel, body: dict[str, Any], detail: str) -> None:
    """Invalid clips answer 400 with a string detail (Error400Invalid)."""
    reply = await angel.api.post("/v1/cameras/1/clips/", body=body, invalid_request=True)
    assert reply.status == 400
    assert reply.body == {"title": "invalid", "detail": detail, "status": 400}


async def test_clips_need_cloud_recording(angel: Angel) -> None:
    """A camera without Cloud Recording has no clips."""
    assert (await angel.api.get("/v1/cameras/3/clips/")).status == 404
