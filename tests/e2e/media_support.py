"""Helpers of the media journeys: the demo stack, the media tree as the UI shows it, the driver."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import json
import os
from pathlib import Path
import re
import shutil
from typing import Any

from demo.homeassistant import HomeAssistantError
from demo.stack import DemoStack

from .conftest import ARTEFACTS, NODE_MODULES

SCREENSHOTS = ARTEFACTS
DRIVER = Path(__file__).with_name("media_journeys.mjs")
ROOT_ID = "media-source://camhub"

type Node = dict[str, Any]
type Pick = Callable[[list[Node]], Node]


async def browse(stack: DemoStack, media_id: str = ROOT_ID, attempts: int = 4) -> Node:
    """One level of the media browser, as the frontend asks for it.

    Right after setup Angelcam's 20 requests a minute are spent: CamHub says how long to
    wait (as a person would read it), and the level is asked for again after that.
    """
    for attempt in range(attempts):
        try:
            (node,) = await stack.client.ws(
                {"type": "media_source/browse_media", "media_content_id": media_id}
            )
        except HomeAssistantError as err:
            wait = re.search(r"rate limiting requests. Try again in (\d+) seconds", str(err))
            if wait is None or attempt == attempts - 1:
                raise
            await asyncio.sleep(int(wait[1]) + 1)
            continue
        result: Node = node
        return result
    raise AssertionError("unreachable")


def titled(title: str) -> Pick:
    """Pick the child with this title."""

    def pick(children: list[Node]) -> Node:
        return next(child for child in children if child["title"] == title)

    return pick


def first(where: Callable[[Node], bool]) -> Pick:
    """Pick the first child that matches."""

    def pick(children: list[Node]) -> Node:
        return next(child for child in children if where(child))

    return pick


def nth(index: int) -> Pick:
    """Pick the child at this place (IndexError, like StopIteration, when there is none)."""

    def pick(children: list[Node]) -> Node:
        if index >= len(children):
            raise StopIteration
        return children[index]

    return pick


async def titles_to(stack: DemoStack, picks: list[Pick]) -> tuple[list[str], Node]:
    """The titles a person clicks from "CamHub" down, and the item reached."""
    node = await browse(stack)
    titles: list[str] = []
    for pick in picks:
        child = pick(node["children"])
        titles.append(child["title"])
        node = await browse(stack, child["media_content_id"]) if child["can_expand"] else child
    return titles, node


async def run_journeys(stack: DemoStack, journeys: list[dict[str, Any]]) -> dict[str, Any]:
    """Run the browser driver over the journeys; its screenshots go to .cache/e2e."""
    node = shutil.which("node")
    assert node is not None, "Node.js is needed for the browser test"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    plan = stack.state_dir / "media-journeys.json"
    plan.write_text(json.dumps({"journeys": journeys}))
    process = await asyncio.create_subprocess_exec(
        node,
        str(DRIVER),
        stack.hass.url,
        str(stack.tokens_file),
        str(plan),
        str(SCREENSHOTS),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "CAMHUB_NODE_MODULES": str(NODE_MODULES)},
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 300)
    assert process.returncode == 0, stderr.decode()
    results: dict[str, Any] = json.loads(stdout.decode().strip().splitlines()[-1])["journeys"]
    return results


def assert_played(result: dict[str, Any]) -> None:
    """The video decoded frames and kept playing: readyState >= 2, a picture, time moving."""
    assert "error" not in result, result
    first_sample, later = result["first"], result["later"]
    assert later["error"] is None, result
    assert later["readyState"] >= 2, result
    assert later["videoWidth"] > 0, result
    assert later["videoHeight"] > 0, result
    assert later["currentTime"] > first_sample["currentTime"], result
