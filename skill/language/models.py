"""The voice model: one YAML source, five generated ASK interaction models, and their checks.

Alexa wants every sample utterance spelled out, per locale. Writing them by hand drifts (the
alexa-samples repos carry near-identical `en-*.json` with no generator), so the samples are
written once as templates in `interaction_models/source/en.yaml` and expanded here:

    >>> expand("(give|get) us [a] <starter>", {"starter": "(question|topic)"})[:3]
    ['give us a question', 'give us a topic', 'give us question']

Run `uv run heart-to-heart models build` after editing the source; a test fails while the
committed JSON differs from a fresh build.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from hassil import expression
from hassil.parse_expression import parse_expression
from hassil.parser import ParseError, next_chunk

__all__ = [
    "LAUNCH_WORDS",
    "LOCALES",
    "MODELS_DIR",
    "REQUIRED_INTENTS",
    "SOURCE_PATH",
    "build_all",
    "build_model",
    "check_model",
    "expand",
    "load_source",
    "print_samples",
    "render",
    "report",
]

LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
MODELS_DIR = Path(__file__).resolve().parents[2] / "interaction_models"
SOURCE_PATH = MODELS_DIR / "source" / "en.yaml"

#: Intents certification expects in every custom skill.
REQUIRED_INTENTS = (
    "AMAZON.CancelIntent",
    "AMAZON.FallbackIntent",
    "AMAZON.HelpIntent",
    "AMAZON.NavigateHomeIntent",
    "AMAZON.StopIntent",
)
_LAUNCH_PHRASES = {"launch", "ask", "tell", "load", "begin", "enable", "open", "start", "play"}
_WAKE_WORDS = {"alexa", "amazon", "echo", "computer", "ziggy"}
#: Words an invocation name may not contain: launch phrases, wake words, "skill", "app".
LAUNCH_WORDS = frozenset({*_LAUNCH_PHRASES, *_WAKE_WORDS, "skill", "app"})
#: A two-word invocation name may not spend a word on these.
_SHORT_NAME_FILLERS = frozenset({"the", "a", "an", "for", "to", "of"})
MAX_SAMPLE_CHARS = 200
#: A template that expands further than this is a mistake, not a voice model.
MAX_EXPANSIONS = 50_000
#: The most sentences one template contributes to an ASK model. Alexa learns phrasings, not
#: lists, so a template's expansions are sampled down to a set that still shows every word
#: choice in each of its places; the console matches the whole template.
TRAINING_SAMPLES = 24

_BUILD_HINT = (
    "run `uv run heart-to-heart models build` (or `uv run python -m skill.language.models build`)"
)
_SLOT = re.compile(r"\{([^{}]*)\}")
_SLOT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# A spoken word: letters with apostrophes, or an abbreviation spelled with periods ("t.v.").
_WORD = re.compile(r"[a-z]+(?:'[a-z]*)*|'[a-z]+|(?:[a-z]\.)+")
_LOCALE_KEYS = frozenset({"rules", "synonyms", "samples", "spellings"})


# ----------------------------------------------------------------------------- expansion


def expand(template: str, rules: Mapping[str, str]) -> list[str]:
    """Every sentence a template stands for, whitespace folded, duplicates dropped, in order.

    `(a|b)` picks one alternative, `[a]` or `[a|b]` is optional, `<name>` inserts the
    expansion of `rules[name]`, and `{slot}` passes through untouched.
    """
    tree = parse_template(template, rules)
    if tree.count > MAX_EXPANSIONS:
        raise ValueError(f"{template!r} expands to over {MAX_EXPANSIONS} sentences: split it up")
    return _folded(tree.sentences())


def training_samples(
    template: str, rules: Mapping[str, str], limit: int = TRAINING_SAMPLES
) -> list[str]:
    """The sentences of a template that train the ASK model: all of them when there are at
    most `limit`; else `limit` of them (more if one place offers more choices) in which every
    alternative of every place appears, each place turning through its choices at its own
    pace so that neighbouring choices meet in varied pairs. Deterministic."""
    tree = parse_template(template, rules)
    if tree.count <= limit:
        return _folded(tree.sentences())
    size = max(limit, tree.widest)
    return _folded(tree.pick(index) for index in range(size))


def _folded(sentences: Iterable[str]) -> list[str]:
    folded = (" ".join(sentence.split()) for sentence in sentences)
    return list(dict.fromkeys(sentence for sentence in folded if sentence))


@dataclass(frozen=True)
class _Node:
    """A template read by hassil, its rules inlined: literal text, or a sequence of parts, or
    a choice between them that carries its own pace through its alternatives when sampled."""

    kind: str  # "text", "seq" or "choice"
    text: str = ""
    parts: tuple[_Node, ...] = ()
    stride: int = 1  # a choice's own pace through its alternatives when sampled

    @property
    def count(self) -> int:
        if self.kind == "text":
            return 1
        counts = [part.count for part in self.parts]
        return sum(counts) if self.kind == "choice" else math.prod(counts)

    @property
    def widest(self) -> int:
        """The most alternatives any one place offers."""
        own = len(self.parts) if self.kind == "choice" else 1
        return max([own, *(part.widest for part in self.parts)])

    def sentences(self) -> Iterator[str]:
        if self.kind == "text":
            yield self.text
        elif self.kind == "choice":
            for part in self.parts:
                yield from part.sentences()
        else:
            for combination in itertools.product(*(list(p.sentences()) for p in self.parts)):
                yield "".join(combination)

    def pick(self, index: int) -> str:
        if self.kind == "text":
            return self.text
        if self.kind == "choice":
            return self.parts[(index * self.stride) % len(self.parts)].pick(index)
        return "".join(part.pick(index) for part in self.parts)


def parse_template(template: str, rules: Mapping[str, str]) -> _Node:
    """The template as a tree, its rules inlined. Hassil reads the syntax, as it does for the
    console's matcher; this adds the rule inlining and the sampling strides."""
    return _adapt(_read(template), template, rules, (), itertools.count(1))


