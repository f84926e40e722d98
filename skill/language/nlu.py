"""Understand typed text the way Alexa would, using the project's own interaction model.

The `chat` console sends real request envelopes through the skill, so it needs what Alexa's
language understanding hands a skill: whether the user launched it, asked it something in
one go or spoke inside a session; the intent; and slots with entity resolution.

Matching is by the model source's sentence templates (hassil): a line resolves when some
template stands for it, fillers aside. The ASK model Alexa learns from is a sample of the
same templates that shows every word choice in every place (`skill.language.models`), and Alexa's
statistical understanding generalises from it, so a line understood here is one the model
was built to understand; Alexa's own figure can only be measured on Alexa.

    >>> resolver = Resolver.for_locale("en-US")
    >>> resolver.resolve("Give us a brunch question!").slots["moment"].id
    'brunch'
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from hassil import Intents, RecognizeResult, recognize_all

from skill.language.models import LOCALES, Grammar, grammar, load_source

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
    "time_value",
]

FALLBACK_INTENT = "AMAZON.FallbackIntent"
#: Used in entity-resolution authorities when neither an argument nor
#: HEART_TO_HEART_SKILL_ID names the skill.
DEFAULT_SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"


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

    @property
    def understood(self) -> bool:
        """An intent, and no custom slot holding words its type does not know."""
        unresolved = any(
            slot.id is None and not slot.slot_type.startswith("AMAZON.")
            for slot in self.slots.values()
        )
        return self.intent != FALLBACK_INTENT and not unresolved


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

_UNITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS: tuple[str, ...] = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen")
_TEENS += ("seventeen", "eighteen", "nineteen")
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_NUMBER_WORDS = (
    {word: value for value, word in enumerate(_UNITS)}
    | {word: 10 + value for value, word in enumerate(_TEENS)}
    | {word: 20 + 10 * value for value, word in enumerate(_TENS)}
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
_HOUR_WORDS = frozenset({*_UNITS[1:], *_TEENS[:3]})
_MINUTE_WORDS = frozenset({*_UNITS[1:], *_TEENS, *_TENS[:4], "oh", "o"})


def time_value(phrase: str) -> str | None:
    """AMAZON.TIME as Alexa sends it: 24-hour `HH:MM`; without am/pm the hour stays as said.
    None when the words are not a time of day."""
    phrase = " ".join(phrase.split())
    if phrase in ("noon", "midday"):
        return "12:00"
    if phrase == "midnight":
        return "00:00"
    if phrase.startswith("half ") and phrase.split()[1:2] and phrase.split()[1] in _HOUR_WORDS:
        phrase = "half past " + phrase[len("half ") :]  # British "half nine" is 9:30
    relation, phrase = _strip_edge(phrase, _OFFSETS, at_start=True)
    meridiem, phrase = _strip_edge(phrase, _MERIDIEM, at_start=False)
    words = phrase.split()
    if not words or not (words[0].isdigit() or words[0] in _HOUR_WORDS):
        return None
    hour_word, *minute_words = [word for word in words if word not in ("oh", "o")]
    if any(not (word.isdigit() or word in _MINUTE_WORDS) for word in minute_words):
        return None
    if len(minute_words) > 2 or (relation is not None and minute_words):
        return None  # "nine thirty five six", "half past nine thirty"
    hour = _as_int(hour_word)
    minute = sum(_as_int(word) for word in minute_words)
    if relation is not None:
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


def _spoken(words: list[str]) -> list[str]:
    """Numbers typed as digits in the words a speech recogniser writes ("10" -> "ten"), so
    "we have 10 minutes" meets the grammar's "ten minutes". Clock times ("9 30 pm", "21 05")
    and numbers over 99 stay digits."""
    clock = {"am", "pm"}
    spoken: list[str] = []
    for index, word in enumerate(words):
        around = words[max(index - 1, 0) : index] + words[index + 1 : index + 2]
        if any(other.isdigit() or other in clock for other in around):
            spoken.append(word)
        else:
            spoken.extend(_number_words(word))
    return spoken


def _number_words(word: str) -> list[str]:
    if not word.isascii() or not word.isdigit() or int(word) > 99:
        return [word]
    number = int(word)
    if number < 20:
        return [(_UNITS + _TEENS)[number]]
    tens, units = divmod(number, 10)
    return [_TENS[tens - 2]] + ([_UNITS[units]] if units else [])


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


# ----------------------------------------------------------------------------- resolver

_SLOT = re.compile(r"\{([A-Za-z][A-Za-z0-9_]*)\}")
#: Where a typed line or a transcript marks the end of a clause (not "9:30" or "p.m.").
_CLAUSE = re.compile(r"[,;!?\u2014]+|(?<!\d):(?!\d)|\.(?=\s|$)")
#: Answers that say little on their own: in a line with a real request, the request wins.
_REPLIES = frozenset({"AMAZON.YesIntent", "AMAZON.NoIntent"})
#: A second request in a later clause ("that's a keeper, next one please"), as the `then`
#: slot's value.
_FOLLOW_UPS = {
    "AMAZON.NextIntent": "starter",
    "StarterIntent": "starter",
    "DeeperIntent": "deeper",
    "LighterIntent": "lighter",
    "CheckInIntent": "checkin",
}
#: A lighter or deeper clause beside a request for a new starter sets how deep it is.
_DEPTH_OF = {"LighterIntent": "1", "DeeperIntent": "2"}
#: The longest phrase an open slot (a custom value Alexa does not know, a name) may hold.
MAX_OPEN_WORDS = 3
_NUMBER_RANGE = {"range": {"from": 0, "to": 100}}


@dataclass(frozen=True)
class _SlotKind:
    name: str  # the slot type
    custom: bool
    open: bool = False  # may hold words its type does not list


@dataclass(frozen=True)
class _Slots:
    """What each slot is, and how its words become what Alexa sends."""

    kinds: Mapping[str, _SlotKind]  # slot name -> its type
    declared: Mapping[str, tuple[str, ...]]  # intent -> its slots
    canonical: Mapping[str, Mapping[str, str]]  # type -> value id -> canonical word
    ids: Mapping[str, Mapping[str, str]]  # type -> a listed word (match form) -> value id


@dataclass(frozen=True)
class _Words:
    """How a line is cleaned before matching."""

    vocabulary: frozenset[str]  # every word the grammar uses: never a name
    filler: frozenset[str]  # every word of a skip or edge phrase
    edges: tuple[tuple[str, ...], ...]  # trimmed from either end, longest first
    skips: tuple[tuple[str, ...], ...]  # dropped anywhere, longest first
    spellings: Mapping[str, str]  # typed spelling -> the model's


class Resolver:
    """Resolves utterances against one locale's voice model with hassil, the sentence
    matcher of Home Assistant's voice assistant.

    Built from the model source (`for_locale`, the whole grammar, as the chat console uses
    it) or from an ASK model's JSON (`from_model`, its literal samples). A custom slot holds
    a listed value or synonym, or, as on Alexa where a slot type is no enumeration, up to
    three other words that come back unresolved. Among the matches the one with no
    unresolved values, the fewest free-text names and the most literal words wins; nothing
    matched is AMAZON.FallbackIntent.
    """

    def __init__(
        self,
        invocation_name: str,
        intents: Intents,
        open_passes: Sequence[Intents],
        slots: _Slots,
        words: _Words,
    ) -> None:
        self.invocation_name = invocation_name
        self._intents = intents
        self._open_passes = tuple(open_passes)  # one per open type, its slots wildcards
        self._slots = slots
        self._words = words
        self._order = {name: index for index, name in enumerate(slots.declared)}

    # -- construction

    @classmethod
    def from_grammar(cls, spoken: Grammar) -> Resolver:
        """The whole grammar of one locale: every sentence its templates stand for."""
        return cls._build(
            spoken.invocation,
            {name: (spec.slots, spec.templates) for name, spec in spoken.intents.items()},
            spoken.types,
            spoken.rules,
            spoken.builtin_phrases,
            spoken.skip_words,
            spoken.edge_words,
            spoken.open_types,
            spoken.spellings,
        )

    @classmethod
    def from_model(
        cls,
        model: Mapping[str, Any],
        builtin_phrases: Mapping[str, Sequence[str]] | None = None,
        skip_words: Sequence[str] | None = None,
        edge_words: Sequence[str] | None = None,
    ) -> Resolver:
        """An ASK model's literal samples. Built-in phrases and fillers are not part of the
        JSON; by default they come from the model source."""
        default_phrases, default_skips, default_edges = _source_extras()
        builtin_phrases = default_phrases if builtin_phrases is None else builtin_phrases
        skip_words = default_skips if skip_words is None else skip_words
        edge_words = default_edges if edge_words is None else edge_words
        language = model["interactionModel"]["languageModel"]
        intents = {
            intent["name"]: (
                {slot["name"]: slot["type"] for slot in intent.get("slots", [])},
                tuple(intent.get("samples", [])),
            )
            for intent in language["intents"]
        }
        types = {
            kind["name"]: {
                str(entry.get("id") or entry["name"]["value"]): (
                    entry["name"]["value"],
                    *entry["name"].get("synonyms", []),
                )
                for entry in kind.get("values", [])
            }
            for kind in language.get("types", [])
        }
        return cls._build(
            language["invocationName"],
            intents,
            types,
            {},
            builtin_phrases,
            skip_words,
            edge_words,
            (),
        )

    @classmethod
    def _build(
        cls,
        invocation: str,
        intents: Mapping[str, tuple[Mapping[str, str], Sequence[str]]],
        types: Mapping[str, Mapping[str, Sequence[str]]],
        rules: Mapping[str, str],
        builtin_phrases: Mapping[str, Sequence[str]],
        skip_words: Sequence[str],
        edge_words: Sequence[str],
        open_types: Sequence[str],
        spellings: Mapping[str, str] | None = None,
    ) -> Resolver:
        kinds: dict[str, _SlotKind] = {}
        lists: dict[str, Any] = {}
        sentences: dict[str, list[str]] = {}
        for name, (slots, templates) in intents.items():
            for slot, kind in slots.items():
                known = kinds.setdefault(slot, _SlotKind(kind, kind in types, kind in open_types))
                if known.name != kind:
                    raise ValueError(f"slot {{{slot}}} is {known.name} in one intent, {kind} here")
                lists[slot] = _slot_list(kind, types)
            sentences[name] = [_match_form(template) for template in templates]
        for name, phrases in builtin_phrases.items():
            sentences.setdefault(name, []).extend(_match_form(str(p)) for p in phrases)
        canonical = {
            kind: {value_id: words[0] for value_id, words in values.items()}
            for kind, values in types.items()
        }
        data = {
            "language": "en",
            "intents": {
                name: {"data": [{"sentences": found}]} for name, found in sentences.items() if found
            },
            "lists": lists,
            "expansion_rules": {name: _match_form(rule) for name, rule in rules.items()},
            "skip_words": [_match_form(word) for word in skip_words],
        }
        declared = {name: tuple(slots) for name, (slots, _) in intents.items()}
        for name in builtin_phrases:
            declared.setdefault(name, ())
        # For words no list knows: one pass per open type, its slots made wildcards (two
        # wildcards side by side cannot be split, so one type at a time).
        open_passes = []
        for kind in open_types:
            opened = {
                name: [
                    _opened(template, [slot for slot, k in slots.items() if k == kind])
                    for template in sentences.get(name, [])
                ]
                for name, (slots, _) in intents.items()
                if kind in slots.values()
            }
            open_lists = {
                f"{slot}{_OPEN}": {"wildcard": True}
                for _, (slots, _) in intents.items()
                for slot, k in slots.items()
                if k == kind
            }
            open_data = {
                **data,
                "intents": {n: {"data": [{"sentences": t}]} for n, t in opened.items() if t},
                "lists": {**lists, **open_lists},
            }
            open_passes.append(Intents.from_dict(open_data))
        # Every word the grammar itself uses: a name slot holding one has matched across
        # a sentence ("we are eating dinner and would like a question").
        literal = " ".join([*(t for _, ts in intents.values() for t in ts), *rules.values()])
        literal += " " + " ".join(
            w for values in types.values() for ws in values.values() for w in ws
        )
        vocabulary = frozenset(_key(word) for word in re.findall(r"[a-z']+", literal.lower()))
        fillers = [tuple(_key(word) for word in normalize(p)) for p in (*skip_words, *edge_words)]
        slot_info = _Slots(
            kinds=kinds,
            declared=declared,
            canonical=canonical,
            ids={
                kind: {_match_form(w): value_id for value_id, ws in values.items() for w in ws}
                for kind, values in types.items()
            },
        )
        word_info = _Words(
            vocabulary=vocabulary | _NOT_NAMES,
            filler=frozenset(word for phrase in fillers for word in phrase),
            edges=_phrases(edge_words),
            skips=_phrases(skip_words),
            spellings={_key(k): _key(v) for k, v in (spellings or {}).items()},
        )
        return cls(invocation, Intents.from_dict(data), open_passes, slot_info, word_info)

    @classmethod
    def for_locale(cls, locale: str) -> Resolver:
        """The grammar of `locale` from interaction_models/source/en.yaml, built once."""
        return _cached_resolver(locale)

    # -- resolving

    def resolve(self, text: str) -> Resolution:
        """The intent and slots for `text` (inside a session).

        A line the grammar does not understand whole is tried clause by clause when its
        punctuation marks clauses, as typed text and transcripts do ("keep it light, it's
        only tuesday"): clauses that agree on the intent pool their slots; a custom intent
        outranks a bare yes or no ("not now, can we just do the check in").
        """
        whole = self._resolve_words(text)
        if whole.understood:
            return whole
        parts = [clause for clause in _CLAUSE.split(text) if normalize(clause)]
        said = [
            clause
            for clause in parts
            if any(_key(word) not in self._words.filler for word in normalize(clause))
        ]
        # A clause made only of words that elsewhere are fillers can still be a sentence
        # ("we're good for now, we've got loads to chat about"): heard when nothing else is.
        # Not as a bare yes or no: "do you know" is a yes only when it is asked.
        quiet = [clause for clause in parts if clause not in said]
        return (
            self._from_clauses(text, said)
            or self._from_clauses(text, quiet, replies=False)
            or whole
        )

    def _from_clauses(
        self, text: str, clauses: list[str], *, replies: bool = True
    ) -> Resolution | None:
        """What the clauses of `text` ask for together; None when none of them is heard
        (with `replies` false, a clause heard only as yes or no is not heard)."""
        if not clauses or clauses == [text]:
            return None
        each = [self._heard(clause, replies) for clause in clauses]
        first = next((i for i, found in enumerate(each) if found.intent != FALLBACK_INTENT), None)
        if first is None:
            return None
        if len(clauses) - first > 1:
            # a preamble first ("oh wait, theo just sat down, so it's maya, chloe and theo"):
            # the rest may be one request that its commas split
            for start in range(first + 1):
                rest = self._heard(" ".join(clauses[start:]), replies)
                if rest.understood:
                    return rest
        heard = [found for found in each if found.understood]
        if not heard:
            return None
        custom = [found for found in heard if found.intent not in _REPLIES]
        chosen = (custom or heard)[0]
        slots: dict[str, ResolvedSlot] = {}
        for found in heard:
            if found.intent == chosen.intent:
                slots |= found.slots  # a later clause corrects an earlier one
        follow_up = next(
            (
                _FOLLOW_UPS[found.intent]
                for found in heard[heard.index(chosen) + 1 :]
                if found.intent in _FOLLOW_UPS and found.intent != chosen.intent
            ),
            None,
        )
        corrected = any(found.intent == "AMAZON.NoIntent" for found in heard[heard.index(chosen) :])
        if chosen.intent == "StarterIntent" and ("depth" not in slots or corrected):
            # "a question, nothing too heavy": the new starter's depth, not a second request;
            # "a light one, actually no, a deeper one": a correction
            depths = [_DEPTH_OF[found.intent] for found in heard if found.intent in _DEPTH_OF]
            depth = (depths[-1] if corrected else depths[0]) if depths else None
            if depth:
                slots["depth"] = ResolvedSlot("depth", depth, depth, depth, "DEPTH")
                follow_up = None
        if follow_up and "then" in chosen.declared and "then" not in slots:
            slots["then"] = ResolvedSlot("then", follow_up, follow_up, follow_up, "FOLLOW_UP")
        return Resolution(chosen.intent, slots, chosen.declared)

    def _heard(self, text: str, replies: bool) -> Resolution:
        found = self._resolve_words(text)
        return found if replies or found.intent not in _REPLIES else Resolution(FALLBACK_INTENT)

    def _resolve_words(self, text: str) -> Resolution:
        said = _spoken([_key(word) for word in normalize(text)])
        said = [self._words.spellings.get(word, word) for word in said]
        if len(said) > 1 and said[0] in _WAKE_WORDS:
            said = said[1:]  # the wake word never reaches a skill
        words = self._unskipped(said)
        collapsed = [w for i, w in enumerate(words) if i == 0 or w != words[i - 1]]
        # As said (a sample may hold a skip word: "uh huh"); without skip words; without a
        # false start ("give us a a dinner one"); without the discourse words at either end
        # ("okay so ... mate"), one at a time, so that an edge word that means something
        # there is dropped last ("okay we're done for tonight, thanks").
        variants = [said, words, collapsed, *self._trims(words), *self._trims(collapsed)]
        lines = list(dict.fromkeys(" ".join(variant) for variant in variants))
        # The first form that matches with known values only wins; words no list knows are
        # tried only when none does (the slower search).
        for line in lines:
            match = self._best(line, open_values=False)
            if match is not None:
                return match[1]
        found = [match for line in lines if (match := self._best(line, open_values=True))]
        if not found:
            return Resolution(FALLBACK_INTENT)
        return min(found, key=lambda match: match[0])[1]

    def _unskipped(self, words: list[str]) -> list[str]:
        """The words without skip words ("um", "please"), wherever they are."""
        kept: list[str] = []
        index = 0
        while index < len(words):
            here = words[index:]
            skip = next((len(p) for p in self._words.skips if tuple(here[: len(p)]) == p), 0)
            if skip and len(words) > skip:
                index += skip
                continue
            kept.append(words[index])
            index += 1
        return kept

    def _trims(self, words: list[str]) -> list[list[str]]:
        """`words` without edge words at either end, every way of dropping them, those that
        keep the most words first: an edge word that means something there ("for tonight"
        in "okay we're done for tonight, thanks") is dropped only when the line needs it."""
        starts, ends = [0], [len(words)]
        while step := self._edge_at(words[starts[-1] :], at_start=True):
            starts.append(starts[-1] + step)
        while step := self._edge_at(words[: ends[-1]], at_start=False):
            ends.append(ends[-1] - step)
        cuts = [
            (start, end)
            for start in starts
            for end in ends
            if end > start and (start, end) != (0, len(words))
        ]
        return [words[start:end] for start, end in sorted(cuts, key=lambda c: c[0] - c[1])]

    def _edge_at(self, words: list[str], *, at_start: bool) -> int:
        """The length of the longest edge phrase at that end of `words`, 0 when none."""
        for edge in self._words.edges:  # longest first
            here = words[: len(edge)] if at_start else words[len(words) - len(edge) :]
            if len(edge) < len(words) and tuple(here) == edge:
                return len(edge)
        return 0

    def parse_invocation(self, text: str) -> Invocation:
        """`parse_invocation` with this model's invocation name and connector check."""
        return parse_invocation(text, self.invocation_name, resolver=self)

    def _best(self, line: str, *, open_values: bool) -> tuple[tuple[int, ...], Resolution] | None:
        """The best match for one line and its score (lower is better), or None."""
        if not line:
            return None
        best: tuple[tuple[int, ...], Resolution] | None = None
        passes = self._open_passes if open_values else (self._intents,)
        matches = (result for intents in passes for result in recognize_all(line, intents))
        for result in matches:
            resolution = self._resolution(result)
            if resolution is None:
                continue
            unresolved = sum(
                1
                for slot in resolution.slots.values()
                if slot.id is None and not slot.slot_type.startswith("AMAZON.")
            )
            wildcards = sum(
                1 for e in result.entities_list if e.is_wildcard and not e.name.endswith(_OPEN)
            )
            literal = result.text_chunks_matched
            free = sum(
                len(entity.text.split()) for entity in result.entities_list if entity.is_wildcard
            )
            score = (
                unresolved,
                wildcards,
                -literal,
                free,
                self._order.get(resolution.intent, len(self._order)),
            )
            if best is None or score < best[0]:
                best = (score, resolution)
        return best

    def _resolution(self, result: RecognizeResult) -> Resolution | None:
        """The match as Alexa would send it, or None when it is not one Alexa could make."""
        slots: dict[str, ResolvedSlot] = {}
        opened = [e for e in result.entities_list if e.name.endswith(_OPEN)]
        if opened and not result.text_chunks_matched:
            return None  # nothing but an unknown value: no sentence was recognised
        for entity in opened:
            name = entity.name.removesuffix(_OPEN)
            kind = self._slots.kinds[name]
            text = entity.text.strip()
            words = text.split()
            if not words or len(words) > MAX_OPEN_WORDS or {words[0], words[-1]} & _GLUE_WORDS:
                return None  # "for the next" is a sentence's glue, not a value
            if self._best(text, open_values=False) is not None:
                return None  # "start over and give us a brunch one": a request, not a value
            value_id = self._slots.ids.get(kind.name, {}).get(text)
            canonical = self._slots.canonical[kind.name].get(value_id) if value_id else None
            slots[name] = ResolvedSlot(name, text, value_id, canonical, kind.name)
        for entity in result.entities_list:
            if entity.name.endswith(_OPEN):
                continue
            slot_kind = self._slots.kinds.get(entity.name)
            if slot_kind is None:
                return None
            spoken = entity.text.strip()
            if slot_kind.custom:
                value_id = str(entity.value)
                canonical = self._slots.canonical[slot_kind.name].get(value_id)
                slots[entity.name] = ResolvedSlot(
                    entity.name, spoken, value_id, canonical, slot_kind.name
                )
                continue
            value = _builtin_value(slot_kind.name, entity.value, spoken)
            if value is None:
                return None
            slots[entity.name] = ResolvedSlot(entity.name, value, slot_type=slot_kind.name)
        intent = result.intent.name
        if not _split_names(slots, self._slots.declared.get(intent, ()), self._words.vocabulary):
            return None
        return Resolution(intent, slots, self._slots.declared.get(intent, ()))


def _builtin_value(kind: str, value: Any, spoken: str) -> str | None:
    """What Alexa puts in a built-in slot: digits for a number, `HH:MM` for a time, a name
    as written."""
    if kind == "AMAZON.NUMBER":
        return str(int(value)) if isinstance(value, int | float) else None
    if kind == "AMAZON.TIME":
        return time_value(spoken)
    if len(spoken.split()) > MAX_OPEN_WORDS:
        return None
    return spoken.title() if kind == "AMAZON.FirstName" else spoken


#: Words that hold a sentence together; an unknown slot value never starts or ends on one.
_GLUE_WORDS = frozenset(
    {"a", "an", "the", "for", "to", "of", "and", "or", "with", "at", "in", "on", "us", "me",
     "we", "i", "it", "that", "this", "is", "are", "some", "one", "another", "next", "please"}
)  # fmt: skip

_OPEN = "_open"


def _phrases(texts: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """Phrases as word tuples in match form, longest first."""
    found = (tuple(_key(word) for word in normalize(text)) for text in texts)
    return tuple(sorted(found, key=len, reverse=True))


def _opened(template: str, slots: Sequence[str]) -> str:
    """The template with these slots as wildcards ({moment} -> {moment_open})."""
    for slot in slots:
        template = template.replace("{" + slot + "}", "{" + slot + _OPEN + "}")
    return template


_NAME_SLOTS = ("firstName", "secondName", "thirdName", "fourthName")


def _split_names(
    slots: dict[str, ResolvedSlot], declared: Sequence[str], vocabulary: frozenset[str]
) -> bool:
    """Names said in a row without "and" ("we're tom aisha and ben") reach one free-text
    slot together: give each name its own slot, as Alexa's recogniser does. False when
    they do not fit the slots the intent has."""
    names = [slots[name].value for name in _NAME_SLOTS if name in slots]
    if not names:
        return True
    words = [word for name in names for word in name.split()]
    available = [name for name in _NAME_SLOTS if name in declared]
    if len(words) > len(available) or any(_key(w.lower()) in vocabulary for w in words):
        return False
    for slot in _NAME_SLOTS:
        slots.pop(slot, None)
    for slot, word in zip(available, words, strict=False):
        slots[slot] = ResolvedSlot(slot, word, slot_type="AMAZON.FirstName")
    return True


#: Words that are never a first name: a name slot holding one has matched across a sentence.
_NOT_NAMES = frozenset(
    {"and", "i", "im", "me", "my", "is", "are", "we", "were", "us", "the", "a", "this", "that",
     "he", "she", "hes", "shes", "its", "our", "name", "names", "called", "with", "of", "to"}
)  # fmt: skip


def _slot_list(kind: str, types: Mapping[str, Mapping[str, Sequence[str]]]) -> dict[str, Any]:
    if kind in types:
        values = [
            {"in": _match_form(str(word)), "out": value_id}
            for value_id, words in types[kind].items()
            for word in words
        ]
        return {"values": values}
    if kind == "AMAZON.NUMBER":
        return _NUMBER_RANGE
    return {"wildcard": True}


def _match_form(text: str) -> str:
    """Templates and input meet without apostrophes, so "were" meets "we're"."""
    return text.replace("'", "")


@lru_cache(maxsize=1)
def _source_extras() -> tuple[dict[str, list[str]], list[str], list[str]]:
    """Built-in phrases and fillers from the model source; none when it is not shipped."""
    try:
        source = load_source()
    except FileNotFoundError:
        return {}, [], []
    return (
        dict(source.get("builtin_phrases") or {}),
        list(source.get("skip_words") or []),
        list(source.get("edge_words") or []),
    )


@lru_cache(maxsize=16)
def _cached_resolver(locale: str) -> Resolver:
    if locale not in LOCALES:
        raise ValueError(f"no voice model for {locale!r}; the skill speaks {', '.join(LOCALES)}")
    return Resolver.from_grammar(grammar(load_source(), locale))


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
    only the rest with it is understood (checked when a `resolver` is given).
    """
    words = _without_lead(normalize(text))
    if words and _key(words[0]) in _WAKE_WORDS:
        words = _without_lead(words[1:])
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
        resolver is None
        or resolver.resolve(" ".join(rest[1:])).understood
        or not resolver.resolve(" ".join(rest)).understood
    ):
        rest = rest[1:]
    return Invocation("oneshot", " ".join(rest))


#: Said before the wake word or the verb and never part of the request: "yo alexa",
#: "um, alexa, could you ask heart to heart ...".
_LEAD = frozenset(
    {"um", "uh", "er", "erm", "hmm", "yo", "hey", "hi", "ok", "okay", "so", "oh", "alright",
     "right", "well", "please", "kindly", "would", "could", "can", "will", "you"}
)  # fmt: skip


def _without_lead(words: list[str]) -> list[str]:
    """The words from the first one that can start a request to the skill."""
    start = 0
    while start < len(words) - 1 and _key(words[start]) in _LEAD:
        start += 1
    return words[start:]


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
