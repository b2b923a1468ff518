"""The packaging checks pass on our tree and fail on each kind of breakage they guard against."""

from __future__ import annotations

from collections.abc import Callable
import json
from pathlib import Path
import shutil
from typing import Any

import pytest

from . import checks

ROOT = Path(__file__).resolve().parents[2]


def minimum_homeassistant() -> str:
    """The HA version the minimum lane pins (the floor hacs.json must state)."""
    for line in (ROOT / "requirements" / "minimum.txt").read_text().splitlines():
        if line.startswith("homeassistant=="):
            return line.split("==", 1)[1].strip()
    raise AssertionError("requirements/minimum.txt pins no homeassistant")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the packaged parts of the repository, free to break."""
    shutil.copytree(
        ROOT / "custom_components",
        tmp_path / "custom_components",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for name in ("hacs.json", "README.md", "info.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def integration(tree: Path) -> Path:
    return tree / "custom_components" / "camhub"


def edit_json(path: Path, change: Callable[[Any], object]) -> None:
    """Change a JSON file's object in place (what the change returns is ignored)."""
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2))


def rewrite_json(path: Path, rebuild: Callable[[Any], Any]) -> None:
    """Replace a JSON file's object with the one rebuilt from it."""
    path.write_text(json.dumps(rebuild(json.loads(path.read_text())), indent=2))


def test_repository_passes_every_check() -> None:
    assert checks.check_all(ROOT, minimum_homeassistant()) == []


def test_copy_passes_before_breaking(tree: Path) -> None:
    assert checks.check_all(tree, minimum_homeassistant()) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: m.pop("version"), "missing 'version'"),
        (lambda m: m.pop("issue_tracker"), "missing 'issue_tracker'"),
        (lambda m: m.update(bogus=1), "unknown key 'bogus'"),
        (lambda m: m.update(domain="other"), "domain does not match"),
        (lambda m: m.update(iot_class="cloud_magic"), "iot_class missing or unknown"),
        (lambda m: m.update(integration_type="virtual"), "integration_type unknown"),
        (lambda m: m.update(codeowners=[]), "codeowners must be a non-empty list"),
        (lambda m: m.update(version="not a version!"), "version is not"),
        (lambda m: m.update(documentation="http://example.com"), "documentation must be"),
        (lambda m: m.update(issue_tracker="nowhere"), "issue_tracker must be a URL"),
        (lambda m: m.update(dependencies="http"), "dependencies must be a list"),
    ],
)
def test_broken_manifest_fails(
    tree: Path, change: Callable[[dict[str, Any]], Any], expected: str
) -> None:
    edit_json(integration(tree) / "manifest.json", change)
    problems = checks.check_manifest(integration(tree))
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    "rebuild",
    [
        lambda m: {"name": m["name"], **m},
        lambda m: {k: m[k] for k in sorted(m, reverse=True)},
    ],
)
def test_unsorted_manifest_fails(tree: Path, rebuild: Callable[[dict[str, Any]], Any]) -> None:
    rewrite_json(integration(tree) / "manifest.json", rebuild)
    assert "manifest.json: keys are not sorted (domain, name, then alphabetical)" in (
        checks.check_manifest(integration(tree))
    )


def test_manifest_not_json_fails(tree: Path) -> None:
    (integration(tree) / "manifest.json").write_text("{")
    assert any("invalid JSON" in p for p in checks.check_manifest(integration(tree)))


def test_manifest_config_flow_needs_module(tree: Path) -> None:
    edit_json(integration(tree) / "manifest.json", lambda m: m.update(config_flow=True))
    (integration(tree) / "config_flow.py").unlink(missing_ok=True)
    problems = checks.check_manifest(integration(tree))
    assert any("config_flow.py is missing" in p for p in problems)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda h: h.update(render_readme=True, domains=["camera"]), "unknown key 'domains'"),
        (lambda h: h.pop("name"), "name is required"),
        (lambda h: h.update(zip_release=True), "zip_release needs filename"),
        (lambda h: h.update(homeassistant="2024.1.0"), "homeassistant must be"),
    ],
)
def test_broken_hacs_json_fails(
    tree: Path, change: Callable[[dict[str, Any]], Any], expected: str
) -> None:
    edit_json(tree / "hacs.json", change)
    problems = checks.check_hacs(tree, minimum_homeassistant())
    assert any(expected in p for p in problems), problems


