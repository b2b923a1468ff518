"""Angelcam simulator: RTS settings, arming, incidents, events, messages, methods and rules."""

from __future__ import annotations

from typing import Any

import pytest

from .angelcam_support import Angel, validate_schema


async def location(angel: Angel, location_id: int, space: str = "1") -> dict[str, Any]:
    """Fetch a location through the validating client."""
    reply = await angel.api.get(f"/v1/locations/{location_id}/", headers={"X-Space-Id": space})
    body: dict[str, Any] = reply.body
    return body


async def test_settings(angel: Angel) -> None:
    """incident_ttl reads and updates; other values are refused."""
    settings = await angel.api.get("/v1/rts/")
    assert settings.body == {
        "incident_ttl": "PT5M",
        "is_armed": True,
        "next_arming": None,
        "next_disarming": None,
    }
    updated = await angel.api.put("/v1/rts/", body={"incident_ttl": "PT1M"})
    assert updated.body["incident_ttl"] == "PT1M"
    unchanged = await angel.api.put("/v1/rts/", body={})
    assert unchanged.body == updated.body
    assert (await angel.api.get("/v1/rts/")).body["incident_ttl"] == "PT1M"
    bad = await angel.api.put("/v1/rts/", body={"incident_ttl": "PT2M"}, invalid_request=True)
    assert bad.status == 400
    assert bad.body["detail"] == {"incident_ttl": ['"PT2M" is not a valid choice.']}
    junk = await angel.api.request(
        "PUT", "/v1/rts/", headers={"Content-Type": "application/json"}, validate=False
    )
    assert junk.status == 400


async def test_arm_and_disarm_now(angel: Angel) -> None:
    """Query parameters select the location; 204 with an empty body."""
    armed = await angel.api.post("/v1/rts/arm/", params={"location_id": "1"})
    assert armed.status == 204
    assert armed.raw == b""
    assert (await location(angel, 1))["is_armed"] is True
    await angel.api.post("/v1/rts/disarm/", params={"location_id": "1", "delay": "0"})
    assert (await location(angel, 1))["is_armed"] is False


async def test_arming_delay_follows_the_clock(angel: Angel) -> None:
    """With a delay the state moves only once the simulated time has passed."""
    await angel.api.post("/v1/rts/arm/", params={"location_id": "1", "delay": "30"})
    pending = await location(angel, 1)
    assert pending["is_armed"] is False
    assert pending["next_arming"] == "2026-04-21T12:00:30.000Z"
    assert (await angel.api.get("/v1/rts/")).body["next_arming"] == "2026-04-21T12:00:30.000Z"
    angel.clock.advance(29)
    assert (await location(angel, 1))["is_armed"] is False
    angel.clock.advance(1)
    done = await location(angel, 1)
    assert done["is_armed"] is True
    assert done["next_arming"] is None
    await angel.api.post("/v1/rts/disarm/", params={"location_id": "1", "delay": "10"})
    assert (await location(angel, 1))["next_disarming"] == "2026-04-21T12:00:40.000Z"
    angel.state.advance(10)
    assert (await location(angel, 1))["is_armed"] is False


async def test_arm_without_location_arms_every_armable_location(angel: Angel) -> None:
    """No location_id: every location the caller may arm."""
    await angel.api.post("/v1/rts/arm/")
    listing = await angel.api.get("/v1/locations/")
    assert all(loc["is_armed"] for loc in listing.body["results"])


async def test_arming_needs_the_permission(angel: Angel) -> None:
    """In the shared space the user may view but not arm: 403, state unchanged."""
    shared = {"X-Space-Id": "2"}
    reply = await angel.api.post("/v1/rts/disarm/", params={"location_id": "4"}, headers=shared)
    assert reply.status == 403
    assert reply.body["title"] == "permission_denied"
    assert (await location(angel, 4, "2"))["is_armed"] is True
    assert (await angel.api.post("/v1/rts/disarm/", headers=shared)).status == 403
    other_space = await angel.api.post("/v1/rts/arm/", params={"location_id": "4"})
    assert other_space.status == 403
    bob = angel.state.world.users[2].personal_access_token
    owner = await angel.api.post(
        "/v1/rts/disarm/", params={"location_id": "4"}, auth=False, headers=angel.api.auth(bob)
    )
    assert owner.status == 204


async def test_motion_in_armed_location_opens_incident(angel: Angel) -> None:
    """Motion always records an event; only an armed location turns it into an incident."""
    angel.state.fire_motion(1)  # House is disarmed
    assert (await angel.api.get("/v1/rts/incidents/")).body["count"] == 0
    angel.state.fire_motion(4)  # Garage is armed
    incidents = await angel.api.get("/v1/rts/incidents/")
    assert incidents.body["count"] == 1
    incident = incidents.body["results"][0]
    assert incident["event_count"] == 1
    assert incident["closed_at"] is None
    assert incident["snapshot"]["url"].startswith(f"{angel.origin}/snapshots/4/")
    detail = await angel.api.get(f"/v1/rts/incidents/{incident['id']}/")
    assert detail.body == incident
    assert (await angel.api.get("/v1/rts/incidents/999/")).status == 404
    events = await angel.api.get("/v1/cameras/1/events/")
    assert events.body["results"][0]["occurred_at"] == "2026-04-21T12:00:00.000Z"
    assert events.body["count"] == 6


