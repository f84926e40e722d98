"""The chat console: typed lines through the voice model, the same skill object and store."""

from __future__ import annotations

import io
import random
import subprocess
import sys

from skill.alexa import build_skill
from skill.chat import ChatSession
from skill.core.starters import load_library

TEXTS = {s.text for s in load_library()}


def chat(skill, lines: list[str], user: str = "amzn1.ask.account.chat") -> list[str]:
    out = io.StringIO()
    ChatSession(skill, user_id=user).run(lines, out)
    return [line.removeprefix("Alexa: ") for line in out.getvalue().splitlines()]


def starter_of(line: str) -> str:
    found = [t for t in TEXTS if t in line]
    assert found, f"no starter in {line!r}"
    return max(found, key=len)


def test_the_readme_example_prints_four_sensible_lines(tmp_path):
    # GIVEN the exact command from the issue and the README
    result = subprocess.run(
        [sys.executable, "-m", "skill", "chat", "--user", "u1",
         "--store", f"sqlite:///{tmp_path / 'h.db'}"],
        input="open heart to heart\ngive us a question\nhelp\nstop\n",
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stderr
    assert len(lines) == 4 and all(line.startswith("Alexa: ") for line in lines)
    greeting, starter, helped, goodbye = (line.removeprefix("Alexa: ") for line in lines)
    assert "starter" in greeting or "talk about" in greeting
    assert starter_of(starter)
    assert "give us a question" in helped
    assert goodbye


def test_a_scripted_evening(skill):
    lines = chat(
        skill,
        [
            "open heart to heart",
            "we're sam and alex",
            "give us a brunch question",
            "ask heart to heart to go deeper",
            "ask heart to heart for something lighter",
            "tell heart to heart to save that one",
            "ask heart to heart to repeat that",
            "ask heart to heart for the next one",
            "ask heart to heart to play our favorites",
            "what's the weather",
        ],
    )
    names, brunch, deeper, lighter, saved, repeated, following, favourite, unknown = lines[1:]
    assert "Sam and Alex" in names
    assert starter_of(brunch) and ("Sam" in brunch or "Alex" in brunch)
    library = {s.text: s for s in load_library()}
    assert library[starter_of(brunch)].moment.value == "brunch"
    assert library[starter_of(deeper)].depth == 2
    assert library[starter_of(lighter)].depth == 1
    assert "favorites" in saved
    assert starter_of(repeated) == starter_of(lighter)
    assert starter_of(following) != starter_of(lighter)
    assert starter_of(favourite) == starter_of(lighter)
    assert "Sorry" in unknown and "help" in unknown


def test_fifty_next_in_a_row_through_chat_are_all_different(sqlite_store, services):
    services.rng = random.Random(11)
    skill = build_skill(sqlite_store, services)
    lines = chat(
        skill, ["ask heart to heart for a question"] + ["ask heart to heart for the next one"] * 49
    )
    starters = [starter_of(line) for line in lines]
    assert len(starters) == 50 and len(set(starters)) == 50
