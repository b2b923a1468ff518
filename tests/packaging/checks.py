"""Our own stand-in for hassfest and the HACS action: each check returns a list of problems.

hassfest and the HACS action cannot run on our machines, so these functions re-state what they
check (see README, "Packaging checks"). Every check takes paths, so tests can point it at a
deliberately broken copy of the tree and prove that it fails.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
import json
from pathlib import Path
import re
from typing import Any
from urllib.parse import urlparse

from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
from homeassistant.const import Platform
import yaml

MANIFEST_KEYS = frozenset(
    {
        "domain",
        "name",
        "after_dependencies",
        "bluetooth",
        "codeowners",
        "config_flow",
        "dependencies",
        "dhcp",
        "disabled",
        "documentation",
        "homekit",
        "import_executor",
        "integration_type",
        "iot_class",
        "issue_tracker",
        "loggers",
        "mqtt",
        "quality_scale",
        "requirements",
        "single_config_entry",
        "ssdp",
        "usb",
        "version",
        "zeroconf",
    }
)
IOT_CLASSES = frozenset(
    {
        "assumed_state",
        "calculated",
        "cloud_polling",
        "cloud_push",
        "local_polling",
        "local_push",
    }
)
INTEGRATION_TYPES = frozenset(
    {"device", "entity", "hardware", "helper", "hub", "service", "system"}
)
VERSION_STRATEGIES = frozenset(
    {
        AwesomeVersionStrategy.CALVER,
        AwesomeVersionStrategy.SEMVER,
        AwesomeVersionStrategy.SIMPLEVER,
        AwesomeVersionStrategy.BUILDVER,
        AwesomeVersionStrategy.PEP440,
    }
)
HACS_KEYS = frozenset(
    {
        "name",
        "content_in_root",
        "country",
        "filename",
        "hacs",
        "hide_default_branch",
        "homeassistant",
        "persistent_directory",
        "render_readme",
        "zip_release",
    }
)
# Components hassfest lets any integration import without listing them as dependencies.
ALLOWED_COMPONENTS = frozenset(
    {
        "automation",
        "conversation",
        "device_automation",
        "file_upload",
        "frontend",
        "group",
        "homeassistant",
        "media_source",
        "onboarding",
        "persistent_notification",
        "person",
        "script",
        "stream",
        "system_health",
        "webhook",
        "websocket_api",
        "zone",
    }
)
TRANSLATION_KEY = re.compile(r"^[a-z0-9_]+$")
QUALITY_RULES = frozenset(
    [
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow",
        "config-flow-test-coverage",
        "dependency-transparency",
        "docs-actions",
        "docs-conditions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "docs-triggers",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
        "devices",
        "diagnostics",
        "discovery",
        "discovery-update-info",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
        "async-dependency",
        "inject-websession",
        "strict-typing",
    ]
)


def _load_json(path: Path, problems: list[str]) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{path.name}: missing")
    except json.JSONDecodeError as err:
        problems.append(f"{path.name}: invalid JSON ({err})")
    return None


def _is_url(value: object, *, https: bool = False) -> bool:
    if not isinstance(value, str):
        return False
    parsed = urlparse(value)
    schemes = {"https"} if https else {"http", "https"}
    return parsed.scheme in schemes and bool(parsed.netloc)


def check_manifest(integration: Path) -> list[str]:
    """What hassfest's manifest plugin and HACS's integration_manifest check demand."""
    problems: list[str] = []
    manifest = _load_json(integration / "manifest.json", problems)
    if not isinstance(manifest, dict):
        return problems or ["manifest.json: not an object"]
    problems.extend(
        f"manifest.json: unknown key {key!r}" for key in manifest.keys() - MANIFEST_KEYS
    )
    for key in ("domain", "name", "codeowners", "documentation", "issue_tracker", "version"):
        if key not in manifest:
            problems.append(f"manifest.json: missing {key!r}")
    if manifest.get("domain") != integration.name:
        problems.append("manifest.json: domain does not match the directory name")
    keys = list(manifest)
    if keys[:2] != ["domain", "name"] or keys[2:] != sorted(keys[2:]):
        problems.append("manifest.json: keys are not sorted (domain, name, then alphabetical)")
    if "documentation" in manifest and (
        not _is_url(manifest["documentation"], https=True)
        or str(manifest["documentation"]).startswith("https://www.home-assistant.io/integrations")
    ):
        problems.append("manifest.json: documentation must be an https URL of our own")
    if "issue_tracker" in manifest and not _is_url(manifest["issue_tracker"]):
        problems.append("manifest.json: issue_tracker must be a URL")
    owners = manifest.get("codeowners")
    if not isinstance(owners, list) or not owners or not all(isinstance(o, str) for o in owners):
        problems.append("manifest.json: codeowners must be a non-empty list of strings")
    if "version" in manifest:
        version = AwesomeVersion(str(manifest["version"]))
        if version.strategy not in VERSION_STRATEGIES:
            problems.append("manifest.json: version is not CalVer, SemVer, SimpleVer or PEP 440")
    if manifest.get("iot_class") not in IOT_CLASSES:
        problems.append("manifest.json: iot_class missing or unknown")
    if manifest.get("integration_type", "hub") not in INTEGRATION_TYPES:
        problems.append("manifest.json: integration_type unknown")
    for key in ("dependencies", "after_dependencies", "requirements"):
        value = manifest.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"manifest.json: {key} must be a list of strings")
    if manifest.get("config_flow") is True and not (integration / "config_flow.py").is_file():
        problems.append("manifest.json: config_flow is true but config_flow.py is missing")
    return problems


def check_hacs(root: Path, minimum_homeassistant: str) -> list[str]:
    """What HACS's hacsjson check demands, plus our floor matching the minimum lane."""
    problems: list[str] = []
    hacs = _load_json(root / "hacs.json", problems)
    if not isinstance(hacs, dict):
        return problems or ["hacs.json: not an object"]
    problems.extend(f"hacs.json: unknown key {key!r}" for key in hacs.keys() - HACS_KEYS)
    if not isinstance(hacs.get("name"), str):
        problems.append("hacs.json: name is required")
    if hacs.get("zip_release") and "filename" not in hacs:
        problems.append("hacs.json: zip_release needs filename")
    if hacs.get("homeassistant") != minimum_homeassistant:
        problems.append(
            f"hacs.json: homeassistant must be the minimum lane's {minimum_homeassistant}"
        )
    integrations = sorted(p for p in (root / "custom_components").iterdir() if p.is_dir())
    integrations = [p for p in integrations if not p.name.startswith("__")]
    if len(integrations) != 1:
        problems.append("custom_components/ must hold exactly one integration for HACS")
    if not any((root / name).is_file() for name in ("README.md", "README", "info.md")):
        problems.append("no README.md or info.md")
    return problems


