"""The demo stack for the browser tests, and what they share: waiting, states, the browser.

Runs on the newest lane only (the demo's lane). Starts `hass` as a subprocess exactly as
scripts/demo does, but on free ports and in a temporary state directory. The stack is
function-scoped: every test gets its own, so no journey sees another's changes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import json
import os
from pathlib import Path
import shutil
import socket
from typing import Any

import pytest

from demo.stack import ROOT, DemoPorts, DemoStack

# Screenshots are test artefacts (not committed); the README's picture is a copy of one.
ARTEFACTS = ROOT / ".cache" / "e2e"
NODE_MODULES = ROOT / ".cache" / "node" / "node_modules"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def demo(tmp_path: Path, socket_enabled: None) -> AsyncIterator[DemoStack]:
    ports = DemoPorts(homeassistant=free_port(), angelcam=0, novavms=0, opencamera=0)
    async with DemoStack(tmp_path / "state", ports, activity=False) as stack:
        yield stack


async def eventually(check: Callable[[], Awaitable[bool]], attempts: int = 120) -> None:
    """Poll a condition a bounded number of times (0.5 s apart) until it holds."""
    for _ in range(attempts):
        if await check():
            return
        await asyncio.sleep(0.5)
    raise AssertionError("condition never held")


async def states(stack: DemoStack) -> dict[str, dict[str, Any]]:
    ids = await stack.camhub_entity_ids()
    return {
        s["entity_id"]: s
        for s in await stack.client.rest("GET", "/api/states")
        if s["entity_id"] in ids
    }


def by_domain(found: dict[str, dict[str, Any]], domain: str) -> list[dict[str, Any]]:
    return [s for eid, s in sorted(found.items()) if eid.startswith(f"{domain}.")]


async def angelcam_pushes_registered(stack: DemoStack) -> None:
    """Wait until every Angelcam entry has told Angelcam where to push, as after a real start.

    An entry's first registration waits for a minute with room in Angelcam's budget, then
    polls once to catch up; what happens before it reaches Home Assistant by a poll only.
    """
    entries = await stack.client.rest("GET", "/api/config/config_entries/entry")
    spaces = sum(
        1 for e in entries if e["domain"] == "camhub" and e["title"].startswith("Angelcam")
    )
    rts = stack.simulators.scenario.angelcam.rts

    async def registered() -> bool:
        rules = [r for r in rts.rules.values() if r.message_type == "camera_status_offline"]
        return len(rules) >= spaces

    await eventually(registered, attempts=360)


async def screenshot(
    stack: DemoStack, view: str, out: Path, options: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Run demo/screenshot.mjs (playwright-core) against the running stack; its findings.

    `options` go to the script as JSON (live views to open, a camera to take offline).
    """
    node = shutil.which("node")
    assert node is not None, "Node.js is needed for the browser test"
    out.parent.mkdir(parents=True, exist_ok=True)
    process = await asyncio.create_subprocess_exec(
        node,
        str(ROOT / "demo" / "screenshot.mjs"),
        stack.hass.url,
        str(stack.tokens_file),
        view,
        str(out),
        json.dumps(options or {}),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "CAMHUB_NODE_MODULES": str(NODE_MODULES)},
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 300)
    assert process.returncode == 0, stderr.decode()
    result: dict[str, Any] = json.loads(stdout.decode().strip().splitlines()[-1])
    return result
