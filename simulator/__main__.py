"""Command line: ``python -m simulator`` serves a scenario until SIGINT/SIGTERM.

It prints one JSON line (URLs and credentials per vendor) before serving, then human-readable
lines. The demo scenario runs with background activity on.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from typing import Any, TextIO

from simulator.scenario import SCENARIOS
from simulator.stack import SimulatorStack


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument("--scenario", choices=SCENARIOS, default="demo")
    parser.add_argument("--host", default="127.0.0.1")
    for vendor in ("angelcam", "novavms", "opencamera"):
        parser.add_argument(f"--{vendor}-port", type=int, default=0, metavar="N")
    return parser.parse_args(argv)


def describe(info: dict[str, Any]) -> list[str]:
    """Human-readable lines about the running servers."""
    lines = [f"Scenario {info['scenario']!r} is running. Stop with Ctrl+C."]
    lines.extend(
        f"  {name:<10} API {info[key]['url']}  control {info[key]['control']}"
        for key, name in (("angelcam", "Angelcam"), ("novavms", "NovaVMS"))
    )
    lines.extend(
        f"  OpenCamera {device['name']}: {device['url']}  control {device['control']}"
        for device in info["opencamera"]["devices"]
    )
    return lines


def emit(out: TextIO, lines: list[str]) -> None:
    """Write lines and flush at once (a parent process reads them through a pipe)."""
    out.write("".join(f"{line}\n" for line in lines))
    out.flush()


async def serve(
    args: argparse.Namespace, out: TextIO = sys.stdout, stop: asyncio.Event | None = None
) -> None:
    """Run the stack until ``stop`` is set (by default: until SIGINT or SIGTERM)."""
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM) if stop is None else ()
    stop = stop or asyncio.Event()
    for signum in signals:
        loop.add_signal_handler(signum, stop.set)
    ports = {
        "angelcam": args.angelcam_port,
        "novavms": args.novavms_port,
        "opencamera": args.opencamera_port,
    }
    try:
        async with SimulatorStack(
            args.scenario, args.host, ports, activity=args.scenario == "demo"
        ) as stack:
            info = stack.credentials()
            emit(out, [json.dumps(info), *describe(info)])
            await stop.wait()
            emit(out, ["Stopping."])
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    args = parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))


if __name__ == "__main__":
    main()
