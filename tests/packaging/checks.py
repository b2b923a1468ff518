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
import string
from typing import Any
from urllib.parse import urlparse

from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
from homeassistant import components
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
# hassfest's translation_key_validator: no leading, trailing or doubled separators.
HASSFEST_KEY = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")
# hassfest's translations rule: a URL belongs in a description placeholder, not in the text.
URL_IN_TEXT = re.compile(
    r"(((ftp|ftps|scp|http|https|mqtt|mqtts|socket|socks5)://|www\.)"
    r"[a-z0-9]+([\-.][a-z0-9]+)*\.[a-z]{2,5}(:[0-9]{1,5})?(/.*)?)",
    re.IGNORECASE,
)
HTML_IN_TEXT = re.compile(r"<[a-z].*?>", re.IGNORECASE)  # config_validation.string_with_no_html
QUOTED_PLACEHOLDER = re.compile(r"'{\w+}'")
COMBINED_REFERENCE = re.compile(r"(.+\[%)|(%\].+)")
STRINGS_SECTIONS = frozenset(
    {
        "application_credentials",
        "common",
        "conditions",
        "config",
        "config_panel",
        "config_subentries",
        "conversation",
        "device",
        "device_automation",
        "entity",
        "entity_component",
        "exceptions",
        "issues",
        "options",
        "preview_features",
        "selector",
        "services",
        "system_health",
        "title",
        "triggers",
    }
)
# Where hassfest refuses placeholders: entity states, state attributes and units.
NO_PLACEHOLDER_PATH = re.compile(
    r"^entity\.[^.]+\.[^.]+\.(state\.|state_attributes\.[^.]+\.(name|state\.)|unit_of_measurement)"
)
ICONS_SECTIONS = frozenset({"config", "entity", "issues", "options", "services"})
SERVICE_KEYS = frozenset({"description", "fields", "name", "target"})
FIELD_KEYS = frozenset(
    {"advanced", "default", "description", "example", "filter", "name", "required", "selector"}
)
SECTION_KEYS = frozenset({"collapsed", "description", "fields", "name"})
REGISTERS_SERVICES = re.compile(
    r"hass\.services\.(async_)?register|async_register_entity_service|async_register_admin_service"
)
DISCOVERY_STEPS = re.compile(
    r"async_step_(discovery|bluetooth|hassio|homekit|mqtt|ssdp|zeroconf|dhcp|usb)\b"
)
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
    if (Path(components.__file__).parent / str(manifest.get("domain"))).is_dir():
        problems.append("manifest.json: domain collides with a built-in integration")
    problems.extend(_config_flow_problems(integration))
    return problems


def _config_flow_problems(integration: Path) -> list[str]:
    """hassfest's config_flow rule: a discoverable flow sets a unique id."""
    path = integration / "config_flow.py"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    sets_unique_id = any(
        marker in text
        for marker in ("self.async_set_unique_id", "_async_handle_discovery_without_unique_id")
    )
    if DISCOVERY_STEPS.search(text) and not sets_unique_id:
        return ["config_flow.py: a discoverable flow must set a unique id"]
    return []


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
    for platform in strings.get("entity", {}):
        if platform not in {p.value for p in Platform}:
            problems.append(f"strings.json: entity platform {platform!r} unknown")
    problems.extend(
        f"strings.json: {path} is not a valid translation key"
        for path in _translation_key_paths(strings)
        if not _valid_key(path.rsplit(".", 1)[1])
    )
    for name, tree in (("strings.json", strings), ("translations/en.json", english)):
        problems.extend(f"{name}: {problem}" for problem in _translation_tree_problems(tree))
    return problems


def _valid_key(key: str) -> bool:
    return bool(TRANSLATION_KEY.match(key) and HASSFEST_KEY.match(key))


