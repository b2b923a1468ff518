"""NovaVMS client against the NovaVMS simulator over real HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from custom_components.camhub.providers import NovaVMSClient
from custom_components.camhub.providers.errors import (
    AuthenticationError,
    NotSupportedError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitedError,
    RequestRejectedError,
    UnavailableError,
)
from custom_components.camhub.providers.model import Capability, PushKind
from custom_components.camhub.providers.novavms.webhook import NovaWebhookVerifier
from simulator.control import SimClock
from simulator.stack import SimulatorStack
from tests.providers.conftest import Factory

JPEG = b"\xff\xd8"


def api_count(stack: SimulatorStack, prefix: str = "/api/v1/", method: str | None = None) -> int:
    """NovaVMS API requests the simulator logged."""
    return stack.log.count(vendor="novavms", path_prefix=prefix, method=method)


async def test_account_and_snapshot(
    novavms: NovaVMSClient, creds: dict[str, Any], stack: SimulatorStack
) -> None:
    account = await novavms.async_fetch_account()
    assert account.account_id == creds["novavms"]["org_id"]
    assert account.unique_id == f"novavms:{creds['novavms']['org_id']}"
    before = api_count(stack)
    snapshot = await novavms.async_fetch_snapshot_state()
    assert api_count(stack) - before == 3, "sites, gateways, cameras: one page each"
    assert snapshot.account == account
    assert len(snapshot.sites) == 2
    assert len(snapshot.cameras) == 6
    assert snapshot.gateways
    camera = next(iter(snapshot.cameras.values()))
    assert camera.capabilities == {
        Capability.CLIP_TRIGGER,
        Capability.EVENTS,
        Capability.EVENT_MEDIA,
        Capability.STATUS_DETAIL,
        Capability.EVENT_ACK,
    }
    assert camera.site_id in snapshot.sites
    assert camera.id in snapshot.sites[camera.site_id].camera_ids
    assert {c.id for c in await novavms.async_fetch_cameras(camera.site_id)} == set(
        snapshot.sites[camera.site_id].camera_ids
    )
    assert (await novavms.async_fetch_camera(camera.id)).name == camera.name
    assert {s.id for s in await novavms.async_fetch_sites()} == set(snapshot.sites)
    assert {g.id for g in await novavms.async_fetch_gateways()} == set(snapshot.gateways)


async def test_cursor_pages_and_offline_state(
    novavms: NovaVMSClient, stack: SimulatorStack
) -> None:
    state = stack.novavms.state
    site = next(iter(state.sites))
    for number in range(150):
        state.add_camera(f"Extra {number}", site, None, connection_mode="direct")
    first = next(iter(state.cameras))
    state.set_camera_status(first, "offline")
    cameras = await novavms.async_fetch_cameras()
    assert len(cameras) == 156
    assert api_count(stack, "/api/v1/cameras") == 2, "100 + 56 by cursor"
    assert next(c for c in cameras if c.id == first).online is False


async def test_trigger_clip_budget_and_vendor_limit(
    novavms: NovaVMSClient, stack: SimulatorStack, clock: SimClock
) -> None:
    camera = next(iter(stack.novavms.state.cameras))
    other = list(stack.novavms.state.cameras)[1]
    trigger = await novavms.async_trigger_clip(camera, duration=99, note="door")
    assert trigger.camera_id == camera
    assert trigger.event_id is not None
    assert trigger.expected_duration == 60, "duration is clamped to 5-60 s"
    with pytest.raises(RateLimitedError) as caught:
        await novavms.async_trigger_clip(camera)
    assert caught.value.retry_after == pytest.approx(5)
    assert api_count(stack, "/api/v1/cameras/", "POST") == 1, "refused locally, never sent"
    await novavms.async_trigger_clip(other, duration=1)  # another camera is not held
    clock.advance(5)
    last = await novavms.async_trigger_clip(camera)
    events = await novavms.async_fetch_events(camera_id=camera, since=clock() - timedelta(hours=1))
    ours = {e.id: e.kind for e in events if e.id in {trigger.event_id, last.event_id}}
    assert ours == {trigger.event_id: "manual", last.event_id: "manual"}


async def test_vendor_trigger_429_holds_only_that_camera(
    make_novavms: Factory[NovaVMSClient], stack: SimulatorStack
) -> None:
    camera = next(iter(stack.novavms.state.cameras))
    first, second = make_novavms("operator"), make_novavms("admin")
    await first.async_trigger_clip(camera)
    with pytest.raises(RateLimitedError, match="rate_limited") as caught:
        await second.async_trigger_clip(camera)
    assert caught.value.retry_after == 5, "Retry-After header"
    assert second.budget.wait_time(("trigger", camera)) == pytest.approx(5)
    assert second.budget.wait_time() == 0
    await second.async_fetch_sites()


async def test_events_acknowledge_alerts(
    novavms: NovaVMSClient, stack: SimulatorStack, clock: SimClock
) -> None:
    state = stack.novavms.state
    camera = next(iter(state.cameras))
    site = state.cameras[camera].site_id
    fired = state.fire_event(camera, "motion")
    events = await novavms.async_fetch_events(site_id=site, limit=100)
    assert fired.id in {e.id for e in events}
    event = await novavms.async_fetch_event(fired.id)
    assert (event.kind, event.acknowledged, event.camera_id) == ("motion", False, camera)
    assert "Signature" not in repr(event)
    await novavms.async_acknowledge_event(fired.id)
    assert (await novavms.async_fetch_event(fired.id)).acknowledged is True
    alerts = await novavms.async_fetch_alerts()
    assert fired.id in {a.event_id for a in alerts}
    assert await novavms.async_fetch_alerts(status="resolved") == []
    image = await novavms.async_camera_image(camera)
    assert image.startswith(JPEG)
    quiet = state.add_camera("Quiet", site, None, connection_mode="direct")
    with pytest.raises(NotSupportedError, match="no event snapshot"):
        await novavms.async_camera_image(quiet.id)


async def test_webhooks_and_signed_push(
    novavms: NovaVMSClient,
    stack: SimulatorStack,
    clock: SimClock,
    hook_server: tuple[str, list[tuple[bytes, dict[str, str]]]],
) -> None:
    url, received = hook_server
    webhook = await novavms.async_create_webhook(name="camhub", url=url)
    assert webhook.secret is not None
    assert webhook.secret not in repr(webhook)
    listed = await novavms.async_fetch_webhooks()
    assert [(w.id, w.secret) for w in listed] == [(webhook.id, None)]
    state = stack.novavms.state
    camera = next(iter(state.cameras))
    state.set_camera_status(camera, "offline")
    state.fire_event(camera, "motion")
    state.signature_header = "X-NovaVMS-Signature"
    state.set_camera_status(camera, "online")
    await state.drain()
    verifier = NovaWebhookVerifier(webhook.secret, now=clock)
    kinds = [verifier.verify(body, headers).kind for body, headers in received]
    assert sorted(kinds) == sorted(
        [PushKind.CAMERA_STATUS, PushKind.EVENT, PushKind.ALERT, PushKind.CAMERA_STATUS]
    )
    with pytest.raises(RequestRejectedError, match="validation_error"):
        await novavms.async_create_webhook(name="x", url=url, event_types=("event.created",))


@pytest.mark.parametrize("style", ["flat", "nested"])
async def test_both_error_envelopes(
    make_novavms: Factory[NovaVMSClient], stack: SimulatorStack, style: str
) -> None:
    stack.novavms.state.error_style = style
    bad = make_novavms("sk_live_wrong")
    with pytest.raises(AuthenticationError) as caught:
        await bad.async_fetch_sites()
    assert "auth" in str(caught.value) or "token" in str(caught.value)
    assert "sk_live_wrong" not in str(caught.value)
    viewer = make_novavms("viewer")
    camera = next(iter(stack.novavms.state.cameras))
    with pytest.raises(PermissionDeniedError, match=r"(?i)forbidden"):
        await viewer.async_trigger_clip(camera)
    with pytest.raises(RequestRejectedError, match=r"(?i)not_found") as missing:
        await viewer.async_fetch_event("nope")
    assert (missing.value.code or "").lower() == "not_found"


async def test_bucket_429_and_rate_headers(
    make_novavms: Factory[NovaVMSClient], stack: SimulatorStack, clock: SimClock
) -> None:
    state = stack.novavms.state
    state.burst = 3
    state.error_style = "mixed"
    client = make_novavms("admin")
    await client.async_fetch_sites()
    assert client.budget.remaining_minute == 2, "X-RateLimit-Remaining lowers what is left"
    await client.async_fetch_sites()
    await client.async_fetch_sites()
    # The server said 0 remaining: the client waits for X-RateLimit-Reset itself.
    with pytest.raises(RateLimitedError, match="budget"):
        await client.async_fetch_sites()
    assert api_count(stack) == 3
    other = make_novavms("admin")
    with pytest.raises(RateLimitedError, match="RATE_LIMITED") as caught:
        await other.async_fetch_sites()
    assert caught.value.retry_after >= 1
    clock.advance(60)
    await client.async_fetch_sites()


async def test_transport_faults(
    novavms: NovaVMSClient, make_novavms: Factory[NovaVMSClient], stack: SimulatorStack
) -> None:
    faults = stack.novavms.faults
    faults.add("status5xx", count=1)
    with pytest.raises(UnavailableError, match="HTTP 503"):
        await novavms.async_fetch_sites()
    faults.add("malformed_json", count=1)
    with pytest.raises(ProtocolError, match="not valid JSON"):
        await novavms.async_fetch_sites()
    faults.add("truncated", count=1)
    with pytest.raises(UnavailableError, match="ClientPayloadError"):
        await novavms.async_fetch_gateways()
    faults.add("timeout", count=1, delay=30)
    with pytest.raises(UnavailableError, match="timed out"):
        await make_novavms(timeout=0.2).async_fetch_sites()
    await novavms.async_fetch_sites()


def test_repr_hides_key(novavms: NovaVMSClient, creds: dict[str, Any]) -> None:
    assert creds["novavms"]["api_keys"]["operator"] not in repr(novavms)


async def test_account_without_visible_sites_uses_a_key_fingerprint(
    make_novavms: Factory[NovaVMSClient], stack: SimulatorStack
) -> None:
    stack.novavms.state.add_key("nowhere", "viewer", "sk_live_nowhere", site_ids=[])
    client = make_novavms("sk_live_nowhere")
    account = await client.async_fetch_account()
    assert account.account_id.startswith("key-")
    assert "nowhere" not in account.account_id
    assert account == await client.async_fetch_account(), "stable"