def _read(text: str) -> expression.Group:
    """Hassil's tree of one template or rule: a Sequence, or an Alternative when `|` stands
    outside any brackets (which hassil's `parse_sentence` would accept, and hide)."""
    wrapped = f"({text})"
    try:
        chunk = next_chunk(wrapped)
        assert chunk is not None  # `wrapped` is never empty
        if chunk.end_index < len(wrapped):  # a `)` closed the wrapping early
            raise ValueError(f"unbalanced ')' at position {chunk.end_index - 2} in {text!r}")
        group = parse_expression(chunk)
    except (ParseError, AssertionError) as error:
        closer = re.search(r"Unable to find end of \w+ '(.)'", str(error))
        what = f"unclosed, missing {closer[1]!r}" if closer else "unbalanced or empty brackets"
        raise ValueError(f"{what} in {text!r}") from None
    assert isinstance(group, expression.Group)
    if isinstance(group, expression.Alternative):
        raise ValueError(f"'|' outside (...) or [...] in {text!r}: wrap the choices")
    return group


def _adapt(
    item: expression.Expression,
    text: str,
    rules: Mapping[str, str],
    active: tuple[str, ...],
    strides: Iterator[int],
) -> _Node:
    """Hassil's expression as a `_Node`. Strides go to choices as the old hand-written reader
    closed them (inner before outer, left to right), so sampling stays as it was; that reader
    also spent one on the alternatives inside `[a|b]` before the optional choice itself."""
    if isinstance(item, expression.TextChunk):
        return _Node("text", text=item.original_text)
    if isinstance(item, expression.ListReference):  # a slot, which Alexa's samples keep
        return _Node("text", text="{" + item.slot_name + "}")
    if isinstance(item, expression.RuleReference):
        name = item.rule_name
        if name not in rules:
            raise ValueError(f"unknown rule <{name}>: define it under `rules:` in the source")
        if name in active:
            raise ValueError(f"rule <{name}> refers to itself: {' -> '.join((*active, name))}")
        return _adapt(_read(rules[name]), rules[name], rules, (*active, name), strides)
    if isinstance(item, expression.Permutation):
        raise ValueError(f"';' in {text!r}: Alexa takes no permutations, write the orders out")
    assert isinstance(item, expression.Group), item
    parts = tuple(_adapt(part, text, rules, active, strides) for part in item.items)
    if not isinstance(item, expression.Alternative) or len(parts) == 1:
        return _Node("seq", parts=parts)
    if item.is_optional and len(parts) > 2:
        _stride(len(parts) - 1, strides)
    return _Node("choice", parts=parts, stride=_stride(len(parts), strides))


def _stride(options: int, strides: Iterator[int]) -> int:
    """The next stride coprime with the number of options, so a choice visits every one."""
    return next(stride for stride in strides if math.gcd(stride, options) == 1)


# ----------------------------------------------------------------------------- building


