"""`python -m demo`: run the demo stack until Ctrl-C and tell the user how to log in."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from pathlib import Path
import shutil
import signal
import sys
from typing import Any

from .stack import DASHBOARD, ROOT, DemoPorts, DemoStack, flow_inputs


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="scripts/demo", description=__doc__)
    parser.add_argument("--state-dir", type=Path, default=ROOT / ".demo")
    parser.add_argument("--port", type=int, default=8123, help="Home Assistant's port")
    parser.add_argument("--reset", action="store_true", help="forget the prepared state first")
    return parser.parse_args(argv)


def manual_setup(credentials: dict[str, Any]) -> str:
    """What to type into CamHub's forms to add a simulator by hand (the vendor defaults differ)."""
    lines = ["  to add CamHub by hand, answer the form with:"]
    for vendor, answers in flow_inputs(credentials):
        fields = ", ".join(f"{key} {value}" for key, value in answers.items())
        lines.append(f"    {vendor}: {fields}")
    return "\n".join(lines) + "\n"


async def run(args: argparse.Namespace) -> None:
    """Start the stack, print the login, wait for a signal, stop."""
    if args.reset and args.state_dir.exists():
        shutil.rmtree(args.state_dir)
    args.state_dir.mkdir(parents=True, exist_ok=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print("Starting the simulators and Home Assistant (first run: about a minute)...", flush=True)
    started = loop.time()
    async with DemoStack(args.state_dir, DemoPorts(homeassistant=args.port)) as stack:
        login = stack.client.login
        print(
            f"\nCamHub demo is running (ready in {loop.time() - started:.0f} s):"
            f" open {stack.hass.url}/{DASHBOARD}/cameras\n"
            f"  log in as  user: {login.username}"
            f"  password: {login.password}\n"
            f"  simulators: angelcam {stack.simulators.angelcam.url}, "
            f"novavms {stack.simulators.novavms.url}\n"
            f"  Home Assistant log: {stack.config_dir / 'demo-hass.log'}\n"
            f"{manual_setup(stack.simulators.credentials())}"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        await stop.wait()
        print("Stopping...", flush=True)


def main() -> None:
    """Entry point."""
    logging.basicConfig(level=logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(parse_args(sys.argv[1:])))


if __name__ == "__main__":
    main()
