"""The demo stack: the simulators plus a real Home Assistant with CamHub configured for them."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
import json
import logging
from pathlib import Path
import sys
from typing import Any, Self

import aiohttp

from simulator.stack import SimulatorStack

from .dashboard import build_dashboard
from .homeassistant import HomeAssistantClient, HomeAssistantError, HomeAssistantProcess, Login

_LOGGER = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
INTEGRATION = ROOT / "custom_components" / "camhub"
DASHBOARD = "camhub-demo"  # Lovelace url paths need a hyphen


@dataclass(kw_only=True)
class DemoPorts:
    """Where everything listens; fixed for the demo so its saved entries stay valid."""

    homeassistant: int = 8123
    angelcam: int = 18081
    novavms: int = 18082
    opencamera: int = 18083


def flow_inputs(credentials: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The config-flow answers that connect CamHub to each simulator, by menu option."""
    angelcam, novavms = credentials["angelcam"], credentials["novavms"]
    inputs: list[tuple[str, dict[str, Any]]] = [
        (
            "angelcam",
            {"access_token": angelcam["personal_access_token"], "url": angelcam["url"]},
        ),
        ("novavms", {"url": novavms["url"], "api_key": novavms["api_keys"]["admin"]}),
    ]
    inputs.extend(
        (
            "opencamera",
            {
                "host": "127.0.0.1",
                "port": device["port"],
                "username": device["username"],
                "password": device["password"],
            },
        )
        for device in credentials["opencamera"].get("devices", [])
    )
    return inputs


