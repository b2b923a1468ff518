"""Angelcam simulator: auth, space context, errors, pagination and the account endpoints."""

from __future__ import annotations

import aiohttp
import pytest

from simulator.control import SimClock

from .angelcam_support import Angel, Serve, running


def error(reply_body: dict[str, object], status: int, title: str) -> None:
    """Assert the Angelcam error body."""
    assert reply_body["status"] == status
    assert reply_body["title"] == title
    assert isinstance(reply_body["detail"], str | dict)


async def test_personal_access_token_and_bearer_authenticate(angel: Angel) -> None:
    """Both documented schemes identify the same user."""
    user = angel.state.world.users[1]
    pat = await angel.api.get("/v1/me/")
    bearer = await angel.api.get(
        "/v1/me/", auth=False, headers={"Authorization": f"Bearer {user.bearer_token}"}
    )
    assert pat.status == bearer.status == 200
    assert pat.body["id"] == bearer.body["id"] == 1
    assert pat.body["email"] == "alice@example.com"
    assert pat.body["root_site"] == 1
    assert pat.body["total_cameras_count"] == 6


@pytest.mark.parametrize(
    "header",
    [None, "PersonalAccessToken wrong", "Token angelcam-pat-demo-1", "Bearer angelcam-pat-demo-1"],
)
async def test_bad_credentials_answer_401(angel: Angel, header: str | None) -> None:
    """Missing, unknown or mis-schemed tokens are refused with the error body."""
    headers = {} if header is None else {"Authorization": header}
    reply = await angel.api.get("/v1/cameras/", auth=False, headers=headers)
    assert reply.status == 401
    error(reply.body, 401, "not_authenticated")


async def test_paths_need_a_trailing_slash(angel: Angel) -> None:
    """Without the slash the API answers 404 with the JSON error body."""
    reply = await angel.api.get("/v1/cameras", validate=False)
    assert reply.status == 404
    error(reply.body, 404, "not_found")
    assert reply.headers["Content-Type"].startswith("application/json")


async def test_wrong_method_answers_405(angel: Angel) -> None:
    """A known path with an unsupported method."""
    reply = await angel.api.request("DELETE", "/v1/me/", validate=False)
    assert reply.status == 405
    error(reply.body, 405, "method_not_allowed")


async def test_spaces_and_permissions(angel: Angel) -> None:
    """Spaces list as a plain array; permissions show the grants of each space."""
    spaces = await angel.api.get("/v1/spaces/")
    assert spaces.body == [
        {"id": 1, "name": "Novak family", "is_default": True},
        {"id": 2, "name": "Marek shop", "is_default": False},
    ]
    own = await angel.api.get("/v1/spaces/1/permissions/")
    assert own.body == {
        "assignments": [{"permission": "space.admin", "location_id": None, "camera_id": None}]
    }
    shared = await angel.api.get("/v1/spaces/2/permissions/")
    slugs = {a["permission"] for a in shared.body["assignments"]}
    assert "location.arming" not in slugs
    assert {a["location_id"] for a in shared.body["assignments"]} == {4}
    detail = await angel.api.get("/v1/spaces/2/")
    assert detail.body == {"id": 2, "name": "Marek shop", "is_default": False}
    missing = await angel.api.get("/v1/spaces/99/", validate=False)
    assert missing.status == 404
    assert (await angel.api.get("/v1/spaces/99/permissions/", validate=False)).status == 404


async def test_space_header_selects_the_space(angel: Angel) -> None:
    """X-Space-Id switches the context per request; the default space is used without it."""
    default = await angel.api.get("/v1/cameras/")
    assert [c["id"] for c in default.body["results"]] == [1, 2, 3, 4]
    shared = await angel.api.get("/v1/cameras/", headers={"X-Space-Id": "2"})
    assert [c["id"] for c in shared.body["results"]] == [5, 6]
    stranger = await angel.api.get("/v1/cameras/", headers={"X-Space-Id": "77"})
    assert stranger.status == 403
    error(stranger.body, 403, "permission_denied")
    garbage = await angel.api.get("/v1/me/", headers={"X-Space-Id": "x"}, validate=False)
    assert garbage.status == 400
    assert garbage.body["detail"] == {"X-Space-Id": ["A valid integer is required."]}


