"""Tests of scenarios and the SimulatorStack: every vendor served, shared log and clock, cleanup."""

from __future__ import annotations

import base64
import json
import random
import socket

import aiohttp
import pytest

from simulator.control import SimClock
from simulator.scenario import build
from simulator.stack import SimulatorStack

from .conftest import START


def free_ports(count: int = 1) -> int:
    """The first of `count` consecutive ports that were free a moment ago.

    Chosen below the kernel's ephemeral range (32768-60999 on Linux), which outgoing
    connections and port-0 servers of the other tests draw from: a port picked there can be
    taken by one of them between this probe and the stack's bind (it happened in CI).
    """
    rng = random.Random()
    while True:
        base = rng.randrange(20000, 32000 - count)
        probes = [socket.socket() for _ in range(count)]
        try:
            for offset, probe in enumerate(probes):
                probe.bind(("127.0.0.1", base + offset))
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
        return base


async def test_demo_stack_serves_every_vendor(session: aiohttp.ClientSession) -> None:
    """Inside the context every vendor answers over HTTP with the printed credentials."""
    async with SimulatorStack("demo", clock=SimClock(START)) as stack:
        creds = stack.credentials()
        json.dumps(creds)  # the CLI prints it as one JSON line
        assert creds["scenario"] == "demo"
        angel = creds["angelcam"]
        assert angel["url"] == stack.angelcam.url
        assert stack.angelcam.url.endswith("/v1")
        async with session.get(
            f"{stack.angelcam.url}/me/",
            headers={"Authorization": f"PersonalAccessToken {angel['personal_access_token']}"},
        ) as r:
            assert r.status == 200
        nova = creds["novavms"]
        async with session.get(
            f"{stack.novavms.url}/api/v1/sites",
            headers={"Authorization": f"Bearer {nova['api_keys']['admin']}"},
        ) as r:
            sites = await r.json()
        assert {s["org_id"] for s in sites["data"]} == {nova["org_id"]}
        assert len(stack.opencameras) == 2
        assert stack.opencamera is stack.opencameras[0]
        assert creds["opencamera"]["url"] == stack.opencameras[0].url
        assert [d["url"] for d in creds["opencamera"]["devices"]] == [
            s.url for s in stack.opencameras
        ]
        second = creds["opencamera"]["devices"][1]
        raw = f"{second['username']}:{second['password']}:{second['device']}".encode()
        async with session.post(
            f"{second['url']}/api/v1/user/token/obtain",
            headers={"Authorization": f"Basic {base64.b64encode(raw).decode()}"},
        ) as r:
            token = (await r.json())["access_token"]
        async with session.get(f"{second['url']}/api/v1/device", headers={"x-token": token}) as r:
            assert r.status == 501  # the opencamd-like device
        # One shared log across vendors, counters per vendor.
        assert stack.log.count(vendor="angelcam") == 1
        assert stack.log.count(vendor="novavms") == 1
        assert stack.log.count(vendor="opencamera") == 2
        async with session.get(f"{stack.novavms.control}/counters") as r:
            assert (await r.json())["total"] == 1
        # One shared clock.
        stack.clock.advance(60)
        assert stack.novavms.state.now() == stack.angelcam.state.now() == stack.clock()
        assert stack.faults["opencamera"] is stack.opencameras[0].faults
        url = stack.novavms.url
    with pytest.raises(aiohttp.ClientConnectionError):
        async with session.get(f"{url}/healthz") as r:
            await r.read()


async def test_faults_per_vendor(session: aiohttp.ClientSession) -> None:
    """A fault injected on one vendor leaves the others alone."""
    async with SimulatorStack("empty") as stack:
        stack.novavms.faults.add("status5xx", count=1)
        async with session.get(f"{stack.novavms.url}/healthz") as r:
            assert r.status == 503
        async with session.get(f"{stack.novavms.url}/healthz") as r:
            assert r.status == 200
        assert stack.opencamera is None
        assert stack.credentials()["opencamera"] == {"devices": []}


async def test_failure_bodies_in_each_vendors_shape(session: aiohttp.ClientSession) -> None:
    """A simulated 5xx answers in the error envelope its vendor documents."""
    async with SimulatorStack("demo", clock=SimClock(START)) as stack:
        assert stack.opencamera is not None
        expected = {
            f"{stack.angelcam.url}/me/": {"title", "detail", "status"},
            f"{stack.novavms.url}/healthz": {"error", "message"},
            f"{stack.opencamera.url}/api/v1/system": {"code", "message"},
        }
        for server in (stack.angelcam, stack.novavms, stack.opencamera):
            server.faults.add("status5xx", count=1, status=502)
        for url, keys in expected.items():
            async with session.get(url) as r:
                assert r.status == 502
                assert set(await r.json()) == keys


async def test_no_access_log_lines(
    session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    """Tokenised stream paths never reach a log line: the stack's servers keep no access log."""
    async with (
        SimulatorStack("empty") as stack,
        session.get(f"{stack.novavms.url}/healthz?token=secret-value") as r,
    ):
        assert r.status == 200
    assert "secret-value" not in caplog.text


def test_scenarios_sizes_and_determinism() -> None:
    """Large has >= 500 cameras across vendors; credentials are deterministic."""
    large = build("large", SimClock(START))
    total = len(large.angelcam.world.cameras) + len(large.novavms.cameras)
    total += len(large.opencameras)
    assert total >= 500
    assert build("large").credentials() == large.credentials()
    empty = build("empty", lambda: START)
    assert empty.novavms.cameras == {}
    assert empty.clock() == START
    assert set(empty.credentials()["novavms"]["api_keys"]) == {"admin", "operator", "viewer"}
    with pytest.raises(ValueError, match="unknown scenario"):
        build("huge")


async def test_activity_runs_only_when_started() -> None:
    """Background activity is off by default, on with activity=True, cancelled on exit."""
    async with SimulatorStack("demo", clock=SimClock(START)) as quiet:
        assert quiet.scenario._activity is None
    async with SimulatorStack("demo", clock=SimClock(START), activity=True) as busy:
        scenario = busy.scenario
        assert scenario._activity is not None
        scenario.start_activity()  # idempotent
        before = len(busy.novavms.state.events)
        rng = random.Random(3)
        for _ in range(8):
            scenario.activity_step(rng)
        assert len(busy.novavms.state.events) > before
        statuses = {c.status for c in busy.novavms.state.cameras.values()}
        assert "offline" in statuses
    assert scenario._activity is None
    with pytest.raises(RuntimeError, match="not running"):
        _ = busy.scenario


async def test_activity_with_no_cameras() -> None:
    """An empty scenario's activity does nothing and does not fail."""
    scenario = build("empty", SimClock(START))
    scenario.activity_step(random.Random(1))
    assert scenario.novavms.events == {}
    scenario.start_activity(interval=0.001)
    await scenario.close()


async def test_fixed_ports_and_failed_bind(session: aiohttp.ClientSession) -> None:
    """Given ports are used (devices on consecutive ports); a busy port fails and cleans up."""
    port = free_ports()
    async with SimulatorStack("demo", ports={"novavms": port}) as stack:
        assert stack.novavms.url == f"http://127.0.0.1:{port}"
        with pytest.raises(OSError, match="address already in use"):
            async with SimulatorStack("demo", ports={"novavms": port}) as clash:
                pytest.fail(f"started on a busy port: {clash}")
    base = free_ports(2)
    async with SimulatorStack("demo", ports={"opencamera": base}) as stack:
        assert [s.port for s in stack.opencameras] == [base, base + 1]
