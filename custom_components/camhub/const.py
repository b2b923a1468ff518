"""Constants shared across the CamHub integration."""

from datetime import timedelta
from enum import StrEnum
from typing import Final

DOMAIN: Final = "camhub"
NAME: Final = "CamHub"


class StreamFormat(StrEnum):
    """Live-view format the user prefers when a camera offers several."""

    AUTO = "auto"
    HLS = "hls"
    MJPEG = "mjpeg"


# Entry data keys that are not Home Assistant standard names.
CONF_VENDOR: Final = "vendor"
CONF_SPACE_ID: Final = "space_id"
CONF_USER_ID: Final = "user_id"

# Option keys.
CONF_SCAN_INTERVAL: Final = "scan_interval"
CONF_STREAM_FORMAT: Final = "stream_format"
CONF_LOCATIONS: Final = "locations"
CONF_SITES: Final = "sites"
# Not stored: the options flow sends a device's ICE servers to it (its live_config feature).
CONF_ICE_SERVERS: Final = "ice_servers"

ANGELCAM_API_URL: Final = "https://api.angelcam.com/v1"
OPENCAMERA_DEFAULT_PORT: Final = 8000

# The longest interval a user may choose in the options flow (providers/polling.py has
# the shortest).
MAX_SCAN_INTERVAL_SECONDS: Final = 3600

# Snapshots fetched within this window are served from memory; concurrent requests
# for one camera share a single upstream fetch.
SNAPSHOT_CACHE_TTL: Final = timedelta(seconds=10)
# Refresh a tokenised stream URL this long before the token expires.
STREAM_URL_REFRESH_MARGIN: Final = timedelta(seconds=30)
# Angelcam cameras with cloud recording record this long when the button is pressed.
RECORD_CLIP_DURATION: Final = timedelta(seconds=60)
# NovaVMS manual trigger: the clip length requested (the API accepts 5-60 s).
TRIGGER_CLIP_DURATION: Final = timedelta(seconds=30)

# Push (webhooks). Entry data keys: the Home Assistant webhook, its Nabu Casa cloudhook,
# the vendor-side object that points at it, and the secret its deliveries are signed with.
CONF_WEBHOOK_ID: Final = "webhook_id"
CONF_CLOUDHOOK_URL: Final = "cloudhook_url"
CONF_PUSH_TARGET_ID: Final = "push_target_id"
CONF_PUSH_SECRET: Final = "push_secret"  # noqa: S105 - a key name, not a secret
# Option: a NovaVMS webhook secret the user pastes when the key may not read or create one.
CONF_WEBHOOK_SECRET: Final = "webhook_secret"  # noqa: S105 - a key name, not a secret
# Deliveries are small JSON documents; anything larger is refused unread.
PUSH_MAX_BODY: Final = 64 * 1024
# Polling slows while a verified push arrived within this window.
PUSH_HEALTHY_WINDOW: Final = timedelta(hours=6)
# Bus event fired for an Angelcam incident or a NovaVMS alert.
EVENT_INCIDENT: Final = "camhub_incident"