async def test_camera_detail_fields(angel: Angel) -> None:
    """A camera carries status, streams, snapshot, live snapshot and applications."""
    reply = await angel.api.get("/v1/cameras/1/")
    camera = reply.body
    assert camera["status"] == "online"
    assert [s["format"] for s in camera["streams"]] == ["hls", "mjpeg"]
    assert "token=" in camera["streams"][0]["url"]
    assert camera["live_snapshot"].startswith(f"{angel.origin}/stream/1/snapshot.jpg?")
    assert camera["snapshot"]["url"].startswith(f"{angel.origin}/snapshots/1/")
    assert {"code": "CRA"} in camera["applications"]
    mjpeg_only = await angel.api.get("/v1/cameras/3/")
    assert [s["format"] for s in mjpeg_only.body["streams"]] == ["mjpeg"]
    assert mjpeg_only.body["type"] == "mjpeg"


async def test_camera_query_parameters_shape_stream_urls(angel: Angel) -> None:
    """refresh_rate, max_width/height and stream_expires_at reach the stream URLs."""
    reply = await angel.api.get(
        "/v1/cameras/1/",
        params={
            "refresh_rate": "0.5",
            "max_width": "320",
            "max_height": "200",
            "stream_expires_at": "2999-12-12T00:00:00Z",
        },
    )
    hls, mjpeg = reply.body["streams"]
    assert mjpeg["refresh_rate"] == 0.5
    assert "max_width=320" in mjpeg["url"]
    assert "expires_at=" in hls["url"]
    assert "max_height=200" in reply.body["live_snapshot"]
    bad = await angel.api.get(
        "/v1/cameras/1/", params={"refresh_rate": "fast"}, invalid_request=True
    )
    assert bad.status == 400
    assert bad.body["detail"] == {"refresh_rate": ["A valid number is required."]}
    bad_time = await angel.api.get(
        "/v1/cameras/1/", params={"stream_expires_at": "soon"}, invalid_request=True
    )
    assert bad_time.status == 400


async def test_camera_filters(angel: Angel) -> None:
    """ids, tags, location_id and has_guests filter the list."""
    by_ids = await angel.api.get("/v1/cameras/", params={"ids": "2,4,99"})
    assert [c["id"] for c in by_ids.body["results"]] == [2, 4]
    by_tags = await angel.api.get("/v1/cameras/", params={"tags": "indoor,nothing"})
    assert [c["id"] for c in by_tags.body["results"]] == [3, 4]
    by_location = await angel.api.get("/v1/cameras/", params={"location_id": "2"})
    assert [c["id"] for c in by_location.body["results"]] == [4]
    guests = await angel.api.get("/v1/cameras/", params={"has_guests": "true"})
    assert guests.body["count"] == 0
    bad = await angel.api.get("/v1/cameras/", params={"ids": "a,b"}, invalid_request=True)
    assert bad.status == 400


async def test_unknown_or_foreign_camera_is_404(angel: Angel) -> None:
    """Cameras of another space, or unknown ids, are not found."""
    assert (await angel.api.get("/v1/cameras/5/")).status == 404
    assert (await angel.api.get("/v1/cameras/999/")).status == 404
    assert (await angel.api.get("/v1/cameras/abc/", validate=False)).status == 404


