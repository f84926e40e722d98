"""Content lint: the starter library and the phrase files keep the rules of VOICE.md."""

from __future__ import annotations

import itertools
import re
from collections import Counter

import pytest
import yaml

from skill.core.moments import Moment
from skill.core.speech import PHRASES_DIR, load_phrases, placeholders
from skill.core.starters import AUDIENCES, DEPTHS, STARTERS_DIR, THEMES, load_library
from skill.tools.stats import cell_counts

LIBRARY = load_library()
STARTERS = list(LIBRARY)
MAX_WORDS = 25
# Two starters whose content words overlap this much say the same thing in other words.
SIMILARITY_THRESHOLD = 0.6
AUXILIARIES = {
    "do",
    "does",
    "did",
    "is",
    "are",
    "was",
    "were",
    "have",
    "has",
    "had",
    "can",
    "could",
    "will",
    "would",
    "should",
    "shall",
    "may",
    "might",
    "am",
    "isn't",
    "aren't",
    "don't",
}
FIRST_PERSON = re.compile(
    r"\b(me|my|mine|myself|we|us|our|ours|ourselves|let's|we're|we've|we'll|we'd)\b"
    r"|\bI\b|\bI'(m|ve|ll|d)\b",
    re.IGNORECASE,
)
ROMANTIC = re.compile(
    r"\b(romance|romantic|kiss\w*|sex\w*|sexy|date night|dating|crush|flirt\w*|lover|"
    r"marriage|married|wedding|honeymoon|in love|fall in love|partner\w*|spouse|"
    r"boyfriend|girlfriend|husband|wife|attract\w*|intimate|intimacy|cuddl\w*|naked|"
    r"bed together|make out|desire)\b",
    re.IGNORECASE,
)
EXPLICIT = re.compile(r"\b(sex\w*|naked|nude|orgasm|porn\w*|erotic\w*|aroused)\b", re.I)
_STOP_TEXT = """
a an the and or but of to in on at for with from by about as into over after before
you your yours yourself them they their theirs each other two both one is are was were be
been being it its this that these those what which who whom whose when where why how
do does did have has had would could should will can may might if than then so just
most more some any all very really ever there here up out off not no
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


def content_words(text: str) -> frozenset[str]:
    words = re.findall(r"[a-z']+", text.lower())
    stems = {w.removesuffix("'s").rstrip("s") if len(w) > 3 else w for w in words}
    return frozenset(w for w in stems if w and w not in STOP_WORDS)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def test_library_has_at_least_a_thousand_starters():
    assert len(LIBRARY) >= 1000


@pytest.mark.parametrize("moment", list(Moment))
@pytest.mark.parametrize("depth", DEPTHS)
def test_every_cell_has_enough_for_couples_and_friends(moment, depth):
    counts = cell_counts(LIBRARY)
    couple = counts[moment, depth, "partners"] + counts[moment, depth, "any"]
    friends = counts[moment, depth, "friends"] + counts[moment, depth, "any"]
    assert couple >= 40, f"{moment}/{depth}: a couple can get only {couple}; write more"
    assert friends >= 25, f"{moment}/{depth}: friends can get only {friends}; write more"


def test_tags_are_known():
    for s in STARTERS:
        assert s.depth in DEPTHS and s.audience in AUDIENCES and s.theme in THEMES, s.id


def test_ids_are_unique_and_well_formed_across_files():
    ids = []
    for path in STARTERS_DIR.glob("*.yaml"):
        if path.name == "retired.yaml":
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in data["starters"]:
            assert re.fullmatch(rf"{data['moment']}-\d{{4}}", entry["id"]), entry["id"]
            ids.append(entry["id"])
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates, f"ids used twice: {duplicates}"


def test_retired_ids_are_never_reused():
    retired_file = STARTERS_DIR / "retired.yaml"
    retired = yaml.safe_load(retired_file.read_text(encoding="utf-8"))["retired"] or []
    reused = sorted(set(retired) & set(LIBRARY.by_id))
    assert not reused, f"retired ids back in the library: {reused}; give new ids instead"


@pytest.mark.parametrize("starter", STARTERS, ids=lambda s: s.id)
def test_starter_is_short_open_and_speakable(starter):
    text = starter.text
    assert len(text.split()) <= MAX_WORDS, "at most 25 words: one or two breaths"
    assert not set(text) & set('&<>"'), "no &, <, > or double quotes: SSML-safe text"
    assert text.isascii()
    assert text[-1] in "?.", "end with ? or ."
    for sentence in re.split(r"(?<=[.?!])\s+", text):
        first = sentence.split()[0].lower().strip(",:;")
        if sentence.lower().startswith("would you rather"):
            continue
        assert first not in AUXILIARIES, f"reads as a yes/no question: {sentence!r}"
    assert not FIRST_PERSON.search(text), "Alexa speaks it: no I, me, we or our"
    assert not EXPLICIT.search(text), "nothing explicit"


@pytest.mark.parametrize(
    "starter", [s for s in STARTERS if s.audience != "partners"], ids=lambda s: s.id
)
def test_friends_never_get_romance(starter):
    assert not ROMANTIC.search(starter.text), f"{starter.audience} starter reads as romantic"


def test_no_two_starters_say_the_same_thing():
    words = [(s, content_words(s.text)) for s in STARTERS]
    close = [
        f"{a.id} ~ {b.id} ({jaccard(wa, wb):.2f}): {a.text!r} / {b.text!r}"
        for (a, wa), (b, wb) in itertools.combinations(words, 2)
        if jaccard(wa, wb) >= SIMILARITY_THRESHOLD
    ]
    assert not close, "near-duplicates:\n" + "\n".join(close)


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