def test_hacs_needs_one_integration_and_a_readme(tree: Path) -> None:
    (tree / "custom_components" / "second").mkdir()
    (tree / "README.md").unlink()
    (tree / "info.md").unlink()
    problems = checks.check_hacs(tree, minimum_homeassistant())
    assert any("exactly one integration" in p for p in problems)
    assert any("no README.md" in p for p in problems)


def test_missing_or_wrong_brand_fails(tree: Path) -> None:
    brand = integration(tree) / "brand"
    (brand / "logo.png").unlink()
    (brand / "icon@2x.png").write_bytes(b"not an image")
    problems = checks.check_brand(integration(tree))
    assert "brand/logo.png: missing" in problems
    assert "brand/icon@2x.png: not a readable image" in problems


def test_brand_icon_of_wrong_size_fails(tree: Path) -> None:
    brand = integration(tree) / "brand"
    shutil.copy(brand / "icon@2x.png", brand / "icon.png")
    problems = checks.check_brand(integration(tree))
    assert any(p.startswith("brand/icon.png: is (512, 512)") for p in problems), problems


def test_brand_that_is_not_png_fails(tree: Path) -> None:
    from PIL import Image

    path = integration(tree) / "brand" / "logo.png"
    Image.new("RGB", (10, 10)).save(path, format="JPEG")
    assert "brand/logo.png: not a PNG" in checks.check_brand(integration(tree))


def test_translation_key_removed_fails(tree: Path) -> None:
    path = integration(tree) / "translations" / "en.json"
    first = next(iter(json.loads((integration(tree) / "strings.json").read_text())))
    edit_json(path, lambda t: t.pop(first))
    problems = checks.check_translations(integration(tree))
    assert "translations/en.json differs from strings.json" in problems
    assert any(p.startswith(f"translations/en.json: {first}") for p in problems), problems


def test_translation_key_added_fails(tree: Path) -> None:
    path = integration(tree) / "translations" / "en.json"
    edit_json(path, lambda t: t.setdefault("common", {}).update(extra="x"))
    problems = checks.check_translations(integration(tree))
    assert "strings.json: common.extra missing" in problems


def test_bad_entity_translation_keys_fail(tree: Path) -> None:
    for name in ("strings.json", "translations/en.json"):
        edit_json(
            integration(tree) / name,
            lambda t: t.setdefault("entity", {}).update(
                {"teleporter": {"x": {"name": "X"}}, "sensor": {"Bad-Key": {"name": "B"}}}
            ),
        )
    problems = checks.check_translations(integration(tree))
    assert "strings.json: entity platform 'teleporter' unknown" in problems
    assert "strings.json: entity.sensor.Bad-Key is not a valid translation key" in problems


def test_missing_translation_file_fails(tree: Path) -> None:
    (integration(tree) / "translations" / "en.json").unlink()
    assert checks.check_translations(integration(tree)) == ["en.json: missing"]


def _write_services(tree: Path, yaml_text: str, strings_services: dict[str, Any]) -> None:
    (integration(tree) / "services.yaml").write_text(yaml_text)
    for name in ("strings.json", "translations/en.json"):
        edit_json(integration(tree) / name, lambda t: t.update(services=strings_services))


