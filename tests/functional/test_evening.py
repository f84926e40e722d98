"""A first evening as a couple would talk it, typed into the console: how often the skill
misses, and that a miss never meets an apology.

    uv run --frozen pytest tests/functional/test_evening.py -q -s    # prints the figures
"""

from __future__ import annotations

import io
import random
import statistics
from datetime import datetime

from skill.alexa import build_skill
from skill.core.speech import word_count
from skill.language.nlu import FALLBACK_INTENT
from skill.service import SkillServices
from skill.tools.chat import MIC_CLOSED, ChatSession
from tests.conftest import NEW_YORK, Clock

# Written for this test as a couple might speak on their first evening, not from the model.
EVENING = [
    "alexa open heart to heart",
    "hmm, hi, we've never tried this",
    "oh okay, I'm Jess and he's Marco",
    "yeah go on",
    "alexa open heart to heart",
    "what was that?",
    "alexa open heart to heart",
    "that's a bit heavy for a tuesday",
    "alexa open heart to heart",
    "aw we loved that one, keep it",
    "alexa open heart to heart",
    "can we go a bit deeper now",
    "alexa ask heart to heart for another",
    "alexa open heart to heart",
    "we're getting into bed, something for bedtime please",
    "alexa open heart to heart",
    "skip that one",
    "alexa open heart to heart",
    "we've talked about that one already, next please",
    "alexa open heart to heart",
    "let's do the check in",
    "um, a four I guess",
    "three, maybe",
    "alexa open heart to heart",
    "okay we're done",
    "alexa tell heart to heart we're done",
    "alexa open heart to heart",
    "finished",
    "no thanks",
    "alexa open heart to heart",
    "how did we do this week",
    "alexa open heart to heart",
    "what can we say",
    "play our favourites",
    "alexa open heart to heart",
    "um that's too personal",
    "alexa open heart to heart",
    "a lighter one for bed",
    "alexa ask heart to heart to say that again",
    "alexa open heart to heart",
    "we're actually just friends",
    "sure",
    "alexa open heart to heart",
    "turn off the phone reminder",
    "give us one more",
    "alexa open heart to heart",
    "save that",
    "alexa ask heart to heart for one more",
    "alexa open heart to heart",
    "that's enough for tonight, goodnight",
]


def run_evening(sqlite_store):
    clock = Clock(datetime(2026, 11, 24, 21, 0, tzinfo=NEW_YORK))
    services = SkillServices(
        clock=clock, rng=random.Random(12), time_zone_override="America/New_York"
    )
    chat = ChatSession(build_skill(sqlite_store, services), user_id="amzn1.ask.account.evening")
    heard: list[tuple[str, str | None, str]] = []
    for line in EVENING:
        clock.advance(180)
        out = io.StringIO()
        chat.run([line], out)
        printed = out.getvalue().splitlines()
        reply = " ".join(said.removeprefix("Alexa: ") for said in printed if said != MIC_CLOSED)
        heard.append((line, chat.last_intent, reply))
    return heard


def test_a_first_evening_is_understood_and_never_apologised_to(sqlite_store):
    heard = run_evening(sqlite_store)
    assert len(heard) == 50
    missed = [line for line, intent, _ in heard if intent == FALLBACK_INTENT]
    lengths = [word_count(reply) for _, _, reply in heard if reply]
    print(
        f"\nfallbacks: {len(missed)} of {len(heard)} ({len(missed) / len(heard):.0%});"
        f" reply words: median {statistics.median(lengths)}, max {max(lengths)}"
    )
    for line in missed:
        print(f"  missed: {line!r}")
    assert len(missed) / len(heard) <= 0.06
    assert not any("sorry" in reply.lower() for _, _, reply in heard)
    assert max(lengths) <= 35
