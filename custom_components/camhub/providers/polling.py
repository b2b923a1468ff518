"""Plan how often a coordinator polls, inside each vendor's request budget."""

from __future__ import annotations

from datetime import timedelta
import math
from typing import Final

from .angelcam.poll import MEMBERSHIP_MAX_AGE
from .model import Snapshot

# Angelcam allows 1000 requests a day per user; polling may spend this share of it so
# that snapshots, streams and user actions always have requests left.
ANGELCAM_DAILY_REQUESTS: Final = 1000
ANGELCAM_POLLING_SHARE: Final = 0.6
# Never poll Angelcam faster than this, even for a single camera: state changes also
# arrive by webhook, and a faster poll only burns the daily budget.
ANGELCAM_MIN_INTERVAL: Final = timedelta(minutes=3)
NOVAVMS_INTERVAL: Final = timedelta(seconds=30)
# The shortest interval a user may choose in the options flow (the budget may raise it).
MIN_SCAN_INTERVAL_SECONDS: Final = 10

DAY_SECONDS = 86400
PAGE_SIZE = 100
# While webhooks deliver state changes, polling is only a safety net.
PUSH_HEALTHY_FACTOR = 4
# A provider's plan unless it says otherwise.
DEFAULT_INTERVAL: Final = timedelta(seconds=60)
MIN_SCAN_INTERVAL: Final = timedelta(seconds=MIN_SCAN_INTERVAL_SECONDS)


def slowed(interval: timedelta, push_healthy: bool) -> timedelta:
    """The interval, stretched while webhooks deliver state changes."""
    return interval * PUSH_HEALTHY_FACTOR if push_healthy else interval


def angelcam_poll_cost(snapshot: Snapshot) -> int:
    """Requests a steady Angelcam poll spends for this account's shape.

    Locations and cameras are listed page by page and the open incidents cost one
    more request (membership queries are occasional: see angelcam_poll).
    """
    location_pages = max(1, math.ceil(len(snapshot.sites) / PAGE_SIZE))
    camera_pages = max(1, math.ceil(len(snapshot.cameras) / PAGE_SIZE))
    return location_pages + camera_pages + 1


def membership_per_day(locations: int) -> float:
    """Requests a day the periodic location-membership queries take (see angelcam_poll)."""
    return locations * DAY_SECONDS / MEMBERSHIP_MAX_AGE.total_seconds()


def angelcam_min_interval(
    poll_cost: float, locations: int = 0, extra_per_day: float = 0.0
) -> timedelta:
    """The shortest interval that keeps polling within its share of the daily requests.

    The membership queries of `locations` and `extra_per_day` (health reads) are paid
    from the same share.
    """
    allowed = (
        ANGELCAM_DAILY_REQUESTS * ANGELCAM_POLLING_SHARE
        - membership_per_day(locations)
        - extra_per_day
    )
    # A space so large that membership alone eats the share still polls, at the slowest pace.
    seconds = math.ceil(poll_cost * DAY_SECONDS / max(allowed, poll_cost))
    return max(ANGELCAM_MIN_INTERVAL, timedelta(seconds=seconds))


def requests_per_day(poll_cost: float, interval: timedelta) -> float:
    """Requests a day spent by polling at `interval`."""
    return poll_cost * DAY_SECONDS / interval.total_seconds()