def load_source(path: Path | str | None = None) -> dict[str, Any]:
    """Read the model source (default: `interaction_models/source/en.yaml`) and sanity-check
    its shape, so a typo fails here with a pointer rather than deep inside a build."""
    source_path = Path(path) if path is not None else SOURCE_PATH
    source = yaml.safe_load(source_path.read_text(encoding="utf-8"))
    if not isinstance(source, dict):
        raise ValueError(f"{source_path}: expected a mapping at the top level")
    if not isinstance(source.get("invocation"), str):
        raise ValueError(f"{source_path}: `invocation:` must be a string")
    for key in ("intents", "rules", "types", "locales", "builtin_phrases", "suggestions"):
        if not isinstance(source.get(key) or {}, dict):
            raise ValueError(f"{source_path}: `{key}:` must be a mapping")
    if not source.get("intents"):
        raise ValueError(f"{source_path}: `intents:` is empty")
    for where, text in _strings(source):
        if not isinstance(text, str):
            raise ValueError(f"{source_path}: {where} holds {text!r}, not text: quote it")
    for locale, overrides in (source.get("locales") or {}).items():
        if locale not in LOCALES:
            raise ValueError(f"{source_path}: unknown locale {locale!r} (known: {LOCALES})")
        unknown = set(overrides or {}) - _LOCALE_KEYS
        if unknown:
            raise ValueError(f"{source_path}: {locale} has unknown keys {sorted(unknown)}")
    return source


