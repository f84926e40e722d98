"""The voice model understands how people talk (issue 12): the natural-speech corpus, written
blind to the model, resolves to the expected intent and slots.

    uv run --frozen heart-to-heart models coverage    # the figures, per locale, with misses
"""

from __future__ import annotations

import pytest

from skill.language.coverage import CORPUS_DIR, FOLLOW_UPS, load_corpus, measure, render
from skill.language.models import LOCALES, build_model, load_source

# Measuring takes both cores for a minute or two: kept apart from the timing-sensitive races.
pytestmark = pytest.mark.xdist_group("writers")

OVERALL = 0.95
PER_LOCALE = 0.90
CORPUS = load_corpus()
# Wishes, moods and hedged preferences ("a bit deeper would be nice"), written on 2026-11-30
# after `make chat` showed them missed: 48% understood before the grammar learnt them, 78%
# after (58% of its held-back lines). Measured apart, so the older areas keep their floor.
WISHES, WISHES_FLOOR = "wishes.yaml", 0.75


def _missed_of(report, in_area) -> tuple[int, int]:
    """How many of one area's lines a locale's report missed, and how many it resolved."""
    lines = sum(line.locale in (None, report.locale) and in_area(line) for line in CORPUS)
    missed = sum(in_area(line) for line, _ in report.misses + report.held_misses)
    return missed, lines


def _share(report, in_area) -> float:
    """The share of one area's lines a locale's report understood."""
    missed, lines = _missed_of(report, in_area)
    return 1 - missed / lines


@pytest.fixture(scope="module")
def reports():
    return measure(CORPUS, LOCALES, processes=2)


def test_the_corpus_is_big_enough_and_covers_every_locale_s_idiom():
    shared = [line for line in CORPUS if line.locale is None]
    assert len(shared) >= 400
    for locale in ("en-GB", "en-IN", "en-AU", "en-CA"):
        assert sum(line.locale == locale for line in CORPUS) >= 40, locale
    held = sum(line.held_back for line in CORPUS) / len(CORPUS)
    assert 0.15 < held < 0.25, "about a fifth is held back"


def test_every_line_names_an_intent_the_model_has():
    model = build_model(load_source(), "en-US")["interactionModel"]["languageModel"]
    declared = {intent["name"]: {s["name"] for s in intent.get("slots", [])}
                for intent in model["intents"]}  # fmt: skip
    for line in CORPUS:
        assert line.intent in declared, f"{line.source}: no intent {line.intent}"
        assert set(line.slots) <= declared[line.intent], f"{line.source}: {line.slots}"
        if "then" in line.slots:
            assert line.slots["then"] in FOLLOW_UPS


def test_the_corpus_is_understood(reports):
    def older(line):
        return not line.source.startswith(WISHES)

    summary = render(reports)
    missed, lines = map(sum, zip(*(_missed_of(r, older) for r in reports.values()), strict=True))
    assert 1 - missed / lines >= OVERALL, summary
    for locale, report in reports.items():
        assert _share(report, older) >= PER_LOCALE, f"{locale}\n{summary}"
        assert _share(report, lambda line: line.source.startswith(WISHES)) >= WISHES_FLOOR, (
            f"{locale}\n{summary}"
        )


def test_the_corpus_lives_beside_the_model_source():
    assert CORPUS_DIR.parent.name == "interaction_models"
    assert (CORPUS_DIR / "README.md").exists()
