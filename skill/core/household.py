"""A household's saved state, and merge() for two devices writing at once.

What is kept is only what the skill needs to be good company: settings, the names people
gave, which starters they heard (heard-sets and walks, see `skill.core.heard`), favourites
and the conversation in progress.
Nothing people say to each other is ever here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from skill.core.checkin import CheckIn, StepPrompt, start, stored_ratings
from skill.core.fields import (
    as_bool,
    as_dict,
    as_float,
    as_int,
    as_list,
    choice,
    note_damage,
)
from skill.core.heard import MAX_ENCODED, HeardSet, Walk
from skill.core.moments import Moment

__all__ = [
    "CONVERSATION_TTL",
    "MAX_CHECKIN_HISTORY",
    "MAX_FAVOURITES",
    "MAX_NAMES",
    "RECORD_FIELDS",
    "SCHEMA_VERSION",
    "WRITE_SCHEMAS",
    "Conversation",
    "Household",
    "merge",
    "migrate",
]

# 1: heard-sets as hex digits. 2: heard-sets as URL-safe base64 of their big-endian bytes,
# a third smaller, which matters for the record's size bound as the library grows. Walks
# (one per cell drawn from) came later as an optional field: a release that does not know
# them reads the record the same and drops them, and the household just deals new ones.
# 3: the three lists that fill up with age (favourites, the check-in history, the daily
# starter counts) as compact text, "bedtime-0012 dinner-0040", "1764451234:43 ...",
# "2026-11-29:a1b2c3=4,=1 ...": a year-old record is half the size, and a turn that does
# not use them neither parses nor copies them (they are read when first touched).
#
# Readers take either form of each field, whatever the record's schema. Writers write
# `SCHEMA_VERSION` unless told 2: a release before 3 reads schema-3 text as damage, so an
# upgrade of a live skill first runs this release writing 2 (HEART_TO_HEART_RECORD_SCHEMA=2)
# until no older version is serving, then writes 3 (README, "Upgrading").
SCHEMA_VERSION = 3
WRITE_SCHEMAS = (2, 3)
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

    if not TYPE_CHECKING:  # hidden from mypy, which would otherwise accept any attribute

        def __getattr__(self, name: str) -> Any:
            """A deferred field (see `from_dict`), parsed the first time it is used."""
            deferred = self.__dict__.get("_deferred")
            if not deferred or name not in deferred:
                raise AttributeError(f"{type(self).__name__!r} has no attribute {name!r}")
            value = _DEFERRED[name][0](deferred.pop(name))
            setattr(self, name, value)
            return value

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
        deferred = self.__dict__.get("_deferred") or {}
        text = deferred.get("daily_starters")
        if text is not None and (counted := _counted_in_text(text, local_day, device)):
            deferred["daily_starters"] = counted  # the usual turn: only today's entry is read
            return
        _count_one(self.daily_starters.setdefault(local_day, {}), device)
        for day in sorted(self.daily_starters)[:-STARTER_DAYS_KEPT]:
            del self.daily_starters[day]

    def starters_on(self, days: set[str]) -> int:
        """How many starters were said on these local days, all devices together."""
        return sum(
            sum(counts.values()) for day, counts in self.daily_starters.items() if day in days
        )

    def record_checkin(self, at: float, ratings: list[int | None]) -> None:
        # Whole seconds, as every schema keeps it, so two copies of one check-in match.
        self.checkins.append({"at": float(int(at)), "ratings": list(ratings)})
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

    def stamp(
        self, as_read: Mapping[str, Any], now: float, schema: int = SCHEMA_VERSION
    ) -> dict[str, Any]:
        """The record to write (`to_dict`), with the settings dated `now` if they changed
        since `as_read` (the record as read).

        A merge takes the settings of whichever record changed them last, so every change
        must carry its time; stamped here, once, so no handler can forget to.
        """
        record = self.to_dict(schema)
        if any(record[name] != as_read.get(name) for name in SETTINGS):
            self.updated_at = record["updated_at"] = now
        return record

    def to_dict(self, schema: int = SCHEMA_VERSION) -> dict[str, Any]:
        """The record as plain JSON-ready data, sharing nothing mutable with the household,
        in `schema` (one of `WRITE_SCHEMAS`).

        Written out field by field: `dataclasses.asdict` deep-copies through reflection and
        was the largest cost of a turn. A deferred field still untouched goes out as the
        text it came in as.
        """
        return {
            "audience": self.audience,
            "names": list(self.names),
            "heard": {moment: heard.encode() for moment, heard in self.heard.items() if heard},
            "walks": {key: walk.to_list() for key, walk in self.walks.items()},
            "favourites": self._written("favourites", schema),
            "conversation": vars(self.conversation).copy() if self.conversation else None,
            "phone_reminder": self.phone_reminder,
            "next_speaker": self.next_speaker,
            "hints_heard": self.hints_heard,
            "favourites_taught": self.favourites_taught,
            "reminder_offers": list(self.reminder_offers),
            "time_zone": self.time_zone,
            "time_zone_checked_at": self.time_zone_checked_at,
            "checkin": self.checkin.to_dict() if self.checkin else None,
            "checkins": self._written("checkins", schema),
            "daily_starters": self._written("daily_starters", schema),
            "reminder": dict(self.reminder) if self.reminder else None,
            "pending_reminder": self.pending_reminder,
            "updated_at": self.updated_at,
            "schema": schema,
        }

    def _written(self, name: str, schema: int) -> Any:
        deferred = self.__dict__.get("_deferred")
        if deferred and name in deferred and schema >= 3:
            return deferred[name]  # only text of a sane length is deferred
        _, as_text, as_v2 = _DEFERRED[name]
        value = getattr(self, name)
        return as_text(value) if schema >= 3 else as_v2(value)

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
        reminder = data.get("reminder")
        if isinstance(reminder, Mapping) and isinstance(reminder.get("token"), str):
            household.reminder = {"token": reminder["token"], "time": str(reminder.get("time", ""))}
        pending = data.get("pending_reminder")
        household.pending_reminder = pending if isinstance(pending, str) else None
        household.updated_at = as_float(data.get("updated_at"), 0.0)
        # The fields that fill up with age wait, as read, until a turn uses them. Text of
        # a sane length waits; anything else is read now, so damage is noticed while
        # reading and nothing oversized is carried along.
        deferred = {}
        for name, (read, _, _) in _DEFERRED.items():
            raw = data.get(name)
            if type(raw) is str and len(raw) <= _MAX_TEXT[name]:
                deferred[name] = raw
                del household.__dict__[name]
            elif raw is not None:
                setattr(household, name, read(raw))
        if deferred:
            household.__dict__["_deferred"] = deferred
        return household


def accumulated_part(record: Mapping[str, Any]) -> dict[str, Any]:
    """Only what a turn added up (heard starters, favourites, check-ins, ...), dated never:
    merged into a stored record it keeps those and leaves every stored setting as it is.
    For a turn taken without the stored record (it could not be read)."""
    return {key: record[key] for key in ACCUMULATED if key in record} | {"updated_at": 0.0}


def merge(
    stored: Mapping[str, Any], ours: Mapping[str, Any], schema: int = SCHEMA_VERSION
) -> dict[str, Any]:
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
    merged = result.to_dict(schema)
    merged.update({k: v for k, v in ours.items() if k.startswith("_")})
    return merged


def _favourites(raw: Any) -> list[str]:
    if isinstance(raw, str):
        return raw.split()[:MAX_FAVOURITES]
    return [f for f in as_list(raw) if isinstance(f, str) and _word(f)][:MAX_FAVOURITES]


def _favourites_text(favourites: list[str]) -> str:
    return " ".join(f for f in favourites if _word(f))


def _checkins(raw: Any) -> list[dict[str, Any]]:
    """The check-in history: when each began (whole seconds, which is also how two devices'
    copies of one check-in are told to be the same) and its two ratings."""
    if isinstance(raw, str):
        history = []
        for entry in raw.split()[-MAX_CHECKIN_HISTORY:]:
            at, _, ratings = entry.partition(":")
            if at.isascii() and at.isdigit() and len(ratings) == 2:
                history.append({"at": float(at), "ratings": [_RATING.get(r) for r in ratings]})
            else:
                note_damage("check-in", entry)
        return history
    return [
        {"at": float(int(as_float(c.get("at"), 0.0))), "ratings": stored_ratings(c.get("ratings"))}
        for c in as_list(raw)[-MAX_CHECKIN_HISTORY:]
        if isinstance(c, Mapping)
    ]


def _checkins_text(history: list[dict[str, Any]]) -> str:
    return " ".join(
        f"{int(c['at'])}:{''.join(_RATING_TEXT.get(r, '-') for r in c['ratings'])}"
        for c in history
        if c["at"] >= 0
    )


def _checkins_v2(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"at": c["at"], "ratings": list(c["ratings"])} for c in history]


def _daily_starters(raw: Any) -> dict[str, dict[str, int]]:
    if isinstance(raw, str):
        days: dict[str, Any] = {}
        for entry in raw.split():
            day, _, text = entry.partition(":")
            pairs = (pair.partition("=") for pair in text.split(","))
            days[day] = {device: n for device, _, n in pairs}  # _device_counts reads n
        raw = days
    return {
        str(day): counts
        for day, value in list(as_dict(raw).items())[-STARTER_DAYS_KEPT:]
        if (counts := _device_counts(value))
    }


def _count_one(counts: dict[str, int], device: str) -> None:
    if device not in counts and len(counts) >= MAX_COUNTED_DEVICES:
        device = max(counts, key=counts.__getitem__)
    counts[device] = counts.get(device, 0) + 1


def _counted_in_text(text: str, day: str, device: str) -> str | None:
    """Compact daily counts with one more starter for `device` on `day`, reading only that
    day's entry; None when the text needs reading whole (`day` is not the newest, or the
    newest entry is not in the form this release writes)."""
    if not (_word(day) and _word(device, 0)) or text.count(" ") >= STARTER_DAYS_KEPT:
        return None
    earlier, _, newest = text.rpartition(" ")
    newest_day, _, pairs = newest.partition(":")
    if newest_day == day:
        if not _DAY_COUNTS.fullmatch(pairs):
            return None
        read = (pair.partition("=") for pair in pairs.split(","))
        counts = _device_counts({name: int(n) for name, _, n in read})
        kept = earlier
    elif newest_day < day:
        counts = {}
        # A new day: the oldest entry makes way once two weeks are kept.
        kept = text if text.count(" ") + 1 < STARTER_DAYS_KEPT else text.partition(" ")[2]
    else:
        return None
    _count_one(counts, device)
    entry = _daily_starters_text({day: counts})
    return f"{kept} {entry}" if kept else entry


def _daily_starters_text(daily: dict[str, dict[str, int]]) -> str:
    return " ".join(
        f"{day}:{','.join(f'{device}={n}' for device, n in counts.items() if _word(device, 0))}"
        for day, counts in daily.items()
        if _word(day) and counts
    )


def _daily_starters_v2(daily: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {day: dict(counts) for day, counts in daily.items()}


def _word(text: str, shortest: int = 1) -> bool:
    """Whether `text` can stand in compact text: no spaces or separators inside."""
    return len(text) >= shortest and not _SEPARATORS.intersection(text) and text.isprintable()


_RATING = {str(r): r for r in range(1, 6)}
_RATING_TEXT: dict[int | None, str] = {r: str(r) for r in range(1, 6)}
_SEPARATORS = frozenset(" :,=\t\n")
# One day's counts as this release writes them: "a1b2c3=4,=1" (the unnamed device too).
_DAY_COUNTS = re.compile(r"[\w-]*=[1-9][0-9]{0,8}(?:,[\w-]*=[1-9][0-9]{0,8})*", re.ASCII)
#: Each deferred field: how it is read (from either form), written as text (schema 3), and
#: written as schema 2 wrote it.
_DEFERRED: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any], Callable[[Any], Any]]] = {
    "favourites": (_favourites, _favourites_text, list),
    "checkins": (_checkins, _checkins_text, _checkins_v2),
    "daily_starters": (_daily_starters, _daily_starters_text, _daily_starters_v2),
}
# Longer than any a household can write (50 ids, 30 check-ins, 14 days of 8 devices):
# longer text is damage, read at once and cut to its bounds.
_MAX_TEXT = {"favourites": 50 * 41, "checkins": 30 * 16, "daily_starters": 14 * 120}


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


#: Every field `to_dict` writes, in any schema.
RECORD_FIELDS = frozenset(Household().to_dict())
