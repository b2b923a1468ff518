"""Angelcam simulator: webhook deliveries, their fields and JWT signatures (checked with PyJWT)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass
import hashlib
import json
from typing import Any

import aiohttp
import jwt
import pytest

from simulator.angelcam_model import User
from simulator.angelcam_rts import Message, Notification, NotificationMethod, Rule
from simulator.angelcam_webhooks import WebhookDispatcher, checksum
from simulator.control import SimClock

from .angelcam_support import Angel, Receiver, Serve, running
from .conftest import START

KEY = "test-signature-key-0123456789abcdef0123456789"


@dataclass
class Hooked:
    """A simulator with one HTTP notification method pointing at a receiver."""

    angel: Angel
    receiver: Receiver
    method_id: int

    async def rule(self, message_type: str, **extra: Any) -> dict[str, Any]:
        """Create a rule for this method."""
        reply = await self.angel.api.post(
            "/v1/rts/notifications/rules/",
            body={"notification_method": self.method_id, "message_type": message_type, **extra},
        )
        body: dict[str, Any] = reply.body
        return body

    async def payloads(self) -> list[dict[str, Any]]:
        """Wait for deliveries in flight; return the bodies the receiver got."""
        await self.angel.state.webhooks.drain()
        return [json.loads(call.body) for call in self.receiver.calls]


async def hooked(angel: Angel, serve: Serve, http_method: str = "POST") -> Hooked:
    """Serve a receiver and register it as an HTTP method with a known key."""
    receiver = Receiver()
    receiver.url = await serve(receiver.app())
    method = await angel.api.post(
        "/v1/rts/notifications/methods/",
        body={
            "type": "http",
            "url": f"{receiver.url}/hook",
            "http_method": http_method,
            "signature_private_key": KEY,
        },
    )
    return Hooked(angel, receiver, method.body["id"])


@pytest.fixture
async def hook(
    serve: Serve, session: aiohttp.ClientSession, clock: SimClock
) -> AsyncIterator[Hooked]:
    """The demo scenario with a webhook receiver."""
    async with running(serve, session, clock) as angel:
        yield await hooked(angel, serve)


def claims(token: str, body: bytes) -> dict[str, Any]:
    """Verify the signature with PyJWT (HS256 only) and the checksum; return the claims."""
    decoded: dict[str, Any] = jwt.decode(
        token,
        KEY,
        algorithms=["HS256"],
        # The simulated clock is not the real one; the time window is checked by the caller.
        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
    )
    assert decoded["csm"] == base64.b64encode(hashlib.sha256(body).digest()).decode()
    return decoded


async def test_motion_incident_is_delivered_signed(hook: Hooked) -> None:
    """A motion incident in an armed location POSTs the guide's fields with a valid JWT."""
    await hook.rule("my_incident")
    hook.angel.state.fire_motion(1)  # disarmed: no incident, no delivery
    _, incident = hook.angel.state.fire_motion(4)
    assert incident is not None
    [payload] = await hook.payloads()
    assert payload == {
        "user_name": "Alice Novak",
        "user_email": "alice@example.com",
        "title": "Motion detected",
        "short_description": "Your sensor with name Garage detected motion.",
        "long_description": (
            "Your sensor with name Garage detected motion. Find out more in My Angelcam."
        ),
        "incident_id": incident.id,
        "incident_category": "motion",
        "sensor_name": "Garage",
        "incident_false_alarm": None,
    }
    call = hook.receiver.calls[0]
    assert call.method == "POST"
    assert call.headers["Content-Type"] == "application/json"
    decoded = claims(call.headers["X-Angelcam-Signature"], call.body)
    iat = int(START.timestamp())
    assert decoded == {
        "iat": iat,
        "nbf": iat - 60,
        "exp": iat + 120,
        "ver": 1,
        "csm": checksum(call.body),
    }
    assert jwt.get_unverified_header(call.headers["X-Angelcam-Signature"])["alg"] == "HS256"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(call.headers["X-Angelcam-Signature"], "x" * 40, algorithms=["HS256"])
    tampered = call.body.replace(b"Garage", b"Gar4ge")
    assert claims(call.headers["X-Angelcam-Signature"], call.body)["csm"] != checksum(tampered)
    async with hook.angel.api.session.get(f"{hook.angel.control}/webhooks") as response:
        log = await response.json()
    assert [d["message_type"] for d in log["deliveries"]] == ["my_incident"]
    delivery = hook.angel.state.webhooks.deliveries[0]
    assert (delivery.delivered, delivery.attempts, delivery.status) == (True, 1, 200)


