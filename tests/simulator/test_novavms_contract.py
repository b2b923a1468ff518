"""The NovaVMS simulator against tests/specs/novavms-openapi.yaml: each operation by contract.

The `nova` fixture checks every API answer of every simulator test against the contract; this
module makes sure each operation of the contract is among them with a success.
"""

from __future__ import annotations

import aiohttp

from tests.novavms_contract import METHODS, document

from .conftest import Sim
from .test_novavms import api, call


def _operations() -> set[str]:
    """ "METHOD /path" of every operation in the contract."""
    return {
        f"{method.upper()} {path}"
        for path, item in document()["paths"].items()
        for method in METHODS
        if method in item
    }


async def test_every_operation_answers_by_contract(
    nova: Sim, session: aiohttp.ClientSession
) -> None:
    admin = nova.key("admin")
    state = nova.state
    camera = next(iter(state.cameras.values()))
    site, gateway = camera.site_id, camera.gateway_id
    assert gateway is not None
    event = state.fire_event(camera.id, "motion")
    user = state.credentials()["users"][0]

    async def ok(method: str, path: str, body: object = None, **kwargs: object) -> object:
        url = f"{nova.url}{path}" if path.startswith(("/api/", "/healthz")) else api(nova, path)
        headers = {} if kwargs.get("public") else admin
        status, answer, _ = await call(session, method, url, headers=headers, json_body=body)
        assert 200 <= status < 300, (method, path, status, answer)
        return answer

    await ok("GET", "/healthz", public=True)
    login = {"email": user["email"], "password": user["password"], "client_type": "web"}
    await ok("POST", "/api/v1/auth/login", login, public=True)
    await ok("POST", "/api/auth/login", login, public=True)
    await ok("GET", "/cameras")
    created = await ok(
        "POST",
        "/cameras",
        {
            "site_id": site,
            "gateway_id": gateway,
            "name": "Contract",
            "type": "onvif",
            "host": "10.0.0.63",
            "onvif_username": "admin",
            "onvif_password": "s3cret",
        },
    )
    assert isinstance(created, dict)
    await ok("GET", f"/cameras/{camera.id}")
    await ok("PATCH", f"/cameras/{created['id']}", {"name": "Contract 2"})
    await ok("POST", f"/cameras/{camera.id}/trigger", {"duration_sec": 5})
    await ok("DELETE", f"/cameras/{created['id']}")
    await ok("GET", "/events")
    await ok("GET", f"/events/{event.id}")
    await ok("PATCH", f"/events/{event.id}", {"acknowledged": True})
    (alert, *_) = state.alerts.values()
    await ok("GET", "/alerts")
    await ok("GET", f"/alerts/{alert.id}")
    await ok("GET", f"/alerts/{alert.id}/timeline")
    rule = await ok(
        "POST",
        "/alert-rules",
        {
            "name": "Contract",
            "trigger_type": "ai_custom_tag",
            "custom_tags": ["forklift"],
            "scope_type": "by_site",
            "site_ids": [site],
            "recipients": ["ops@example.com"],
        },
    )
    assert isinstance(rule, dict)
    await ok("GET", "/alert-rules")
    await ok("GET", f"/alert-rules/{rule['id']}")
    await ok("PATCH", f"/alert-rules/{rule['id']}", {"enabled": False})
    await ok("DELETE", f"/alert-rules/{rule['id']}")
    await ok("GET", "/sites")
    await ok("GET", f"/sites/{site}")
    await ok("GET", "/gateways")
    await ok("GET", f"/gateways/{gateway}")
    hook = await ok(
        "POST",
        "/webhooks",
        {"name": "c", "url": "https://ha.example.org/hook", "event_types": ["event"]},
    )
    assert isinstance(hook, dict)
    await ok("GET", "/webhooks")
    await ok("GET", f"/webhooks/{hook['id']}")
    await ok("PATCH", f"/webhooks/{hook['id']}", {"enabled": False})
    await ok("POST", f"/webhooks/{hook['id']}/rotate-secret")
    await ok("DELETE", f"/webhooks/{hook['id']}")
    succeeded = {
        " ".join(seen.split()[:2]) for seen in nova.validated if seen.split()[2].startswith("2")
    }
    assert succeeded == _operations()