def test_services_and_strings_must_agree(tree: Path) -> None:
    _write_services(
        tree,
        "ring:\n  fields:\n    loud:\n      selector:\n        boolean:\nwave:\n  fields: {}\n",
        {
            "ring": {"name": "Ring", "description": "", "fields": {"soft": {"name": "S"}}},
            "dance": {"name": "Dance", "description": "Dance"},
        },
    )
    problems = checks.check_services(integration(tree))
    assert "services.yaml: wave has no strings.json services entry" in problems
    assert "strings.json: service dance is not in services.yaml" in problems
    assert "strings.json: services.ring.description missing" in problems
    assert "strings.json: services.ring.fields.loud undescribed" in problems
    assert "strings.json: services.ring.fields.soft not in services.yaml" in problems


def test_icons_must_name_existing_keys(tree: Path) -> None:
    (integration(tree) / "icons.json").write_text(
        json.dumps(
            {
                "entity": {"sensor": {"ghost": {"state": {}}}},
                "services": {"teleport": {"service": "mdi:star"}},
            }
        )
    )
    problems = checks.check_icons(integration(tree))
    assert "icons.json: entity.sensor.ghost has no translation key" in problems
    assert "icons.json: entity.sensor.ghost has no default icon" in problems
    assert "icons.json: services.teleport is not a service" in problems


def test_component_import_needs_dependency(tree: Path) -> None:
    module = integration(tree) / "extra_view.py"
    module.write_text(
        '"""x."""\n'
        "from typing import TYPE_CHECKING\n"
        "from homeassistant.components.http import HomeAssistantView\n"
        "from homeassistant.components import application_credentials, camera\n"
        "import homeassistant.components.zeroconf\n"
        "from homeassistant.components.http.auth import async_sign_path\n"
        "from homeassistant.components.extra_view import something\n"
        "if TYPE_CHECKING:\n"
        "    from homeassistant.components.bluetooth import X\n"
    )
    edit_json(integration(tree) / "manifest.json", lambda m: m.update(dependencies=[]))
    problems = checks.check_dependencies(integration(tree))
    assert "extra_view.py:3: uses component http but it is not in dependencies" in problems
    assert any("component application_credentials" in p for p in problems)
    assert any("component zeroconf" in p for p in problems)
    assert not any("camera" in p or "bluetooth" in p or "extra_view but" in p for p in problems)
    assert sum("component http " in p for p in problems) == 1


def test_quality_scale_must_list_every_rule(tree: Path) -> None:
    import yaml

    path = integration(tree) / "quality_scale.yaml"
    rules = yaml.safe_load(path.read_text())["rules"]
    rules.pop("strict-typing")
    rules["made-up-rule"] = "done"
    rules["brands"] = "maybe"
    rules["docs-conditions"] = {"status": "exempt"}
    path.write_text(yaml.safe_dump({"rules": rules}))
    problems = checks.check_quality_scale(integration(tree))
    assert "quality_scale.yaml: rule strict-typing missing" in problems
    assert "quality_scale.yaml: unknown rule made-up-rule" in problems
    assert "quality_scale.yaml: brands has status 'maybe'" in problems
    assert "quality_scale.yaml: docs-conditions is exempt without a comment" in problems
    path.unlink()
    assert checks.check_quality_scale(integration(tree)) == ["quality_scale.yaml: missing"]


def _edit_both(tree: Path, change: Callable[[Any], object]) -> None:
    """Make the same change to strings.json and translations/en.json (so they stay equal)."""
    for name in ("strings.json", "translations/en.json"):
        edit_json(integration(tree) / name, change)


def _set_url_help(strings: dict[str, Any], text: str) -> None:
    strings["config"]["step"]["novavms"]["data_description"]["url"] = text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("for example https://novavms.novalien.com.", "contains a URL"),
        ("see www.example.com", "contains a URL"),
        ("an <b>address</b>", "contains HTML"),
        ("the '{example_url}' server", "placeholder inside single quotes"),
        ("the {example url} server", "placeholder {example url} is not an identifier"),
        ("the {example_url server", "has an unbalanced brace"),
        ("Start [%key:common::config_flow::data::url%]", "combines a [%key:...%] reference"),
        ("The address ", "has leading or trailing spaces"),
    ],
)
def test_hassfest_string_rules_fail(tree: Path, text: str, expected: str) -> None:
    _edit_both(tree, lambda s: _set_url_help(s, text))
    problems = checks.check_translations(integration(tree))
    where = "config.step.novavms.data_description.url"
    for name in ("strings.json", "translations/en.json"):
        assert any(p.startswith(f"{name}: {where} ") and expected in p for p in problems), problems


