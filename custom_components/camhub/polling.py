"""Plan how often a coordinator polls, inside each vendor's request budget."""

from __future__ import annotations

from datetime import timedelta
import math

from .angelcam_poll import MEMBERSHIP_MAX_AGE
from .const import (
    ANGELCAM_DAILY_REQUESTS,
    ANGELCAM_MIN_INTERVAL,
    ANGELCAM_POLLING_SHARE,
    MIN_SCAN_INTERVAL_SECONDS,
    NOVAVMS_INTERVAL,
    OPENCAMERA_INTERVAL,
)
from .providers.model import Snapshot, Vendor

DAY_SECONDS = 86400
PAGE_SIZE = 100
# While webhooks deliver state changes, polling is only a safety net.
PUSH_HEALTHY_FACTOR = 4


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


def default_interval(
    vendor: Vendor,
    poll_cost: float,
    locations: int = 0,
    *,
    push_healthy: bool = False,
    extra_per_day: float = 0.0,
) -> timedelta:
    """The interval a coordinator uses when the user did not choose one."""
    match vendor:
        case Vendor.ANGELCAM:
            interval = angelcam_min_interval(poll_cost, locations, extra_per_day)
        case Vendor.NOVAVMS:
            interval = NOVAVMS_INTERVAL
        case _:
            interval = OPENCAMERA_INTERVAL
    return interval * PUSH_HEALTHY_FACTOR if push_healthy else interval


def minimum_interval(
    vendor: Vendor, poll_cost: float, locations: int = 0, extra_per_day: float = 0.0
) -> timedelta:
    """The shortest interval a user may choose (the budget's floor for Angelcam)."""
    if vendor is Vendor.ANGELCAM:
        return angelcam_min_interval(poll_cost, locations, extra_per_day)
    return timedelta(seconds=MIN_SCAN_INTERVAL_SECONDS)
