"""Run a scenario's simulators on 127.0.0.1 as one async context manager (tests, bench, demo).

    async with SimulatorStack(scenario="demo") as stack:
        stack.novavms.url            # "http://127.0.0.1:PORT"
        stack.angelcam.url           # "http://127.0.0.1:PORT/v1"
        stack.opencamera.url         # first OpenCamera device (None in "empty")
        stack.opencameras            # every OpenCamera device
        stack.novavms.control        # "http://127.0.0.1:PORT/_sim"
        stack.novavms.state          # live state object, for tests to drive directly
        stack.novavms.faults         # that server's FaultInjector
        stack.log, stack.clock       # shared RequestLog and SimClock
        stack.credentials()          # what ``python -m simulator`` prints

Each OpenCamera device gets its own port: ``ports["opencamera"]`` for the first device, the next
ports for the others when it is not 0, free ports otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from simulator import angelcam, novavms, opencamera
from simulator.control import FaultInjector, RequestLog, SimClock
from simulator.scenario import Scenario, build

ANGELCAM_PREFIX = "/v1"


@dataclass(kw_only=True)
class Server:
    """One running simulator app."""

    vendor: str
    url: str
    control: str
    state: Any
    faults: FaultInjector
    runner: web.AppRunner
    port: int

    def as_json(self) -> dict[str, Any]:
        """URLs of this server (credentials are added by the stack)."""
        return {"url": self.url, "control": self.control, "port": self.port}


class SimulatorStack:
    """Start every simulator of a scenario; stop them and their background work on exit."""

    def __init__(
        self,
        scenario: str = "demo",
        host: str = "127.0.0.1",
        ports: Mapping[str, int] | None = None,
        *,
        activity: bool = False,
        clock: SimClock | None = None,
        fault_seed: int = 0,
    ) -> None:
        """Describe the stack; nothing runs before ``async with``."""
        self.scenario_name = scenario
        self.host = host
        self.ports = dict(ports or {})
        self.activity = activity
        self.clock = clock or SimClock()
        self.log = RequestLog(self.clock)
        self.fault_seed = fault_seed
        self.servers: list[Server] = []
        self._scenario: Scenario | None = None

    @property
    def scenario(self) -> Scenario:
        """The running scenario (only inside ``async with``)."""
        if self._scenario is None:
            raise RuntimeError("the stack is not running")
        return self._scenario

    def _server(self, vendor: str) -> Server:
        return next(s for s in self.servers if s.vendor == vendor)

    @property
    def angelcam(self) -> Server:
        """The Angelcam server."""
        return self._server("angelcam")

    @property
    def novavms(self) -> Server:
        """The NovaVMS server."""
        return self._server("novavms")

    @property
    def opencameras(self) -> list[Server]:
        """Every OpenCamera device server, in scenario order."""
        return [s for s in self.servers if s.vendor == "opencamera"]

    @property
    def opencamera(self) -> Server | None:
        """The first OpenCamera device (``None`` when the scenario has none)."""
        return next(iter(self.opencameras), None)

    @property
    def faults(self) -> dict[str, FaultInjector]:
        """Fault injectors by vendor (the first OpenCamera device under ``opencamera``)."""
        return {s.vendor: s.faults for s in reversed(self.servers)}

    async def _start(self, vendor: str, state: Any, app_factory: Any, port: int, path: str) -> None:
        faults = FaultInjector(self.fault_seed)
        app: web.Application = app_factory(state, self.log, faults)
        # No access log: live-stream paths carry tokens, which must not reach a log line.
        runner = web.AppRunner(app, shutdown_timeout=2.0, access_log=None)
        await runner.setup()
        # Register before starting so a failing bind still gets cleaned up on exit.
        server = Server(
            vendor=vendor,
            url="",
            control="",
            state=state,
            faults=faults,
            runner=runner,
            port=port,
        )
        self.servers.append(server)
        site = web.TCPSite(runner, self.host, port)
        await site.start()
        server.port = runner.addresses[0][1]
        origin = f"http://{self.host}:{server.port}"
        server.url, server.control = origin + path, origin + "/_sim"
        if isinstance(state, novavms.NovaState):
            state.origin = origin

    async def __aenter__(self) -> Self:
        """Build the scenario and start every server."""
        self._scenario = scenario = build(self.scenario_name, now=self.clock)
        try:
            await self._start(
                "angelcam",
                scenario.angelcam,
                angelcam.create_app,
                self.ports.get("angelcam", 0),
                ANGELCAM_PREFIX,
            )
            await self._start(
                "novavms",
                scenario.novavms,
                novavms.create_app,
                self.ports.get("novavms", 0),
                "",
            )
            first = self.ports.get("opencamera", 0)
            for index, device in enumerate(scenario.opencameras):
                port = first + index if first else 0
                await self._start("opencamera", device, opencamera.create_app, port, "")
            if self.activity:
                scenario.start_activity()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop everything."""
        await self.close()

    async def close(self) -> None:
        """Stop activity, servers (releasing held requests) and state resources."""
        if self._scenario is not None:
            await self._scenario.stop_activity()
        for server in reversed(self.servers):
            await server.runner.cleanup()
        self.servers.clear()
        if self._scenario is not None:
            await self._scenario.close()
            self._scenario = None

    def credentials(self) -> dict[str, Any]:
        """URLs plus credentials per vendor: the JSON line ``python -m simulator`` prints."""
        creds = self.scenario.credentials()
        devices = [
            {**server.as_json(), **device}
            for server, device in zip(self.opencameras, creds["opencamera"], strict=True)
        ]
        first = self.opencamera
        return {
            "scenario": self.scenario.name,
            "angelcam": {**self.angelcam.as_json(), **creds["angelcam"]},
            "novavms": {**self.novavms.as_json(), **creds["novavms"]},
            "opencamera": {
                **(first.as_json() if first is not None else {}),
                **(devices[0] if devices else {}),
                "devices": devices,
            },
        }