async def test_signature_verifies_against_real_time(
    serve: Serve, session: aiohttp.ClientSession
) -> None:
    """On a real-time clock PyJWT's own exp/nbf/iat checks pass too."""
    async with running(serve, session, SimClock()) as angel:
        hook = await hooked(angel, serve)
        await hook.rule("arming")
        angel.state.set_arming(1, armed=True)
        await hook.payloads()
        call = hook.receiver.calls[0]
        decoded = jwt.decode(
            call.headers["X-Angelcam-Signature"],
            KEY,
            algorithms=["HS256"],
            options={"require": ["iat", "nbf", "exp"]},
        )
        assert decoded["exp"] - decoded["nbf"] == 180


async def test_camera_status_respects_allowed_cameras(hook: Hooked) -> None:
    """camera_status rules fire only for the allowed cameras."""
    await hook.rule("camera_status_offline", allowed_cameras=[2])
    await hook.rule("camera_status_online")
    hook.angel.state.set_camera_online(1, online=False)
    hook.angel.state.set_camera_online(2, online=False)
    hook.angel.state.set_camera_online(2, online=False)  # no change, no message
    hook.angel.state.set_camera_online(2, online=True)
    payloads = await hook.payloads()
    assert [(p["camera_id"], p["online"]) for p in payloads] == [(2, False), (2, True)]
    assert payloads[0]["camera_name"] == "Backyard"
    assert payloads[0]["title"] == "Camera offline"


async def test_arming_changes_are_delivered(hook: Hooked) -> None:
    """Arming through the API and from outside both notify, with action and invoker."""
    await hook.rule("arming")
    await hook.angel.api.post("/v1/rts/arm/", params={"location_id": "1"})
    reply = await hook.angel.api.session.post(
        f"{hook.angel.control}/arming",
        json={"location_id": 1, "armed": False, "invoker": "Schedule"},
    )
    assert reply.status == 200
    assert await reply.json() == {"changed": True}
    payloads = await hook.payloads()
    assert [(p["action"], p["invoker"]) for p in payloads] == [
        ("arm", "Alice Novak"),
        ("disarm", "Schedule"),
    ]


async def test_delayed_arming_notifies_when_it_happens(hook: Hooked) -> None:
    """A delayed arm notifies once the clock passes the delay, not before."""
    await hook.rule("arming")
    await hook.angel.api.post("/v1/rts/arm/", params={"location_id": "1", "delay": "60"})
    assert await hook.payloads() == []
    hook.angel.clock.advance(60)
    await hook.angel.api.get("/v1/locations/1/")
    assert [p["action"] for p in await hook.payloads()] == ["arm"]


async def test_arrow_client_status(hook: Hooked) -> None:
    """Arrow client status carries its ids and the cameras behind it; rules filter clients."""
    uuid = "6f1c2a8e-4d1b-4c57-9a0e-3b2f7d9c1e55"
    await hook.rule("arrow_status_offline", allowed_arrow_clients=[uuid])
    await hook.rule(
        "arrow_status_online", allowed_arrow_clients=["00000000-0000-4000-8000-000000000000"]
    )
    hook.angel.state.set_arrow_online(uuid, online=False)
    hook.angel.state.set_arrow_online(uuid, online=True)
    [payload] = await hook.payloads()
    assert payload["arrow_client_id"] == uuid
    assert payload["angelbox_id"] == 301
    assert payload["mac_address"] == "12:34:56:78:9a:bc"
    assert payload["online"] is False
    assert payload["affected_cameras"] == [4]


