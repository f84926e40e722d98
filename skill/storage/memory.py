"""Households in a dict in this process: for benchmarks, tests and throwaway sessions.

Same versioning, expiry and save-merge-retry as the SQLite and DynamoDB stores (all of it
lives in ``HouseholdStore``); only the I/O differs, and nothing survives the process. Store
objects built on one ``records`` dict see each other's writes, like two connections to
one file.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, MutableMapping

from skill.storage.base import Clock, HouseholdStore, Merge, Sleep, StoredRecord

__all__ = ["MemoryStore"]


class MemoryStore(HouseholdStore):
    """A HouseholdStore on a dict of ``StoredRecord`` by household key; thread-safe.

    Pass ``records`` to share one backing dict between store objects (a "restart");
    by default each store has its own. Expired records are dropped when written over or
    removed, and skipped by reads and ``keys()``.
    """

    def __init__(
        self,
        records: MutableMapping[str, StoredRecord] | None = None,
        *,
        merge: Merge,
        clock: Clock = time.time,
        sleep: Sleep = time.sleep,
    ) -> None:
        super().__init__(merge=merge, clock=clock, sleep=sleep)
        self.records: MutableMapping[str, StoredRecord] = {} if records is None else records
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryStore({len(self.records)} records)"

    def _read(self, key: str) -> StoredRecord | None:
        return self.records.get(key)

    def _write(self, key: str, record: StoredRecord, expected_version: int, now: float) -> bool:
        with self._lock:
            current = self.records.get(key)
            live_version = 0
            if current is not None and current.expires_at > now:
                live_version = current.version
            if live_version != expected_version:
                return False
            self.records[key] = record
            return True

    def _stored_keys(self, now: float) -> Iterator[str]:
        with self._lock:
            live = sorted(key for key, record in self.records.items() if record.expires_at > now)
        return iter(live)
