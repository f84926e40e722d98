"""Understand typed text the way Alexa would, using the project's own interaction model.

The `chat` console sends real request envelopes through the skill, so it needs what Alexa's
language understanding hands a skill: whether the user launched it, asked it something in
one go or spoke inside a session; the intent; and slots with entity resolution. Matching is
deliberately literal (a sample, or a sample with its slots filled): a line that resolves
here is one the deployed model was trained on, so the console never flatters the model.

    >>> resolver = Resolver.for_locale("en-US")
    >>> resolver.resolve("Give us a brunch question!").slots["moment"].id
    'brunch'
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from skill.models import load_source

__all__ = [
    "DEFAULT_SKILL_ID",
    "FALLBACK_INTENT",
    "Invocation",
    "Resolution",
    "ResolvedSlot",
    "Resolver",
    "normalize",
    "parse_invocation",
    "slot_payload",
]

FALLBACK_INTENT = "AMAZON.FallbackIntent"
#: Used in entity-resolution authorities when neither an argument nor
#: HEART_TO_HEART_SKILL_ID names the skill.
DEFAULT_SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
_MODELS_DIR = Path(__file__).resolve().parent.parent / "interaction_models"


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ResolvedSlot:
    """A filled slot. `value` is what Alexa puts in `slot.value`: the words as spoken (names
    title-cased), digits for AMAZON.NUMBER, `HH:MM` for AMAZON.TIME. `id` and `canonical`
    are set when a custom slot type's value or synonym matched."""

    name: str
    value: str
    id: str | None = None
    canonical: str | None = None
    slot_type: str = ""


@dataclass(frozen=True)
class Resolution:
    """The intent for one utterance, its filled slots, and every slot the intent declares
    (Alexa sends the unfilled ones too, without a value)."""

    intent: str
    slots: dict[str, ResolvedSlot] = field(default_factory=dict)
    declared: tuple[str, ...] = ()


@dataclass(frozen=True)
class Invocation:
    """How an utterance addressed the skill; `rest` is what is left to resolve."""

    kind: Literal["launch", "oneshot", "in_session"]
    rest: str


# ----------------------------------------------------------------------------- words

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_CLOCK = re.compile(r"(\d)[:.](\d\d)\b")
_DIGIT_MERIDIEM = re.compile(r"(\d)([ap]m)\b")
_SEPARATORS = re.compile(r"[\s,!?;:\"\u201c\u201d()\[\]{}/\\\-\u2013\u2014]+")


def normalize(text: str) -> list[str]:
    """Lowercase words as a speech recogniser writes them: punctuation and quotes dropped,
    apostrophes kept, "9:30pm" split into "9 30 pm", "&" read as "and"."""
    text = text.translate(_APOSTROPHES).lower().replace("&", " and ")
    text = _DIGIT_MERIDIEM.sub(r"\1 \2", _CLOCK.sub(r"\1 \2", text)).replace(".", "")
    words = (word.strip("'") for word in _SEPARATORS.split(text))
    return [word for word in words if word]


def _key(word: str) -> str:
    """Match form of a word: apostrophes removed, so "were" meets "we're"."""
    return word.replace("'", "")


def _keys(text: str) -> list[str]:
    return [_key(word) for word in normalize(text)]


# ----------------------------------------------------------------------------- built-in slot types