class DemoStack:
    """Start, configure and stop the whole demo; a second start reuses the prepared state."""

    def __init__(
        self,
        state_dir: Path,
        ports: DemoPorts | None = None,
        *,
        activity: bool = True,
        python: Path | None = None,
    ) -> None:
        """Describe the stack; nothing runs before ``async with``.

        ``python`` runs Home Assistant (default: this interpreter); the next-release smoke
        test points it at another lane's venv.
        """
        self.state_dir = state_dir
        self.ports = ports or DemoPorts()
        self.simulators = SimulatorStack(
            scenario="demo",
            ports={
                "angelcam": self.ports.angelcam,
                "novavms": self.ports.novavms,
                "opencamera": self.ports.opencamera,
            },
            activity=activity,
        )
        self.hass = HomeAssistantProcess(
            config_dir=self.config_dir,
            port=self.ports.homeassistant,
            python=python or Path(sys.executable),
        )
        self._client: HomeAssistantClient | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def client(self) -> HomeAssistantClient:
        """The logged-in Home Assistant client (only while the stack runs)."""
        if self._client is None:
            raise RuntimeError("the demo stack is not running")
        return self._client

    @property
    def config_dir(self) -> Path:
        """Home Assistant's configuration directory."""
        return self.state_dir / "config"

    @property
    def tokens_file(self) -> Path:
        """Where the demo user's browser tokens are written (for the screenshot)."""
        return self.state_dir / "tokens.json"

    async def __aenter__(self) -> Self:
        """Start the simulators and Home Assistant, then make sure CamHub is configured."""
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Stop everything this stack started."""
        await self.stop()

    async def start(self) -> None:
        """Bring the stack up."""
        self._session = aiohttp.ClientSession()
        await self.simulators.__aenter__()
        self.hass.prepare(INTEGRATION)
        await self.hass.start(self._session)
        self._client = HomeAssistantClient(self._session, self.hass.url, Login())
        if await self.client.onboarded():
            await self.client.log_in()
        else:
            await self.client.onboard()
        await self._confirm_http_config()
        await self._configure_camhub()
        await self._save_dashboard()
        self.tokens_file.write_text(
            json.dumps(
                {
                    "access_token": self.client.login.access_token,
                    "refresh_token": self.client.login.refresh_token,
                    "expires_in": self.client.login.expires_in,
                }
            )
        )

    async def stop(self) -> None:
        """Stop Home Assistant, the simulators and the HTTP session."""
        await self.hass.stop()
        await self.simulators.close()
        if self._session is not None:
            await self._session.close()

    async def _configure_camhub(self) -> None:
        """Create one CamHub entry per simulator account or device that is not set up yet."""
        entries = await self.client.rest("GET", "/api/config/config_entries/entry")
        if any(entry["domain"] == "camhub" for entry in entries):
            return  # a second run: the entries from the first are still there
        for option, answers in flow_inputs(self.simulators.credentials()):
            # An account with several spaces gets one entry per space: choice 0, 1, ...
            choice = 0
            while await self._run_flow(option, answers, choice) == "create_entry":
                choice += 1
        await self._wait_for_entities()

    async def _run_flow(self, option: str, answers: dict[str, Any], choice: int) -> str:
        """Run one CamHub config flow; later forms take option number `choice`.

        Returns how the flow ended: "create_entry", or "last_choice" when a form had no
        option number `choice` (every space is configured), or "single" for flows without
        choices (they run once).
        """
        path = "/api/config/config_entries/flow"
        flow = await self.client.rest("POST", path, {"handler": "camhub"})
        url = f"{path}/{flow['flow_id']}"
        await self.client.rest("POST", url, {"next_step_id": option})
        submit, chose = answers, False
        for _ in range(12):
            result = await self.client.rest("POST", url, submit)
            if result["type"] != "form":
                break
            if result.get("errors"):
                # Angelcam allows 20 requests a minute; entries set up moments ago spend them.
                if result["errors"].get("base") != "rate_limited":
                    raise RuntimeError(f"CamHub {option} flow: {result['errors']}")
                await asyncio.sleep(10)
                continue
            picked = pick_choices(result["data_schema"], choice)
            if picked is None:
                await self.client.rest("DELETE", url)
                return "last_choice"
            submit, chose = picked, True
        if result["type"] != "create_entry":
            raise RuntimeError(f"CamHub {option} flow ended with {result}")
        return "create_entry" if chose else "single"

    async def _wait_for_entities(self, attempts: int = 240) -> None:
        """Wait until every CamHub entry is loaded."""
        for _ in range(attempts):
            entries = await self.client.rest("GET", "/api/config/config_entries/entry")
            ours = [e for e in entries if e["domain"] == "camhub"]
            if ours and all(e["state"] == "loaded" for e in ours):
                return
            await asyncio.sleep(0.5)
        raise RuntimeError("CamHub entries did not load")

    async def camhub_entity_ids(self) -> set[str]:
        """Entity ids that belong to CamHub, from the entity registry."""
        (registry,) = await self.client.ws({"type": "config/entity_registry/list"})
        return {e["entity_id"] for e in registry if e["platform"] == "camhub"}

    async def _confirm_http_config(self) -> None:
        """Keep the YAML HTTP settings (HA 2026.10+ asks to confirm them, or reverts)."""
        # Nothing pending (a second run) or an HA without this step answers with an error.
        with contextlib.suppress(HomeAssistantError):
            await self.client.ws({"type": "http/config/promote"})

    async def _save_dashboard(self) -> None:
        """Write the CamHub dashboard (its own, in the sidebar) with every CamHub entity."""
        await self._wait_for_entities()
        states = await self.client.rest("GET", "/api/states")
        config = build_dashboard(states, await self.camhub_entity_ids())
        (dashboards,) = await self.client.ws({"type": "lovelace/dashboards/list"})
        if not any(d["url_path"] == DASHBOARD for d in dashboards):
            await self.client.ws(
                {
                    "type": "lovelace/dashboards/create",
                    "url_path": DASHBOARD,
                    "title": "CamHub",
                    "icon": "mdi:cctv",
                    "show_in_sidebar": True,
                    "require_admin": False,
                    "mode": "storage",
                }
            )
        await self.client.ws(
            {"type": "lovelace/config/save", "url_path": DASHBOARD, "config": config}
        )


def pick_choices(schema: list[dict[str, Any]], index: int) -> dict[str, Any] | None:
    """Answer a form with option number `index` of each select field (None: no such option)."""
    answers: dict[str, Any] = {}
    for field_ in schema:
        options = field_.get("selector", {}).get("select", {}).get("options") or field_.get(
            "options"
        )
        if options:
            if index >= len(options):
                return None
            option = options[index]
            answers[field_["name"]] = option["value"] if isinstance(option, dict) else option[0]
    return answers
