"""Turns kept in memory when the store failed, until the household comes back."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from skill.core.household import merge

__all__ = ["PendingRecords"]


class PendingRecords:
    """Household changes whose save failed, held in this process until the household returns.

    A turn that met a store outage is not dropped: its record is merged into what is stored
    on the household's next request (to this warm container or server worker) and written
    then. Held records merge with each other the same way. A best effort that nothing
    promises aloud: bounded (oldest out), kept a day at most (well inside a deletion's
    tombstone lifetime), and dropped when the household is forgotten.
    """

    def __init__(
        self,
        limit: int = 1000,
        max_age: float = 24 * 60 * 60,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # household -> (clock time of the first hold, its turn's wall time, the record)
        self._held: OrderedDict[str, tuple[float, float, dict[str, Any]]] = OrderedDict()
        self._limit = limit
        self._max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()

    def hold(self, household_key: str, record: dict[str, Any], *, at: float) -> None:
        """Keep `record`, a turn taken at `at` (epoch seconds), merged with any held before."""
        with self._lock:
            earlier = self._held.pop(household_key, None)
            if earlier:
                self._held[household_key] = (earlier[0], earlier[1], merge(earlier[2], record))
            else:
                self._held[household_key] = (self._clock(), at, record)
            while len(self._held) > self._limit:
                self._held.popitem(last=False)

    def held_since(self, household_key: str) -> float | None:
        """When the oldest turn held for the household was taken (epoch seconds)."""
        with self._lock:
            found = self._held.get(household_key)
            return None if found is None else found[1]

    def peek(self, household_key: str) -> dict[str, Any] | None:
        """The held record, left in place until a write has it (`release`)."""
        with self._lock:
            found = self._held.get(household_key)
            if found is None:
                return None
            if self._clock() - found[0] > self._max_age:
                del self._held[household_key]
                return None
            return found[2]

    def forget(self, household_key: str) -> None:
        """Drop whatever is held for the household (it asked to be forgotten)."""
        with self._lock:
            self._held.pop(household_key, None)

    def release(self, household_key: str, record: dict[str, Any]) -> None:
        """Forget `record` now that it is written; a newer hold stays."""
        with self._lock:
            found = self._held.get(household_key)
            if found is not None and found[2] is record:
                del self._held[household_key]
