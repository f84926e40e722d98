"""The rules a starter keeps (VOICE.md, issue 15), in one place.

The content lint (tests/unit/test_content.py) holds the library to them, and
`heart-to-heart starters check` holds new writing to them before anyone spends time reading
it: the generate-and-select passes in docs/blind-review.md threw away one candidate in six
for a broken rule or an echo of a starter already in the library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from skill.core.moments import Moment
from skill.core.replies import MAX_STARTER_WORDS
from skill.core.speech import load_phrases, word_count
from skill.core.starters import AUDIENCES, DEPTHS

__all__ = [
    "CANDIDATE_ECHO",
    "CLICHES",
    "HEDGES",
    "HURT",
    "MAX_HEDGED_SHARE",
    "MAX_PER_CLICHE",
    "MAX_WORDS",
    "MIN_MOMENT_SHARE",
    "MOMENT_WORDS",
    "ROMANTIC",
    "Candidate",
    "parse_candidate",
    "problems",
    "rationed",
]

_PHRASES = load_phrases()
# A household's first starter is said with who goes first and how to come back, all in one
# turn of at most MAX_STARTER_WORDS: a starter leaves room for the shortest of each (17).
MAX_WORDS = MAX_STARTER_WORDS - sum(
    min(map(word_count, _PHRASES.variants(key)))
    for key in ("first_neutral_opening", "hint_come_back")
)
# New writing that scores this close to a starter already in the library (TF-IDF cosine)
# takes its idea in other words more often than not; the lint fails the library at 0.6.
CANDIDATE_ECHO = 0.5

# Rationed, not banned: words that soften a question until it says little, and worn kinds
# of question. The lint caps their share of the library.
HEDGES = re.compile(r"\b(still|quietly|a little)\b", re.IGNORECASE)
CLICHES = {
    "would you rather": re.compile(r"^would you rather\b", re.I),
    "a tiny business": re.compile(r"\b(shop|cafe|business|stall|bakery|food truck)\b", re.I),
    "trips and adventures": re.compile(
        r"\b(trips?|travel\w*|vacation\w*|adventures?|road trip|abroad|getaway)\b", re.I
    ),
    "a desert island": re.compile(r"\b(desert island|stranded)\b", re.I),
}
MAX_HEDGED_SHARE = 0.02  # of the library
MAX_PER_CLICHE = 5  # of each family, in the whole library
# Words that name or evoke bedtime and brunch: the deeper starters there should belong to
# their moment.
MOMENT_WORDS = {
    Moment.BEDTIME: re.compile(
        r"\b(tonight|night|bed|bedtime|sleep|asleep|dreams?|pillow|lights|dark|covers|"
        r"blanket|tomorrow|end of the day|before sleep|yawn|drift)\b",
        re.I,
    ),
    Moment.BRUNCH: re.compile(
        r"\b(brunch|coffee|pancakes|waffles|eggs|toast|weekend|saturday|sunday|late morning|"
        r"slow morning|table|plate|menu|juice|croissant|bagel|pastry|tea|refill|"
        r"this afternoon|the rest of the day)\b",
        re.I,
    ),
}
MIN_MOMENT_SHARE = 0.5  # of each deeper cell at bedtime and brunch
# No reopening a hurt minutes before work.
HURT = re.compile(
    r"\b(hurt\w*|argu\w*|fight\w*|fought|apolog\w*|sorry|resent\w*|forgiv\w*|grudge|"
    r"betray\w*|disappoint\w*|wound\w*)\b",
    re.I,
)
# A sentence opening with one of these asks for yes or no.
_AUXILIARIES = frozenset({
    "do", "does", "did", "is", "are", "was", "were", "have", "has", "had", "can", "could",
    "will", "would", "should", "shall", "may", "might", "am", "isn't", "aren't", "don't",
})  # fmt: skip
# Where one sentence ends and the next begins ("six a.m. or later" is one sentence).
_SENTENCE_BREAK = re.compile(r"(?<![ap]\.m\.)(?<=[.?!])\s+")
# Alexa says the starter: it cannot speak for the two of them.
_FIRST_PERSON = re.compile(
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
_EXPLICIT = re.compile(r"\b(sex\w*|naked|nude|orgasm|porn\w*|erotic\w*|aroused)\b", re.I)


def problems(text: str, moment: Moment, audience: str) -> list[str]:
    """Every rule `text` breaks as a starter for `audience` at `moment`; empty when none."""
    found = []
    if (count := word_count(text)) > MAX_WORDS:
        found.append(f"{count} words: at most {MAX_WORDS}, one breath with the hint")
    if set(text) & set('&<>"') or not text.isascii():
        found.append('plain ASCII without &, <, > or ": the text goes into SSML')
    if text[-1:] not in ("?", "."):
        found.append("ends with ? or .")
    for sentence in _SENTENCE_BREAK.split(text.strip()):
        words = sentence.split()
        if sentence.lower().startswith("would you rather") or not words:
            continue
        if words[0].lower().strip(",:;") in _AUXILIARIES:
            found.append(f"reads as a yes/no question: {sentence!r}")
    if _FIRST_PERSON.search(text):
        found.append("Alexa says it: no I, me, we or our")
    if _EXPLICIT.search(text):
        found.append("nothing explicit")
    if audience != "partners" and ROMANTIC.search(text):
        found.append(f"reads as romantic for {audience}")
    if moment is Moment.MORNING and HURT.search(text):
        found.append("no hurt or conflict minutes before work")
    return found


def rationed(text: str) -> list[str]:
    """The rationed kinds `text` uses: a hedge word, a worn family of question."""
    found = ["a hedge word"] if HEDGES.search(text) else []
    return found + [family for family, pattern in CLICHES.items() if pattern.search(text)]


@dataclass(frozen=True, slots=True)
class Candidate:
    moment: Moment
    depth: int
    audience: str
    text: str


_LABELLED = re.compile(
    r"^\s*(?:\d+[.)]\s*)?\[\s*(?P<moment>\w+)\s*,\s*depth\s*(?P<depth>\d)\s*,\s*for\s*"
    r"(?P<audience>\w+)\s*\]\s*(?P<text>.*?)\s*$",
    re.IGNORECASE,
)


def parse_candidate(line: str) -> Candidate | str:
    """A line as `starters sample` prints one ("[bedtime, depth 2, for any] Which ...?"),
    or why it is not one."""
    match = _LABELLED.match(line)
    if not match:
        return "want a line like: [bedtime, depth 2, for any] Which ...?"
    try:
        moment = Moment(match["moment"].lower())
    except ValueError:
        return f"unknown moment {match['moment']!r}: one of {', '.join(m.value for m in Moment)}"
    depth, audience = int(match["depth"]), match["audience"].lower()
    if depth not in DEPTHS:
        return f"depth {depth}: one of {', '.join(map(str, DEPTHS))}"
    if audience not in AUDIENCES:
        return f"audience {audience!r}: one of {', '.join(AUDIENCES)}"
    if not match["text"]:
        return "no starter after the label"
    return Candidate(moment, depth, audience, match["text"])
