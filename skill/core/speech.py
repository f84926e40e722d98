"""Speech building: phrase variants from data, SSML that Alexa accepts, plain text for cards."""

from __future__ import annotations

import html
import random
import re
from collections.abc import Iterator, Mapping
from functools import cache, lru_cache
from pathlib import Path
from string import Formatter
from typing import Any

from skill.core import compiled

__all__ = [
    "Phrases",
    "escape",
    "load_phrases",
    "phrase_lines",
    "plain_text",
    "speak",
    "word_count",
]

PHRASES_DIR = compiled.CONTENT_DIR / "phrases"
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")
_PAUSE = '<break time="300ms"/>'


def escape(text: str) -> str:
    """Text made safe inside SSML: &, < and > escaped, quotes left alone."""
    return html.escape(text, quote=False)


def speak(*sentences: str) -> str:
    """Plain sentences joined with short pauses, escaped and wrapped in <speak>."""
    parts = [escape(s.strip()) for s in sentences if s and s.strip()]
    return "<speak>" + f" {_PAUSE} ".join(parts) + "</speak>"


def word_count(*sentences: str) -> int:
    """Words as a listener counts them: what is between spaces."""
    total = 0
    for sentence in sentences:
        total += _words(sentence)
    return total


@lru_cache(maxsize=4096)
def _words(sentence: str) -> int:
    # A reply weighs every variant of each phrase it might say, every turn: the same few
    # hundred lines, counted once each (the loop above was 7% of a "next" turn).
    return len(sentence.split())


def plain_text(ssml: str) -> str:
    """What a card, a log line or the chat console shows for some SSML."""
    return html.unescape(_SPACES.sub(" ", _TAG.sub(" ", ssml))).strip()


class Phrases:
    """Every line the skill says, keyed, with variants picked at random.

    Regional files hold only the keys they change; everything else comes from `en`.
    """

    def __init__(self, lines: Mapping[str, list[str]]) -> None:
        self._lines = {key: list(variants) for key, variants in lines.items()}
        self._worded: dict[str, Phrases] = {}

    def __contains__(self, key: str) -> bool:
        return key in self._lines

    def keys(self) -> list[str]:
        return sorted(self._lines)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def variants(self, key: str) -> list[str]:
        return self._lines[key]

    def line(self, key: str, rng: random.Random, **values: object) -> str:
        return rng.choice(self._lines[key]).format(**values)

    def fixed(self, key: str, **values: object) -> str:
        """The first variant: for text that must not vary, such as a card title."""
        return self._lines[key][0].format(**values)

    def worded(self, wording: str) -> Phrases:
        """These phrases as a door with its own `wording` says them: every key that has a
        `<key>_<wording>` twin speaks the twin's lines (a door that does not know the
        home's wake word never says "Alexa, open Heart to Heart")."""
        cached = self._worded.get(wording)
        if cached is None:
            suffix = f"_{wording}"
            cached = self._worded[wording] = Phrases(
                {
                    key: self._lines.get(key + suffix, variants)
                    for key, variants in self._lines.items()
                    if not key.endswith(suffix)
                }
            )
        return cached


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


@cache
def load_phrases(locale: str = "en-US", directory: Path = PHRASES_DIR) -> Phrases:
    """The phrases for a locale: `en` with the locale's own overrides on top (compiled, see
    `skill.core.compiled`; from a directory of YAML files when one is given)."""
    if directory == PHRASES_DIR:
        files = compiled.load("phrases")
    else:
        files = {path.name: compiled.read_yaml(path) for path in directory.glob("*.yaml")}
    lines = phrase_lines("en.yaml", files["en.yaml"])
    regional = f"{locale}.yaml"
    if regional in files:
        lines.update(phrase_lines(regional, files[regional]))
    return Phrases(lines)


def phrase_lines(name: str, data: Any) -> dict[str, list[str]]:
    """One phrase file's parsed data as key -> variants; ValueError names what is wrong."""
    data = data or {}
    lines: dict[str, list[str]] = {}
    for key, variants in data.items():
        variants = variants if isinstance(variants, list) else [variants]
        if not variants or not all(isinstance(v, str) for v in variants):
            raise ValueError(f"{name}: {key} must be a list of text lines (quote a line with ': ')")
        lines[str(key)] = variants
    return lines