async def test_http_method_is_honoured(
    serve: Serve, session: aiohttp.ClientSession, clock: SimClock
) -> None:
    """A method configured with PUT receives PUT requests."""
    async with running(serve, session, clock) as angel:
        hook = await hooked(angel, serve, http_method="PUT")
        await hook.rule("camera_status_offline")
        angel.state.set_camera_online(1, online=False)
        await hook.payloads()
        assert [c.method for c in hook.receiver.calls] == ["PUT"]


async def test_retries_are_bounded(hook: Hooked) -> None:
    """Failures are retried up to three attempts; each attempt is signed afresh."""
    await hook.rule("camera_status_offline")
    hook.receiver.fail_first = 2
    hook.angel.state.set_camera_online(1, online=False)
    await hook.payloads()
    first = hook.angel.state.webhooks.deliveries[-1]
    assert (first.attempts, first.delivered, first.status) == (3, True, 200)
    hook.receiver.fail_first = 100
    hook.angel.state.set_camera_online(2, online=False)
    await hook.payloads()
    second = hook.angel.state.webhooks.deliveries[-1]
    assert (second.attempts, second.delivered, second.status) == (3, False, 500)
    assert len(hook.receiver.calls) == 6


async def test_unreachable_receiver(hook: Hooked) -> None:
    """Connection errors are recorded and retried like failures."""
    await hook.angel.api.put(
        f"/v1/rts/notifications/methods/{hook.method_id}/",
        body={"type": "http", "url": "http://127.0.0.1:9/hook"},
    )
    await hook.rule("camera_status_offline")
    hook.angel.state.set_camera_online(1, online=False)
    await hook.payloads()
    delivery = hook.angel.state.webhooks.deliveries[-1]
    assert delivery.attempts == 3
    assert not delivery.delivered
    assert delivery.error is not None
    assert delivery.error.startswith("Client")


async def test_email_methods_are_logged_not_sent(hook: Hooked) -> None:
    """Email methods appear in the delivery log; nothing is sent over HTTP."""
    email = await hook.angel.api.post(
        "/v1/rts/notifications/methods/", body={"type": "email", "email": "alice@example.com"}
    )
    await hook.angel.api.post(
        "/v1/rts/notifications/rules/",
        body={"notification_method": email.body["id"], "message_type": "camera_status_offline"},
    )
    hook.angel.state.set_camera_online(1, online=False)
    await hook.payloads()
    log = await (await hook.angel.api.session.post(f"{hook.angel.control}/webhooks/drain")).json()
    [entry] = log["deliveries"]
    assert entry["channel"] == "email"
    assert entry["target"] == "alice@example.com"
    assert entry["payload"]["camera_id"] == 1
    assert hook.receiver.calls == []


def notification(url: str) -> Notification:
    """A hand-made notification to an unreachable receiver."""
    user = User(1, "a@example.com", "A", "B", "pat", "bearer")
    message = Message(1, 1, "arming", START, "t", "s", "l")
    rule = Rule(1, 1, 1, "arming")
    method = NotificationMethod(1, 1, "http", "m", url=url, signature_private_key=KEY)
    return Notification(user, message, rule, method, {"title": "t"})


def test_deliveries_fired_outside_a_loop_wait_for_drain() -> None:
    """Fired from synchronous code, a delivery waits until the next drain()."""
    dispatcher = WebhookDispatcher(SimClock(START), max_attempts=1, retry_delay=0)
    dispatcher(notification("http://127.0.0.1:9/"))
    assert dispatcher.deliveries[0].attempts == 0

    async def drain() -> None:
        await dispatcher.drain()
        await dispatcher.close()

    asyncio.run(drain())
    assert dispatcher.deliveries[0].attempts == 1
    assert not dispatcher.deliveries[0].delivered


async def test_close_cancels_deliveries_in_flight(serve: Serve) -> None:
    """Closing stops retries in progress."""
    receiver = Receiver(fail_first=100)
    receiver.url = await serve(receiver.app())
    dispatcher = WebhookDispatcher(SimClock(START), retry_delay=30)
    dispatcher(notification(receiver.url))
    await receiver.arrived.wait()
    await dispatcher.close()
    assert dispatcher.deliveries[0].attempts == 1
    assert not dispatcher.deliveries[0].delivered
