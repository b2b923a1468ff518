"""Shared push helpers every vendor's apply() uses (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from custom_components.camhub.providers.errors import ProviderError
from custom_components.camhub.providers.model import Account, Camera, Snapshot
from custom_components.camhub.providers.push import (
    ISSUE_NEEDS_SECRET,
    PushOutcome,
    PushTarget,
    PushUnavailableError,
    camera_named,
    set_online,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _snapshot(*cameras: Camera) -> Snapshot:
    return Snapshot(
        account=Account(vendor="fake", account_id="a", name="A"),
        sites={},
        cameras={camera.id: camera for camera in cameras},
        fetched_at=NOW,
    )


def _camera(camera_id: str, name: str, *, online: bool | None = True) -> Camera:
    status = "online" if online else "offline"
    return Camera(id=camera_id, name=name, online=online, status=status, capabilities=frozenset())


def test_set_online_changes_only_what_differs() -> None:
    snapshot = _snapshot(_camera("c1", "Door"), _camera("c2", "Yard", online=False))
    result = set_online(snapshot, ["c1", "c2", "gone"], online=False)
    assert result is not None
    changed, devices = result
    assert devices == (("camera", "c1"),)
    assert changed.cameras["c1"].online is False
    assert changed.cameras["c1"].status == "offline"
    assert changed.cameras["c2"] is snapshot.cameras["c2"]
    assert set_online(changed, ["c1", "c2"], online=False) is None


def test_camera_named_only_when_unique() -> None:
    snapshot = _snapshot(_camera("c1", "Door"), _camera("c2", "Yard"), _camera("c3", "Yard"))
    found = camera_named(snapshot, "Door")
    assert found is not None
    assert found.id == "c1"
    assert camera_named(snapshot, "Yard") is None
    assert camera_named(snapshot, None) is None


def test_push_unavailable_is_a_provider_error_with_its_issue() -> None:
    err = PushUnavailableError(ISSUE_NEEDS_SECRET, url="https://x")
    assert isinstance(err, ProviderError)
    assert (err.issue, err.placeholders) == ("push_needs_secret", {"url": "https://x"})


def test_target_hides_its_secret_and_outcome_defaults_to_nothing() -> None:
    assert "s3cret" not in repr(PushTarget("https://x", "t1", "s3cret"))
    outcome = PushOutcome()
    assert (outcome.snapshot, outcome.devices, outcome.events, outcome.incidents) == (
        None,
        (),
        (),
        (),
    )