def _leaves(tree: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _leaves(value, f"{prefix}.{key}" if prefix else key)
    else:
        yield prefix, tree


def _leaf_paths(tree: Any) -> Iterator[str]:
    return (path for path, _ in _leaves(tree))


def _translation_key_paths(strings: dict[str, Any]) -> Iterator[str]:
    """Paths whose last part is a translation key that hassfest checks."""
    for platform, entities in strings.get("entity", {}).items():
        for key, spec in entities.items():
            yield f"entity.{platform}.{key}"
            yield from (f"entity.{platform}.{key}.state.{s}" for s in spec.get("state", {}))
            for attr, attr_spec in spec.get("state_attributes", {}).items():
                at = f"entity.{platform}.{key}.state_attributes.{attr}"
                yield at
                yield from (f"{at}.state.{s}" for s in attr_spec.get("state", {}))
    for name, selector in strings.get("selector", {}).items():
        yield from (f"selector.{name}.options.{o}" for o in selector.get("options", {}))
    for name, service in strings.get("services", {}).items():
        yield f"services.{name}"
        for part in ("fields", "sections"):
            yield from (f"services.{name}.{part}.{f}" for f in service.get(part, {}))
    yield from (f"exceptions.{key}" for key in strings.get("exceptions", {}))


def _text_problems(value: str, *, placeholders: bool) -> Iterator[str]:
    """hassfest's rules for one translated string (translations.validate_translation_value)."""
    if HTML_IN_TEXT.search(value):
        yield "contains HTML"
    if QUOTED_PLACEHOLDER.search(value):
        yield "has a placeholder inside single quotes"
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(value) if field]
    except ValueError:
        yield "has an unbalanced brace"
        fields = []
    if fields and not placeholders:
        yield "may not contain placeholders"
    yield from (f"placeholder {{{f}}} is not an identifier" for f in fields if not f.isidentifier())
    if COMBINED_REFERENCE.search(value):
        yield "combines a [%key:...%] reference with other text"
    if value != value.strip():
        yield "has leading or trailing spaces"
    if URL_IN_TEXT.search(value):
        yield "contains a URL (use a description placeholder instead)"


def _data_description_problems(prefix: str, flow: Any) -> Iterator[str]:
    """Every data_description key of a step describes a field of its data."""
    steps = flow.get("step", {}) if isinstance(flow, dict) else {}
    for step_id, step in steps.items():
        extra = set(step.get("data_description", {})) - set(step.get("data", {}))
        yield from (
            f"{prefix}.step.{step_id}.data_description.{key} is not in data"
            for key in sorted(extra)
        )


def _translation_tree_problems(tree: dict[str, Any]) -> Iterator[str]:
    """hassfest's translations rules over one file: sections, strings, data descriptions."""
    yield from (f"unknown section {key!r}" for key in sorted(tree.keys() - STRINGS_SECTIONS))
    for path, value in _leaves(tree):
        if not isinstance(value, str):
            yield f"{path} is not a string"
            continue
        allowed = not NO_PLACEHOLDER_PATH.match(path)
        yield from (f"{path} {reason}" for reason in _text_problems(value, placeholders=allowed))
    for flow in ("config", "options"):
        yield from _data_description_problems(flow, tree.get(flow, {}))
    for issue, spec in tree.get("issues", {}).items():
        yield from _data_description_problems(f"issues.{issue}.fix_flow", spec.get("fix_flow"))


def check_services(integration: Path) -> list[str]:
    """services.yaml is well formed and it and strings.json describe the same actions."""
    problems: list[str] = []
    strings = _load_json(integration / "strings.json", problems) or {}
    services_path = integration / "services.yaml"
    declared: dict[str, Any] = {}
    if services_path.is_file():
        declared = yaml.safe_load(services_path.read_text(encoding="utf-8")) or {}
    elif any(
        REGISTERS_SERVICES.search(path.read_text(encoding="utf-8"))
        for path in integration.rglob("*.py")
    ):
        problems.append("services.yaml: missing, but the integration registers services")
    described: dict[str, Any] = strings.get("services", {})
    for name, service in declared.items():
        problems.extend(_service_schema_problems(name, service or {}, strings))
    for name in declared.keys() - described.keys():
        problems.append(f"services.yaml: {name} has no strings.json services entry")
    for name in described.keys() - declared.keys():
        problems.append(f"strings.json: service {name} is not in services.yaml")
    for name in declared.keys() & described.keys():
        text = described[name]
        for key in ("name", "description"):
            if not text.get(key):
                problems.append(f"strings.json: services.{name}.{key} missing")
        fields = _service_fields(declared[name] or {})
        for field in fields:
            field_text = text.get("fields", {}).get(field, {})
            if not field_text.get("name") or not field_text.get("description"):
                problems.append(f"strings.json: services.{name}.fields.{field} undescribed")
        for field in text.get("fields", {}).keys() - fields.keys():
            problems.append(f"strings.json: services.{name}.fields.{field} not in services.yaml")
    return problems


def _service_fields(service: dict[str, Any]) -> dict[str, Any]:
    """A service's fields, those inside sections included."""
    fields: dict[str, Any] = {}
    for key, spec in (service.get("fields") or {}).items():
        if isinstance(spec, dict) and "fields" in spec:
            fields.update(spec["fields"] or {})
        else:
            fields[key] = spec or {}
    return fields


