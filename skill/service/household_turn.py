"""One household through one turn, for any door: read once, written honestly.

The store is read at most once per turn, with any turn held from an earlier outage merged
in; the household is written only if the turn changed it; and `save` says whether the
store really has it, so no reply says "saved" about something only held in memory.
"""

from __future__ import annotations

import logging
from operator import is_not
from typing import Any

from skill.core.fields import noticing_damage
from skill.core.household import RECORD_FIELDS, Household, accumulated_part, merge
from skill.service.services import SkillServices
from skill.storage.base import FORGOTTEN_KEY, VERSION_KEY, describe_error, key_digest

__all__ = ["HouseholdTurn"]

log = logging.getLogger(__name__)
# A turn held up to this long after a deletion (by the clock of whichever machine deleted
# it) is dropped too: between two machines' clocks, the deletion wins the doubt.
CLOCK_DOUBT_SECONDS = 60.0


class HouseholdTurn:
    """The household behind `key` (an account id; "" when the request names none).

    When the store cannot be reached the turn still goes on, from a fresh household (or
    the one held from a failed save), and what it changes is held in this process for the
    household's next turn (`PendingRecords`): a best effort that no reply promises.
    """

    def __init__(self, key: str, services: SkillServices, now: float) -> None:
        self.key = key
        self.services = services
        self.now = now
        self.store_failed = False
        self._household: Household | None = None
        self._version = 0
        self._forgotten_at: float | None = None  # when the household was last deleted
        self._held: dict[str, Any] | None = None  # a failed turn merged in, until written
        self._as_read: dict[str, Any] = {}

    @property
    def household(self) -> Household:
        if self._household is None:
            self._household = self._read()
        return self._household

    def _read(self) -> Household:
        pending = self.services.pending
        held = self._held = pending.peek(self.key) if self.key else None
        try:
            stored = self._stored()
        except Exception as error:
            self._failed("read", error)
            self.store_failed = True
            return Household.from_dict(held)
        self._version = stored.pop(VERSION_KEY, 0)
        self._forgotten_at = stored.pop(FORGOTTEN_KEY, None)
        with noticing_damage() as damaged:
            household = Household.from_dict(stored)
        if damaged:
            log.warning(
                "household %s: %d damaged field(s) read as their defaults (%s)",
                key_digest(self.key),
                len(damaged),
                ", ".join(sorted(set(damaged))),
            )
        schema = self.services.record_schema
        if not damaged and stored.get("schema") == schema and stored.keys() == RECORD_FIELDS:
            # Written by this schema's `to_dict` and read without damage: the record as
            # stored is what `to_dict` would make of it, so it is not made again (a tenth
            # of a turn). Should reading still have tidied something (a speaker index out
            # of range), the turn writes the tidied record once, which is no loss.
            self._as_read = stored
        else:
            self._as_read = household.to_dict(schema)
        if held and self._held_from_before_a_deletion():
            # Deleted since (`forget`, or SkillDisabled seen by another process), even if
            # the household has started again since: what was held from before must not
            # bring the old household back.
            pending.forget(self.key)
            held = self._held = None
        if held:
            # A turn whose save failed earlier joins what is stored, written now.
            return Household.from_dict(merge(stored, held))
        return household

    def _held_from_before_a_deletion(self) -> bool:
        held_since = self.services.pending.held_since(self.key)
        return (
            self._forgotten_at is not None
            and held_since is not None
            and held_since <= self._forgotten_at + CLOCK_DOUBT_SECONDS
        )

    def _stored(self) -> dict[str, Any]:
        store = self.services.store
        if store is None:
            raise LookupError("no household store is configured")
        if not self.key:
            raise LookupError("the request names no account")
        return store.read(self.key)

    def save(self) -> bool:
        """Write the household back if this turn changed it. True when the store has
        everything the turn changed; False when it could only be held, so a reply must not
        say "saved"."""
        if self._household is None:
            return True
        data = self._household.stamp(self._as_read, self.now, self.services.record_schema)
        if data == self._as_read:
            return not self.store_failed
        if self.store_failed:
            self._hold(accumulated_part(data))
            return False
        store = self.services.store
        assert store is not None  # a turn without a store has store_failed set
        mark = {} if self._forgotten_at is None else {FORGOTTEN_KEY: self._forgotten_at}
        try:
            written = store.put(self.key, {**data, VERSION_KEY: self._version, **mark})
        except Exception as error:
            self._failed("write", error)
            self._hold(data)
            return False
        if self._held is not None:
            self.services.pending.release(self.key, self._held)
            self._held = None
        self._version = written.pop(VERSION_KEY)
        self._forgotten_at = written.pop(FORGOTTEN_KEY, None)
        if len(written) != len(data) or any(map(is_not, map(written.get, data), data.values())):
            # Another device saved meanwhile and the store merged its changes in (or the
            # household was deleted meanwhile): carry on from what is stored, so a second
            # save in this turn cannot undo them.
            self._household = Household.from_dict(written)
            data = self._household.to_dict(self.services.record_schema)
        self._as_read = data
        return True

    def forget(self) -> None:
        """Delete the household: from the store, and any turn held for it in this process
        (else that later write would bring it back). Raises if the store fails."""
        self.services.pending.forget(self.key)
        if self.services.store is not None and self.key:
            self.services.store.delete(self.key)

    def _hold(self, record: dict[str, Any]) -> None:
        if self.key:
            self.services.pending.hold(self.key, record, at=self.now)

    def _failed(self, operation: str, error: Exception) -> None:
        """One line with the reason, at most every ten seconds per operation (with a count
        of the lines left out); the traceback only at DEBUG."""
        left_out = self.services.failures.allow(f"store {operation}")
        if left_out is None:
            return
        log.warning(
            "household store unavailable on %s: %s%s",
            operation,
            describe_error(error),
            f" ({left_out} more since the last such line)" if left_out else "",
            exc_info=log.isEnabledFor(logging.DEBUG),
        )
