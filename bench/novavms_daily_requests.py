"""Print the NovaVMS requests a day CamHub spends: polling and the alert-rule reads beside it.

Run: PYTHONPATH=. .venv/bin/python bench/novavms_daily_requests.py
For 6, 200 and 500 cameras (20 a site, a gateway each) the NovaVMS connection polls the simulator
over real HTTP for SIMULATED hours of simulated time, at the interval the provider plans without
pushes (30 s) and with healthy pushes (slowed), and counts every API request in the simulator's
log by endpoint. Figures are scaled to a day. The simulator's token bucket is lifted: polls of
simulated time arrive faster than real ones. The alert-rule list must cost at most 288 a day at
every size (exit status 1 if not).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
import sys

import aiohttp

from custom_components.camhub.providers import provider_for
from custom_components.camhub.providers.budget import DAY, MINUTE, Limit, RequestBudget
from custom_components.camhub.providers.interface import PollLoad
from custom_components.camhub.providers.motion import MotionTracker
from custom_components.camhub.providers.novavms.rules import RULES_MAX_AGE
from simulator.populate import populate_novavms
from simulator.stack import SimulatorStack

SIZES = (6, 200, 500)
SIMULATED = timedelta(hours=6)
START = datetime(2026, 12, 2, 8, tzinfo=UTC)
RULES = "/api/v1/alert-rules"
LIFTED = (Limit("minute", 10_000_000, MINUTE), Limit("day", 10_000_000, DAY))


async def measure(cameras: int, *, push_healthy: bool) -> tuple[float, Counter[str]]:
    """(interval in s, requests a day by endpoint) of one simulated stretch."""
    provider = provider_for("novavms")
    interval = provider.interval(PollLoad(cost=1.0, push_healthy=push_healthy))
    async with SimulatorStack(scenario="empty") as stack, aiohttp.ClientSession() as session:
        populate_novavms(stack, cameras)
        state = stack.novavms.state
        state.rate_per_minute = state.burst = 10_000_000
        creds = stack.credentials()["novavms"]
        data = {"url": stack.novavms.url, "api_key": creds["api_keys"]["operator"]}
        connection = provider.connect(session, data, RequestBudget(list(LIFTED)))
        motion = MotionTracker()
        stack.log.clear()
        polls = int(SIMULATED / interval)
        for number in range(polls):
            await connection.async_refresh(motion, START + number * interval, sites=frozenset())
        scale = DAY / SIMULATED.total_seconds()
        counted = Counter(
            RULES if record.path.startswith(RULES) else record.path.split("?")[0]
            for record in stack.log.select(vendor="novavms", path_prefix="/api/v1/")
        )
        per_day = Counter({path: round(count * scale) for path, count in counted.items()})
        await connection.async_close()
        return interval.total_seconds(), per_day


async def main() -> int:
    """Print one line per size and push state; exit 1 if the rule reads exceed their cap."""
    cap = timedelta(days=1) / RULES_MAX_AGE
    rows = [("cameras", "pushes", "interval (s)", "polling/day", "alert rules/day", "total/day")]
    worst = 0
    for cameras, push_healthy in ((c, p) for c in SIZES for p in (False, True)):
        interval, per_day = await measure(cameras, push_healthy=push_healthy)
        rules = per_day[RULES]
        worst = max(worst, rules)
        polling = sum(per_day.values()) - rules
        pushes, seconds = "yes" if push_healthy else "no", f"{interval:.0f}"
        total = polling + rules
        rows.append((str(cameras), pushes, seconds, str(polling), str(rules), str(total)))
    print(f"NovaVMS requests a day (measured over {SIMULATED} of simulated polls, scaled)")
    for row in rows:
        print("  ".join(cell.rjust(len(head)) for cell, head in zip(row, rows[0], strict=True)))
    return 1 if worst > cap else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
