"""NovaVMS alert rules: read every RULES_MAX_AGE beside the poll, enabled and disabled on demand.

Rules change rarely (people edit them in NovaVMS) and CamHub's own changes are taken from the
PATCH answer, so one list request every 5 minutes keeps them: 288 requests a day, whatever the
number of cameras (an organisation has at most 100 rules: one page). A key that may not read
them (a viewer key: the endpoint is operator CRUD) or an API without them is asked again a day
later; until then the account has no ALERT_RULES capability and so no switches.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from http import HTTPStatus
import logging
from typing import Final

from ..errors import PermissionDeniedError, ProviderError, RequestRejectedError
from ..model import AlertRule, Capability, Snapshot
from .client import NovaVMSClient

_LOGGER = logging.getLogger(__name__)

RULES_MAX_AGE: Final = timedelta(minutes=5)
# A key refused the list (or an API without it) is asked again this much later.
ABSENT_RETRY: Final = timedelta(days=1)


def _absent(err: ProviderError) -> bool:
    """Whether asking again soon will not help: refused for the key's role, or no such API."""
    if isinstance(err, PermissionDeniedError):
        return True
    return isinstance(err, RequestRejectedError) and err.status == HTTPStatus.NOT_FOUND


class NovaVMSAlertRules:
    """What is known of one organisation's alert rules."""

    def __init__(self, client: NovaVMSClient) -> None:
        """Nothing read yet."""
        self._client = client
        # None: not readable (yet); a dict (maybe empty) once the list was read.
        self._rules: dict[str, AlertRule] | None = None
        self._due: datetime | None = None

    @property
    def per_day(self) -> float:
        """List requests a day, at most."""
        return timedelta(days=1) / RULES_MAX_AGE

    async def async_update(self, snapshot: Snapshot, now: datetime) -> Snapshot:
        """Read the rules when due (never failing the poll); `snapshot` with what is known."""
        if self._due is None or now >= self._due:
            self._due = now + RULES_MAX_AGE
            try:
                rules = await self._client.async_fetch_alert_rules()
            except ProviderError as err:
                if _absent(err):
                    _LOGGER.debug("novavms: alert rules not readable with this key: %s", err)
                    self._rules, self._due = None, now + ABSENT_RETRY
                else:
                    # The switches keep the last rules read; the next poll asks again.
                    _LOGGER.debug("novavms: alert rules not read: %s", err)
                    self._due = now
            else:
                self._rules = {rule.id: rule for rule in rules}
        return self.apply(snapshot)

    def apply(self, snapshot: Snapshot) -> Snapshot:
        """`snapshot` with the rules (and ALERT_RULES) once they could be read."""
        if self._rules is None:
            return snapshot
        return replace(
            snapshot,
            capabilities=snapshot.capabilities | {Capability.ALERT_RULES},
            alert_rules=dict(self._rules),
        )

    async def async_set_alert_rule(
        self, snapshot: Snapshot, rule_id: str, *, enabled: bool
    ) -> Snapshot:
        """Enable or disable the rule; the answer is kept (no re-read follows)."""
        rule = await self._client.async_update_alert_rule(rule_id, enabled=enabled)
        if self._rules is not None:
            self._rules[rule.id] = rule
        return self.apply(snapshot)
