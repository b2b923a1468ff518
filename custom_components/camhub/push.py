"""The push channel of one entry: its Home Assistant webhook, checks on every delivery, health.

A delivery is answered at once: content type, size and signature are checked in the request
(so forgeries get their status code), then the change it reports is applied in a background
task. Nothing unverified reaches the coordinator. Refusals are logged as a warning at most
once per reason every REFUSAL_LOG_EVERY (then at debug level), since anyone may post to a
public URL as often as they like.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus
import logging
import math
from typing import Any, Final

from aiohttp import ClientError, web
from aiohttp.hdrs import METH_POST
from homeassistant.components import webhook
from homeassistant.const import (
    CONTENT_TYPE_JSON,
    EVENT_CORE_CONFIG_UPDATE,
    EVENT_HOMEASSISTANT_STOP,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import CONF_PUSH_SECRET, CONF_PUSH_TARGET_ID, CONF_WEBHOOK_ID, DOMAIN, PUSH_MAX_BODY
from .coordinator import CamHubCoordinator
from .data import CamHubConfigEntry
from .providers.errors import (
    AuthenticationError,
    ProtocolError,
    ProviderError,
    RateLimitedError,
    ReplayedDeliveryError,
    SignatureError,
)
from .providers.model import PushKind, PushMessage
from .providers.push import PushSupport, PushVerifier
from .push_apply import PushEffects
from .push_vendor import (
    ISSUE_FAILING,
    ISSUE_NEEDS_SECRET,
    PushUnavailableError,
    async_report,
    async_vendor_target,
)

_LOGGER = logging.getLogger(__name__)

REFUSAL_LOG_EVERY: Final = timedelta(minutes=10)
# A registration that failed for a passing reason (vendor down, bad answer) is tried again
# after each of these waits in turn, then every last one; success starts over.
REGISTER_BACKOFF: Final = (
    timedelta(seconds=30),
    timedelta(minutes=1),
    timedelta(minutes=2),
    timedelta(minutes=5),
    timedelta(minutes=15),
)
REGISTER_RETRY: Final = REGISTER_BACKOFF[-1]
# A poll older than this when push starts may have missed changes that no push carried.
CATCH_UP_AFTER: Final = timedelta(seconds=10)
# What a delivery that arrives during a registration attempt is told to wait for.
PENDING_RETRY_AFTER: Final = REGISTER_BACKOFF[0]
_READ_CHUNK: Final = 16 * 1024
# A status or arming message carries no id or time: one refused as a repeat may be the
# state really going back (offline, online, offline), so the API is asked (debounced).
_STATUS_KINDS: Final = frozenset({PushKind.CAMERA_STATUS, PushKind.ARROW_STATUS, PushKind.ARMING})


class RefusalLog:
    """Logs a refused delivery as a warning once per reason and period, else at debug."""

    def __init__(self, now: Callable[[], datetime] = dt_util.utcnow) -> None:
        """Nothing logged yet."""
        self._now = now
        self._last: dict[str, datetime] = {}

    def log(self, name: str, status: int, reason: str, remote: str | None) -> None:
        """Record one refusal with its status and a secret-free reason."""
        now = self._now()
        last = self._last.get(reason)
        level = logging.DEBUG
        if last is None or now - last >= REFUSAL_LOG_EVERY:
            self._last[reason] = now
            level = logging.WARNING
        _LOGGER.log(level, "%s: push refused (%s) from %s: %s", name, status, remote, reason)


@dataclass(slots=True)
class _Seen:
    """An entry's verifier for one secret: it holds the replay guard of what it accepted."""

    secret: str
    verifier: PushVerifier


DATA_SEEN: HassKey[dict[str, _Seen]] = HassKey(f"{DOMAIN}_push_seen")


async def _read_limited(request: web.Request, limit: int) -> bytes | None:
    """The body, or None when it is longer than `limit` (read no further than that)."""
    # Taken once: a cloudhook's MockRequest hands out a new reader on every access.
    stream = request.content
    chunks: list[bytes] = []
    size = 0
    while chunk := await stream.read(_READ_CHUNK):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


