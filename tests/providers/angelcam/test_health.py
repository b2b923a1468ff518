"""AngelcamHealth without Home Assistant: restore, pushes, the daily share, recordings."""

from __future__ import annotations

from datetime import UTC, datetime

from custom_components.camhub.providers.angelcam.health import (
    DAY,
    HEALTH_DAILY_REQUESTS,
    MIN_REFRESH_AGE,
    AngelcamHealth,
    refresh_age,
)
from custom_components.camhub.providers.interface import KnownDevice
from custom_components.camhub.providers.model import (
    ARROW_DEVICE_PREFIX,
    Account,
    PushKind,
    PushMessage,
    Recording,
    Snapshot,
    primary_recording,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
UUID = "arrow-1"


def _snapshot() -> Snapshot:
    account = Account(vendor="angelcam", account_id="1", name="Alice")
    return Snapshot(account=account, sites={}, cameras={}, fetched_at=NOW)


def _push(uuid: object, *, online: bool | None, cameras: tuple[str, ...] = ()) -> PushMessage:
    return PushMessage(
        vendor="angelcam",
        kind=PushKind.ARROW_STATUS,
        sent_at=None,
        online=online,
        affected_camera_ids=cameras,
        data={"arrow_client_id": uuid, "mac_address": "aa:bb"},
    )


def _recording(rid: str, *, active: bool) -> Recording:
    return Recording(
        id=rid,
        camera_id="7",
        status="recording" if active else "stopped",
        retention=None,
        deactivated_at=None if active else NOW,
        start=None,
        end=None,
    )


def test_refresh_age_stretches_with_the_items() -> None:
    assert refresh_age(1) == MIN_REFRESH_AGE
    assert refresh_age(HEALTH_DAILY_REQUESTS * 2) == DAY * 2


def test_nothing_read_costs_nothing() -> None:
    assert AngelcamHealth().per_day == 0.0


def test_restored_devices_come_back_on_the_first_push() -> None:
    health = AngelcamHealth()
    health.restore(
        [
            KnownDevice(kind="hub", item_id="account", name="Angelcam Alice", parent=None),
            KnownDevice(
                kind="arrow_client", item_id=UUID, name=f"{ARROW_DEVICE_PREFIX}aa:bb", parent=None
            ),
            KnownDevice(kind="camera", item_id="7", name="Garage", parent=("arrow_client", UUID)),
            KnownDevice(kind="camera", item_id="8", name="Yard", parent=("hub", "account")),
        ]
    )
    # A push for another client: the restored one and its camera stay known.
    assert health.apply_push(_push("arrow-2", online=False), NOW)
    snapshot = health.apply(_snapshot())
    restored = snapshot.arrow_clients[UUID]
    assert (restored.mac, restored.online, restored.camera_ids) == ("aa:bb", None, ("7",))
    pushed = snapshot.arrow_clients["arrow-2"]
    assert (pushed.mac, pushed.online, pushed.status) == ("aa:bb", False, "offline")


def test_a_push_names_the_cameras_behind_a_client() -> None:
    health = AngelcamHealth()
    assert health.apply_push(_push(UUID, online=True, cameras=("7", "8")), NOW)
    assert health.apply_push(_push(UUID, online=None), NOW)
    client = health.apply(_snapshot()).arrow_clients[UUID]
    assert (client.online, client.status, client.camera_ids) == (None, None, ("7", "8"))


def test_other_pushes_are_not_health() -> None:
    health = AngelcamHealth()
    assert not health.apply_push(_push(42, online=True), NOW)
    other = PushMessage(vendor="angelcam", kind=PushKind.CAMERA_STATUS, sent_at=None)
    assert not health.apply_push(other, NOW)
    assert health.apply(_snapshot()).arrow_clients == {}


def test_primary_recording() -> None:
    stopped, active = _recording("1", active=False), _recording("2", active=True)
    assert primary_recording([stopped, active]) is active
    assert primary_recording([stopped]) is stopped
    assert primary_recording([]) is None
