"""Everything the skill tells people to say works, as said, in every locale (issue 12).

Replies quote what they suggest ("go deeper"); the model source lists each suggestion under
the intent it must reach (`suggestions:`); the README's "What you can say" quotes only
listed phrases. Amazon's prompt guidance says the same: never suggest a phrase the model
does not take.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from skill.core.speech import PHRASES_DIR, load_phrases
from skill.language.models import LOCALES, load_source
from skill.language.nlu import Resolver, normalize

SOURCE = load_source()
SUGGESTIONS = {
    " ".join(normalize(phrase)): intent
    for intent, phrases in SOURCE["suggestions"].items()
    for phrase in phrases
}
QUOTED = re.compile(r'"([^"{}]+)"')
README = Path(__file__).resolve().parents[2] / "README.md"
# An imperative "say" (not the skill saying who goes first): its sentence must quote a phrase.
IMPERATIVE_SAY = re.compile(
    r"(^|[.?!]\s+|\bjust\s+|\bcan\s+|,\s+|\bthen\s+)say\b(?! back| who)", re.I
)


def quoted_in_phrases() -> list[tuple[str, str]]:
    found = []
    for path in sorted(PHRASES_DIR.glob("*.yaml")):
        phrases = load_phrases(path.stem if path.stem != "en" else "en-US")
        for key in phrases:
            for line in phrases.variants(key):
                found += [(key, quote) for quote in QUOTED.findall(line)]
    return found


def readme_section() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^## What you can say\n(.*?)(?=^## )", text, re.M | re.S)
    assert match, 'README.md needs a "## What you can say" section'
    return match.group(1)


def heard(locale: str, phrase: str) -> str:
    resolver = Resolver.for_locale(locale)
    invocation = resolver.parse_invocation(phrase)
    if invocation.kind == "launch":
        return "LaunchRequest"
    return resolver.resolve(invocation.rest).intent


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("phrase", "intent"), sorted(SUGGESTIONS.items()))
def test_every_suggestion_reaches_its_intent(locale: str, phrase: str, intent: str) -> None:
    assert heard(locale, phrase) == intent, (
        f"{locale}: the skill suggests {phrase!r}, which does not reach {intent}: fix the"
        " templates in interaction_models/source/en.yaml"
    )


def test_every_phrase_a_reply_quotes_is_a_listed_suggestion() -> None:
    quotes = quoted_in_phrases()
    assert len(quotes) > 20
    for key, quote in quotes:
        assert " ".join(normalize(quote)) in SUGGESTIONS, (
            f"{key} suggests {quote!r}: list it under `suggestions:` in the model source"
        )


def test_every_suggestion_in_a_reply_is_quoted() -> None:
    for path in sorted(PHRASES_DIR.glob("*.yaml")):
        phrases = load_phrases(path.stem if path.stem != "en" else "en-US")
        for key in phrases:
            for line in phrases.variants(key):
                for sentence in re.split(r"(?<=[.?!])\s+", line):
                    if IMPERATIVE_SAY.search(sentence) and "shall we say" not in sentence:
                        assert '"' in sentence, f"{key}: quote what {sentence!r} suggests"


def test_the_readme_says_what_you_can_say_and_it_works() -> None:
    table = [row for row in readme_section().splitlines() if row.startswith("|")]
    quotes = QUOTED.findall("\n".join(table))
    assert len(quotes) >= 15
    for quote in quotes:
        phrase = " ".join(normalize(quote))
        assert phrase in SUGGESTIONS, f"README suggests {quote!r}, which is not a suggestion"
        for locale in LOCALES:
            assert heard(locale, quote) == SUGGESTIONS[phrase], (locale, quote)


def test_every_hint_to_come_back_works_after_open() -> None:
    # A "next time, say ..." hint must work where one-shots do not (Alexa+): after "open".
    for key in ("hint_come_back", "hint_favourites", "checkin_step_hint", "fallback_close"):
        for line in load_phrases("en-US").variants(key):
            for quote in QUOTED.findall(line):
                assert heard("en-US", quote) == "LaunchRequest", (key, quote)