async def test_pagination_links(angel: Angel) -> None:
    """limit/offset pages with absolute next/previous URLs that walk the whole list."""
    first = await angel.api.get("/v1/cameras/", params={"limit": "3"})
    assert first.body["count"] == 4
    assert first.body["previous"] is None
    assert first.body["next"] == f"{angel.origin}/v1/cameras/?limit=3&offset=3"
    second = await angel.api.get(first.body["next"])
    assert [c["id"] for c in second.body["results"]] == [4]
    assert second.body["next"] is None
    assert second.body["previous"] == f"{angel.origin}/v1/cameras/?limit=3"
    middle = await angel.api.get("/v1/cameras/", params={"limit": "1", "offset": "2"})
    assert middle.body["previous"] == f"{angel.origin}/v1/cameras/?limit=1&offset=1"
    zero = await angel.api.get("/v1/cameras/", params={"offset": "0"}, invalid_request=True)
    assert zero.body["count"] == 4
    for bad in ({"limit": "0"}, {"limit": "many"}, {"offset": "-1"}):
        reply = await angel.api.get("/v1/cameras/", params=bad, invalid_request=True)
        assert reply.status == 400
        assert reply.body["title"] == "invalid"


async def test_large_scenario_pages_of_100(
    serve: Serve, session: aiohttp.ClientSession, clock: SimClock
) -> None:
    """A page holds at most 100 items; following next visits all 420 cameras once."""
    async with running(serve, session, clock, "large") as angel:
        seen: list[int] = []
        url: str | None = "/v1/cameras/?limit=500"
        pages = 0
        while url:
            reply = await angel.api.get(url)
            assert len(reply.body["results"]) <= 100
            seen += [c["id"] for c in reply.body["results"]]
            url = reply.body["next"]
            pages += 1
        assert pages == 5
        assert sorted(seen) == list(range(1, 421))
        assert angel.log.count(vendor="angelcam", path_prefix="/v1/cameras/") == 5


async def test_empty_scenario(
    serve: Serve, session: aiohttp.ClientSession, clock: SimClock
) -> None:
    """A user with one space, a root location and no cameras."""
    async with running(serve, session, clock, "empty") as angel:
        cameras = await angel.api.get("/v1/cameras/")
        assert cameras.body == {"count": 0, "next": None, "previous": None, "results": []}
        locations = await angel.api.get("/v1/locations/")
        assert [loc["name"] for loc in locations.body["results"]] == ["Root"]
        me = await angel.api.get("/v1/me/")
        assert me.body["total_cameras_count"] == 0


async def test_locations(angel: Angel) -> None:
    """Locations list and detail with arming state and camera counts."""
    listing = await angel.api.get("/v1/locations/")
    assert [
        (loc["name"], loc["is_armed"], loc["cameras_count"]) for loc in listing.body["results"]
    ] == [
        ("House", False, 3),
        ("Garage", True, 1),
    ]
    detail = await angel.api.get("/v1/locations/2/")
    assert detail.body["name"] == "Garage"
    assert (await angel.api.get("/v1/locations/3/")).status == 404
    shared = await angel.api.get("/v1/locations/", headers={"X-Space-Id": "2"})
    assert [loc["name"] for loc in shared.body["results"]] == ["Shop floor"]


async def test_arrow_clients(angel: Angel) -> None:
    """Arrow clients list (MAC filter in any format) and detail with status."""
    listing = await angel.api.get("/v1/arrow-clients/", params={"mac": "12-34-56-78-9A-BC"})
    assert listing.body["count"] == 1
    uuid = listing.body["results"][0]["uuid"]
    none = await angel.api.get("/v1/arrow-clients/", params={"mac": "00:00:00:00:00:00"})
    assert none.body["count"] == 0
    detail = await angel.api.get(f"/v1/arrow-clients/{uuid}/")
    assert detail.body["status"] == "online"
    angel.state.set_arrow_online(uuid, online=False)
    detail = await angel.api.get(f"/v1/arrow-clients/{uuid}/")
    assert detail.body["status"] == "offline"
    garage = await angel.api.get("/v1/cameras/4/")
    assert garage.body["status"] == "offline"
    missing = await angel.api.get(
        "/v1/arrow-clients/00000000-0000-4000-8000-000000000000/", validate=False
    )
    assert missing.status == 404


