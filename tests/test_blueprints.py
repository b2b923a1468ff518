"""Our automation blueprints load in a real Home Assistant and do their job end to end."""

from __future__ import annotations

from pathlib import Path
import re
import shutil
from typing import Any

from homeassistant.components.automation.helpers import async_get_blueprints
from homeassistant.components.blueprint import Blueprint
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import yaml

from simulator.stack import SimulatorStack

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINTS = ROOT / "blueprints" / "automation" / "camhub"
GARAGE_CAMERA = 4
HOUSE = 1


@pytest.fixture
def blueprint_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """A configuration directory with our blueprints where a user imports them."""
    folder = tmp_path / "blueprints" / "automation"
    # A copy: the blueprint integration's glob does not follow a symlinked folder.
    shutil.copytree(BLUEPRINTS, folder / "camhub")
    hass.config.config_dir = str(tmp_path)
    return folder


async def _automation(hass: HomeAssistant, name: str, inputs: dict[str, Any]) -> str:
    """Set up one automation from a blueprint; return its entity id."""
    config = {
        "automation": [
            {
                "id": name,
                "alias": name,
                "use_blueprint": {"path": f"camhub/{name}.yaml", "input": inputs},
            }
        ]
    }
    assert await async_setup_component(hass, "automation", config)
    await hass.async_block_till_done()
    entity_id = f"automation.{name}"
    state = hass.states.get(entity_id)
    assert state is not None, f"{name} did not load"
    assert state.state == "on"
    return entity_id


@pytest.mark.usefixtures("blueprint_dir")
async def test_every_blueprint_is_a_valid_automation_blueprint(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, "automation", {})
    found = await async_get_blueprints(hass).async_get_blueprints()
    names = sorted(path.removeprefix("camhub/") for path in found)
    assert names == sorted(p.name for p in BLUEPRINTS.glob("*.yaml"))
    assert len(names) >= 3
    for path, blueprint in found.items():
        assert isinstance(blueprint, Blueprint), f"{path}: {blueprint}"
        assert blueprint.domain == "automation"
        assert blueprint.metadata["source_url"].endswith(f"/blueprints/automation/{path}")


async def _notified_on_garage_motion(
    hass: HomeAssistant, stack: SimulatorStack, cameras: list[str]
) -> list[dict[str, Any]]:
    """Run the notification blueprint for `cameras`, push Garage motion; return what was sent."""
    sent: list[dict[str, Any]] = []

    @callback
    def phone(call: ServiceCall) -> None:
        sent.append(dict(call.data))

    hass.services.async_register("notify", "mobile_app_phone", phone)
    await _automation(
        hass, "notify_incident", {"notify_action": "notify.mobile_app_phone", "cameras": cameras}
    )
    stack.angelcam.state.fire_motion(GARAGE_CAMERA)
    await stack.angelcam.state.webhooks.drain()
    await hass.async_block_till_done()
    return sent


@pytest.mark.usefixtures("blueprint_dir", "angelcam_entry", "angelcam_served")
async def test_incident_notifies_with_picture_and_view_action(
    hass: HomeAssistant, stack: SimulatorStack, hass_client: ClientSessionGenerator
) -> None:
    (notification,) = await _notified_on_garage_motion(hass, stack, ["camera.garage"])
    assert notification["title"] == "Garage: Motion detected"
    assert notification["message"] == "Garage"
    data = notification["data"]
    assert data["image"].startswith("/api/camhub/incident/")
    assert data["actions"] == [{"action": "URI", "title": "View", "uri": "entityId:camera.garage"}]
    assert data["url"] == data["clickAction"] == "entityId:camera.garage"
    # The companion app fetches the picture as the logged-in user.
    image = await (await hass_client()).get(data["image"])
    assert image.status == 200
    assert (await image.read())[:2] == b"\xff\xd8"


@pytest.mark.usefixtures("blueprint_dir", "angelcam_entry", "angelcam_served")
async def test_incident_of_another_camera_is_not_sent(
    hass: HomeAssistant, stack: SimulatorStack
) -> None:
    assert await _notified_on_garage_motion(hass, stack, ["camera.front_door"]) == []


@pytest.mark.usefixtures("blueprint_dir")
async def test_location_arms_when_everyone_leaves_and_disarms_on_arrival(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    location = stack.angelcam.state.world.location(HOUSE)
    panel = "alarm_control_panel.house_arming"
    # zone.home counts the people at home; two are in.
    hass.states.async_set("zone.home", "2")
    await _automation(hass, "arm_when_away", {"arming": panel})
    hass.states.async_set("zone.home", "1")
    await hass.async_block_till_done()
    assert not location.is_armed
    hass.states.async_set("zone.home", "0")
    await hass.async_block_till_done()
    assert location.is_armed
    assert hass.states.get(panel).state == "armed_away"
    hass.states.async_set("zone.home", "1")
    await hass.async_block_till_done()
    assert not location.is_armed
    assert hass.states.get(panel).state == "disarmed"


@pytest.mark.usefixtures("blueprint_dir")
async def test_sensor_turning_on_records_a_novavms_clip(
    hass: HomeAssistant, stack: SimulatorStack, novavms_entry: MockConfigEntry
) -> None:
    hass.states.async_set("binary_sensor.front_door", "off")
    await _automation(
        hass,
        "record_clip_on_sensor",
        {"sensor": "binary_sensor.front_door", "cameras": ["camera.lobby"], "duration": 20},
    )
    before = set(stack.novavms.state.events)
    hass.states.async_set("binary_sensor.front_door", "on")
    await hass.async_block_till_done()
    clips = [e for k, e in stack.novavms.state.events.items() if k not in before]
    assert len(clips) == 1
    assert clips[0].duration_sec == 20
    assert clips[0].note == "Recorded by Home Assistant"
    # Off again changes nothing; only off -> on records.
    hass.states.async_set("binary_sensor.front_door", "off")
    await hass.async_block_till_done()
    assert len(stack.novavms.state.events) == len(before) + 1


def _readme_automations() -> list[dict[str, Any]]:
    """Every automation in the README's YAML examples."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)
    found: list[dict[str, Any]] = []
    for block in blocks:
        data = yaml.safe_load(block)
        if isinstance(data, dict) and "automation" in data:
            found.extend(data["automation"])
    return found


async def test_readme_automation_examples_are_valid(hass: HomeAssistant) -> None:
    from homeassistant.components.automation.config import async_validate_config_item

    examples = _readme_automations()
    assert len(examples) >= 2  # the incident notification and the clip with response data
    for index, example in enumerate(examples):
        assert await async_validate_config_item(hass, str(index), example) is not None