def _strings(source: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Every place the source expects text, so YAML's `yes`/`no`/`off` booleans get caught."""
    found: list[tuple[str, Any]] = [
        ("rules." + k, v) for k, v in (source.get("rules") or {}).items()
    ]
    for intent, spec in source["intents"].items():
        found += [(f"intents.{intent}", text) for text in (spec or {}).get("samples") or []]
    for kind, values in (source.get("types") or {}).items():
        found += [(f"types.{kind}.{i}", w) for i, words in values.items() for w in words or []]
    for intent, phrases in (source.get("builtin_phrases") or {}).items():
        found += [(f"builtin_phrases.{intent}", text) for text in phrases or []]
    for intent, phrases in (source.get("suggestions") or {}).items():
        found += [(f"suggestions.{intent}", text) for text in phrases or []]
    found += [("skip_words", text) for text in source.get("skip_words") or []]
    found += [("edge_words", text) for text in source.get("edge_words") or []]
    return found


@dataclass(frozen=True)
class IntentSpec:
    """One intent of the source: its slots (name to type) and sentence templates."""

    slots: Mapping[str, str]
    templates: tuple[str, ...]


@dataclass(frozen=True)
class Grammar:
    """One locale's voice model before expansion: the shared source with that locale's
    rules, extra templates and extra synonyms applied. The console's matcher understands it
    directly; the ASK model is its expansion."""

    locale: str
    invocation: str
    rules: Mapping[str, str]
    intents: Mapping[str, IntentSpec]
    types: Mapping[str, Mapping[str, tuple[str, ...]]]  # type -> value id -> words, canonical first
    builtin_phrases: Mapping[str, tuple[str, ...]]
    skip_words: tuple[str, ...]
    edge_words: tuple[str, ...] = ()
    open_types: tuple[str, ...] = ()
    spellings: Mapping[str, str] = field(default_factory=dict)  # typed spelling -> model's
    suggestions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def grammar(source: Mapping[str, Any], locale: str) -> Grammar:
    """The source as one locale hears it."""
    overrides = (source.get("locales") or {}).get(locale) or {}
    rules = {**(source.get("rules") or {}), **(overrides.get("rules") or {})}
    extra_samples = overrides.get("samples") or {}
    unknown = set(extra_samples) - set(source["intents"])
    if unknown:
        raise ValueError(f"{locale} adds samples to unknown intents {sorted(unknown)}")
    intents = {
        name: IntentSpec(
            slots=dict((spec or {}).get("slots") or {}),
            templates=(*((spec or {}).get("samples") or []), *(extra_samples.get(name) or [])),
        )
        for name, spec in source["intents"].items()
    }
    extra_synonyms = overrides.get("synonyms") or {}
    types = {
        name: _type_words(name, values, extra_synonyms.get(name) or {})
        for name, values in (source.get("types") or {}).items()
    }
    return Grammar(
        locale=locale,
        invocation=source["invocation"],
        rules=rules,
        intents=intents,
        types=types,
        builtin_phrases={
            intent: tuple(str(phrase) for phrase in phrases or ())
            for intent, phrases in (source.get("builtin_phrases") or {}).items()
        },
        skip_words=tuple(str(word) for word in source.get("skip_words") or ()),
        edge_words=tuple(str(word) for word in source.get("edge_words") or ()),
        open_types=tuple(str(kind) for kind in source.get("open_types") or ()),
        spellings={str(k): str(v) for k, v in (overrides.get("spellings") or {}).items()},
        suggestions={
            intent: tuple(str(phrase) for phrase in phrases or ())
            for intent, phrases in (source.get("suggestions") or {}).items()
        },
    )


def _type_words(
    name: str, values: Mapping[Any, list[str]], extra: Mapping[Any, list[str]]
) -> dict[str, tuple[str, ...]]:
    unknown = {str(value_id) for value_id in extra} - {str(value_id) for value_id in values}
    if unknown:
        raise ValueError(f"locale synonyms for unknown {name} ids: {sorted(unknown)}")
    extra_by_id = {str(value_id): words for value_id, words in extra.items()}
    words_by_id: dict[str, tuple[str, ...]] = {}
    for value_id, words in values.items():
        if not words:
            raise ValueError(f"{name}.{value_id}: list the canonical value first")
        spoken = [str(word) for word in (*words, *extra_by_id.get(str(value_id), []))]
        words_by_id[str(value_id)] = tuple(dict.fromkeys(spoken))
    return words_by_id


def build_model(source: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """The ASK interaction model for one locale: its grammar's training samples."""
    spoken = grammar(source, locale)
    intents = []
    for name, spec in spoken.intents.items():
        # What the skill tells people to say is trained on as said, never left to sampling.
        suggested = [
            _in_session(phrase, spoken.invocation) for phrase in spoken.suggestions.get(name, ())
        ]
        samples = [
            *suggested,
            *(
                sample
                for template in spec.templates
                for sample in training_samples(template, spoken.rules)
            ),
        ]
        intent: dict[str, Any] = {"name": name, "samples": list(dict.fromkeys(samples))}
        if spec.slots:
            intent["slots"] = [{"name": slot, "type": kind} for slot, kind in spec.slots.items()]
        intents.append(intent)
    types = [_slot_type(name, words) for name, words in spoken.types.items()]
    return {
        "interactionModel": {
            "languageModel": {
                "invocationName": spoken.invocation,
                "intents": intents,
                "types": types,
                "modelConfiguration": {"fallbackIntentSensitivity": {"level": "MEDIUM"}},
            }
        }
    }


def _in_session(phrase: str, invocation: str) -> str:
    """A suggestion as said inside a session: "alexa tell heart to heart to stop reminding
    us" is "stop reminding us" once the skill is open."""
    words = phrase.lower().split()
    name = invocation.split()
    for start in range(len(words) - len(name) + 1):
        if words[start : start + len(name)] == name:
            rest = words[start + len(name) :]
            return " ".join(rest[1:] if rest[:1] in (["to"], ["for"]) else rest)
    return " ".join(words)


def _slot_type(name: str, words_by_id: Mapping[str, tuple[str, ...]]) -> dict[str, Any]:
    """`id: [canonical, synonyms...]` in the source becomes an ASK slot type."""
    entries = []
    for value_id, (canonical, *synonyms) in words_by_id.items():
        entry: dict[str, Any] = {"id": value_id, "name": {"value": canonical}}
        if synonyms:
            entry["name"]["synonyms"] = synonyms
        entries.append(entry)
    return {"name": name, "values": entries}


def render(model: Mapping[str, Any]) -> str:
    """The committed form of a model: sorted keys, two-space indent, trailing newline."""
    return json.dumps(model, indent=2, sort_keys=True) + "\n"


def build_all(out_dir: Path, source: Mapping[str, Any] | None = None) -> list[Path]:
    """Write `<locale>.json` for every locale into `out_dir`; return the paths written."""
    source = source if source is not None else load_source()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for locale in LOCALES:
        path = out_dir / f"{locale}.json"
        path.write_text(render(build_model(source, locale)), encoding="utf-8")
        written.append(path)
    return written


# ----------------------------------------------------------------------------- checking


def check_model(
    model: Mapping[str, Any], builtin_phrases: Mapping[str, Sequence[str]] | None = None
) -> list[str]:
    """Problems Alexa's build (or certification) would reject, or that would make it guess
    between two intents, as sentences that say what to fix. An empty list means it is fine.

    `builtin_phrases` (what Alexa's built-in intents already understand) adds the check that
    no sample of one intent is a built-in phrase of another.
    """
    language = (model.get("interactionModel") or {}).get("languageModel")
    if not isinstance(language, Mapping):
        return ["interactionModel.languageModel is missing"]
    types = language.get("types") or []
    type_names = {kind.get("name") for kind in types}
    problems = _check_invocation(str(language.get("invocationName", "")))
    problems += _check_types(types)
    owner: dict[str, str] = {}
    used_types: set[str] = set()
    for intent in language.get("intents") or []:
        name = intent.get("name", "?")
        slots = {slot.get("name"): slot.get("type", "") for slot in intent.get("slots") or []}
        used_types.update(slots.values())
        for slot, kind in slots.items():
            if not kind.startswith("AMAZON.") and kind not in type_names:
                problems.append(f"{name}: slot {{{slot}}} has undeclared type {kind!r}")
        used_slots: set[str] = set()
        for sample in intent.get("samples") or []:
            problems += _check_sample(name, sample, slots)
            used_slots.update(_SLOT.findall(sample))
            key = " ".join(sample.split())
            if owner.get(key) == name:
                problems.append(f"{name}: duplicate sample {sample!r}")
            elif key in owner:
                problems.append(f"{name}: sample {sample!r} is also a sample of {owner[key]}")
            else:
                owner[key] = name
        for slot in sorted(set(slots) - used_slots):
            problems.append(f"{name}: slot {{{slot}}} is declared but no sample uses it")
    for kind in sorted(type_names - used_types - {None}):
        problems.append(f"slot type {kind} is declared but no intent uses it")
    problems += _check_overlaps(language, builtin_phrases or {})
    declared = {intent.get("name") for intent in language.get("intents") or []}
    for required in REQUIRED_INTENTS:
        if required not in declared:
            problems.append(f"{required} is missing: certification requires it")
    return problems


#: A sample whose custom slots expand further than this is checked only by its literal form.
MAX_FILLED = 20000


def filled_samples(
    sample: str, slot_types: Mapping[str, str], values: Mapping[str, list[str]]
) -> list[str]:
    """Every sentence a sample can be once its custom slots hold each of their values and
    synonyms; a built-in slot stays a marker such as `{AMAZON.NUMBER}`."""
    sentences = [""]
    for index, chunk in enumerate(_SLOT.split(sample)):
        if index % 2 == 0:
            sentences = [sentence + chunk for sentence in sentences]
            continue
        kind = slot_types.get(chunk, "")
        options = values.get(kind) or ["{" + kind + "}"]
        if len(sentences) * len(options) > MAX_FILLED:
            return [" ".join(sample.split())]
        sentences = [sentence + option for sentence in sentences for option in options]
    return [" ".join(sentence.split()) for sentence in sentences]


def _check_overlaps(
    language: Mapping[str, Any], builtin_phrases: Mapping[str, Sequence[str]]
) -> list[str]:
    """Two intents that can hear the same words leave Alexa to guess: a sample that, with its
    slots filled, is another intent's sample, or is a built-in phrase of another intent."""
    values: dict[str, list[str]] = {}
    for kind in language.get("types") or []:
        spoken = [
            word
            for value in kind.get("values") or []
            for word in (value["name"]["value"], *value["name"].get("synonyms", []))
        ]
        values[kind.get("name", "")] = [" ".join(word.lower().split()) for word in spoken]
    owner: dict[str, tuple[str, str]] = {}
    problems: list[str] = []
    for intent in language.get("intents") or []:
        name = intent.get("name", "?")
        slot_types = {slot.get("name"): slot.get("type", "") for slot in intent.get("slots") or []}
        for sample in intent.get("samples") or []:
            for sentence in filled_samples(sample, slot_types, values):
                other = owner.get(sentence)
                if other is None:
                    owner[sentence] = (name, sample)
                elif other[0] != name:
                    problems.append(
                        f"{name}: {sample!r} can be heard as {sentence!r}, which {other[0]}"
                        f" also takes ({other[1]!r}): keep the words in one intent"
                    )
                    break
    for builtin, phrases in builtin_phrases.items():
        for phrase in phrases:
            key = " ".join(str(phrase).lower().split())
            other = owner.get(key)
            if other is not None and other[0] != builtin:
                problems.append(
                    f"{other[0]}: {other[1]!r} takes {key!r}, a phrase Alexa's {builtin}"
                    " already understands: drop it or move it to that intent"
                )
    return problems


def _check_invocation(name: str) -> list[str]:
    problems = []
    if name != name.lower():
        problems.append(f"invocation name {name!r} must be lowercase")
    words = name.lower().split()
    if len(words) < 2:
        problems.append(f"invocation name {name!r} needs two words or more")
    if not all(_WORD.fullmatch(word) for word in words):
        problems.append(f"invocation name {name!r} may hold only letters, spaces and apostrophes")
    if len(words) == 2 and _SHORT_NAME_FILLERS.intersection(words):
        problems.append(f"invocation name {name!r} has two words, so no article or preposition")
    banned = sorted(LAUNCH_WORDS.intersection(words))
    if banned:
        problems.append(f"invocation name {name!r} contains launch or wake words {banned}")
    return problems


def _check_sample(intent: str, sample: str, slots: Mapping[str, str]) -> list[str]:
    where = f"{intent}: sample {sample!r}"
    problems = []
    if not sample.strip():
        return [f"{intent}: empty sample"]
    if len(sample) > MAX_SAMPLE_CHARS:
        problems.append(f"{where} is longer than {MAX_SAMPLE_CHARS} characters")
    text = _SLOT.sub(" ", sample)
    if text != text.lower():
        problems.append(f"{where} must be lowercase")
    if sample != " ".join(sample.split()):
        problems.append(f"{where} has extra whitespace")
    names = _SLOT.findall(sample)
    for slot in names:
        if not _SLOT_NAME.fullmatch(slot):
            problems.append(f"{where} has a malformed slot {{{slot}}}")
        elif slot not in slots:
            problems.append(f"{where} uses {{{slot}}}, which {intent} does not declare")
    for slot in sorted({slot for slot in names if names.count(slot) > 1}):
        problems.append(f"{where} uses {{{slot}}} twice")
    words = text.lower().split()
    odd = [word for word in words if not _WORD.fullmatch(word)]
    if odd:
        problems.append(
            f"{where} has punctuation or digits in {odd}: write words as spoken, numbers spelled"
            " out, only apostrophes and abbreviation periods"
        )
    return problems


def _check_types(types: Sequence[Mapping[str, Any]]) -> list[str]:
    problems = []
    for kind in types:
        name = kind.get("name", "?")
        values = kind.get("values") or []
        if not values:
            problems.append(f"slot type {name} has no values")
        ids: set[str] = set()
        spoken: dict[str, str] = {}
        for value in values:
            value_id = str(value.get("id", ""))
            if value_id in ids:
                problems.append(f"slot type {name} repeats id {value_id!r}")
            ids.add(value_id)
            words = [value["name"]["value"], *value["name"].get("synonyms", [])]
            for word in words:
                key = " ".join(word.lower().split())
                if key in spoken:
                    problems.append(
                        f"slot type {name}: {word!r} is listed under {spoken[key]!r}"
                        f" and {value_id!r}"
                    )
                spoken[key] = value_id
    return problems


# ----------------------------------------------------------------------------- command line


def print_samples(source: Mapping[str, Any], locale: str, only: str | None) -> int:
    """Print every sample the templates expand to (one intent's, or all); 1 if none match."""
    intents = build_model(source, locale)["interactionModel"]["languageModel"]["intents"]
    chosen = [intent for intent in intents if only in (None, intent["name"])]
    if not chosen:
        print(f"no intent named {only!r}", file=sys.stderr)
        return 1
    for intent in chosen:
        print(f"# {intent['name']} ({len(intent['samples'])})")
        print("\n".join(intent["samples"]))
    return 0


def report(source: Mapping[str, Any]) -> int:
    """Print each locale's problems and whether its committed model is stale; 1 if any."""
    failed = False
    for locale in LOCALES:
        model = build_model(source, locale)
        problems = check_model(model, source.get("builtin_phrases") or {})
        committed = MODELS_DIR / f"{locale}.json"
        if not committed.exists() or committed.read_text(encoding="utf-8") != render(model):
            problems.append(f"{committed.name} differs from the source: {_BUILD_HINT}")
        intents = model["interactionModel"]["languageModel"]["intents"]
        count = sum(len(intent["samples"]) for intent in intents)
        print(f"{locale}: {len(intents)} intents, {count} samples, {len(problems)} problems")
        for problem in problems:
            print(f"  - {problem}")
        failed = failed or bool(problems)
    return 1 if failed else 0
