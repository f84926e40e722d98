"""How much of the way people really talk the voice model understands.

The corpus in `interaction_models/corpus/` was written from the feature list, never from the
model's samples (see its README). Every line is resolved with each locale's model the way
the chat console resolves it, and counts as understood when it reaches the expected intent
with exactly the expected slots. A fixed fifth of the lines, chosen by a hash of the line, is
held back: reported as its own figure, its misses shown only on request, never tuned on.

    uv run heart-to-heart models coverage [--locale en-GB] [--show-held-back]
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from skill.language.models import LOCALES, MODELS_DIR, build_model, grammar, load_source
from skill.language.nlu import FALLBACK_INTENT, Resolution, Resolver, normalize

__all__ = [
    "CONTEXTS",
    "CORPUS_DIR",
    "FOLLOW_UPS",
    "CorpusLine",
    "LocaleReport",
    "evaluate",
    "load_corpus",
    "measure",
    "run",
]

CORPUS_DIR = MODELS_DIR / "corpus"
CONTEXTS = frozenset({"oneshot", "launch", "starter", "offer", "rating", "checkin", "session"})
#: What the second request of a two-in-one line may ask for (the `then` slot's ids).
FOLLOW_UPS = frozenset({"starter", "deeper", "lighter", "checkin"})
HELD_BACK_SHARE = 5  # one line in five
_KEYS = frozenset({"context", "says", "intent", "slots", "then", "note"})


@dataclass(frozen=True)
class CorpusLine:
    """One thing a person says, where they say it, and what it should reach."""

    says: str
    context: str
    intent: str
    slots: Mapping[str, str] = field(default_factory=dict)
    locale: str | None = None  # None: every English locale must understand it
    source: str = ""

    @property
    def held_back(self) -> bool:
        """Chosen by a hash of the words, so nobody picks which lines to keep back."""
        key = " ".join(normalize(self.says)).encode("utf-8")
        return int(hashlib.sha256(key).hexdigest(), 16) % HELD_BACK_SHARE == 0


@dataclass
class LocaleReport:
    locale: str
    understood: int = 0
    total: int = 0
    held_understood: int = 0
    held_total: int = 0
    misses: list[tuple[CorpusLine, str]] = field(default_factory=list)
    held_misses: list[tuple[CorpusLine, str]] = field(default_factory=list)


def load_corpus(directory: Path = CORPUS_DIR) -> list[CorpusLine]:
    """Every corpus line; a file named for a locale (`en-GB.yaml`, `en-GB.more.yaml`) holds
    lines for it alone.

    The same words written for two contexts count once (the model cannot see the context);
    the same words expected to reach two different places are a mistake in the corpus.
    """
    lines: list[CorpusLine] = []
    seen: dict[tuple[str | None, str], CorpusLine] = {}
    for path in sorted(directory.glob("*.yaml")):
        region = path.name.split(".")[0]  # en-GB.yaml, en-GB.more.yaml
        locale = region if region in LOCALES else None
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        if not isinstance(raw, list):
            raise ValueError(f"{path.name}: expected a list of lines")
        for number, entry in enumerate(raw, 1):
            line = _line(entry, locale, f"{path.name}#{number}")
            key = (locale, " ".join(normalize(line.says)))
            earlier = seen.get(key)
            if earlier is None:
                seen[key] = line
                lines.append(line)
            elif (earlier.intent, earlier.slots) != (line.intent, line.slots):
                raise ValueError(
                    f"{line.source}: {line.says!r} expects {line.intent},"
                    f" {earlier.source} expects {earlier.intent}"
                )
    return lines


def _line(entry: Any, locale: str | None, where: str) -> CorpusLine:
    if not isinstance(entry, Mapping) or not {"context", "says", "intent"} <= set(entry):
        raise ValueError(f"{where}: a line needs context, says and intent")
    unknown = set(entry) - _KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    if entry["context"] not in CONTEXTS:
        raise ValueError(f"{where}: context {entry['context']!r} is not one of {sorted(CONTEXTS)}")
    slots = {str(name): str(value) for name, value in (entry.get("slots") or {}).items()}
    if "then" in entry:
        if entry["then"] not in FOLLOW_UPS:
            raise ValueError(f"{where}: then {entry['then']!r} is not one of {sorted(FOLLOW_UPS)}")
        slots["then"] = str(entry["then"])
    return CorpusLine(
        says=str(entry["says"]),
        context=str(entry["context"]),
        intent=str(entry["intent"]),
        slots=slots,
        locale=locale,
        source=where,
    )


def evaluate(line: CorpusLine, resolver: Resolver) -> str | None:
    """None when the line is understood; otherwise what was heard instead, for the report."""
    text = line.says
    if line.context == "oneshot":
        invocation = resolver.parse_invocation(text)
        if invocation.kind != "oneshot":
            return f"heard as {invocation.kind}, not a request to the skill"
        text = invocation.rest
    resolution = resolver.resolve(text)
    heard = _slot_values(resolution)
    if resolution.intent == line.intent and heard == dict(line.slots):
        return None
    described = ", ".join(f"{name}={value}" for name, value in sorted(heard.items()))
    return resolution.intent + (f" ({described})" if described else "")


def _slot_values(resolution: Resolution) -> dict[str, str]:
    """Custom slots by id, built-in ones by the value Alexa sends. A custom value Alexa could
    not resolve is no value to the skill, so it is left out."""
    values: dict[str, str] = {}
    for name, slot in resolution.slots.items():
        if slot.slot_type.startswith("AMAZON."):
            values[name] = slot.value
        elif slot.id is not None:
            values[name] = slot.id
    return values


def measure(
    lines: Iterable[CorpusLine], locales: Sequence[str] = LOCALES, processes: int = 1
) -> dict[str, LocaleReport]:
    """Resolve every line that applies to each locale with that locale's model as built now,
    a locale per process when `processes` is above one."""
    corpus = list(lines)
    if processes > 1 and len(locales) > 1:
        with ProcessPoolExecutor(min(processes, len(locales))) as pool:
            done = pool.map(_measure_locale, locales, [corpus] * len(locales))
            return dict(zip(locales, done, strict=True))
    return {locale: _measure_locale(locale, corpus) for locale in locales}


def _measure_locale(locale: str, corpus: Sequence[CorpusLine]) -> LocaleReport:
    resolver = Resolver.from_grammar(grammar(load_source(), locale))
    report = LocaleReport(locale)
    for line in corpus:
        if line.locale not in (None, locale):
            continue
        miss = evaluate(line, resolver)
        report.total += 1
        report.understood += miss is None
        if line.held_back:
            report.held_total += 1
            report.held_understood += miss is None
            if miss is not None:
                report.held_misses.append((line, miss))
        elif miss is not None:
            report.misses.append((line, miss))
    return report


def known_intents() -> set[str]:
    model = build_model(load_source(), LOCALES[0])
    return {intent["name"] for intent in model["interactionModel"]["languageModel"]["intents"]}


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def render(reports: Mapping[str, LocaleReport], show_held_back: bool = False) -> str:
    out: list[str] = []
    total = sum(r.total for r in reports.values())
    understood = sum(r.understood for r in reports.values())
    held_total = sum(r.held_total for r in reports.values())
    held = sum(r.held_understood for r in reports.values())
    for report in reports.values():
        out.append(
            f"{report.locale}: understood: {report.understood} of {report.total}"
            f" ({_percent(report.understood, report.total)});"
            f" held back: {report.held_understood} of {report.held_total}"
            f" ({_percent(report.held_understood, report.held_total)})"
        )
        shown = report.misses + (report.held_misses if show_held_back else [])
        for line, heard in shown:
            mark = " [held back]" if line.held_back else ""
            expected = line.intent + "".join(f" {k}={v}" for k, v in sorted(line.slots.items()))
            out.append(f"  - {line.source}{mark} {line.context}: {line.says!r}")
            out.append(f"      expected {expected}; heard {heard}")
    out.append(
        f"all: understood: {understood} of {total} ({_percent(understood, total)});"
        f" held back: {held} of {held_total} ({_percent(held, held_total)})"
    )
    return "\n".join(out)


def run(locales: Sequence[str], *, show_held_back: bool = False) -> int:
    """Print how much of the corpus each locale understands (`heart-to-heart models
    coverage`); a locale per process, each reporting on stderr when it is done."""
    try:
        corpus = load_corpus()
    except (OSError, ValueError, yaml.YAMLError) as error:
        print(f"error: cannot read the corpus: {error}", file=sys.stderr)
        return 2
    unknown = sorted({line.intent for line in corpus} - known_intents() - {FALLBACK_INTENT})
    if unknown:
        print(f"note: the model has no intent {', '.join(unknown)}", file=sys.stderr)
    print(
        f"resolving {len(corpus)} lines in {len(locales)} locale(s), about 15 s each ...",
        file=sys.stderr,
        flush=True,
    )
    reports = measure(corpus, locales, processes=os.cpu_count() or 1)
    print(render(reports, show_held_back))
    return 0