def test_placeholder_urls_and_plain_hosts_pass(tree: Path) -> None:
    # A host without a scheme is not a URL to hassfest (our ICE-server help names one).
    _edit_both(tree, lambda s: _set_url_help(s, "for example {example_url} or stun.example.com"))
    assert checks.check_translations(integration(tree)) == []


def test_entity_state_placeholders_fail(tree: Path) -> None:
    _edit_both(
        tree,
        lambda s: s["entity"]["sensor"].update(
            ghost={"name": "Ghost {n}", "state": {"on": "On {n}"}, "unit_of_measurement": "{u}"}
        ),
    )
    problems = checks.check_translations(integration(tree))
    assert "strings.json: entity.sensor.ghost.state.on may not contain placeholders" in problems
    assert "strings.json: entity.sensor.ghost.unit_of_measurement may not contain placeholders" in (
        problems
    )
    assert not any("entity.sensor.ghost.name" in p for p in problems)


def test_data_description_without_data_fails(tree: Path) -> None:
    _edit_both(
        tree,
        lambda s: s["config"]["step"]["novavms"]["data_description"].update(secret="Shh."),
    )
    problems = checks.check_translations(integration(tree))
    assert "strings.json: config.step.novavms.data_description.secret is not in data" in problems


def test_issue_fix_flow_data_description_checked(tree: Path) -> None:
    fix_flow = {"step": {"init": {"data": {}, "data_description": {"key": "K"}}}}
    _edit_both(tree, lambda s: s["issues"].update(fixme={"title": "T", "fix_flow": fix_flow}))
    problems = checks.check_translations(integration(tree))
    assert "strings.json: issues.fixme.fix_flow.step.init.data_description.key is not in data" in (
        problems
    )


def test_unknown_section_and_bad_keys_fail(tree: Path) -> None:
    def change(s: dict[str, Any]) -> None:
        s["entities"] = {}
        s["exceptions"]["bad__key"] = {"message": "x"}
        s["selector"]["stream_format"]["options"]["_auto"] = "x"
        s["entity"]["sensor"]["camera_status"]["state"]["Online"] = "x"
        s["config"]["step"]["user"]["title"] = 3

    _edit_both(tree, change)
    problems = checks.check_translations(integration(tree))
    assert "strings.json: unknown section 'entities'" in problems
    for path in (
        "exceptions.bad__key",
        "selector.stream_format.options._auto",
        "entity.sensor.camera_status.state.Online",
    ):
        assert f"strings.json: {path} is not a valid translation key" in problems, problems
    assert "strings.json: config.step.user.title is not a string" in problems


def test_malformed_services_yaml_fails(tree: Path) -> None:
    _write_services(
        tree,
        "Ring-Bell:\n"
        "  icon: mdi:bell\n"
        "  fields:\n"
        "    loud:\n"
        "      selector:\n"
        "        teleport:\n"
        "      filter:\n"
        "        supported_features: [x]\n"
        "      colour: red\n"
        "    more:\n"
        "      collapsed: true\n"
        "      hidden: true\n"
        "      fields:\n"
        "        loud:\n"
        "          selector:\n"
        "            select:\n"
        "              options: [a]\n"
        "              translation_key: volume\n",
        {
            "Ring-Bell": {
                "name": "Ring",
                "description": "Ring",
                "fields": {"loud": {"name": "Loud", "description": "Loud"}},
            }
        },
    )
    problems = checks.check_services(integration(tree))
    where = "services.yaml: Ring-Bell"
    assert f"{where} is not a valid service name" in problems
    assert f"{where}: unknown key 'icon'" in problems
    assert f"{where}.loud: unknown key 'colour'" in problems
    assert f"{where}.loud: filter needs a targeted service" in problems
    assert any(p.startswith(f"{where}.loud: invalid selector") for p in problems), problems
    assert f"{where}.more: unknown section key 'hidden'" in problems
    assert f"{where}.loud is used twice" in problems
    assert f"{where}.loud: selector translation_key volume is not in strings.json" in problems


