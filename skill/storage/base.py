"""What every household store shares: keys, versions, expiry, and the save-merge-retry loop.

A store subclass only moves records in and out of its backend; this module decides what a
record is and how two devices of one household writing at once end up keeping both changes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import random
import secrets
import time
from abc import ABCMeta, abstractmethod
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

__all__ = [
    "FIRST_BACKOFF_SECONDS",
    "FORGOTTEN_KEY",
    "KEY_ATTRIBUTE",
    "LOG_KEY_ENV",
    "MAX_BACKOFF_SECONDS",
    "MAX_RECORD_BYTES",
    "MAX_SAVE_ATTEMPTS",
    "RECORD_LIFETIME_SECONDS",
    "TOMBSTONE_LIFETIME_SECONDS",
    "TTL_ATTRIBUTE",
    "VERSION_KEY",
    "Clock",
    "HouseholdStore",
    "Merge",
    "Sleep",
    "StoreConflictError",
    "StoreUnavailable",
    "StoredRecord",
    "describe_error",
    "key_digest",
    "ours_wins",
]

KEY_ATTRIBUTE = "id"
"""The DynamoDB partition key (string) and the SQLite primary key column."""
TTL_ATTRIBUTE = "expires_at"
"""Epoch seconds after which a record is gone; DynamoDB's TTL attribute."""
VERSION_KEY = "_version"
"""Reserved key in the attributes dict carrying the stored version; never written as data."""
FORGOTTEN_KEY = "_forgotten_at"
"""In a deleted household's tombstone: when it was forgotten (epoch seconds)."""
TOMBSTONE_LIFETIME_SECONDS = 7 * 24 * 60 * 60
"""How long a deletion is remembered: far longer than any turn is held for a later write
or any request is in flight, so none of those can bring the household back."""
MAX_RECORD_BYTES = 64 * 1024
RECORD_LIFETIME_SECONDS = 400 * 24 * 60 * 60
# Two devices of a household saving as fast as they can (and a held turn's fate depends on
# it: the device's next request may reach another process) lose a race five times in a row
# often enough to notice, ten times about never. Waits: 10, 20, 40, then 80 ms, jittered.
MAX_SAVE_ATTEMPTS = 10
FIRST_BACKOFF_SECONDS = 0.010
MAX_BACKOFF_SECONDS = 0.080

Attributes = dict[str, Any]
Merge = Callable[[Attributes, Attributes], Attributes]
"""merge(stored, ours) -> what to write when another device saved since we read."""
Clock = Callable[[], float]
Sleep = Callable[[float], None]

logger = logging.getLogger(__name__)


class StoreConflictError(RuntimeError):
    """Other writers kept winning the race for one household; nothing of ours was written."""


class StoreUnavailable(RuntimeError):
    """The store cannot be used; the message is one line, fit to show an operator."""


PROBE_KEY = "heart-to-heart:probe"
"""Where `check` writes (and deletes) its probe; no Alexa user id looks like it."""
HEALTH_CACHE_SECONDS = 2.0


def describe_error(error: BaseException) -> str:
    """One short line naming what went wrong, for logs and operators: no traceback, and
    nothing of the request (store errors carry no user data)."""
    text = " ".join(str(error).split())[:200]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class StoredRecord(NamedTuple):
    """One household's row as the backend holds it."""

    attributes_json: str
    version: int
    expires_at: int


def ours_wins(stored: Attributes, ours: Attributes) -> Attributes:
    """Default merge: the latest save replaces what the other device wrote."""
    return ours


LOG_KEY_ENV = "HEART_TO_HEART_LOG_KEY"
"""A per-deployment secret that keys the households' names in logs. Unset, each process
draws its own, so a digest links the lines of one process only and cannot be turned back
into a user id by anyone who can list user ids."""
_LOG_KEY = os.environ.get(LOG_KEY_ENV, "").encode("utf-8") or secrets.token_bytes(32)


def key_digest(key: str) -> str:
    """A short stable name for a household that is safe to log (never the raw user id): an
    HMAC, so guessing ids and hashing them does not find the household."""
    return hmac.new(_LOG_KEY, key.encode("utf-8"), hashlib.sha256).hexdigest()[:12]


def _is_tombstone(attributes: Attributes) -> bool:
    """A deleted household's record: the time it was forgotten and nothing else. (A
    household that started again keeps that time beside its data.)"""
    return FORGOTTEN_KEY in attributes and len(attributes) == 1 + (VERSION_KEY in attributes)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


# One encoder for every write: `json.dumps` with options builds a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _encode(attributes: Attributes) -> str:
    """JSON text of the attributes, refused before any write if it cannot be stored."""
    try:
        text = _ENCODER.encode(attributes)
    except (TypeError, ValueError) as error:  # ValueError: NaN/inf or a circular reference
        raise TypeError(f"Household attributes are not JSON-serialisable: {error}") from error
    size = len(text.encode("utf-8"))
    if size > MAX_RECORD_BYTES:
        raise ValueError(f"Household record is {size} bytes; the limit is {MAX_RECORD_BYTES}.")
    return text