class PushChannel:
    """One entry's webhook: receives, verifies and applies pushes; registers with the vendor."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: CamHubConfigEntry,
        coordinator: CamHubCoordinator,
        support: PushSupport,
    ) -> None:
        """Nothing registered until async_start; `support` is the vendor's side of push."""
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        self.support = support
        self.webhook_id: str = entry.data[CONF_WEBHOOK_ID]
        # The URL the vendor delivers to, once it accepted it.
        self.url: str | None = None
        self.problem: PushUnavailableError | None = None
        self.accepted = 0
        self.refused = 0
        self._effects = PushEffects(hass, coordinator, support)
        self._refusals = RefusalLog()
        # Cancels the pending retry of a registration that failed for a passing reason.
        self._retry: Callable[[], None] | None = None
        self._retry_at: datetime | None = None
        # Registrations that failed in a row (the backoff step; reset on success).
        self.failures = 0
        self._registering = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        # Set once the entry unloads or Home Assistant stops: a registration still running
        # then must not leave a retry timer behind.
        self._stopped = False

    # -- lifecycle -------------------------------------------------------------------------

    @callback
    def async_start(self) -> None:
        """Listen on the webhook now; tell the vendor about it in the background."""
        webhook.async_register(
            self.hass,
            DOMAIN,
            f"CamHub {self.entry.title}",
            self.webhook_id,
            self._async_handle,
            allowed_methods=[METH_POST],
        )
        self.entry.async_on_unload(self._async_stop)
        # A new external URL (or cloud) may make push possible, or move it.
        self.entry.async_on_unload(
            self.hass.bus.async_listen(EVENT_CORE_CONFIG_UPDATE, self._core_config_updated)
        )
        # Home Assistant stopping unloads nothing: the retry timer must go then too.
        self.entry.async_on_unload(
            self.hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, self._async_stop)
        )
        self._schedule_register()

    @callback
    def _async_stop(self, _event: Event[Any] | None = None) -> None:
        if self._stopped:
            return
        self._stopped = True
        webhook.async_unregister(self.hass, self.webhook_id)
        self._cancel_retry()

    @callback
    def _core_config_updated(self, _event: Event[Any]) -> None:
        self._schedule_register()

    @callback
    def _schedule_register(self, _now: datetime | None = None) -> None:
        self._cancel_retry()
        if self._stopped:
            return
        # Tracked (not background): a few requests, and startup may as well include them.
        self._task = self.entry.async_create_task(
            self.hass, self.async_register(), f"{DOMAIN} push registration"
        )

    @callback
    def _cancel_retry(self) -> None:
        if self._retry is not None:
            self._retry()
            self._retry = self._retry_at = None

    @callback
    def _retry_in(self, delay: timedelta) -> None:
        self._cancel_retry()
        if self._stopped:
            return
        self._retry_at = dt_util.utcnow() + delay
        self._retry = async_call_later(self.hass, delay, self._schedule_register)

    @property
    def pending(self) -> bool:
        """Whether a registration is running or will be tried again by itself."""
        running = self._task is not None and not self._task.done()
        return running or self._registering.locked() or self._retry is not None

    def _pending_wait(self) -> int:
        """Seconds a delivery refused while registration is pending should wait (Retry-After)."""
        if self._retry_at is None:
            return int(PENDING_RETRY_AFTER.total_seconds())
        return max(1, math.ceil((self._retry_at - dt_util.utcnow()).total_seconds()))

    @callback
    def _failed(self, err: ProviderError) -> None:
        """Retry after the next backoff step; once the last step failed too, say so in a repair."""
        self.failures += 1
        delay = REGISTER_BACKOFF[min(self.failures, len(REGISTER_BACKOFF)) - 1]
        _LOGGER.warning(
            "%s: could not set up push, retrying in %s: %s", self.entry.title, delay, err
        )
        if self.failures > len(REGISTER_BACKOFF):
            self.problem = PushUnavailableError(ISSUE_FAILING)
            async_report(self.hass, self.entry, self.problem)
        self._retry_in(delay)

    async def async_register(self) -> None:
        """Make the vendor deliver to our webhook; on trouble, a repair issue or a retry."""
        # A URL change and a retry may coincide: two at once would create two methods.
        async with self._registering:
            await self._async_register()

    async def _async_register(self) -> None:
        try:
            target = await async_vendor_target(
                self.hass, self.entry, self.support, then=math.ceil(self.coordinator.poll_cost)
            )
        except PushUnavailableError as problem:
            self.url, self.problem = None, problem
            async_report(self.hass, self.entry, problem)
            _LOGGER.info("%s: push unavailable (%s); polling continues", self.entry.title, problem)
            if problem.issue == ISSUE_NEEDS_SECRET and CONF_PUSH_SECRET in self.entry.data:
                # The user cleared the secret they pasted: deliveries signed with it stop counting.
                data = {k: v for k, v in self.entry.data.items() if k != CONF_PUSH_SECRET}
                self.hass.config_entries.async_update_entry(self.entry, data=data)
            return
        except AuthenticationError:
            # The coordinator's next poll starts reauthentication.
            return
        except RateLimitedError as err:
            # No room in the budget now: try again once the vendor's wait is over.
            self._retry_in(timedelta(seconds=max(err.retry_after, 1.0)))
            return
        except ProviderError as err:
            self._failed(err)
            return
        self._cancel_retry()
        self.failures = 0
        self.url, self.problem = target.url, None
        async_report(self.hass, self.entry, None)
        if (
            self.entry.data.get(CONF_PUSH_SECRET) != target.secret
            or self.entry.data.get(CONF_PUSH_TARGET_ID) != target.target_id
        ):
            self.hass.config_entries.async_update_entry(
                self.entry,
                data={
                    **self.entry.data,
                    CONF_PUSH_SECRET: target.secret,
                    CONF_PUSH_TARGET_ID: target.target_id,
                },
            )
            self._catch_up()

    @callback
    def _catch_up(self) -> None:
        """Pushes start only now: what changed since the last poll came by no push.

        For a new Angelcam entry that poll was setup's, a minute or more ago (the first
        registration waits for room in the minute's budget), and the next one may be many
        minutes away; one poll now closes the gap. A poll that just ran leaves none.
        """
        data = self.coordinator.data
        if data is not None and dt_util.utcnow() - data.fetched_at <= CATCH_UP_AFTER:
            return
        self.entry.async_create_task(
            self.hass, self.coordinator.async_refresh(), f"{DOMAIN} catch-up"
        )

    # -- deliveries ------------------------------------------------------------------------

    def _verify(self, body: bytes, headers: Mapping[str, str]) -> PushMessage:
        secret = self.entry.data.get(CONF_PUSH_SECRET)
        if not secret:
            raise SignatureError("push is not set up yet")
        return self._seen(secret).verifier.verify(body, headers)

    def _seen(self, secret: str) -> _Seen:
        """What this entry received lately; kept across reloads, so a reload opens no replays."""
        store = self.hass.data.setdefault(DATA_SEEN, {})
        seen = store.get(self.entry.entry_id)
        if seen is None or seen.secret != secret:
            verifier = self.support.verifier(secret, dt_util.utcnow)
            seen = store[self.entry.entry_id] = _Seen(secret, verifier)
        return seen

    def _repeated(self, message: PushMessage | None) -> None:
        """A repeated status message may be news (see _STATUS_KINDS): only the API can tell."""
        if message is not None and message.kind in _STATUS_KINDS:
            self.entry.async_create_background_task(
                self.hass, self.coordinator.async_request_refresh(), f"{DOMAIN} recheck"
            )

    def _refuse(self, request: web.Request, status: HTTPStatus, reason: str) -> web.Response:
        self.refused += 1
        # A cloudhook's MockRequest has no remote address.
        self._refusals.log(self.entry.title, status, reason, getattr(request, "remote", None))
        return web.Response(status=status)

    async def _async_handle(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != CONTENT_TYPE_JSON:
            return self._refuse(request, HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "not JSON")
        length = request.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > PUSH_MAX_BODY:
            return self._refuse(request, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body too large")
        try:
            body = await _read_limited(request, PUSH_MAX_BODY)
        except ClientError:
            return self._refuse(request, HTTPStatus.BAD_REQUEST, "body not readable")
        if body is None:
            return self._refuse(request, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body too large")
        if not self.entry.data.get(CONF_PUSH_SECRET) and self.pending:
            # Not refused for good: the vendor keeps it and delivers again once we can check it.
            response = self._refuse(request, HTTPStatus.SERVICE_UNAVAILABLE, "push being set up")
            response.headers["Retry-After"] = str(self._pending_wait())
            return response
        try:
            message = self._verify(body, request.headers)
        except ReplayedDeliveryError as err:
            # A retry of something done already: acknowledged, so the vendor stops.
            _LOGGER.debug("%s: repeated delivery ignored", self.entry.title)
            self._repeated(err.message)
            return web.Response(status=HTTPStatus.OK)
        except SignatureError as err:
            return self._refuse(request, HTTPStatus.UNAUTHORIZED, str(err))
        except ProtocolError as err:
            return self._refuse(request, HTTPStatus.BAD_REQUEST, str(err))
        self.accepted += 1
        self.coordinator.async_note_push()
        self.entry.async_create_background_task(
            hass, self._effects.async_apply(message), f"{DOMAIN} push {message.kind}"
        )
        return web.Response(status=HTTPStatus.OK)
