"""End to end: every live view kind plays, every card has a picture, offline shows at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from homeassistant.components.camera.const import CameraEntityFeature

from demo.stack import DASHBOARD, DemoStack

from .conftest import (
    ARTEFACTS,
    angelcam_pushes_registered,
    by_domain,
    screenshot,
    states,
)

CAMERAS_VIEW = ARTEFACTS / "cameras.png"
# The Angelcam call a poll starts with (the account's camera list).
POLL_PATH = "/v1/cameras/"


def _streams(camera: dict[str, Any]) -> bool:
    return bool(camera["attributes"].get("supported_features", 0) & CameraEntityFeature.STREAM)


def _first(cameras: list[dict[str, Any]], brand: str, *, streams: bool) -> str:
    return str(
        next(
            c["entity_id"]
            for c in cameras
            if c["attributes"].get("brand") == brand
            and c["state"] != "unavailable"
            and _streams(c) is streams
        )
    )


async def test_live_views_play_and_every_card_has_a_picture(demo: DemoStack) -> None:
    cameras = by_domain(await states(demo), "camera")
    hls = _first(cameras, "Angelcam", streams=True)
    mjpeg = _first(cameras, "Angelcam", streams=False)
    webrtc = _first(cameras, "OpenCamera", streams=True)
    # Taken offline at the end: an online Angelcam camera none of the live views uses.
    world = demo.simulators.scenario.angelcam.world
    target = next(
        c
        for c in cameras
        if c["attributes"].get("brand") == "Angelcam"
        and c["state"] != "unavailable"
        and c["entity_id"] not in {hls, mjpeg}
    )
    name = target["attributes"]["friendly_name"]
    target_id = next(cid for cid, cam in world.cameras.items() if cam.name == name)
    post = f"{demo.simulators.angelcam.control}/cameras/{target_id}/offline"
    # The change has to arrive by push: every Angelcam entry has registered first.
    await angelcam_pushes_registered(demo)

    result = await screenshot(
        demo,
        f"{DASHBOARD}/cameras",
        CAMERAS_VIEW,
        {"live": [hls, webrtc, mjpeg], "offline": {"post": post, "entity": target["entity_id"]}},
    )

    # Every camera card shows a real picture (varied pixels: a frame, the newest recorded
    # frame of an OpenCamera device, or the "no picture yet" drawing), OpenCamera and the
    # NovaVMS cameras without events included. Home Assistant itself answers 503 for the
    # picture of an unavailable camera; its card says "Unavailable" instead.
    images = {img["entity"]: img for img in result["images"]}
    unavailable = {c["entity_id"] for c in cameras if c["state"] == "unavailable"}
    assert set(images) == {c["entity_id"] for c in cameras}
    for entity_id, image in images.items():
        if entity_id in unavailable:
            continue
        assert image["w"] > 0, image
        assert image["spread"] > 5, image
    assert any(c["attributes"].get("brand") == "OpenCamera" for c in cameras)

    # Each live view kind plays in the more-info dialog opened from its card.
    live = result["live"]
    for entity_id, kind in ((hls, "hls"), (webrtc, "webrtc")):
        video = live[entity_id]["video"]
        assert video is not None, (entity_id, live[entity_id])
        assert video["kind"] == kind
        assert video["ready"] >= 2, video  # HAVE_CURRENT_DATA: frames are decoded
        assert video["w"] > 0, video
        assert video["later"] > video["time"], video  # and it plays on
    stream = live[mjpeg]["mjpeg"]
    assert stream is not None, live[mjpeg]
    assert stream["w"] > 0, stream
    assert stream["laterHash"] != stream["hash"], stream  # a live picture changes

    # The simulator takes a camera offline: its card says so without waiting for a poll.
    offline = result["offline"]
    assert offline["status"] == 200
    assert offline["state"] == "unavailable", offline
    assert "unavailable" in offline["card"].lower(), offline
    posted = datetime.fromtimestamp(offline["posted"] / 1000, UTC)
    seen = datetime.fromtimestamp(offline["seen"] / 1000, UTC)
    polls = [
        r
        for r in demo.simulators.log.select("angelcam", method="GET")
        if r.path == POLL_PATH and posted <= r.timestamp <= seen
    ]
    assert polls == [], offline