def test_services_registered_without_services_yaml_fails(tree: Path) -> None:
    (integration(tree) / "services.yaml").unlink()
    problems = checks.check_services(integration(tree))
    assert "services.yaml: missing, but the integration registers services" in problems


def test_malformed_icons_fail(tree: Path) -> None:
    def change(icons: dict[str, Any]) -> None:
        icons["buttons"] = {}
        sensor = icons["entity"]["sensor"]
        sensor["camera_status"]["state"]["Offline"] = "cctv-off"
        sensor["camera_status"]["state"]["error"] = sensor["camera_status"]["default"]
        sensor["next_arming"]["default"] = "<b>mdi:x</b>"
        icons["services"]["trigger_clip"] = "movie"
        icons["services"]["create_clip"] = {"service": "mdi:cut", "sections": {"advanced": "x"}}

    edit_json(integration(tree) / "icons.json", change)
    problems = checks.check_icons(integration(tree))
    at = "icons.json: entity.sensor"
    assert "icons.json: unknown section 'buttons'" in problems
    assert f"{at}.camera_status.state.Offline is not a valid translation key" in problems
    assert f"{at}.camera_status.state.Offline is not an mdi: icon" in problems
    assert f"{at}.camera_status.state.error repeats the default icon" in problems
    assert f"{at}.next_arming.default is not an mdi: icon" in problems
    assert "icons.json: services.trigger_clip.service is not an mdi: icon" in problems
    assert "icons.json: services.create_clip.sections.advanced is not an mdi: icon" in problems
    assert not any("create_clip.service" in p for p in problems)


def test_state_attribute_icons_checked(tree: Path) -> None:
    edit_json(
        integration(tree) / "icons.json",
        lambda i: i["entity"]["event"]["events"].update(
            state_attributes={"event_type": {"default": "bell", "state": {"motion": "mdi:run"}}}
        ),
    )
    problems = checks.check_icons(integration(tree))
    assert (
        "icons.json: entity.event.events.state_attributes.event_type.default is not an mdi: icon"
        in problems
    )


def test_domain_of_a_core_integration_fails(tree: Path) -> None:
    edit_json(integration(tree) / "manifest.json", lambda m: m.update(domain="camera"))
    problems = checks.check_manifest(integration(tree))
    assert "manifest.json: domain collides with a built-in integration" in problems


def test_discoverable_flow_without_unique_id_fails(tree: Path) -> None:
    path = integration(tree) / "config_flow.py"
    path.write_text(
        path.read_text()
        .replace("self.async_set_unique_id", "self.async_set_other_id")
        .replace(
            "async def async_step_user(",
            "async def async_step_zeroconf(self, info):\n"
            "        return self.async_abort(reason='x')\n\n    async def async_step_user(",
        )
    )
    problems = checks.check_manifest(integration(tree))
    assert "config_flow.py: a discoverable flow must set a unique id" in problems


def test_doubled_or_unknown_dependencies_fail(tree: Path) -> None:
    edit_json(
        integration(tree) / "manifest.json",
        lambda m: m.update(dependencies=["http", "webhook"], after_dependencies=["http", "nope"]),
    )
    problems = checks.check_dependencies(integration(tree))
    assert "manifest.json: http is in both dependencies and after_dependencies" in problems
    assert "manifest.json: dependency nope does not exist" in problems