async def test_camera_scoped_grant(angel: Angel) -> None:
    """A grant on one camera shows that camera only."""
    from simulator.angelcam_model import Assignment, Membership

    angel.state.world.memberships[(2, 1)] = Membership(
        2, 1, is_default=False, assignments=[Assignment("camera.view", 1, 2)]
    )
    bob = angel.state.world.users[2].personal_access_token
    reply = await angel.api.get(
        "/v1/cameras/", auth=False, headers={**angel.api.auth(bob), "X-Space-Id": "1"}
    )
    assert [c["id"] for c in reply.body["results"]] == [2]
    locations = await angel.api.get(
        "/v1/locations/", auth=False, headers={**angel.api.auth(bob), "X-Space-Id": "1"}
    )
    assert locations.body["count"] == 0


async def test_user_without_default_space_or_root(angel: Angel) -> None:
    """No default space and no header: 403; /me/ leaves out an unknown root_site."""
    del angel.state.world.root_location[1]
    me = await angel.api.get("/v1/me/")
    assert "root_site" not in me.body
    for membership in angel.state.world.memberships_of(1):
        membership.is_default = False
    reply = await angel.api.get("/v1/me/")
    assert reply.status == 403
    assert reply.body["detail"] == "You are not a member of any space."


async def test_stored_snapshot_refreshes_daily(angel: Angel) -> None:
    """snapshot.created_at stays until the stored image is a day old."""
    first = (await angel.api.get("/v1/cameras/1/")).body["snapshot"]
    angel.clock.advance(3600)
    assert (await angel.api.get("/v1/cameras/1/")).body["snapshot"] == first
    angel.clock.advance(86400)
    later = (await angel.api.get("/v1/cameras/1/")).body["snapshot"]
    assert later["created_at"] == "2026-04-22T13:00:00.000Z"


async def test_broadcasting_starts_and_stops(angel: Angel) -> None:
    """The Broadcasting service's state moves with start/stop (204, empty body)."""
    assert angel.state.world.cameras[1].broadcasting is not None
    info = await angel.api.get("/v1/cameras/1/broadcasting/")
    assert info.body == {"enabled": False, "public_page": False, "streams": None}
    started = await angel.api.post("/v1/cameras/1/broadcasting/start/")
    assert (started.status, started.raw) == (204, b"")
    assert (await angel.api.get("/v1/cameras/1/broadcasting/")).body["enabled"] is True
    stopped = await angel.api.post("/v1/cameras/1/broadcasting/stop/")
    assert stopped.status == 204
    assert (await angel.api.get("/v1/cameras/1/broadcasting/")).body["enabled"] is False


async def test_broadcasting_needs_the_service_and_the_permission(angel: Angel) -> None:
    """Without the service every broadcasting endpoint is 404; switching needs the grant."""
    from simulator.angelcam_model import Assignment, Membership

    for path in ("", "start/", "stop/"):
        method = angel.api.post if path else angel.api.get
        reply = await method(f"/v1/cameras/2/broadcasting/{path}")
        error(reply.body, 404, "not_found")
    angel.state.world.memberships[(2, 1)] = Membership(
        2, 1, is_default=False, assignments=[Assignment("camera.view", 1, 1)]
    )
    bob = {**angel.api.auth(angel.state.world.users[2].personal_access_token), "X-Space-Id": "1"}
    seen = await angel.api.get("/v1/cameras/1/broadcasting/", auth=False, headers=bob)
    assert seen.status == 200
    refused = await angel.api.post("/v1/cameras/1/broadcasting/start/", auth=False, headers=bob)
    error(refused.body, 403, "permission_denied")
    assert angel.state.world.cameras[1].broadcasting.enabled is False
