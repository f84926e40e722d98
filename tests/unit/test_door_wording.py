"""Each door says what works there: Alexa teaches "Alexa, open Heart to Heart"; Home
Assistant and MCP clients, whose wake word the skill does not know, never hear it."""

from __future__ import annotations

import pytest

from skill.core.speech import load_phrases
from skill.service import ALEXA, ASSIST, MCP

# Said only through Alexa's Reminders API and permission flow, which only Alexa offers.
ALEXA_ONLY = ("reminder_text", "reminder_set", "reminder_permission_declined")


@pytest.mark.parametrize("door", [ASSIST, MCP], ids=lambda door: door.name)
def test_no_other_door_is_told_to_say_alexa(door):
    assert door.wording and not door.reminders
    phrases = load_phrases("en-US").worded(door.wording)
    for key in phrases:
        if key in ALEXA_ONLY:
            continue
        for line in phrases.variants(key):
            assert "Alexa" not in line and "open Heart to Heart" not in line, (key, line)


def test_every_twin_replaces_a_line_alexa_says():
    phrases = load_phrases("en-US")
    twins = [key for key in phrases if key.endswith("_plain")]
    assert twins
    for twin in twins:
        base = twin.removesuffix("_plain")
        assert base in phrases, f"{twin} has no {base} to stand in for"
        assert phrases.worded("plain").variants(base) == phrases.variants(twin)


def test_alexa_keeps_its_own_words():
    assert not ALEXA.wording and ALEXA.reminders
    assert any("Alexa" in line for line in load_phrases("en-US").variants("hint_come_back"))