def _without_version(attributes: Attributes) -> Attributes:
    return {name: value for name, value in attributes.items() if name != VERSION_KEY}


def _expected_version(attributes: Attributes) -> int:
    """The version the caller read; a dict that was never read counts as 'nothing stored'."""
    version = attributes.get(VERSION_KEY, 0)
    if isinstance(version, bool) or not isinstance(version, int):
        raise TypeError(f"{VERSION_KEY} must be an int, not {type(version).__name__}.")
    if version < 0:
        raise ValueError(f"{VERSION_KEY} must not be negative, got {version}.")
    return version


class HouseholdStore(metaclass=ABCMeta):
    """Households' attributes by key (the account id), with optimistic concurrency.

    ``read`` returns the attributes plus ``"_version"``; ``put`` writes only if that version
    is still current. When another device saved in between, ``merge(stored, ours)`` decides
    what to write and the save is retried (at most ``MAX_SAVE_ATTEMPTS`` writes, jittered
    exponential backoff), after which ``StoreConflictError`` is raised. The merge is the
    domain's to decide, so every store is given one: there is no default.
    """

    def __init__(
        self,
        *,
        merge: Merge,
        clock: Clock = time.time,
        sleep: Sleep = time.sleep,
    ) -> None:
        self._merge: Merge = merge
        self._clock = clock
        self._sleep = sleep
        self._health: tuple[float, str | None] | None = None

    # --- the backend's I/O, all a subclass provides -------------------------------------

    @abstractmethod
    def _read(self, key: str) -> StoredRecord | None:
        """The stored record, expired or not, or None."""

    @abstractmethod
    def _write(self, key: str, record: StoredRecord, expected_version: int, now: float) -> bool:
        """Store record if the live version equals expected_version; False on a conflict.

        Version 0 means "nothing live": no record, one that expired at or before now, or
        one written without a version (by hand or by another tool).
        """

    @abstractmethod
    def _stored_keys(self, now: float) -> Iterator[str]:
        """Keys of records that have not expired at now."""

    # --- households ------------------------------------------------------------------------

    def read(self, key: str) -> Attributes:
        """The household's attributes with ``"_version"`` for a turn that may save them:
        ``{"_version": 0}`` if none. ``"_forgotten_at"`` is there when the household was
        deleted in the last ``TOMBSTONE_LIFETIME_SECONDS``, whether it has started again
        since or not, so a turn held from before the deletion, anywhere, can be dropped
        instead of written back. Give it back to ``put`` to keep the mark."""
        attributes = self._stored(key)
        if attributes is None:
            return {VERSION_KEY: 0}
        if _is_tombstone(attributes):
            return {VERSION_KEY: 0, FORGOTTEN_KEY: attributes[FORGOTTEN_KEY]}
        if not self._recent(attributes.get(FORGOTTEN_KEY)):
            attributes.pop(FORGOTTEN_KEY, None)
        return attributes

    # --- is it usable? --------------------------------------------------------------------

    def check(self) -> None:
        """Read, write, read back and delete a probe record, as a server does before it
        answers anyone. Raises StoreUnavailable with a one-line reason."""
        try:
            before = self.get(PROBE_KEY) or {VERSION_KEY: 0}
            probe = {**before, "probe": self._clock()}
            self.put(PROBE_KEY, probe)
            if (self.get(PROBE_KEY) or {}).get("probe") != probe["probe"]:
                raise StoreUnavailable("the probe record did not read back as written")
            self.delete(PROBE_KEY)
        except StoreUnavailable:
            raise
        except Exception as error:
            raise StoreUnavailable(describe_error(error)) from error

    def health(self) -> str | None:
        """None while a read works, else why not: a cheap read, at most every 2 seconds."""
        now = self._clock()
        if self._health is not None and now - self._health[0] < HEALTH_CACHE_SECONDS:
            return self._health[1]
        try:
            self._read(PROBE_KEY)
            reason = None
        except Exception as error:
            reason = describe_error(error)
        self._health = (now, reason)
        return reason

    def get(self, key: str) -> Attributes | None:
        """The stored attributes with ``"_version"``, or None when nothing live is stored
        (a deleted household included)."""
        attributes = self._stored(key)
        if attributes is None or _is_tombstone(attributes):
            return None
        attributes.pop(FORGOTTEN_KEY, None)
        return attributes

    def put(self, key: str, attributes: Attributes) -> Attributes:
        """Write attributes if ``attributes["_version"]`` is still the stored version, and
        return what is stored now (``attributes`` itself is left as it was).

        What comes back carries the new ``"_version"`` and, if a merge happened, the merged
        result, so a second save from it neither conflicts nor drops the other device's
        changes; ``{"_version": 0}`` when the household was deleted meanwhile (nothing is
        written: the deletion wins). Raises TypeError (not JSON-serialisable) or ValueError
        (over ``MAX_RECORD_BYTES``) before writing anything, and StoreConflictError when
        retries run out.
        """
        expected = _expected_version(attributes)
        ours = _without_version(attributes)
        forgotten_at = ours.pop(FORGOTTEN_KEY, None)
        if expected == 0:
            # A household new to the store, or one that starts again after its deletion:
            # it writes over the tombstone, and keeps the time it was forgotten.
            record = self._live_record(key)
            stored = self._decode(key, record) if record is not None else {}
            if record is not None and _is_tombstone(stored):
                expected, forgotten_at = record.version, stored[FORGOTTEN_KEY]
        if self._recent(forgotten_at):
            ours[FORGOTTEN_KEY] = forgotten_at
        ours_text = _encode(ours)
        candidate, text = ours, ours_text
        for attempt in range(1, MAX_SAVE_ATTEMPTS + 1):
            now = self._clock()
            record = StoredRecord(text, expected + 1, int(now) + RECORD_LIFETIME_SECONDS)
            if self._write(key, record, expected, now):
                return {**candidate, VERSION_KEY: record.version}
            logger.info("Save conflict for household %s, attempt %d", key_digest(key), attempt)
            if attempt == MAX_SAVE_ATTEMPTS:
                break
            self._sleep(self._backoff(attempt))
            merged = self._merge_with_stored(key, json.loads(ours_text))
            if merged is None:
                # Deleted since we read it: the deletion wins over what we read before it.
                logger.info("Household %s was forgotten meanwhile; not written", key_digest(key))
                return {VERSION_KEY: 0}
            expected, candidate = merged
            text = _encode(candidate)
        logger.warning("Giving up saving household %s after conflicts", key_digest(key))
        raise StoreConflictError(
            f"Household {key_digest(key)} kept changing; gave up after {MAX_SAVE_ATTEMPTS} tries."
        )

    def delete(self, key: str) -> None:
        """Forget one household; other households are untouched.

        Its record becomes a tombstone (the time it was forgotten, nothing else) for
        ``TOMBSTONE_LIFETIME_SECONDS``: a write from before the deletion then conflicts and
        is dropped, and a turn held elsewhere for a later write sees it and is dropped too.
        """
        for _ in range(MAX_SAVE_ATTEMPTS):
            now = self._clock()
            record = self._live_record(key)
            expected = record.version if record else 0
            text = json.dumps({FORGOTTEN_KEY: now})
            tombstone = StoredRecord(text, expected + 1, int(now) + TOMBSTONE_LIFETIME_SECONDS)
            if self._write(key, tombstone, expected, now):
                return
        raise StoreConflictError(f"Household {key_digest(key)} kept changing while deleting it.")

    def keys(self) -> Iterator[str]:
        """Every household with live data (a full scan on DynamoDB); deleted ones are not."""
        return (key for key in self._stored_keys(self._clock()) if self.get(key) is not None)

    # --- helpers --------------------------------------------------------------------------

    def _live_record(self, key: str) -> StoredRecord | None:
        record = self._read(key)
        if record is None or record.expires_at <= self._clock():
            return None
        return record

    def _stored(self, key: str) -> Attributes | None:
        """The live record's attributes with ``"_version"`` (a tombstone's too), or None."""
        record = self._live_record(key)
        if record is None:
            return None
        return {**self._decode(key, record), VERSION_KEY: record.version}

    def _merge_with_stored(self, key: str, ours: Attributes) -> tuple[int, Attributes] | None:
        """Re-read after a conflict; return the version to expect and what to write, or
        None when the household was deleted meanwhile. The later deletion mark of the two
        is kept; the merge itself sees only the household's data."""
        record = self._live_record(key)
        stored = self._decode(key, record) if record else {}
        if _is_tombstone(stored):
            return None
        marks = (stored.pop(FORGOTTEN_KEY, None), ours.pop(FORGOTTEN_KEY, None))
        merged = self._merge(stored, ours)
        if not isinstance(merged, dict):
            raise TypeError(f"merge must return a dict, not {type(merged).__name__}.")
        merged = _without_version(merged)
        latest = max((mark for mark in marks if self._recent(mark)), default=None)
        if latest is not None:
            merged[FORGOTTEN_KEY] = latest
        return (record.version if record else 0), merged

    def _recent(self, forgotten_at: Any) -> bool:
        """Whether a deletion mark is a time within the tombstone's lifetime."""
        return _is_number(forgotten_at) and (
            self._clock() - forgotten_at < TOMBSTONE_LIFETIME_SECONDS
        )

    @staticmethod
    def _backoff(attempt: int) -> float:
        """Jittered exponential delay: about 10, 20, 40, then 80 ms each time."""
        base = min(FIRST_BACKOFF_SECONDS * 2.0 ** (attempt - 1), MAX_BACKOFF_SECONDS)
        return base * random.uniform(0.5, 1.5)

    @staticmethod
    def _decode(key: str, record: StoredRecord) -> Attributes:
        """Stored attributes; a corrupt record reads as empty rather than breaking the skill."""
        try:
            attributes = json.loads(record.attributes_json)
        except (TypeError, ValueError):
            attributes = None
        if not isinstance(attributes, dict):
            logger.warning(
                "Stored data of household %s is corrupt; reading it as empty", key_digest(key)
            )
            return {}
        attributes.pop(VERSION_KEY, None)
        return attributes