def _service_schema_problems(
    name: str, service: dict[str, Any], strings: dict[str, Any]
) -> Iterator[str]:
    """hassfest's services.yaml schema for a custom integration, and its selector checks."""
    from homeassistant.helpers import selector
    import voluptuous as vol

    where = f"services.yaml: {name}"
    if not HASSFEST_KEY.match(name) or "-" in name:
        yield f"{where} is not a valid service name"
    yield from (f"{where}: unknown key {k!r}" for k in sorted(service.keys() - SERVICE_KEYS))
    seen: set[str] = set()
    for key, spec in (service.get("fields") or {}).items():
        if isinstance(spec, dict) and "fields" in spec:
            unknown = spec.keys() - SECTION_KEYS
            yield from (f"{where}.{key}: unknown section key {k!r}" for k in sorted(unknown))
            members = spec["fields"] or {}
        else:
            members = {key: spec}
        for field, raw in members.items():
            at = f"{where}.{field}"
            if field in seen:
                yield f"{at} is used twice"
            seen.add(field)
            field_spec = raw or {}
            yield from (f"{at}: unknown key {k!r}" for k in sorted(field_spec.keys() - FIELD_KEYS))
            if "filter" in field_spec and "target" not in service:
                yield f"{at}: filter needs a targeted service"
            if "selector" not in field_spec:
                continue
            try:
                selector.validate_selector(field_spec["selector"])
            except (vol.Invalid, KeyError, TypeError, ValueError) as err:
                yield f"{at}: invalid selector ({err})"
            select = (field_spec["selector"] or {}).get("select") or {}
            key_name = select.get("translation_key")
            if key_name is not None and key_name not in strings.get("selector", {}):
                yield f"{at}: selector translation_key {key_name} is not in strings.json"


def check_icons(integration: Path) -> list[str]:
    """icons.json is well formed and names only translation keys and services that exist."""
    problems: list[str] = []
    icons_path = integration / "icons.json"
    if not icons_path.is_file():
        return problems
    icons = _load_json(icons_path, problems) or {}
    strings = _load_json(integration / "strings.json", problems) or {}
    problems.extend(
        f"icons.json: unknown section {key!r}" for key in sorted(icons.keys() - ICONS_SECTIONS)
    )
    entity_strings = strings.get("entity", {})
    for platform, keys in icons.get("entity", {}).items():
        for key, spec in keys.items():
            at = f"icons.json: entity.{platform}.{key}"
            if key not in entity_strings.get(platform, {}):
                problems.append(f"{at} has no translation key")
            if "default" not in spec:
                problems.append(f"{at} has no default icon")
            problems.extend(_icon_problems(at, spec))
    services = strings.get("services", {})
    for name, spec in icons.get("services", {}).items():
        at = f"icons.json: services.{name}"
        if name not in services:
            problems.append(f"{at} is not a service")
        # The shorthand is the icon alone; otherwise the service's and its sections' icons.
        entry = {"service": spec} if isinstance(spec, str) else spec
        problems.extend(_icon_value_problems(f"{at}.service", entry.get("service")))
        for section, icon in (entry.get("sections") or {}).items():
            problems.extend(_icon_value_problems(f"{at}.sections.{section}", icon))
    return problems


def _icon_problems(at: str, spec: dict[str, Any]) -> Iterator[str]:
    """One entity's icons: mdi names, valid state keys, no state icon equal to the default."""
    if "default" in spec:
        yield from _icon_value_problems(f"{at}.default", spec["default"])
    for state, icon in spec.get("state", {}).items():
        if not _valid_key(state):
            yield f"{at}.state.{state} is not a valid translation key"
        yield from _icon_value_problems(f"{at}.state.{state}", icon)
        if icon == spec.get("default"):
            yield f"{at}.state.{state} repeats the default icon"
    for attribute, attr_spec in spec.get("state_attributes", {}).items():
        yield from _icon_problems(f"{at}.state_attributes.{attribute}", attr_spec)


def _icon_value_problems(at: str, icon: Any) -> Iterator[str]:
    if not isinstance(icon, str) or not icon.startswith("mdi:") or HTML_IN_TEXT.search(icon):
        yield f"{at} is not an mdi: icon"


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
    dependencies = set(manifest.get("dependencies", []))
    covered = dependencies | set(manifest.get("after_dependencies", []))
    core = Path(components.__file__).parent
    problems.extend(
        f"manifest.json: {dep} is in both dependencies and after_dependencies"
        for dep in sorted(dependencies & set(manifest.get("after_dependencies", [])))
    )
    problems.extend(
        f"manifest.json: dependency {dep} does not exist"
        for dep in sorted(covered)
        if not (core / dep / "manifest.json").is_file()
    )
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