def _choice(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_UNITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen")
_TEENS += ("seventeen", "eighteen", "nineteen")
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_NUMBER_WORDS = (
    {word: value for value, word in enumerate(_UNITS)}
    | {word: 10 + value for value, word in enumerate(_TEENS)}
    | {word: 20 + 10 * value for value, word in enumerate(_TENS)}
)
_DIGITS = _choice(_UNITS[1:])
_NUMBER = rf"\d+|(?:{_choice(_TENS)})(?: (?:{_DIGITS}))?|{_choice(_TEENS)}|{_choice(_UNITS)}"

_HOUR = rf"\d{{1,2}}|{_choice([*_UNITS[1:], *_TEENS[:3]])}"
_MINUTE = (
    rf"\d\d|(?:oh|o) (?:{_DIGITS})|{_choice(_TEENS)}"
    rf"|(?:twenty|thirty|forty|fifty)(?: (?:{_DIGITS}))?"
)
_MERIDIEM = {
    "am": "am",
    "a m": "am",
    "in the morning": "am",
    "pm": "pm",
    "p m": "pm",
    "in the afternoon": "pm",
    "in the evening": "pm",
    "tonight": "pm",
    "at night": "night",
    "oclock": "",
    "o clock": "",
}
_OFFSETS = {"half past": 30, "quarter past": 15, "quarter to": -15}
_OFFSETS |= {
    f"{word} {way}": sign * _NUMBER_WORDS[word]
    for word in ("five", "ten", "twenty")
    for way, sign in (("past", 1), ("to", -1))
}
_TIME = (
    rf"noon|midday|midnight|(?:(?:{_choice(_OFFSETS)}) )?(?:{_HOUR})"
    rf"(?: (?:{_MINUTE}))?(?: (?:{_choice(_MERIDIEM)}))?"
)


def _number_value(phrase: str, spoken: str) -> str | None:
    """AMAZON.NUMBER: Alexa sends digits ("four" -> "4", "twenty one" -> "21")."""
    return str(sum(_as_int(word) for word in phrase.split()))


def _time_value(phrase: str, spoken: str) -> str | None:
    """AMAZON.TIME: Alexa sends 24-hour `HH:MM`; without am/pm the hour stays as said."""
    if phrase in ("noon", "midday"):
        return "12:00"
    if phrase == "midnight":
        return "00:00"
    relation, phrase = _strip_edge(phrase, _OFFSETS, at_start=True)
    meridiem, phrase = _strip_edge(phrase, _MERIDIEM, at_start=False)
    hour_word, *minute_words = [word for word in phrase.split() if word not in ("oh", "o")]
    hour = _as_int(hour_word)
    minute = sum(_as_int(word) for word in minute_words)
    if relation is not None:
        if minute_words:
            return None  # "half past nine thirty"
        minute = _OFFSETS[relation] % 60
        if _OFFSETS[relation] < 0:
            hour = hour - 1 or 12  # "quarter to one" is 12:45
    hour = _apply_meridiem(hour, _MERIDIEM[meridiem] if meridiem else "")
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return f"{hour:02d}:{minute:02d}"


def _strip_edge(phrase: str, options: Iterable[str], *, at_start: bool) -> tuple[str | None, str]:
    """Split a known leading (or trailing) phrase off `phrase`, longest option first."""
    for option in sorted(options, key=len, reverse=True):
        if at_start and phrase.startswith(option + " "):
            return option, phrase[len(option) + 1 :]
        if not at_start and phrase.endswith(" " + option):
            return option, phrase[: -len(option) - 1]
    return None, phrase


def _as_int(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


def _apply_meridiem(hour: int, meridiem: str) -> int:
    if meridiem == "am" and hour == 12:
        return 0
    if meridiem == "pm" and hour < 12:
        return hour + 12
    if meridiem == "night" and hour == 12:
        return 0
    if meridiem == "night" and 5 <= hour < 12:
        return hour + 12  # "eleven at night"; "two at night" stays 02:00
    return hour


def _first_name_value(phrase: str, spoken: str) -> str | None:
    """AMAZON.FirstName: the name as spoken, capitalised as a name."""
    return spoken.title()


def _spoken_value(phrase: str, spoken: str) -> str | None:
    return spoken


@dataclass(frozen=True)
class _BuiltinType:
    pattern: str
    value: Callable[[str, str], str | None]
    pinned: bool  # a grammar, not free text: counts like literal words when ranking


_ONE_OR_TWO_WORDS = r"[^ ]+(?: [^ ]+)?"
_BUILTIN_TYPES = {
    "AMAZON.NUMBER": _BuiltinType(_NUMBER, _number_value, pinned=True),
    "AMAZON.TIME": _BuiltinType(_TIME, _time_value, pinned=True),
    "AMAZON.FirstName": _BuiltinType(_ONE_OR_TWO_WORDS, _first_name_value, pinned=False),
}
_ANY_TYPE = _BuiltinType(_ONE_OR_TWO_WORDS, _spoken_value, pinned=False)


# ----------------------------------------------------------------------------- resolver

_SLOT = re.compile(r"\{([A-Za-z][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class _Sample:
    """One sample with slots, compiled: the literal words gate the regex cheaply."""

    intent: str
    regex: re.Pattern[str]
    literals: frozenset[str]
    literal_count: int
    slots: tuple[tuple[str, str], ...]  # (slot name, slot type)
    order: int


@dataclass(frozen=True)
class _CustomValue:
    id: str
    canonical: str


class Resolver:
    """Resolves utterances against one locale's interaction model.

    Exact samples (and Alexa's built-in phrases) win; otherwise among the samples whose slots
    can be filled, the one that pins down the most words wins: literal words plus words
    matched by a custom value, a number or a time, then the most literal words, then the
    fewest free-text words (names), then model order. Nothing matched: AMAZON.FallbackIntent.
    """

    def __init__(
        self,
        invocation_name: str,
        exact: Mapping[str, str],
        samples: Sequence[_Sample],
        custom_types: Mapping[str, Mapping[str, _CustomValue]],
        declared: Mapping[str, tuple[str, ...]],
        skip_words: Sequence[tuple[str, ...]] = (),
    ) -> None:
        self.invocation_name = invocation_name
        self._exact = dict(exact)
        self._samples = tuple(samples)
        self._custom = {name: dict(values) for name, values in custom_types.items()}
        self._declared = dict(declared)
        self._skip = tuple(sorted(skip_words, key=len, reverse=True))

    # -- construction

    @classmethod
    def from_model(
        cls,
        model: Mapping[str, Any],
        builtin_phrases: Mapping[str, Sequence[str]] | None = None,
        skip_words: Sequence[str] | None = None,
    ) -> Resolver:
        """Compile an interaction model. Built-in phrases and skip words are not part of the
        model JSON; by default they come from the model source (`builtin_phrases:`,
        `skip_words:` in interaction_models/source/en.yaml)."""
        if builtin_phrases is None or skip_words is None:
            default_phrases, default_skips = _source_extras()
            builtin_phrases = default_phrases if builtin_phrases is None else builtin_phrases
            skip_words = default_skips if skip_words is None else skip_words
        language = model["interactionModel"]["languageModel"]
        custom = {kind["name"]: _custom_values(kind) for kind in language.get("types", [])}
        # A type without values can never match ("(?!)"), rather than match nothing.
        patterns = {
            name: _choice(re.escape(key) for key in values) or "(?!)"
            for name, values in custom.items()
        }
        exact: dict[str, str] = {}
        samples: list[_Sample] = []
        declared: dict[str, tuple[str, ...]] = {}
        for intent in language["intents"]:
            slot_types = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
            declared[intent["name"]] = tuple(slot_types)
            for sample in intent.get("samples", []):
                if _SLOT.search(sample):
                    compiled = _compile(intent["name"], sample, slot_types, patterns, len(samples))
                    samples.append(compiled)
                else:
                    exact.setdefault(" ".join(_keys(sample)), intent["name"])
        for intent_name, phrases in builtin_phrases.items():
            for phrase in phrases:
                exact.setdefault(" ".join(_keys(phrase)), intent_name)
        return cls(
            invocation_name=language["invocationName"],
            exact=exact,
            samples=samples,
            custom_types=custom,
            declared=declared,
            skip_words=[tuple(_keys(words)) for words in skip_words],
        )

    @classmethod
    def for_locale(cls, locale: str, models_dir: Path | None = None) -> Resolver:
        """The resolver for `interaction_models/<locale>.json`, built once per process."""
        return _cached_resolver(locale, (models_dir or _MODELS_DIR).resolve())

    # -- resolving

    def resolve(self, text: str) -> Resolution:
        """The intent and slots Alexa would send for `text` (inside a session)."""
        words = normalize(text)
        if len(words) > 1 and _key(words[0]) in _WAKE_WORDS:
            words = words[1:]  # the wake word never reaches a skill
        resolution = self._match(words)
        if resolution.intent == FALLBACK_INTENT:
            trimmed = self._trim(words)
            if trimmed != words:
                resolution = self._match(trimmed)
        return resolution

    def parse_invocation(self, text: str) -> Invocation:
        """`parse_invocation` with this model's invocation name and connector check."""
        return parse_invocation(text, self.invocation_name, resolver=self)

    def _match(self, words: list[str]) -> Resolution:
        keys = [_key(word) for word in words]
        line = " ".join(keys)
        intent = self._exact.get(line)
        if intent is not None:
            return Resolution(intent, {}, self._declared.get(intent, ()))
        present = frozenset(keys)
        best: tuple[tuple[int, int, int, int], _Sample, dict[str, ResolvedSlot]] | None = None
        for sample in self._samples:
            if not sample.literals <= present:
                continue
            match = sample.regex.fullmatch(line)
            filled = self._fill(sample, match, line, words) if match else None
            if filled is None:
                continue
            slots, pinned, free = filled
            literal = sample.literal_count
            score = (literal + pinned, literal, -free, -sample.order)
            if best is None or score > best[0]:
                best = (score, sample, slots)
        if best is None:
            return Resolution(FALLBACK_INTENT)
        _, sample, slots = best
        return Resolution(sample.intent, slots, self._declared.get(sample.intent, ()))

    def _fill(
        self, sample: _Sample, match: re.Match[str], line: str, words: list[str]
    ) -> tuple[dict[str, ResolvedSlot], int, int] | None:
        """Slot values for a matched sample, with the word counts used for ranking."""
        slots: dict[str, ResolvedSlot] = {}
        pinned = free = 0
        for name, kind in sample.slots:
            phrase = match.group(name)
            first = line.count(" ", 0, match.start(name))
            size = phrase.count(" ") + 1
            spoken = " ".join(words[first : first + size])
            if kind in self._custom:
                value = self._custom[kind][phrase]
                slots[name] = ResolvedSlot(name, spoken, value.id, value.canonical, kind)
                pinned += size
                continue
            builtin = _BUILTIN_TYPES.get(kind, _ANY_TYPE)
            resolved = builtin.value(phrase, spoken)
            if resolved is None:
                return None
            slots[name] = ResolvedSlot(name, resolved, slot_type=kind)
            if builtin.pinned:
                pinned += size
            else:
                free += size
        return slots, pinned, free

    def _trim(self, words: list[str]) -> list[str]:
        """Drop filler ("please", "okay", "can you") from both ends."""
        changed = True
        while changed and words:
            changed = False
            keys = [_key(word) for word in words]
            for skip in self._skip:
                if len(skip) < len(words) and tuple(keys[: len(skip)]) == skip:
                    words, changed = words[len(skip) :], True
                    break
                if len(skip) < len(words) and tuple(keys[-len(skip) :]) == skip:
                    words, changed = words[: -len(skip)], True
                    break
        return words


def _custom_values(kind: Mapping[str, Any]) -> dict[str, _CustomValue]:
    """Match form of every value and synonym of a custom slot type."""
    values: dict[str, _CustomValue] = {}
    for entry in kind.get("values", []):
        name = entry["name"]
        value = _CustomValue(str(entry.get("id") or name["value"]), name["value"])
        for spoken in (name["value"], *name.get("synonyms", [])):
            values.setdefault(" ".join(_keys(spoken)), value)
    values.pop("", None)
    return values


def _compile(
    intent: str,
    sample: str,
    slot_types: Mapping[str, str],
    custom_patterns: Mapping[str, str],
    order: int,
) -> _Sample:
    """Turn "give us a {depth} question" into a regex over match-form words."""
    pieces: list[str] = []
    literals: list[str] = []
    slots: list[tuple[str, str]] = []
    for index, chunk in enumerate(_SLOT.split(sample)):
        if index % 2 == 0:
            words = _keys(chunk)
            literals += words
            pieces += [re.escape(word) for word in words]
            continue
        kind = slot_types.get(chunk, "")
        pattern = custom_patterns.get(kind) or _BUILTIN_TYPES.get(kind, _ANY_TYPE).pattern
        pieces.append(f"(?P<{chunk}>{pattern})")
        slots.append((chunk, kind))
    regex = re.compile(" ".join(pieces))
    return _Sample(intent, regex, frozenset(literals), len(literals), tuple(slots), order)


@lru_cache(maxsize=1)
def _source_extras() -> tuple[dict[str, list[str]], list[str]]:
    """Built-in phrases and skip words from the model source; none when it is not shipped."""
    try:
        source = load_source()
    except FileNotFoundError:
        return {}, []
    return dict(source.get("builtin_phrases") or {}), list(source.get("skip_words") or [])


@lru_cache(maxsize=16)
def _cached_resolver(locale: str, models_dir: Path) -> Resolver:
    path = models_dir / f"{locale}.json"
    if not path.exists():
        raise FileNotFoundError(
            f"no interaction model for {locale} at {path}: run `uv run heart-to-heart models build`"
        )
    return Resolver.from_model(json.loads(path.read_text(encoding="utf-8")))


# ----------------------------------------------------------------------------- invocation

_WAKE_WORDS = frozenset({"alexa", "amazon", "echo", "computer", "ziggy"})
_LAUNCH_VERBS = frozenset({"open", "start", "launch", "load", "begin", "run", "play", "resume"})
_ONESHOT_VERBS = frozenset({"ask", "tell", "use"})
_CONNECTORS = frozenset({"for", "to", "that", "if", "whether", "about", "and"})
_TRAILING = frozenset({"using", "with", "from", "on", "via"})
_EMPTY_REST = frozenset({"please", "now", "up", *_CONNECTORS})


def parse_invocation(
    text: str, invocation_name: str, resolver: Resolver | None = None
) -> Invocation:
    """Tell a launch ("open heart to heart") from a one-shot request ("ask heart to heart for
    the next one", rest "the next one") and from anything said inside a session.

    A connector (for, to, that, if, whether, about, and) after the name is dropped unless
    the rest resolves with it (checked when a `resolver` is given).
    """
    words = normalize(text)
    if words and _key(words[0]) in _WAKE_WORDS:
        words = words[1:]
    keys = [_key(word) for word in words]
    name = _keys(invocation_name)
    size = len(name)
    rest: list[str] | None = None
    if keys[:size] == name:
        rest = words[size:]
    elif keys[:1] and keys[0] in _LAUNCH_VERBS | _ONESHOT_VERBS and keys[1 : size + 1] == name:
        rest = words[size + 1 :]
    elif keys[:2] == ["talk", "to"] and keys[2 : size + 2] == name:
        rest = words[size + 2 :]
    elif len(keys) > size + 1 and keys[-size:] == name and keys[-size - 1] in _TRAILING:
        return Invocation("oneshot", " ".join(words[: -size - 1]))
    if rest is None:
        return Invocation("in_session", _without_wake_word(text))
    if all(_key(word) in _EMPTY_REST for word in rest):
        return Invocation("launch", "")
    if _key(rest[0]) in _CONNECTORS and (
        resolver is None or resolver.resolve(" ".join(rest)).intent == FALLBACK_INTENT
    ):
        rest = rest[1:]
    return Invocation("oneshot", " ".join(rest))


_LEADING_WAKE_WORD = re.compile(rf"^\s*(?:{'|'.join(_WAKE_WORDS)})\b[\s,.!?;:]*", re.IGNORECASE)


def _without_wake_word(text: str) -> str:
    return _LEADING_WAKE_WORD.sub("", text).strip()


# ----------------------------------------------------------------------------- request payload


def slot_payload(resolution: Resolution, skill_id: str | None = None) -> dict[str, Any]:
    """`request.intent.slots` as Alexa sends it, entity resolution included.

    The authority names the skill: `skill_id`, else HEART_TO_HEART_SKILL_ID, else
    DEFAULT_SKILL_ID.
    """
    skill = skill_id or os.environ.get("HEART_TO_HEART_SKILL_ID") or DEFAULT_SKILL_ID
    payload: dict[str, Any] = {
        name: {"name": name, "confirmationStatus": "NONE"} for name in resolution.declared
    }
    for name, slot in resolution.slots.items():
        entry: dict[str, Any] = {"name": name, "value": slot.value, "confirmationStatus": "NONE"}
        slot_value: dict[str, Any] = {"type": "Simple", "value": slot.value}
        custom = not slot.slot_type.startswith("AMAZON.") if slot.slot_type else slot.id is not None
        if custom:
            kind = slot.slot_type or name.upper()
            authority: dict[str, Any] = {"authority": f"amzn1.er-authority.echo-sdk.{skill}.{kind}"}
            if slot.id is None:
                authority["status"] = {"code": "ER_SUCCESS_NO_MATCH"}
            else:
                authority["status"] = {"code": "ER_SUCCESS_MATCH"}
                authority["values"] = [{"value": {"name": slot.canonical, "id": slot.id}}]
            entry["resolutions"] = slot_value["resolutions"] = {
                "resolutionsPerAuthority": [authority]
            }
        entry["slotValue"] = slot_value
        payload[name] = entry
    return payload