async def test_incident_ttl_groups_events_and_closes(angel: Angel) -> None:
    """Events within the TTL join the open incident; after the TTL it closes."""
    await angel.api.put("/v1/rts/", body={"incident_ttl": "PT1M"})
    angel.state.fire_motion(4)
    angel.clock.advance(30)
    angel.state.fire_motion(4)
    first = (await angel.api.get("/v1/rts/incidents/")).body["results"][0]
    assert first["event_count"] == 2
    angel.clock.advance(61)
    closed = (await angel.api.get(f"/v1/rts/incidents/{first['id']}/")).body
    assert closed["closed_at"] == "2026-04-21T12:01:30.000Z"
    angel.state.fire_motion(4)
    listing = await angel.api.get("/v1/rts/incidents/")
    assert listing.body["count"] == 2
    assert [i["id"] for i in listing.body["results"]] == [first["id"] + 1, first["id"]]
    ascending = await angel.api.get("/v1/rts/incidents/", params={"ordering": "asc"})
    assert [i["id"] for i in ascending.body["results"]] == [first["id"], first["id"] + 1]
    recent = await angel.api.get(
        "/v1/rts/incidents/",
        params={"start": "2026-04-21T12:01:00Z", "end": "2099-01-01T00:00:00Z"},
    )
    assert recent.body["count"] == 1
    bad = await angel.api.get("/v1/rts/incidents/", params={"ordering": "up"}, invalid_request=True)
    assert bad.status == 400


async def test_shared_space_incidents(angel: Angel) -> None:
    """A guest with location.notifications.incident sees the shared location's incidents."""
    angel.state.fire_motion(5)
    shared = await angel.api.get("/v1/rts/incidents/", headers={"X-Space-Id": "2"})
    assert shared.body["count"] == 1
    assert (await angel.api.get("/v1/rts/incidents/")).body["count"] == 0


async def test_events_page_forward_with_next(angel: Angel) -> None:
    """Events: newest first, start/end filters, forward-only next links."""
    first = await angel.api.get("/v1/cameras/2/events/", params={"limit": "2"})
    assert first.body["count"] == 5
    assert first.body["previous"] is None
    times = [e["occurred_at"] for e in first.body["results"]]
    following = first.body["next"]
    while following:
        page = await angel.api.get(following)
        times += [e["occurred_at"] for e in page.body["results"]]
        following = page.body["next"]
    assert times == sorted(times, reverse=True)
    assert len(times) == 5
    window = await angel.api.get(
        "/v1/cameras/2/events/",
        params={"start": "2026-04-21T06:00:00Z", "end": "2026-04-21T10:30:00Z"},
    )
    assert [e["occurred_at"] for e in window.body["results"]] == [
        "2026-04-21T10:00:00.000Z",
        "2026-04-21T07:00:00.000Z",
    ]
    bad = await angel.api.get(
        "/v1/cameras/2/events/", params={"start": "yesterday"}, invalid_request=True
    )
    assert bad.status == 400
    assert bad.body["detail"] == {"start": ["Datetime has wrong format."]}
    assert (await angel.api.get("/v1/cameras/5/events/")).status == 404


async def test_messages_inbox(angel: Angel) -> None:
    """Scenario events fill the inbox; cursor paging, detail, read flags and counters."""
    angel.state.fire_motion(4)
    angel.state.set_camera_online(2, online=False)
    angel.state.set_arming(1, armed=True)
    inbox = await angel.api.get("/v1/rts/messages/", params={"limit": "2"})
    assert inbox.body["count"] == 3
    assert [m["type"] for m in inbox.body["results"]] == ["arming", "camera_status_offline"]
    rest = await angel.api.get(inbox.body["next"])
    assert [m["type"] for m in rest.body["results"]] == ["my_incident"]
    assert rest.body["next"] is None
    incident_message = rest.body["results"][0]
    assert incident_message["image"].startswith(f"{angel.origin}/snapshots/4/")
    assert incident_message["show_detail"] is True
    assert "read_at" not in incident_message
    unread = await angel.api.get("/v1/rts/messages/unread-count/")
    assert unread.body == {"unread_count": 3}
    read = await angel.api.put(
        f"/v1/rts/messages/{incident_message['id']}/", body={"is_read": True}
    )
    assert read.body["is_read"] is True
    assert read.body["read_at"] == "2026-04-21T12:00:00.000Z"
    detail = await angel.api.get(f"/v1/rts/messages/{incident_message['id']}/")
    assert detail.body == read.body
    marked = await angel.api.post("/v1/rts/messages/set-all-read/")
    assert marked.body == {"set_as_read_count": 2}
    assert (await angel.api.get("/v1/rts/messages/unread-count/")).body == {"unread_count": 0}
    assert (await angel.api.get("/v1/rts/messages/999/")).status == 404
    bad_cursor = await angel.api.get(
        "/v1/rts/messages/", params={"next": "x"}, invalid_request=True
    )
    assert bad_cursor.status == 400
    bad_flag = await angel.api.put(
        f"/v1/rts/messages/{incident_message['id']}/", body={"is_read": "yes"}, validate=False
    )
    assert bad_flag.status == 400  # not declared by the spec for this operation
    validate_schema(bad_flag.body, "Error400InvalidParams")