def check_brand(integration: Path) -> list[str]:
    """HACS's brands check, and the image sizes Home Assistant's brand folder expects."""
    from PIL import Image

    problems: list[str] = []
    expected = {"icon.png": (256, 256), "icon@2x.png": (512, 512), "logo.png": None}
    for name, size in expected.items():
        path = integration / "brand" / name
        if not path.is_file():
            problems.append(f"brand/{name}: missing")
            continue
        try:
            with Image.open(path) as image:
                image.verify()
                actual = image.size
                fmt = image.format
        except OSError:
            problems.append(f"brand/{name}: not a readable image")
            continue
        if fmt != "PNG":
            problems.append(f"brand/{name}: not a PNG")
        if size is not None and actual != size:
            problems.append(f"brand/{name}: is {actual}, expected {size}")
    return problems


def check_translations(integration: Path) -> list[str]:
    """strings.json and translations/en.json are the same file, and keys are well formed."""
    problems: list[str] = []
    strings_path = integration / "strings.json"
    en_path = integration / "translations" / "en.json"
    strings = _load_json(strings_path, problems)
    english = _load_json(en_path, problems)
    if problems:
        return problems
    if strings != english:
        problems.append("translations/en.json differs from strings.json")
        problems.extend(
            f"translations/en.json: {path} missing"
            for path in sorted(set(_leaf_paths(strings)) - set(_leaf_paths(english)))
        )
        problems.extend(
            f"strings.json: {path} missing"
            for path in sorted(set(_leaf_paths(english)) - set(_leaf_paths(strings)))
        )
    for platform, entities in strings.get("entity", {}).items():
        if platform not in {p.value for p in Platform}:
            problems.append(f"strings.json: entity platform {platform!r} unknown")
        problems.extend(
            f"strings.json: entity.{platform}.{key} is not a valid translation key"
            for key in entities
            if not TRANSLATION_KEY.match(key)
        )
    return problems


