"""Typed text resolves to the intents and slots Alexa would send, from the committed models."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import Intent

from skill.language.models import LOCALES, MODELS_DIR, build_model, load_source
from skill.language.nlu import (
    DEFAULT_SKILL_ID,
    FALLBACK_INTENT,
    Invocation,
    Resolution,
    ResolvedSlot,
    Resolver,
    normalize,
    parse_invocation,
    slot_payload,
)

TESTS = yaml.safe_load((MODELS_DIR / "source" / "tests" / "en.yaml").read_text(encoding="utf-8"))
SOURCE = load_source()


def sentence_cases() -> list[Any]:
    """(locale, intent, says, slots) for every test sentence, shared ones in every locale."""
    cases = []
    for locale in LOCALES:
        extra = (TESTS.get("locales") or {}).get(locale) or {}
        for group in (TESTS["intents"], extra):
            for intent, sentences in group.items():
                for sentence in sentences:
                    slots = {k: str(v) for k, v in (sentence.get("slots") or {}).items()}
                    case = (locale, intent, sentence["says"], slots)
                    cases.append(pytest.param(*case, id=f"{locale}-{sentence['says']}"))
    return cases


@pytest.mark.parametrize(("locale", "intent", "says", "slots"), sentence_cases())
def test_sentence_resolves(locale: str, intent: str, says: str, slots: dict[str, str]) -> None:
    resolution = Resolver.for_locale(locale).resolve(says)
    got = {name: slot.id or slot.value for name, slot in resolution.slots.items()}
    assert (resolution.intent, got) == (intent, slots), (
        f"{says!r} in {locale}: add or fix a template in interaction_models/source/en.yaml,"
        " then run `uv run heart-to-heart models build`"
    )


US_INTENTS = {
    intent["name"]: intent["samples"]
    for intent in build_model(SOURCE, "en-US")["interactionModel"]["languageModel"]["intents"]
}


@pytest.mark.parametrize("intent", US_INTENTS)
def test_every_intent_has_test_sentences_beyond_its_samples(intent: str) -> None:
    sentences = [sentence["says"] for sentence in TESTS["intents"].get(intent) or []]
    assert len(sentences) >= 4, f"give {intent} four test sentences or more"
    literal = {" ".join(normalize(sample)) for sample in US_INTENTS[intent]}
    assert any(" ".join(normalize(says)) not in literal for says in sentences), (
        f"{intent}: add a test sentence that is not written out as a sample"
    )


def builtin_cases() -> list[Any]:
    phrases = SOURCE["builtin_phrases"]
    return [
        pytest.param(intent, phrase, id=phrase) for intent in phrases for phrase in phrases[intent]
    ]


@pytest.mark.parametrize(("intent", "phrase"), builtin_cases())
def test_builtin_phrases_reach_their_own_intent(intent: str, phrase: str) -> None:
    assert Resolver.for_locale("en-US").resolve(phrase).intent == intent


# ----------------------------------------------------------------------------- matching rules


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("We're DONE!!", ["we're", "done"]),
        ("\u201cNext,\u201d please.", ["next", "please"]),
        ("what\u2019s up", ["what's", "up"]),
        ("remind us at 9:30pm", ["remind", "us", "at", "9", "30", "pm"]),
        ("Jo & Kim", ["jo", "and", "kim"]),
        ("evening check-in", ["evening", "check", "in"]),
        ("'quoted' words", ["quoted", "words"]),
        ("   ", []),
    ],
)
def test_normalize(text: str, words: list[str]) -> None:
    assert normalize(text) == words


@pytest.mark.parametrize(
    ("says", "intent"),
    [
        ("something deeper", "DeeperIntent"),  # not StarterIntent with depth "deeper"
        ("give us a deeper question", "DeeperIntent"),
        ("we're done", "DoneIntent"),  # not SetAudienceIntent
        ("were done", "DoneIntent"),
        ("we're done for tonight", "GoodnightIntent"),
        ("another question", "AMAZON.NextIntent"),
    ],
)
def test_exact_sample_beats_slot_match(says: str, intent: str) -> None:
    assert Resolver.for_locale("en-US").resolve(says).intent == intent


def tiny_model(intents: list[dict[str, Any]]) -> dict[str, Any]:
    mood = {"id": "calm", "name": {"value": "calm", "synonyms": ["quiet"]}}
    language = {"invocationName": "heart to heart", "intents": intents}
    language["types"] = [{"name": "MOOD", "values": [mood]}]
    return {"interactionModel": {"languageModel": language}}


def test_more_literal_words_win() -> None:
    resolver = Resolver.from_model(
        tiny_model(
            [
                {
                    "name": "Loose",
                    "slots": [{"name": "who", "type": "AMAZON.FirstName"}],
                    "samples": ["{who} please"],
                },
                {
                    "name": "Tight",
                    "slots": [{"name": "who", "type": "AMAZON.FirstName"}],
                    "samples": ["call {who} please"],
                },
            ]
        ),
        builtin_phrases={},
        skip_words=[],
    )
    resolution = resolver.resolve("call bob please")
    assert resolution.intent == "Tight"
    assert resolution.slots["who"] == ResolvedSlot("who", "Bob", slot_type="AMAZON.FirstName")


def test_a_type_without_values_matches_nothing() -> None:
    model = tiny_model(
        [{"name": "Mood", "slots": [{"name": "mood", "type": "MOOD"}], "samples": ["{mood} now"]}]
    )
    model["interactionModel"]["languageModel"]["types"][0]["values"] = []
    resolver = Resolver.from_model(model, builtin_phrases={}, skip_words=[])
    assert resolver.resolve("now").intent == FALLBACK_INTENT


def test_custom_value_must_match_a_value_or_synonym() -> None:
    resolver = Resolver.from_model(
        tiny_model(
            [
                {
                    "name": "Mood",
                    "slots": [{"name": "mood", "type": "MOOD"}],
                    "samples": ["we feel {mood}"],
                }
            ]
        ),
        builtin_phrases={},
        skip_words=[],
    )
    assert resolver.resolve("we feel quiet").slots["mood"] == ResolvedSlot(
        "mood", "quiet", "calm", "calm", "MOOD"
    )
    assert resolver.resolve("we feel grumpy").intent == FALLBACK_INTENT


def test_custom_value_beats_free_text_names() -> None:
    resolution = Resolver.for_locale("en-US").resolve("we're husband and wife")
    assert resolution.intent == "SetAudienceIntent"
    assert resolution.slots["audience"].canonical == "partners"


@pytest.mark.parametrize(
    ("spoken", "value"),
    [
        ("nine", "09:00"),
        ("9 pm", "21:00"),
        ("nine p.m.", "21:00"),
        ("nine thirty", "09:30"),
        ("nine oh five pm", "21:05"),
        ("noon", "12:00"),
        ("midnight", "00:00"),
        ("twelve am", "00:00"),
        ("twelve thirty pm", "12:30"),
        ("quarter past nine pm", "21:15"),
        ("ten to ten at night", "21:50"),
        ("eleven at night", "23:00"),
        ("10 o'clock", "10:00"),
        ("nine o clock", "09:00"),
        ("quarter to one", "12:45"),
        ("21:30", "21:30"),
    ],
)
def test_time_slot_sends_24_hour_clock(spoken: str, value: str) -> None:
    resolution = Resolver.for_locale("en-US").resolve(f"remind us at {spoken}")
    assert resolution.intent == "SetReminderIntent"
    assert resolution.slots["time"].value == value


@pytest.mark.parametrize("spoken", ["25:00", "nine banana", "half past nine thirty"])
def test_impossible_times_do_not_match(spoken: str) -> None:
    assert Resolver.for_locale("en-US").resolve(f"remind us at {spoken}").intent == FALLBACK_INTENT


@pytest.mark.parametrize(
    ("spoken", "value"), [("four", "4"), ("4", "4"), ("twenty one", "21"), ("zero", "0")]
)
def test_number_slot_sends_digits(spoken: str, value: str) -> None:
    resolution = Resolver.for_locale("en-US").resolve(f"I'm a {spoken}")
    assert (resolution.intent, resolution.slots["rating"].value) == ("RatingIntent", value)


def test_unfilled_slots_are_declared() -> None:
    resolution = Resolver.for_locale("en-US").resolve("give us a question")
    assert resolution == Resolution("StarterIntent", {}, ("moment", "depth", "then"))


# ----------------------------------------------------------------------------- invocation

INVOCATIONS = [
    ("open heart to heart", "launch", ""),
    ("start heart to heart", "launch", ""),
    ("launch heart to heart", "launch", ""),
    ("Alexa, open Heart to Heart.", "launch", ""),
    ("heart to heart", "launch", ""),
    ("ask heart to heart", "launch", ""),
    ("open heart to heart please", "launch", ""),
    ("ask heart to heart for the next one", "oneshot", "the next one"),
    ("ask heart to heart to go deeper", "oneshot", "go deeper"),
    ("tell heart to heart save that one", "oneshot", "save that one"),
    ("ask heart to heart give us a question", "oneshot", "give us a question"),
    ("Alexa, tell Heart to Heart that we're done", "oneshot", "we're done"),
    ("ask heart to heart whether we can go deeper", "oneshot", "we can go deeper"),
    (
        "ask heart to heart to remind us every night at nine",
        "oneshot",
        "remind us every night at nine",
    ),
    ("give us a question using heart to heart", "oneshot", "give us a question"),
    ("start our check in", "in_session", "start our check in"),
    ("Alexa, next", "in_session", "next"),
    ("heart to heart is great", "oneshot", "is great"),
    ("yo alexa ask heart to heart for a question", "oneshot", "a question"),
    ("um, alexa, could you ask heart to heart for a question", "oneshot", "a question"),
    ("alexa, would you kindly ask heart to heart to go deeper", "oneshot", "go deeper"),
    ("hey alexa open heart to heart", "launch", ""),
]


@pytest.mark.parametrize(("text", "kind", "rest"), INVOCATIONS)
def test_parse_invocation(text: str, kind: str, rest: str) -> None:
    assert parse_invocation(text, "heart to heart") == Invocation(kind, rest)  # type: ignore[arg-type]


@pytest.mark.parametrize("locale", LOCALES)
def test_oneshot_rest_resolves(locale: str) -> None:
    resolver = Resolver.for_locale(locale)
    invocation = resolver.parse_invocation("ask heart to heart for the next one")
    assert resolver.resolve(invocation.rest).intent == "AMAZON.NextIntent"


def test_connector_kept_only_when_the_rest_needs_it() -> None:
    resolver = Resolver.for_locale("en-US")
    keeper = "tell heart to heart that one's a keeper"
    assert resolver.parse_invocation(keeper).rest == "that one's a keeper"
    assert parse_invocation(keeper, "heart to heart").rest == "one's a keeper"
    assert resolver.parse_invocation("ask heart to heart about a four").rest == "a four"


# ----------------------------------------------------------------------------- payload


def test_slot_payload_for_a_custom_match() -> None:
    resolution = Resolver.for_locale("en-US").resolve("give us a brunch question")
    payload = slot_payload(resolution, skill_id="amzn1.ask.skill.test")
    assert payload["depth"] == {"name": "depth", "confirmationStatus": "NONE"}
    moment = payload["moment"]
    assert (moment["value"], moment["confirmationStatus"]) == ("brunch", "NONE")
    [authority] = moment["resolutions"]["resolutionsPerAuthority"]
    assert authority == {
        "authority": "amzn1.er-authority.echo-sdk.amzn1.ask.skill.test.MOMENT",
        "status": {"code": "ER_SUCCESS_MATCH"},
        "values": [{"value": {"name": "brunch", "id": "brunch"}}],
    }


def test_slot_payload_without_a_match(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEART_TO_HEART_SKILL_ID", "amzn1.ask.skill.env")
    slot = ResolvedSlot("moment", "elevenses", slot_type="MOMENT")
    payload = slot_payload(Resolution("StarterIntent", {"moment": slot}, ("moment", "depth")))
    [authority] = payload["moment"]["resolutions"]["resolutionsPerAuthority"]
    assert authority == {
        "authority": "amzn1.er-authority.echo-sdk.amzn1.ask.skill.env.MOMENT",
        "status": {"code": "ER_SUCCESS_NO_MATCH"},
    }


def test_slot_payload_builtin_types_carry_no_resolutions(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("HEART_TO_HEART_SKILL_ID", raising=False)
    payload = slot_payload(Resolver.for_locale("en-US").resolve("I'm a four"))
    assert payload["rating"]["value"] == "4"
    assert "resolutions" not in payload["rating"]
    custom = slot_payload(Resolver.for_locale("en-US").resolve("we're friends"))
    authority = custom["audience"]["resolutions"]["resolutionsPerAuthority"][0]["authority"]
    assert DEFAULT_SKILL_ID in authority


def test_slot_payload_deserializes_into_the_sdk_model() -> None:
    resolution = Resolver.for_locale("en-GB").resolve("we're mates")
    body = {"name": resolution.intent, "confirmationStatus": "NONE"}
    body["slots"] = slot_payload(resolution)
    intent = DefaultSerializer().deserialize(json.dumps(body), Intent)
    slot = intent.slots["audience"]
    assert slot.value == "mates"
    assert slot.resolutions.resolutions_per_authority[0].values[0].value.id == "friends"


# ----------------------------------------------------------------------------- loading and speed


def test_for_locale_is_cached() -> None:
    assert Resolver.for_locale("en-AU") is Resolver.for_locale("en-AU")


def test_from_model_reads_a_committed_model_literally() -> None:
    model = json.loads((MODELS_DIR / "en-US.json").read_text(encoding="utf-8"))
    literal = Resolver.from_model(model)
    assert literal.resolve("give us a question").intent == "StarterIntent"
    assert literal.resolve("hop it").intent == FALLBACK_INTENT


def test_for_locale_explains_an_unknown_locale() -> None:
    with pytest.raises(ValueError, match="no voice model for 'fr-FR'"):
        Resolver.for_locale("fr-FR")
