"""A household's saved state, and merge() for two devices writing at once.

What is kept is only what the skill needs to be good company: settings, the names people
gave, which starters they heard (heard-sets and walks, see `skill.core.heard`), favourites
and the conversation in progress.
Nothing people say to each other is ever here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from skill.core.checkin import CheckIn, StepPrompt, start, stored_ratings
from skill.core.fields import as_bool, as_dict, as_float, as_int, as_list, choice
from skill.core.heard import MAX_ENCODED, HeardSet, Walk
from skill.core.moments import Moment

__all__ = [
    "CONVERSATION_TTL",
    "MAX_CHECKIN_HISTORY",
    "MAX_FAVOURITES",
    "MAX_NAMES",
    "SCHEMA_VERSION",
    "Conversation",
    "Household",
    "merge",
    "migrate",
]

# 1: heard-sets as hex digits. 2: heard-sets as URL-safe base64 of their big-endian bytes,
# a third smaller, which matters for the record's size bound as the library grows. Walks
# (one per cell drawn from) came later as an optional field: a release that does not know
# them reads the record the same and drops them, and the household just deals new ones.
SCHEMA_VERSION = 2
MAX_FAVOURITES = 50
CONVERSATION_TTL = 6 * 3600
TIME_ZONE_TTL = 7 * 24 * 3600
MAX_CHECKIN_HISTORY = 30
#: What a merge takes whole from the record that changed its settings last.
SETTINGS = ("audience", "names", "phone_reminder", "time_zone", "reminder", "pending_reminder")
# What adds up turn by turn, so `merge` keeps both sides of it whatever the record's age.
ACCUMULATED = (
    "heard",
    "walks",
    "favourites",
    "conversation",
    "checkin",
    "checkins",
    "daily_starters",
)
STARTER_DAYS_KEPT = 14
#: Devices counted apart on one day (a counter per device merges without loss); more fold
#: into the busiest.
MAX_COUNTED_DEVICES = 8
MAX_WALKS = 45  # one per (moment, depth, audience) cell
MAX_NAMES = 4  # turns rotate through everyone named; the check-in is for two
REMINDER_OFFERS = 2  # the nightly reminder is offered at most this often, two weeks apart
REMINDER_OFFER_GAP = 14 * 24 * 3600
MOMENTS = tuple(moment.value for moment in Moment)


@dataclass
class Conversation:
    """The talk in progress, so "next" or "repeat" work as one-shots in a new session."""

    starter_id: str | None = None
    moment: str = "anytime"
    moment_named: bool = False
    depth: int = 1
    at_depth: int = 0
    count: int = 0
    first_speaker: int = 0
    favourite_index: int | None = None
    updated_at: float = 0.0

    def expired(self, now: float) -> bool:
        return now - self.updated_at > CONVERSATION_TTL


@dataclass
class Household:
    audience: str = "any"
    names: list[str] = field(default_factory=list)
    heard: dict[str, HeardSet] = field(default_factory=dict)
    walks: dict[str, Walk] = field(default_factory=dict)
    favourites: list[str] = field(default_factory=list)
    conversation: Conversation | None = None
    phone_reminder: bool = True
    next_speaker: int = 0
    hints_heard: int = 0
    favourites_taught: bool = False  # told how to play favourites, once, at the first save
    reminder_offers: list[float] = field(default_factory=list)  # when the reminder was offered
    time_zone: str | None = None
    time_zone_checked_at: float = 0.0
    checkin: CheckIn | None = None
    checkins: list[dict[str, Any]] = field(default_factory=list)
    daily_starters: dict[str, dict[str, int]] = field(default_factory=dict)
    reminder: dict[str, str] | None = None
    pending_reminder: str | None = None
    updated_at: float = 0.0

    def live_conversation(self, now: float) -> Conversation | None:
        """The conversation in progress, or None once it has gone quiet for six hours."""
        if self.conversation is None or self.conversation.expired(now):
            return None
        return self.conversation

    @property
    def people(self) -> int:
        """How many take turns: everyone named, and at least two."""
        return max(2, len(self.names))

    def take_turn(self) -> int:
        """Who goes first now (an index into `names`); the next turn goes to the next person."""
        speaker = self.next_speaker % self.people
        self.next_speaker = (speaker + 1) % self.people
        return speaker

    def reminder_offer_due(self, now: float) -> bool:
        """Offer the nightly reminder? Only without one, at most twice, two weeks apart."""
        if self.reminder is not None or len(self.reminder_offers) >= REMINDER_OFFERS:
            return False
        return all(now - offered >= REMINDER_OFFER_GAP for offered in self.reminder_offers)

    def time_zone_fresh(self, now: float) -> bool:
        """Whether the device's time zone was asked recently enough (a week) to skip asking."""
        return 0 <= now - self.time_zone_checked_at < TIME_ZONE_TTL

    def count_starter(self, local_day: str, device: str = "") -> None:
        """Count a starter for the weekly summary, on the device that said it: each device
        only ever raises its own count, so two devices' records merge without losing one
        (the larger count per device wins). Only the last two weeks are kept."""
        counts = self.daily_starters.setdefault(local_day, {})
        if device not in counts and len(counts) >= MAX_COUNTED_DEVICES:
            device = max(counts, key=counts.__getitem__)
        counts[device] = counts.get(device, 0) + 1
        for day in sorted(self.daily_starters)[:-STARTER_DAYS_KEPT]:
            del self.daily_starters[day]

    def starters_on(self, days: set[str]) -> int:
        """How many starters were said on these local days, all devices together."""
        return sum(
            sum(counts.values()) for day, counts in self.daily_starters.items() if day in days
        )

    def record_checkin(self, at: float, ratings: list[int | None]) -> None:
        self.checkins.append({"at": at, "ratings": list(ratings)})
        del self.checkins[:-MAX_CHECKIN_HISTORY]

    def begin_checkin(self, now: float) -> StepPrompt:
        """A new check-in, its first speaker taking the household's turn. It is for two:
        with more people named, it speaks to "one of you"."""
        self.checkin, prompt = start(self.take_turn() % 2, now)
        return prompt

    def finish_checkin(self) -> None:
        """Close the check-in and keep its ratings for the weekly summary (never the words)."""
        checkin = self.checkin
        if checkin is not None and any(r is not None for r in checkin.ratings):
            self.record_checkin(checkin.started_at, checkin.ratings)
        self.checkin = None

    def stamp(self, as_read: Mapping[str, Any], now: float) -> dict[str, Any]:
        """The record to write (`to_dict`), with the settings dated `now` if they changed
        since `as_read` (the record as read).

        A merge takes the settings of whichever record changed them last, so every change
        must carry its time; stamped here, once, so no handler can forget to.
        """
        record = self.to_dict()
        if any(record[name] != as_read.get(name) for name in SETTINGS):
            self.updated_at = record["updated_at"] = now
        return record

    def to_dict(self) -> dict[str, Any]:
        """The record as plain JSON-ready data, sharing nothing mutable with the household.

        Written out field by field: `dataclasses.asdict` deep-copies through reflection and
        was the largest cost of a turn.
        """
        return {
            "audience": self.audience,
            "names": list(self.names),
            "heard": {moment: heard.encode() for moment, heard in self.heard.items() if heard},
            "walks": {key: walk.to_list() for key, walk in self.walks.items()},
            "favourites": list(self.favourites),
            "conversation": vars(self.conversation).copy() if self.conversation else None,
            "phone_reminder": self.phone_reminder,
            "next_speaker": self.next_speaker,
            "hints_heard": self.hints_heard,
            "favourites_taught": self.favourites_taught,
            "reminder_offers": list(self.reminder_offers),
            "time_zone": self.time_zone,
            "time_zone_checked_at": self.time_zone_checked_at,
            "checkin": self.checkin.to_dict() if self.checkin else None,
            "checkins": [{"at": c["at"], "ratings": list(c["ratings"])} for c in self.checkins],
            "daily_starters": {day: dict(counts) for day, counts in self.daily_starters.items()},
            "reminder": dict(self.reminder) if self.reminder else None,
            "pending_reminder": self.pending_reminder,
            "updated_at": self.updated_at,
            "schema": SCHEMA_VERSION,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Household:
        """Tolerant of missing, unknown or damaged fields: a bad field falls back to its default.

        A household must never be locked out of the skill by one odd value in its record.
        """
        household = cls()
        if not isinstance(data, Mapping):
            return household
        data = migrate(data)
        household.audience = choice(data.get("audience"), ("partners", "friends", "any"), "any")
        household.names = [n for n in as_list(data.get("names")) if isinstance(n, str)][:MAX_NAMES]
        household.heard = {
            str(moment): heard
            for moment, raw in as_dict(data.get("heard")).items()
            if (heard := HeardSet.decode(raw)) is not None
        }
        household.walks = {
            key: walk
            for key, raw in list(as_dict(data.get("walks")).items())[:MAX_WALKS]
            if isinstance(key, str) and len(key) <= 40 and (walk := Walk.from_list(raw))
        }
        household.favourites = [f for f in as_list(data.get("favourites")) if isinstance(f, str)]
        household.favourites = household.favourites[:MAX_FAVOURITES]
        household.conversation = _conversation(data.get("conversation"))
        household.phone_reminder = as_bool(data.get("phone_reminder"), True)
        household.next_speaker = as_int(data.get("next_speaker"), 0) % household.people
        household.hints_heard = max(0, as_int(data.get("hints_heard"), 0))
        household.favourites_taught = as_bool(data.get("favourites_taught"), False)
        household.reminder_offers = [
            offered
            for raw in as_list(data.get("reminder_offers"))[-REMINDER_OFFERS:]
            if (offered := as_float(raw, -1.0)) >= 0
        ]
        tz = data.get("time_zone")
        household.time_zone = tz if isinstance(tz, str) and tz else None
        household.time_zone_checked_at = as_float(data.get("time_zone_checked_at"), 0.0)
        household.checkin = CheckIn.from_dict(data.get("checkin"))
        household.checkins = [
            {"at": as_float(c.get("at"), 0.0), "ratings": stored_ratings(c.get("ratings"))}
            for c in as_list(data.get("checkins"))[-MAX_CHECKIN_HISTORY:]
            if isinstance(c, Mapping)
        ]
        household.daily_starters = {
            str(day): counts
            for day, raw in list(as_dict(data.get("daily_starters")).items())[-STARTER_DAYS_KEPT:]
            if (counts := _device_counts(raw))
        }
        reminder = data.get("reminder")
        if isinstance(reminder, Mapping) and isinstance(reminder.get("token"), str):
            household.reminder = {"token": reminder["token"], "time": str(reminder.get("time", ""))}
        pending = data.get("pending_reminder")
        household.pending_reminder = pending if isinstance(pending, str) else None
        household.updated_at = as_float(data.get("updated_at"), 0.0)
        return household


def accumulated_part(record: Mapping[str, Any]) -> dict[str, Any]:
    """Only what a turn added up (heard starters, favourites, check-ins, ...), dated never:
    merged into a stored record it keeps those and leaves every stored setting as it is.
    For a turn taken without the stored record (it could not be read)."""
    return {key: record[key] for key in ACCUMULATED if key in record} | {"updated_at": 0.0}


def merge(stored: Mapping[str, Any], ours: Mapping[str, Any]) -> dict[str, Any]:
    """Combine a record another device wrote meanwhile with ours, losing neither.

    Heard starters and favourites are unions; two walks through a cell in the same order
    keep the further one; the newer conversation wins; plain settings come from whichever
    record changed last.
    """
    theirs_h, ours_h = Household.from_dict(stored), Household.from_dict(ours)
    newer, older = (
        (ours_h, theirs_h)
        if ours_h.updated_at >= theirs_h.updated_at
        else (
            theirs_h,
            ours_h,
        )
    )
    result = Household(**{f.name: getattr(newer, f.name) for f in fields(Household)})
    result.heard = {moment: heard.copy() for moment, heard in theirs_h.heard.items()}
    for moment, heard in ours_h.heard.items():
        result.heard.setdefault(moment, HeardSet()).update(heard)
    result.walks = dict(newer.walks)
    for key, walk in older.walks.items():
        kept = result.walks.setdefault(key, walk)
        if kept is not walk and kept.same_deal(walk):
            result.walks[key] = replace(
                kept, position=max(kept.position, walk.position), spent=kept.spent or walk.spent
            )
    favourites = list(older.favourites)
    favourites += [f for f in newer.favourites if f not in favourites]
    result.favourites = favourites[-MAX_FAVOURITES:]
    result.favourites_taught = theirs_h.favourites_taught or ours_h.favourites_taught
    offers = sorted({*theirs_h.reminder_offers, *ours_h.reminder_offers})
    result.reminder_offers = offers[-REMINDER_OFFERS:]
    conversations = [c for c in (theirs_h.conversation, ours_h.conversation) if c]
    result.conversation = max(conversations, key=lambda c: c.updated_at, default=None)
    checkins = [c for c in (theirs_h.checkin, ours_h.checkin) if c]
    result.checkin = max(checkins, key=lambda c: c.updated_at, default=None)
    history = {c["at"]: c for c in [*theirs_h.checkins, *ours_h.checkins]}
    result.checkins = [history[at] for at in sorted(history)][-MAX_CHECKIN_HISTORY:]
    result.daily_starters = {}
    for day in sorted({*theirs_h.daily_starters, *ours_h.daily_starters})[-STARTER_DAYS_KEPT:]:
        theirs, ours_counts = (
            theirs_h.daily_starters.get(day, {}),
            ours_h.daily_starters.get(day, {}),
        )
        result.daily_starters[day] = {
            device: max(theirs.get(device, 0), ours_counts.get(device, 0))
            for device in {*theirs, *ours_counts}
        }
    merged = result.to_dict()
    merged.update({k: v for k, v in ours.items() if k.startswith("_")})
    return merged


def _device_counts(raw: Any) -> dict[str, int]:
    """One day's starter counts by device; a bare number is the first schema's count for
    the whole household (kept under the unnamed device)."""
    if not isinstance(raw, Mapping):
        return {"": count} if (count := as_int(raw, 0)) > 0 else {}
    counts = {str(device): count for device, n in raw.items() if (count := as_int(n, 0)) > 0}
    return dict(sorted(counts.items(), key=lambda item: -item[1])[:MAX_COUNTED_DEVICES])


def _conversation(raw: Any) -> Conversation | None:
    if not isinstance(raw, Mapping):
        return None
    default = Conversation()
    conversation = Conversation(
        starter_id=raw.get("starter_id") if isinstance(raw.get("starter_id"), str) else None,
        moment=choice(raw.get("moment"), MOMENTS, default.moment),
        moment_named=raw.get("moment") in MOMENTS and as_bool(raw.get("moment_named"), False),
        depth=min(3, max(1, as_int(raw.get("depth"), 1))),
        at_depth=max(0, as_int(raw.get("at_depth"), 0)),
        count=max(0, as_int(raw.get("count"), 0)),
        first_speaker=as_int(raw.get("first_speaker"), 0) % MAX_NAMES,
        favourite_index=(
            None if raw.get("favourite_index") is None else as_int(raw["favourite_index"], 0)
        ),
        updated_at=as_float(raw.get("updated_at"), 0.0),
    )
    return conversation


def migrate(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """An older record brought up to the current schema.

    A record with no `schema` is the first version. Migrations only reshape; anything they
    do not understand is left for from_dict's tolerant reading.
    """
    if as_int(data.get("schema"), 1) >= 2:
        return data
    heard = {
        moment: HeardSet.from_int(bits).encode()
        for moment, raw in as_dict(data.get("heard")).items()
        if (bits := _hex(raw))
    }
    return {**data, "heard": heard, "schema": 2}


def _hex(value: Any) -> int | None:
    """A schema-1 heard-set, or None if it is not one (a negative number is not)."""
    if not isinstance(value, str) or len(value) > MAX_ENCODED:
        return None
    try:
        bits = int(value, 16)
    except ValueError:
        return None
    return bits if bits > 0 else None
