"""Content lint: the starter library and the phrase files keep the rules of VOICE.md."""

from __future__ import annotations

import re
from collections import Counter

import pytest
import yaml

from skill.core.moments import Moment
from skill.core.speech import PHRASES_DIR, load_phrases, placeholders
from skill.core.starters import (
    AUDIENCES,
    DEPTHS,
    STARTERS_DIR,
    THEMES,
    load_library,
    load_retired,
)
from skill.tools.content_rules import (
    CLICHES,
    HEDGES,
    MAX_HEDGED_SHARE,
    MAX_PER_CLICHE,
    MIN_MOMENT_SHARE,
    MOMENT_WORDS,
    problems,
)
from skill.tools.similarity import allowed_pairs, similar_pairs
from skill.tools.stats import cell_counts

LIBRARY = load_library()
STARTERS = list(LIBRARY)
# Issue 15's floors: the library's size, and what a couple and two friends can get per cell.
MIN_STARTERS, MIN_FOR_COUPLES, MIN_FOR_FRIENDS = 1500, 80, 60
# What the product is about, each with at least this many starters.
CORE_THEMES = ("attention", "closeness", "giving", "guessing", "home-life", "activities")
MIN_PER_CORE_THEME = 40


def test_library_has_at_least_fifteen_hundred_starters():
    assert len(LIBRARY) >= MIN_STARTERS


@pytest.mark.parametrize("moment", list(Moment))
@pytest.mark.parametrize("depth", DEPTHS)
def test_every_cell_has_enough_for_couples_and_friends(moment, depth):
    counts = cell_counts(LIBRARY)
    couple = counts[moment, depth, "partners"] + counts[moment, depth, "any"]
    friends = counts[moment, depth, "friends"] + counts[moment, depth, "any"]
    assert couple >= MIN_FOR_COUPLES, f"{moment}/{depth}: a couple gets only {couple}; write more"
    assert friends >= MIN_FOR_FRIENDS, f"{moment}/{depth}: friends get only {friends}; write more"


@pytest.mark.parametrize("theme", CORE_THEMES)
def test_what_the_product_is_about_is_well_covered(theme):
    starters = [s for s in STARTERS if s.theme == theme]
    for_friends = [s for s in starters if s.audience != "partners"]
    assert len(starters) >= MIN_PER_CORE_THEME, f"only {len(starters)} {theme} starters"
    if theme in ("giving", "guessing"):  # give and take, reading the other: friends too
        assert len(for_friends) >= MIN_PER_CORE_THEME, f"friends get {len(for_friends)} {theme}"


def test_hedge_words_are_rare():
    hedged = [s.id for s in STARTERS if HEDGES.search(s.text)]
    assert len(hedged) <= MAX_HEDGED_SHARE * len(STARTERS), hedged


@pytest.mark.parametrize("family", CLICHES)
def test_each_worn_kind_of_question_is_rare(family):
    found = [s.id for s in STARTERS if CLICHES[family].search(s.text)]
    assert len(found) <= MAX_PER_CLICHE, f"{family}: {found}"


@pytest.mark.parametrize("moment", list(MOMENT_WORDS))
@pytest.mark.parametrize("depth", [2, 3])
def test_deeper_bedtime_and_brunch_starters_belong_to_their_moment(moment, depth):
    cell = [s for s in STARTERS if s.moment is moment and s.depth == depth]
    fitting = [s for s in cell if MOMENT_WORDS[moment].search(s.text)]
    assert len(fitting) >= MIN_MOMENT_SHARE * len(cell), f"{len(fitting)} of {len(cell)}"


def test_no_repair_starters_in_the_morning():
    # (no hurt words either: `problems` holds every morning starter to that)
    mornings = [s for s in STARTERS if s.moment is Moment.MORNING]
    assert not [s.id for s in mornings if s.theme == "repair"]


def test_tags_are_known():
    for s in STARTERS:
        assert s.depth in DEPTHS and s.audience in AUDIENCES and s.theme in THEMES, s.id


