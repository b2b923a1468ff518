"""Tests of ``python -m simulator``: one JSON line first, clean stop on SIGINT."""

from __future__ import annotations

import asyncio
import io
import json
import signal
import sys

import aiohttp

from simulator.__main__ import describe, parse_args, serve


def test_parse_args_defaults_and_ports() -> None:
    """Defaults are the demo on 127.0.0.1 with free ports."""
    args = parse_args([])
    assert (args.scenario, args.host, args.angelcam_port) == ("demo", "127.0.0.1", 0)
    args = parse_args(["--scenario", "large", "--novavms-port", "8100"])
    assert (args.scenario, args.novavms_port, args.opencamera_port) == ("large", 8100, 0)


async def test_serve_prints_json_then_lines(session: aiohttp.ClientSession) -> None:
    """In-process: the first line is the JSON description; the servers answer until stopped."""
    out, stop = io.StringIO(), asyncio.Event()
    task = asyncio.create_task(serve(parse_args(["--scenario", "demo"]), out, stop))
    try:
        async with asyncio.timeout(30):
            while "\n" not in out.getvalue():  # noqa: ASYNC110 - StringIO offers no event
                await asyncio.sleep(0.01)
        info = json.loads(out.getvalue().splitlines()[0])
        async with session.get(f"{info['novavms']['url']}/healthz") as r:
            assert r.status == 200
        assert describe(info)[1].startswith("  Angelcam   API http://127.0.0.1:")
        assert len(describe(info)) == 1 + 2 + 2
    finally:
        stop.set()
        await task
    assert out.getvalue().splitlines()[-1] == "Stopping."


async def test_cli_subprocess_stops_on_sigint(session: aiohttp.ClientSession) -> None:
    """`python -m simulator --scenario empty` prints the JSON line and exits 0 on SIGINT."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        "--scenario",
        "empty",
        "--angelcam-port",
        "0",
        "--novavms-port",
        "0",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        async with asyncio.timeout(60):
            first = await process.stdout.readline()
        info = json.loads(first)
        assert set(info) == {"scenario", "angelcam", "novavms", "opencamera"}
        assert info["novavms"]["api_keys"]["admin"].startswith("sk_live_")
        async with session.get(f"{info['novavms']['url']}/healthz") as r:
            assert r.status == 200
        process.send_signal(signal.SIGINT)
        async with asyncio.timeout(30):
            rest, errors = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, errors.decode()
    assert rest.decode().splitlines()[-1] == "Stopping."
    assert b"Traceback" not in errors


async def test_serve_stops_on_sigint_in_process() -> None:
    """Without an explicit stop event, SIGINT ends serve() and its handlers are removed."""
    out = io.StringIO()
    task = asyncio.create_task(serve(parse_args(["--scenario", "empty"]), out))
    try:
        async with asyncio.timeout(30):
            while "\n" not in out.getvalue():  # noqa: ASYNC110 - StringIO offers no event
                await asyncio.sleep(0.01)
        signal.raise_signal(signal.SIGINT)
        async with asyncio.timeout(30):
            await task
    finally:
        task.cancel()
    assert out.getvalue().splitlines()[-1] == "Stopping."
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