def _leaf_paths(tree: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _leaf_paths(value, f"{prefix}.{key}" if prefix else key)
    else:
        yield prefix


def check_services(integration: Path) -> list[str]:
    """services.yaml and the `services` section of strings.json describe the same actions."""
    problems: list[str] = []
    strings = _load_json(integration / "strings.json", problems) or {}
    services_path = integration / "services.yaml"
    declared: dict[str, Any] = {}
    if services_path.is_file():
        declared = yaml.safe_load(services_path.read_text(encoding="utf-8")) or {}
    described: dict[str, Any] = strings.get("services", {})
    for name in declared.keys() - described.keys():
        problems.append(f"services.yaml: {name} has no strings.json services entry")
    for name in described.keys() - declared.keys():
        problems.append(f"strings.json: service {name} is not in services.yaml")
    for name in declared.keys() & described.keys():
        text = described[name]
        for key in ("name", "description"):
            if not text.get(key):
                problems.append(f"strings.json: services.{name}.{key} missing")
        fields = (declared[name] or {}).get("fields", {}) or {}
        for field in fields:
            field_text = text.get("fields", {}).get(field, {})
            if not field_text.get("name") or not field_text.get("description"):
                problems.append(f"strings.json: services.{name}.fields.{field} undescribed")
        for field in text.get("fields", {}).keys() - fields.keys():
            problems.append(f"strings.json: services.{name}.fields.{field} not in services.yaml")
    return problems


def check_icons(integration: Path) -> list[str]:
    """icons.json names only translation keys and services that exist."""
    problems: list[str] = []
    icons_path = integration / "icons.json"
    if not icons_path.is_file():
        return problems
    icons = _load_json(icons_path, problems) or {}
    strings = _load_json(integration / "strings.json", problems) or {}
    entity_strings = strings.get("entity", {})
    for platform, keys in icons.get("entity", {}).items():
        for key, spec in keys.items():
            if key not in entity_strings.get(platform, {}):
                problems.append(f"icons.json: entity.{platform}.{key} has no translation key")
            if "default" not in spec:
                problems.append(f"icons.json: entity.{platform}.{key} has no default icon")
    services = strings.get("services", {})
    problems.extend(
        f"icons.json: services.{name} is not a service"
        for name in icons.get("services", {})
        if name not in services
    )
    return problems


def check_quality_scale(integration: Path) -> list[str]:
    """quality_scale.yaml lists every rule once, as todo, done, or exempt with a reason."""
    path = integration / "quality_scale.yaml"
    if not path.is_file():
        return ["quality_scale.yaml: missing"]
    rules = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules", {})
    problems = [
        f"quality_scale.yaml: rule {r} missing" for r in sorted(QUALITY_RULES - rules.keys())
    ]
    problems.extend(
        f"quality_scale.yaml: unknown rule {r}" for r in sorted(rules.keys() - QUALITY_RULES)
    )
    for rule, value in rules.items():
        status = value.get("status") if isinstance(value, dict) else value
        if status not in {"todo", "done", "exempt"}:
            problems.append(f"quality_scale.yaml: {rule} has status {status!r}")
        if status == "exempt" and not (isinstance(value, dict) and value.get("comment")):
            problems.append(f"quality_scale.yaml: {rule} is exempt without a comment")
    return problems


def _component_imports(tree: ast.AST) -> Iterator[tuple[str, int]]:
    """Yield (component, line) for homeassistant.components imports outside TYPE_CHECKING."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Name)
            and node.test.id == "TYPE_CHECKING"
        ):
            skip.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        modules: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
            if node.module == "homeassistant.components":
                modules = [f"homeassistant.components.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        line = node.lineno
        for module in modules:
            parts = module.split(".")
            if parts[:2] == ["homeassistant", "components"] and len(parts) > 2:
                if parts[2:4] == ["http", "auth"]:
                    continue  # hassfest exempts http.auth (async_sign_path)
                yield parts[2], line


def check_dependencies(integration: Path) -> list[str]:
    """Every homeassistant.components.X import is covered by dependencies, as hassfest demands."""
    problems: list[str] = []
    manifest = _load_json(integration / "manifest.json", problems) or {}
    covered = set(manifest.get("dependencies", [])) | set(manifest.get("after_dependencies", []))
    platforms = {p.value for p in Platform}
    own_modules = {p.stem for p in integration.glob("*.py")}
    for path in sorted(integration.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for component, line in _component_imports(tree):
            if component in covered | platforms | ALLOWED_COMPONENTS | own_modules:
                continue
            rel = path.relative_to(integration)
            problems.append(
                f"{rel}:{line}: uses component {component} but it is not in dependencies"
            )
    return problems


def check_all(root: Path, minimum_homeassistant: str) -> list[str]:
    """Every packaging check over the tree at root."""
    integration = root / "custom_components" / "camhub"
    return [
        *check_manifest(integration),
        *check_hacs(root, minimum_homeassistant),
        *check_brand(integration),
        *check_translations(integration),
        *check_services(integration),
        *check_icons(integration),
        *check_dependencies(integration),
        *check_quality_scale(integration),
    ]