async def test_notification_methods(angel: Angel) -> None:
    """HTTP and email methods: create answers 200, list, get, update; the key comes back."""
    http = await angel.api.post(
        "/v1/rts/notifications/methods/",
        body={"type": "http", "url": "http://127.0.0.1:9/hook", "name": "HA"},
    )
    assert http.status == 200
    assert http.body["http_method"] == "POST"
    assert http.body["arrow_client"] is None
    assert len(http.body["signature_private_key"]) >= 32
    email = await angel.api.post(
        "/v1/rts/notifications/methods/", body={"type": "email", "email": "a@example.com"}
    )
    assert email.body == {
        "id": email.body["id"],
        "name": "",
        "type": "email",
        "email": "a@example.com",
    }
    listing = await angel.api.get("/v1/rts/notifications/methods/", params={"offset": "0"})
    assert [m["type"] for m in listing.body["results"]] == ["http", "email"]
    method_id = http.body["id"]
    updated = await angel.api.put(
        f"/v1/rts/notifications/methods/{method_id}/",
        body={
            "type": "http",
            "url": "https://example.com/x",
            "http_method": "PUT",
            "signature_private_key": "k" * 40,
            "arrow_client": "6f1c2a8e-4d1b-4c57-9a0e-3b2f7d9c1e55",
        },
    )
    assert updated.body["url"] == "https://example.com/x"
    assert updated.body["signature_private_key"] == "k" * 40
    assert updated.body["name"] == "HA"
    fetched = await angel.api.get(f"/v1/rts/notifications/methods/{method_id}/")
    assert fetched.body == updated.body
    bob = angel.state.world.users[2].personal_access_token
    foreign = await angel.api.get(
        f"/v1/rts/notifications/methods/{method_id}/", auth=False, headers=angel.api.auth(bob)
    )
    assert foreign.status == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "sms"}, "type"),
        ({"type": "http", "url": "ftp://x"}, "url"),
        ({"type": "http", "url": "http://x", "http_method": "DELETE"}, "http_method"),
        ({"type": "http", "url": "http://x", "arrow_client": "nope"}, "arrow_client"),
        ({"type": "http", "url": "http://x", "name": 5}, "name"),
        ({"type": "http", "url": "http://x", "signature_private_key": 5}, "signature_private_key"),
        ({"type": "email", "email": "nobody"}, "email"),
    ],
)
async def test_method_validation(angel: Angel, body: dict[str, Any], field: str) -> None:
    """Invalid method bodies answer 400 naming the field."""
    reply = await angel.api.post("/v1/rts/notifications/methods/", body=body, invalid_request=True)
    assert reply.status == 400
    assert list(reply.body["detail"]) == [field]


async def test_notification_rules(angel: Angel) -> None:
    """Rules: create (200), list, get, update; the method must be the caller's."""
    method = await angel.api.post(
        "/v1/rts/notifications/methods/", body={"type": "http", "url": "http://127.0.0.1:9/"}
    )
    rule = await angel.api.post(
        "/v1/rts/notifications/rules/",
        body={
            "notification_method": method.body["id"],
            "message_type": "camera_status_offline",
            "allowed_cameras": [1, 2],
        },
    )
    assert rule.status == 200
    assert rule.body["allowed_arrow_clients"] == []
    listing = await angel.api.get("/v1/rts/notifications/rules/")
    assert listing.body["results"] == [rule.body]
    updated = await angel.api.put(
        f"/v1/rts/notifications/rules/{rule.body['id']}/",
        body={"notification_method": method.body["id"], "message_type": "my_incident"},
    )
    assert updated.body["message_type"] == "my_incident"
    assert updated.body["allowed_cameras"] == []
    assert (await angel.api.get(f"/v1/rts/notifications/rules/{rule.body['id']}/")).body == (
        updated.body
    )
    assert (await angel.api.get("/v1/rts/notifications/rules/99/")).status == 404
    for bad in (
        {"notification_method": 999, "message_type": "arming"},
        {"notification_method": method.body["id"], "message_type": "motion"},
        {
            "notification_method": method.body["id"],
            "message_type": "arming",
            "allowed_cameras": ["1"],
        },
        {
            "notification_method": method.body["id"],
            "message_type": "arming",
            "allowed_arrow_clients": [1],
        },
    ):
        reply = await angel.api.post("/v1/rts/notifications/rules/", body=bad, invalid_request=True)
        assert reply.status == 400, bad
    not_json = await angel.api.post(
        "/v1/rts/notifications/rules/", body=[1, 2], invalid_request=True
    )
    assert not_json.status == 400
