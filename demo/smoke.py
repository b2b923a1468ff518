"""Smoke test on a Home Assistant release no test plugin pins yet: real `hass`, simulators, REST.

    .venv/bin/python -m demo.smoke --python .venv-next/bin/python

The runner (simulators, REST and websocket calls) runs on this interpreter; only `hass` runs on
the other venv. One CamHub entry per vendor is configured through the config flow over REST;
then every entry must be loaded with entities, and Home Assistant's log must hold no error from
CamHub, no traceback and no deprecation report about CamHub. Exits 1 with the problems otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
import re
import shutil
import socket
import sys
import tempfile
import time

from .stack import ROOT, DemoPorts, DemoStack, flow_inputs

LOG_NAME = "demo-hass.log"
# A log record starts with a timestamp and its level: "2026-11-05 10:00:00.123 ERROR (...) [x] ..."
# (2026.11 adds the UTC offset to the timestamp: "...00.123+00:00 ERROR").
RECORD = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+(?:[+-]\d\d:\d\d)? (?P<level>[A-Z]+) "
    r"\([^)]*\) \[(?P<logger>[^\]]+)\]"
)
OURS = ("custom_components.camhub", "homeassistant.components.camhub")
# Home Assistant's frame helper reports a custom integration's use of deprecated API this way.
DEPRECATION = re.compile(r"Detected (that )?(custom )?integration '?camhub'?", re.IGNORECASE)
# Tracebacks the machine causes, not CamHub: (logger of the record, exception line prefix). The
# demo configuration loads HA's ffmpeg integration, which probes an ffmpeg binary at start.
MACHINE_TRACEBACKS = (
    () if shutil.which("ffmpeg") else (("haffmpeg.core", "FileNotFoundError: [Errno 2]"),)
)


def log_problems(
    text: str, machine_tracebacks: tuple[tuple[str, str], ...] = MACHINE_TRACEBACKS
) -> list[str]:
    """What in a Home Assistant log fails the smoke test (one line each, first 200 characters).

    A traceback is reported by its exception line, with the record that logged it.
    """
    problems: list[str] = []
    lines = text.splitlines()
    last_record = ""
    for index, line in enumerate(lines):
        record = RECORD.match(line)
        if record:
            last_record = line
        ours = record is not None and record["logger"].startswith(OURS)
        if ours and record is not None and record["level"] in {"ERROR", "CRITICAL"}:
            problems.append(f"error from CamHub: {line[:200]}")
        elif line.startswith("Traceback (most recent call last)"):
            # The exception is the first line after the indented frames.
            ending = next((x for x in lines[index + 1 :] if x and not x[0].isspace()), "?")
            logger = match["logger"] if (match := RECORD.match(last_record)) else ""
            if not any(logger == lg and ending.startswith(e) for lg, e in machine_tracebacks):
                problems.append(f"traceback: {ending[:200]} (after: {last_record[:200]})")
        elif DEPRECATION.search(line):
            problems.append(f"deprecation: {line[:200]}")
    return problems


def pinned_release(requirements: Path) -> str:
    """The homeassistant version a requirements file pins."""
    for line in requirements.read_text(encoding="utf-8").splitlines():
        if line.startswith("homeassistant=="):
            return line.split("==", 1)[1].strip()
    raise ValueError(f"{requirements} pins no homeassistant")


@dataclass
class SmokeResult:
    """What the smoke run saw."""

    version: str = ""
    entries: dict[str, str] = field(default_factory=dict)  # title -> state
    entities: Counter[str] = field(default_factory=Counter)  # title -> entity count
    available: Counter[str] = field(default_factory=Counter)  # title -> available entities
    problems: list[str] = field(default_factory=list)


class SmokeStack(DemoStack):
    """The demo stack with one entry per vendor (the first space, the first device)."""

    async def _configure_camhub(self) -> None:
        seen: set[str] = set()
        for option, answers in flow_inputs(self.simulators.credentials()):
            if option not in seen:
                seen.add(option)
                await self._run_flow(option, answers, 0)
        await self._wait_for_entities()


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def inspect(stack: DemoStack, result: SmokeResult) -> None:
    """Read what the running Home Assistant shows of CamHub."""
    result.version = (await stack.client.rest("GET", "/api/config"))["version"]
    entries = {
        e["entry_id"]: e
        for e in await stack.client.rest("GET", "/api/config/config_entries/entry")
        if e["domain"] == "camhub"
    }
    result.entries = {e["title"]: e["state"] for e in entries.values()}
    (registry,) = await stack.client.ws({"type": "config/entity_registry/list"})
    states = {s["entity_id"]: s for s in await stack.client.rest("GET", "/api/states")}
    for entity in registry:
        entry = entries.get(entity.get("config_entry_id") or "")
        if entity["platform"] != "camhub" or entry is None or entity.get("disabled_by"):
            continue
        result.entities[entry["title"]] += 1
        state = states.get(entity["entity_id"])
        if state is not None and state["state"] != "unavailable":
            result.available[entry["title"]] += 1


def judge(result: SmokeResult, expected_version: str, vendors: set[str]) -> list[str]:
    """Problems with what the run saw (the log is judged separately)."""
    problems: list[str] = []
    if result.version != expected_version:
        problems.append(f"Home Assistant is {result.version}, expected {expected_version}")
    for vendor in sorted(vendors):
        if not any(title.startswith(vendor) for title in result.entries):
            problems.append(f"no {vendor} entry")
    for title, state in sorted(result.entries.items()):
        if state != "loaded":
            problems.append(f"{title}: entry is {state}")
        elif not result.available[title]:
            problems.append(f"{title}: no available entity ({result.entities[title]} in all)")
    return problems


async def run(python: Path, state_dir: Path, expected_version: str) -> SmokeResult:
    """Start everything, configure CamHub, look, stop, then read the log."""
    result = SmokeResult()
    ports = DemoPorts(homeassistant=free_port(), angelcam=0, novavms=0, opencamera=0)
    stack = SmokeStack(state_dir, ports, activity=False, python=python)
    failure: str | None = None
    try:
        async with stack:
            await inspect(stack, result)
    except Exception as err:  # noqa: BLE001 - reported as the smoke test's failure
        failure = f"the stack failed: {err}"
    log = stack.config_dir / LOG_NAME
    text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
    result.problems = log_problems(text)
    if failure is not None:
        # The log's tail says why hass did not come up or CamHub did not load.
        result.problems += [failure, *(f"log: {line}" for line in text.splitlines()[-30:])]
    else:
        result.problems += judge(result, expected_version, {"Angelcam", "NovaVMS", "OpenCamera"})
    return result


def main(argv: list[str] | None = None) -> int:
    """Entry point: print a summary; exit 1 when anything is wrong."""
    parser = argparse.ArgumentParser(prog="python -m demo.smoke", description=__doc__)
    parser.add_argument("--python", type=Path, required=True, help="the venv's python for hass")
    parser.add_argument(
        "--state-dir", type=Path, help="keep Home Assistant's files here (default: a temporary one)"
    )
    parser.add_argument(
        "--requirements",
        type=Path,
        default=ROOT / "requirements" / "next.txt",
        help="the requirements file whose homeassistant pin must be the one running",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="camhub-smoke-") as tmp:
        state_dir = args.state_dir or Path(tmp)
        result = asyncio.run(run(args.python, state_dir, pinned_release(args.requirements)))
    elapsed = time.monotonic() - started
    # Written, not logged: this is the command's report (scripts/test shows it).
    out = [f"smoke: Home Assistant {result.version}, {elapsed:.0f} s"]
    out += [
        f"smoke:   {title}: {state}, {result.entities[title]} entities,"
        f" {result.available[title]} available"
        for title, state in sorted(result.entries.items())
    ]
    sys.stdout.write("\n".join(out) + "\n")
    sys.stderr.writelines(f"smoke: PROBLEM {problem}\n" for problem in result.problems)
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
