"""The voice-model source expands into valid interaction models; the committed ones are fresh."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from skill.language.models import (
    LOCALES,
    MODELS_DIR,
    build_all,
    build_model,
    check_model,
    expand,
    load_source,
    render,
    training_samples,
)

SOURCE = load_source()
MODELS = {locale: build_model(SOURCE, locale) for locale in LOCALES}
BUILD_HINT = (
    "run `uv run heart-to-heart models build` (or `uv run python -m skill.language.models build`) "
    "and commit interaction_models/*.json"
)
# Custom intents that are naturally short; every other custom intent has 15 samples or more.
SHORT_INTENTS = {"RatingIntent", "GoodnightIntent"}


def language(model: dict[str, Any]) -> dict[str, Any]:
    return model["interactionModel"]["languageModel"]


def intents(locale: str) -> dict[str, dict[str, Any]]:
    return {intent["name"]: intent for intent in language(MODELS[locale])["intents"]}


def all_samples(locale: str) -> list[tuple[str, str]]:
    return [(name, s) for name, intent in intents(locale).items() for s in intent["samples"]]


# ----------------------------------------------------------------------------- expansion


@pytest.mark.parametrize(
    ("template", "rules", "expected"),
    [
        (
            "(a|b) [c] <r>",
            {"r": "(d|e)"},
            ["a c d", "a c e", "a d", "a e", "b c d", "b c e", "b d", "b e"],
        ),
        ("[a|b] c", {}, ["a c", "b c", "c"]),
        ("phone reminder[s]", {}, ["phone reminders", "phone reminder"]),
        ("<give> one", {"give": "give <us>", "us": "(us|me)"}, ["give us one", "give me one"]),
        ("remind us at {time}", {}, ["remind us at {time}"]),
        ("  spaced   [out]  words ", {}, ["spaced out words", "spaced words"]),
        ("[a] [a]", {}, ["a a", "a"]),
    ],
)
def test_expand(template: str, rules: dict[str, str], expected: list[str]) -> None:
    assert expand(template, rules) == expected


@pytest.mark.parametrize(
    ("template", "rules", "message"),
    [
        ("(a|b", {}, "missing"),
        ("a)", {}, "unbalanced"),
        ("[a", {}, "missing"),
        ("a|b", {}, "outside"),
        ("<nope>", {}, "unknown rule"),
        ("<loop>", {"loop": "x <loop>"}, "refers to itself"),
        ("<open", {}, "unclosed"),
        ("(a|b|c|d|e|f|g) " * 6, {}, "split it up"),
    ],
)
def test_expand_rejects_broken_templates(template: str, rules: dict[str, str], message: str):
    with pytest.raises(ValueError, match=message):
        expand(template, rules)


# ----------------------------------------------------------------------------- committed models


@pytest.mark.parametrize("locale", LOCALES)
def test_committed_model_equals_a_fresh_build(locale: str) -> None:
    committed = MODELS_DIR / f"{locale}.json"
    assert committed.exists(), f"{committed} is missing: {BUILD_HINT}"
    assert committed.read_text(encoding="utf-8") == render(MODELS[locale]), (
        f"{committed.name} differs from interaction_models/source/en.yaml: {BUILD_HINT}"
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_model_has_no_problems(locale: str) -> None:
    # Including: no sample that, slots filled, is another intent's, and none that is a
    # phrase one of Alexa's built-in intents already takes.
    assert check_model(MODELS[locale], SOURCE["builtin_phrases"]) == []


def test_the_overlap_check_catches_a_slot_filled_collision_and_a_built_in_phrase() -> None:
    model = copy.deepcopy(good_model())
    intent_of(model, "DeeperIntent")["samples"].append("a question for bed")
    intent_of(model, "GoodnightIntent")["samples"].append("skip")
    problems = check_model(model, {"AMAZON.NextIntent": ["skip"]})
    assert any("'a question for bed'" in p and "StarterIntent" in p for p in problems)
    assert any("'skip'" in p and "AMAZON.NextIntent" in p for p in problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_no_sample_carries_punctuation(locale: str) -> None:
    for intent, sample in all_samples(locale):
        text = re.sub(r"\{[A-Za-z]\w*\}", "", sample)
        assert re.fullmatch(r"[a-z' ]*", text), (
            f"{intent}: {sample!r} has punctuation, digits or capitals: write the words as"
            " spoken in interaction_models/source/en.yaml"
        )


# Our own budget for what Alexa is trained on, to keep its model builds quick: templates
# are sampled down (skill.language.models.TRAINING_SAMPLES), so this grows with templates, not with
# the sentences they stand for.
MAX_INTENT_SAMPLES = 2500
MAX_MODEL_BYTES = 600_000


@pytest.mark.parametrize("locale", LOCALES)
def test_sample_counts_are_varied_but_bounded(locale: str) -> None:
    for name, intent in intents(locale).items():
        count = len(intent["samples"])
        assert count < MAX_INTENT_SAMPLES, f"{name} has {count} samples: trim its templates"
        if not name.startswith("AMAZON.") and name not in SHORT_INTENTS:
            assert count >= 15, f"{name} has only {count} samples: add templates"
    assert len(render(MODELS[locale]).encode()) < MAX_MODEL_BYTES


@pytest.mark.parametrize("locale", LOCALES)
def test_every_suggestion_is_a_literal_sample(locale: str) -> None:
    samples = {sample for _, sample in all_samples(locale)}
    for intent, phrases in SOURCE["suggestions"].items():
        if intent == "LaunchRequest":
            continue
        for phrase in phrases:
            rest = phrase.split("heart to heart to ")[-1]
            assert rest in samples, f"{intent}: suggested {phrase!r} is not a sample"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_locale_declares_the_same_intents_and_slots(locale: str) -> None:
    def shape(loc: str) -> dict[str, Any]:
        return {name: intent.get("slots", []) for name, intent in intents(loc).items()}

    assert shape(locale) == shape("en-US")
    assert language(MODELS[locale])["invocationName"] == "heart to heart"


@pytest.mark.parametrize("locale", LOCALES)
def test_resolver_only_data_stays_out_of_the_json(locale: str) -> None:
    text = render(MODELS[locale])
    assert "builtin_phrases" not in text
    assert "skip_words" not in text
    assert intents(locale)["AMAZON.FallbackIntent"]["samples"] == []


def friends_synonyms(locale: str) -> list[str]:
    audience = next(t for t in language(MODELS[locale])["types"] if t["name"] == "AUDIENCE")
    friends = next(value for value in audience["values"] if value["id"] == "friends")
    return friends["name"]["synonyms"]


@pytest.mark.parametrize(
    ("locale", "has_mates"),
    [("en-US", False), ("en-GB", True), ("en-CA", False), ("en-AU", True), ("en-IN", False)],
)
def test_regional_synonyms_come_from_locale_overrides(locale: str, has_mates: bool) -> None:
    assert ("mates" in friends_synonyms(locale)) is has_mates


@pytest.mark.parametrize("locale", LOCALES)
def test_british_spelling_outside_the_us(locale: str) -> None:
    words = {word for _, sample in all_samples(locale) for word in sample.split()}
    assert ("favourites" in words) is (locale != "en-US")
    assert "favorites" in words


# ----------------------------------------------------------------------------- check_model


def good_model() -> dict[str, Any]:
    """A small model check_model accepts; each bad case below breaks one thing in it."""
    builtins = [
        {"name": name, "samples": []}
        for name in (
            "AMAZON.CancelIntent",
            "AMAZON.FallbackIntent",
            "AMAZON.HelpIntent",
            "AMAZON.NavigateHomeIntent",
            "AMAZON.StopIntent",
        )
    ]
    return {
        "interactionModel": {
            "languageModel": {
                "invocationName": "heart to heart",
                "intents": [
                    {
                        "name": "StarterIntent",
                        "slots": [{"name": "moment", "type": "MOMENT"}],
                        "samples": ["give us a question", "a question for {moment}"],
                    },
                    {"name": "DeeperIntent", "samples": ["go deeper", "watch t.v. and talk"]},
                    {"name": "GoodnightIntent", "samples": ["we're done"]},
                    *builtins,
                ],
                "types": [
                    {
                        "name": "MOMENT",
                        "values": [
                            {"id": "bedtime", "name": {"value": "bedtime", "synonyms": ["bed"]}},
                            {"id": "dinner", "name": {"value": "dinner"}},
                        ],
                    }
                ],
            }
        }
    }


def lm(model: dict[str, Any]) -> dict[str, Any]:
    return model["interactionModel"]["languageModel"]


def intent_of(model: dict[str, Any], name: str) -> dict[str, Any]:
    return next(intent for intent in lm(model)["intents"] if intent["name"] == name)


def add_sample(name: str, sample: str) -> Callable[[dict[str, Any]], None]:
    return lambda model: intent_of(model, name)["samples"].append(sample)


def set_invocation(name: str) -> Callable[[dict[str, Any]], None]:
    return lambda model: lm(model).update(invocationName=name)


def add_slot(name: str, slot: str, kind: str) -> Callable[[dict[str, Any]], None]:
    return lambda model: (
        intent_of(model, name).setdefault("slots", []).append({"name": slot, "type": kind})
    )


def drop_intent(name: str) -> Callable[[dict[str, Any]], None]:
    return lambda model: lm(model)["intents"].remove(intent_of(model, name))


def moment_value(index: int) -> dict[str, Any]:
    return lm(good_model())["types"][0]["values"][index]


BAD_MODELS = {
    "invocation not lowercase": (set_invocation("Heart to Heart"), "must be lowercase"),
    "invocation one word": (set_invocation("hearts"), "two words or more"),
    "invocation launch word": (set_invocation("open hearts"), "launch or wake words"),
    "invocation wake word": (set_invocation("alexa hearts"), "launch or wake words"),
    "invocation two words with article": (set_invocation("the hearts"), "no article"),
    "invocation punctuation": (set_invocation("heart-to-heart now"), "only letters"),
    "sample in two intents": (add_sample("DeeperIntent", "we're done"), "also a sample of"),
    "duplicate sample": (add_sample("DeeperIntent", "go deeper"), "duplicate sample"),
    "undeclared slot": (add_sample("DeeperIntent", "go {depth}"), "does not declare"),
    "punctuation": (add_sample("DeeperIntent", "deeper, please!"), "punctuation"),
    "digits": (add_sample("DeeperIntent", "go 2 levels deeper"), "digits"),
    "uppercase sample": (add_sample("DeeperIntent", "Go Deeper Now"), "must be lowercase"),
    "over 200 characters": (add_sample("DeeperIntent", "deeper " * 30), "longer than 200"),
    "extra whitespace": (add_sample("DeeperIntent", "go  deeper now"), "extra whitespace"),
    "slot used twice": (add_sample("StarterIntent", "{moment} or {moment}"), "twice"),
    "slot never used": (add_slot("DeeperIntent", "depth", "AMAZON.NUMBER"), "no sample uses"),
    "slot type undeclared": (add_slot("DeeperIntent", "mood", "MOOD"), "undeclared type"),
    "required intent missing": (drop_intent("AMAZON.StopIntent"), "StopIntent is missing"),
    "synonym under two ids": (
        lambda model: lm(model)["types"][0]["values"][1]["name"].update(synonyms=["bed"]),
        "listed under",
    ),
    "repeated value id": (
        lambda model: lm(model)["types"][0]["values"][1].update(id="bedtime"),
        "repeats id",
    ),
    "type with no values": (
        lambda model: lm(model)["types"].append({"name": "EMPTY", "values": []}),
        "has no values",
    ),
    "type never used": (
        lambda model: lm(model)["types"].append({"name": "SPARE", "values": [moment_value(1)]}),
        "no intent uses it",
    ),
    "no language model": (lambda model: model.clear(), "languageModel is missing"),
}


def test_good_model_has_no_problems() -> None:
    assert check_model(good_model()) == []


@pytest.mark.parametrize(("breakage", "message"), BAD_MODELS.values(), ids=BAD_MODELS.keys())
def test_check_model_catches(breakage: Callable[[dict[str, Any]], None], message: str) -> None:
    model = copy.deepcopy(good_model())
    breakage(model)
    problems = check_model(model)
    assert any(message in problem for problem in problems), problems


# ----------------------------------------------------------------------------- building and CLI


def test_build_all_writes_every_locale_deterministically(tmp_path: Path) -> None:
    first = build_all(tmp_path / "a", SOURCE)
    second = build_all(tmp_path / "b", SOURCE)
    assert [path.name for path in first] == [f"{locale}.json" for locale in LOCALES]
    for one, two in zip(first, second, strict=True):
        text = one.read_text(encoding="utf-8")
        assert text == two.read_text(encoding="utf-8")
        assert text.endswith("}\n")
        assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"


def test_load_source_rejects_yaml_booleans(tmp_path: Path) -> None:
    source = tmp_path / "en.yaml"
    source.write_text(
        "invocation: heart to heart\nintents:\n  AMAZON.YesIntent:\n    samples: [yes]\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="quote it"):
        load_source(source)


def test_load_source_rejects_unknown_locale(tmp_path: Path) -> None:
    source = tmp_path / "en.yaml"
    source.write_text(
        "invocation: heart to heart\nintents: {SkipIntent: {samples: [skip]}}\n"
        "locales: {en-NZ: {rules: {}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="unknown locale"):
        load_source(source)


def models_command(argv: list[str]) -> int:
    """`heart-to-heart models ...`, its exit status whether it returns or exits."""
    from skill.doors.cli import main

    try:
        return main(["models", *argv])
    except SystemExit as exit:
        return int(exit.code or 0)


def test_main_build_writes_models(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert models_command(["build", "--out", str(tmp_path)]) == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(f"{x}.json" for x in LOCALES)
    assert "wrote" in capsys.readouterr().out


def test_main_check_passes_on_the_committed_models(capsys: pytest.CaptureFixture[str]) -> None:
    assert models_command(["check"]) == 0, capsys.readouterr().out
    assert "en-GB: 27 intents" in capsys.readouterr().out


def test_main_samples_prints_expansions(capsys: pytest.CaptureFixture[str]) -> None:
    assert models_command(["samples", "AMAZON.NextIntent", "--locale", "en-GB"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("# AMAZON.NextIntent (")
    assert "what's next" in lines


def test_a_big_template_is_sampled_so_every_choice_still_shows() -> None:
    template = "(give|get|find|send) (us|me) (a|an|one) [deep|light|fun] (question|topic) [now]"
    sampled = training_samples(template, {}, limit=6)
    assert len(sampled) < len(expand(template, {}))
    words = {word for sentence in sampled for word in sentence.split()}
    assert {"give", "get", "find", "send", "us", "me", "a", "an", "one"} <= words
    assert {"deep", "light", "fun", "question", "topic", "now"} <= words
    assert sampled == training_samples(template, {}, limit=6)  # deterministic


@pytest.mark.parametrize("argv", [["bogus"], [], ["samples", "NoSuchIntent"]])
def test_main_refuses_bad_usage(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert models_command(argv) != 0
    assert len(capsys.readouterr().err.strip().splitlines()) == 1  # one line says why


def test_the_skill_speaks_every_locale_it_has_a_voice_model_for():
    from skill.alexa.context import SUPPORTED_LOCALES

    assert set(SUPPORTED_LOCALES) == set(LOCALES)
