"""Diagnostics of an entry: what was polled and planned, with every secret removed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict
import re
from typing import Any

from homeassistant.const import (
    CONF_ACCESS_TOKEN,
    CONF_API_KEY,
    CONF_HOST,
    CONF_PASSWORD,
    CONF_USERNAME,
)
from homeassistant.core import HomeAssistant

from .const import CONF_CLOUDHOOK_URL, CONF_PUSH_SECRET, CONF_WEBHOOK_ID, CONF_WEBHOOK_SECRET
from .data import CamHubConfigEntry
from .providers.redact import MASK, redact
from .push import PushChannel

# Values that identify or unlock an account; their keys are masked wherever they appear.
REDACTED_KEYS = frozenset(
    {
        CONF_ACCESS_TOKEN,
        CONF_API_KEY,
        CONF_PASSWORD,
        CONF_USERNAME,
        CONF_HOST,
        "email",
        # Whoever knows the webhook id may post to it; the secrets sign deliveries.
        CONF_WEBHOOK_ID,
        CONF_CLOUDHOOK_URL,
        CONF_PUSH_SECRET,
        CONF_WEBHOOK_SECRET,
    }
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _scrub(value: Any, secrets: Iterable[str]) -> Any:
    """Mask secret keys, secret values, tokenised URLs and e-mail addresses, recursively."""
    if isinstance(value, Mapping):
        return {
            str(key): MASK if key in REDACTED_KEYS else _scrub(item, secrets)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [_scrub(item, secrets) for item in items]
    if isinstance(value, str):
        return _EMAIL.sub(MASK, redact(value, secrets))
    if value is None or isinstance(value, bool | int | float):
        return value
    return _scrub(str(value), secrets)


def _push(push: PushChannel | None) -> dict[str, Any] | None:
    """Whether the vendor delivers to us, what arrived and what was refused."""
    if push is None:
        return None
    seen = push.coordinator.push_seen_at
    return {
        "registered": push.url is not None,
        "problem": push.problem.issue if push.problem is not None else None,
        "accepted": push.accepted,
        "refused": push.refused,
        "last_push": seen.isoformat() if seen is not None else None,
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: CamHubConfigEntry
) -> dict[str, Any]:
    """The entry, its options, the last poll and the polling plan."""
    data = entry.runtime_data
    coordinator = data.coordinator
    stored = {**entry.data, **entry.options}
    secrets = [str(v) for k, v in stored.items() if k in REDACTED_KEYS and v]
    snapshot = coordinator.data
    budget = data.connection.budget.status()
    report = {
        "entry": {"data": dict(entry.data), "options": dict(entry.options)},
        "polling": {
            "update_interval": str(coordinator.update_interval),
            "poll_cost": coordinator.poll_cost,
            "last_update_success": coordinator.last_update_success,
            "push_healthy": coordinator.push_healthy,
            "budget": asdict(budget),
        },
        "push": _push(data.push),
        "snapshot": {
            "fetched_at": snapshot.fetched_at.isoformat(),
            "sites": [asdict(site) for site in snapshot.sites.values()],
            "gateways": [asdict(gateway) for gateway in snapshot.gateways.values()],
            "cameras": [asdict(camera) for camera in snapshot.cameras.values()],
        },
        "motion": {
            camera_id: until.isoformat()
            for camera_id in sorted(coordinator.motion.cameras())
            if (until := coordinator.motion.until(camera_id)) is not None
        },
    }
    return dict(_scrub(report, secrets))
