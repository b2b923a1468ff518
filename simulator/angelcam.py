"""Angelcam cloud simulator: ``build_state`` and ``create_app`` (the HTTP app on one port).

Contract: tests/specs/angelcam-openapi.yml (a copy of the 2026.06.11 spec); notes:
shared/api/angelcam.md. One port serves every Angelcam host: the API under ``/v1/``, the live
stream server (``/stream/...``), the recording streamer (``/recording/streams/...``,
``/streams/...``) and the snapshot CDN (``/snapshots/...``), plus the control API (``/_sim/``).

Where the spec and the notes disagree, the simulator does this:

- Rate limit: 20 requests/min and 1000/day per account (the guides), sliding windows on the
  simulated clock; 429 ``{"title": "throttled", "detail": "Request was throttled. Expected
  available in N seconds.", "status": 429}`` without ``Retry-After`` (the guides document none).
- Space context: the ``X-Space-Id`` header (spec); no "activate space" endpoint. Without the
  header the user's default space is used; a space the user is not a member of answers 403.
- Field validation errors: ``detail`` is an object ``{field: [messages]}`` (the spec's
  ``Error400InvalidParams`` says object; the notes' "array of {field: [...]}" would break it);
  other 400s (clips) use a string, as ``Error400Invalid`` says.
- ``offset=0`` is accepted although the spec says ``minimum: 1`` on some lists; pages hold at most
  100 items. Event lists page forward with a ``cursor`` in ``next``; RTS messages with ``next``.
- Arm/disarm without ``location_id`` covers every location the caller may arm; a pending delayed
  change shows as the location's ``next_arming``/``next_disarming``. ``GET /rts/`` reports the
  deprecated ``is_armed`` as "any location armed".
- ``MessageObject`` requires ``title`` (not declared as a property) and types ``read_at`` etc. as
  non-nullable strings, so absent values are left out instead of ``null``.
- Recording streams: ``stream_controls`` nested (spec); stream info answers ``current_position``;
  ``PlaybackOptions`` can add the guide's flat control URLs and ``current_time``.
- Webhooks: body with the webhooks guide's fields (no ``message_type``), sent with the method's
  ``http_method``; JWT HS256 in ``X-Angelcam-Signature``.
- Live streams list ``hls`` (H.264/H.265 cameras) and ``mjpeg``; fMP4 (``mp4``) and ``mpegts`` are
  not simulated. Stream tokens last 5 minutes of simulated time; an expired one answers 301 to a
  fresh URL for an hour, then 401.

Not simulated: OAuth token endpoints (fixed bearer tokens stand in), camera create/update/delete
through the API (the control API adds/removes cameras), billing, sensors, guests, broadcasting,
shared-cameras, speakers, clients, the deprecated ``cameras/{id}/recording/...`` family (only
its ``GET cameras/{id}/recording/``, one object, is served) and ``POST /events/``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import contextlib
from datetime import datetime

from aiohttp import web

from simulator import (
    angelcam_api,
    angelcam_control,
    angelcam_live,
    angelcam_recording_api,
    angelcam_rts_api,
)
from simulator.angelcam_control import STATE_KEY
from simulator.angelcam_http import (
    RATE_KEY,
    Handler,
    account_of,
    api_middleware,
    spec_example_shape,
)
from simulator.angelcam_live import LIVE_KEY
from simulator.angelcam_model import WORLD_KEY
from simulator.angelcam_recording import RECORDING_KEY
from simulator.angelcam_recording_api import OPTIONS_KEY
from simulator.angelcam_rts import RTS_KEY
from simulator.angelcam_scenarios import SCENARIOS, build_state as _build_state
from simulator.angelcam_state import AngelcamState
from simulator.angelcam_webhooks import DISPATCHER_KEY
from simulator.control import CONTROL_PREFIX, FaultInjector, RequestLog, make_app

__all__ = ["SCENARIOS", "AngelcamState", "build_state", "create_app"]

TICK_SECONDS = 1.0


def build_state(scenario_name: str, now: Callable[[], datetime] | None = None) -> AngelcamState:
    """Build the state of the "demo", "large" or "empty" scenario on the clock ``now``."""
    return _build_state(scenario_name, now)


@web.middleware
async def _tick(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Apply what became due (delayed arming) before any simulated host answers."""
    if not request.path.startswith(CONTROL_PREFIX):
        request.app[STATE_KEY].tick()
    return await handler(request)


async def _background(app: web.Application) -> AsyncIterator[None]:
    """Tick once a second while the app runs, so delayed arming happens without requests."""
    state = app[STATE_KEY]

    async def run() -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            state.tick()

    task = asyncio.create_task(run())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await state.close()


def create_app(state: AngelcamState, log: RequestLog, faults: FaultInjector) -> web.Application:
    """Build the Angelcam app: API, stream hosts and control routes, logged and faultable."""
    app = make_app(
        "angelcam",
        log,
        faults,
        account_of=account_of(state.world),
        routes=[
            *angelcam_api.routes(),
            *angelcam_rts_api.routes(),
            *angelcam_recording_api.routes(),
            *angelcam_live.routes(),
        ],
        control=angelcam_control.routes(),
        clock=state.clock,
        reshape=spec_example_shape,
    )
    app.middlewares.extend([_tick, api_middleware])
    app[STATE_KEY] = state
    app[WORLD_KEY] = state.world
    app[RTS_KEY] = state.rts
    app[RECORDING_KEY] = state.recordings
    app[LIVE_KEY] = state.tokens
    app[RATE_KEY] = state.rate_limiter
    app[OPTIONS_KEY] = state.playback
    app[DISPATCHER_KEY] = state.webhooks
    app.cleanup_ctx.append(_background)
    return app
