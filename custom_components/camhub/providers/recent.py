"""Keys seen within a time window, bounded in number: the replay guard of webhook deliveries."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta


class RecentKeys:
    """Remembers keys (delivery ids, signatures) for `keep_for`, `size` of them at most."""

    def __init__(self, keep_for: timedelta, size: int = 4096) -> None:
        """Nothing remembered yet."""
        self._keep_for = keep_for
        self._size = size
        self._seen: OrderedDict[str, datetime] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def known(self, key: str, now: datetime) -> bool:
        """Whether `key` was remembered within the window before `now`."""
        # Keys older than the window can never matter again.
        cutoff = now - self._keep_for
        while self._seen and next(iter(self._seen.values())) < cutoff:
            self._seen.popitem(last=False)
        return key in self._seen

    def remember(self, key: str, now: datetime) -> None:
        """Remember `key` as seen at `now` (the oldest go beyond `size`)."""
        self._seen[key] = now
        while len(self._seen) > self._size:
            self._seen.popitem(last=False)