def test_ids_are_unique_and_well_formed_across_files():
    ids = []
    for path in STARTERS_DIR.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in data["starters"]:
            assert re.fullmatch(rf"{data['moment']}-\d{{4}}", entry["id"]), entry["id"]
            ids.append(entry["id"])
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates, f"ids used twice: {duplicates}"


def test_retired_ids_are_never_reused():
    reused = sorted(set(load_retired()) & set(LIBRARY.by_id))
    assert not reused, f"retired ids back in the library: {reused}; give new ids instead"


def test_a_retired_starter_keeps_its_words_but_is_never_picked():
    # A household's favourite (or a starter in progress) outlives a release that retires it.
    retired = load_retired()
    assert retired, "the retired starters' records are missing"
    pooled = {
        s.id
        for moment in Moment
        for depth in DEPTHS
        for audience in AUDIENCES
        for s in LIBRARY.pool(moment, depth, audience).starters
    }
    for starter_id, starter in retired.items():
        assert LIBRARY.get(starter_id) == starter and starter.text.endswith(("?", ".")), starter_id
        assert starter.id.startswith(starter.moment.value) and starter_id not in pooled


@pytest.mark.parametrize("starter", STARTERS, ids=lambda s: s.id)
def test_starter_keeps_every_rule(starter):
    # one breath with room for the hint, SSML-safe, open, said by Alexa, nothing explicit,
    # nothing romantic for friends, no hurt before work (skill.tools.content_rules)
    assert not problems(starter.text, starter.moment, starter.audience)


def test_no_two_starters_say_the_same_thing():
    # TF-IDF cosine over the whole library (skill.tools.similarity); a pair a person read
    # and kept is listed, with its reason, in skill/content/similar-allowed.yaml.
    allowed = allowed_pairs()
    close = [p.describe() for p in similar_pairs(STARTERS) if p.ids not in allowed]
    assert not close, "paraphrases (`heart-to-heart starters similar`):\n" + "\n".join(close)


def test_every_allowed_pair_names_two_starters_in_the_library():
    for ids in allowed_pairs():
        assert ids <= set(LIBRARY.by_id), f"allowed pair {sorted(ids)} names a missing starter"


def test_phrase_files_have_only_known_keys_and_placeholders():
    base = load_phrases("en-US")
    for path in PHRASES_DIR.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        unknown = set(data) - set(base.keys())
        assert not unknown, f"{path.name} has keys missing from en.yaml: {unknown}"
        for key, variants in data.items():
            # The skill fills the same values for every variant of a key: a region may not
            # ask for one that `en` never uses.
            known = set().union(*(placeholders(v) for v in base.variants(key)))
            for line in variants:
                assert placeholders(line) <= known, f"{path.name}:{key}: {line!r}"
                assert not set(line) & set("<>&"), f"{path.name}:{key} must be plain text"


def test_the_compiled_content_matches_its_yaml_source():
    # The skill loads content/compiled/*.json (a few ms, not ~70 ms of YAML): it must be
    # what `make content` makes of the YAML as it is now.
    from skill.core import compiled

    assert compiled.stale() == [], "run `make content` and commit skill/content/compiled/"


def test_stale_compiled_content_is_not_used(tmp_path, caplog):
    # GIVEN a content directory whose compiled starters no longer match the YAML
    import shutil

    from skill.core import compiled

    content = tmp_path / "content"
    shutil.copytree(compiled.CONTENT_DIR, content)
    (content / "starters" / "anytime.yaml").write_text(
        (content / "starters" / "anytime.yaml")
        .read_text(encoding="utf-8")
        .replace("text: ", "text: CHANGED ", 1),
        encoding="utf-8",
    )
    # WHEN the starters are loaded THEN the YAML is read, with a warning to rebuild
    files = compiled.load("starters", content / "compiled")
    first = files["anytime.yaml"]
    assert "CHANGED" in str(first)
    assert "stale" in caplog.text
    assert compiled.stale(content / "compiled") == ["starters.json does not match its sources"]
