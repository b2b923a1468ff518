"""Drive a real Home Assistant from outside: its process, onboarding, tokens, REST and websocket."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import contextlib
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import sys
from typing import Any

import aiohttp

CLIENT_ID = "http://127.0.0.1/"  # IndieAuth client id; HA requires a URL
CONFIGURATION = """\
# Written by scripts/demo: a minimal Home Assistant for the CamHub demo.
homeassistant:
  name: CamHub demo
  time_zone: UTC
  country: CZ
  unit_system: metric
  external_url: "{url}"
  internal_url: "{url}"
frontend:
config:
logbook:
history:
stream:
http:
  server_host: 127.0.0.1
  server_port: {port}
logger:
  default: warning
  logs:
    custom_components.camhub: info
"""


class HomeAssistantError(RuntimeError):
    """Home Assistant did not do what the demo asked."""


@dataclass
class Login:
    """The demo user's credentials and the tokens the runner holds."""

    username: str = "demo"
    password: str = "camhub-demo"  # noqa: S105 - the demo's printed, local-only login
    access_token: str = ""
    refresh_token: str = ""
    expires_in: int = 1800


@dataclass
class HomeAssistantProcess:
    """A `hass` process with its own configuration directory, bound to 127.0.0.1."""

    config_dir: Path
    port: int
    python: Path = field(default_factory=lambda: Path(sys.executable))
    process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        """Base URL of the running instance."""
        return f"http://127.0.0.1:{self.port}"

    def prepare(self, integration: Path) -> None:
        """Write configuration.yaml and link our integration into custom_components."""
        self.config_dir.mkdir(parents=True, exist_ok=True)
        (self.config_dir / "configuration.yaml").write_text(
            CONFIGURATION.format(url=self.url, port=self.port)
        )
        custom = self.config_dir / "custom_components"
        custom.mkdir(exist_ok=True)
        link = custom / "camhub"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(integration.resolve(), target_is_directory=True)

    async def start(self, session: aiohttp.ClientSession, wait: float = 180) -> None:
        """Start hass and wait until its HTTP server answers."""
        log = (self.config_dir / "demo-hass.log").open("ab")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = await asyncio.create_subprocess_exec(
            str(self.python),
            "-m",
            "homeassistant",
            "--config",
            str(self.config_dir),
            "--skip-pip",
            stdout=log,
            stderr=log,
            env=env,
        )
        log.close()
        deadline = asyncio.get_running_loop().time() + wait
        while asyncio.get_running_loop().time() < deadline:
            if self.process.returncode is not None:
                log_path = self.config_dir / "demo-hass.log"
                raise HomeAssistantError(
                    f"hass exited with {self.process.returncode}; see {log_path}"
                )
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(
                    f"{self.url}/api/onboarding", timeout=aiohttp.ClientTimeout(total=2)
                ) as resp:
                    if resp.status in {200, 401, 404}:
                        return
            await asyncio.sleep(0.5)
        raise HomeAssistantError(f"hass did not answer within {wait:.0f} s")

    async def stop(self) -> None:
        """Stop hass gracefully (SIGTERM), then kill it if it lingers."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 60)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


class HomeAssistantClient:
    """REST and websocket calls against a running instance, as the demo user."""

    def __init__(self, session: aiohttp.ClientSession, url: str, login: Login) -> None:
        self._session = session
        self.url = url
        self.login = login
        self._msg_id = 0

    @property
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.login.access_token}"}

    async def _token(self, data: Mapping[str, str]) -> None:
        async with self._session.post(f"{self.url}/auth/token", data=data) as resp:
            body = await resp.json()
            if resp.status != 200:
                raise HomeAssistantError(f"token request failed: {resp.status}")
        self.login.access_token = body["access_token"]
        self.login.refresh_token = body.get("refresh_token", self.login.refresh_token)
        self.login.expires_in = int(body.get("expires_in", 1800))

    async def onboarded(self) -> bool:
        """Whether the user step of onboarding is done."""
        async with self._session.get(f"{self.url}/api/onboarding") as resp:
            if resp.status == 404:  # onboarding finished long ago and unloaded
                return True
            steps = await resp.json()
        return all(step["done"] for step in steps if step["step"] == "user")

    async def onboard(self) -> None:
        """Create the demo user and finish every onboarding step."""
        async with self._session.post(
            f"{self.url}/api/onboarding/users",
            json={
                "client_id": CLIENT_ID,
                "name": "Demo",
                "username": self.login.username,
                "password": self.login.password,
                "language": "en",
            },
        ) as resp:
            if resp.status != 200:
                raise HomeAssistantError(f"onboarding user step failed: {resp.status}")
            code = (await resp.json())["auth_code"]
        await self._token(
            {"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID}
        )
        for step, payload in (
            ("core_config", {}),
            ("analytics", {}),
            ("integration", {"client_id": CLIENT_ID, "redirect_uri": CLIENT_ID}),
        ):
            async with self._session.post(
                f"{self.url}/api/onboarding/{step}", json=payload, headers=self._headers
            ) as resp:
                if resp.status not in {200, 403}:  # 403: step already done
                    raise HomeAssistantError(f"onboarding {step} failed: {resp.status}")

    async def log_in(self) -> None:
        """Get tokens for the demo user through the login flow (a second run)."""
        async with self._session.post(
            f"{self.url}/auth/login_flow",
            json={
                "client_id": CLIENT_ID,
                "handler": ["homeassistant", None],
                "redirect_uri": CLIENT_ID,
            },
        ) as resp:
            flow = await resp.json()
        async with self._session.post(
            f"{self.url}/auth/login_flow/{flow['flow_id']}",
            json={
                "client_id": CLIENT_ID,
                "username": self.login.username,
                "password": self.login.password,
            },
        ) as resp:
            result = await resp.json()
            if result.get("type") != "create_entry":
                raise HomeAssistantError(f"demo login failed: {result.get('errors')}")
        await self._token(
            {"grant_type": "authorization_code", "code": result["result"], "client_id": CLIENT_ID}
        )

    async def rest(self, method: str, path: str, payload: Any = None) -> Any:
        """Call the REST API and return its JSON body."""
        async with self._session.request(
            method, f"{self.url}{path}", json=payload, headers=self._headers
        ) as resp:
            if resp.status >= 400:
                raise HomeAssistantError(f"{method} {path}: {resp.status} {await resp.text()}")
            return await resp.json(content_type=None)

    async def ws(self, *commands: Mapping[str, Any]) -> list[Any]:
        """Send websocket commands one after another and return their results."""
        results: list[Any] = []
        async with self._session.ws_connect(f"{self.url}/api/websocket") as socket:
            await socket.receive_json()  # auth_required
            await socket.send_json({"type": "auth", "access_token": self.login.access_token})
            if (await socket.receive_json())["type"] != "auth_ok":
                raise HomeAssistantError("websocket authentication failed")
            for command in commands:
                self._msg_id += 1
                await socket.send_json({"id": self._msg_id, **command})
                while True:
                    message = await socket.receive_json()
                    if message.get("id") == self._msg_id and message["type"] == "result":
                        break
                if not message["success"]:
                    raise HomeAssistantError(f"{command['type']}: {json.dumps(message)}")
                results.append(message["result"])
        return results
