"""The chat console: typed lines through the voice model, the same skill object and store."""

from __future__ import annotations

import io
import random
import subprocess
import sys

import pytest

from skill.alexa import build_skill
from skill.core.starters import load_library
from skill.tools.chat import MIC_CLOSED, NO_ANSWER, REPROMPTED, ChatSession
from tests.conftest import lines_of

TEXTS = {s.text for s in load_library()}


def chat(skill, lines: list[str], user: str = "amzn1.ask.account.chat") -> list[str]:
    out = io.StringIO()
    ChatSession(skill, user_id=user).run(lines, out)
    spoken = [line for line in out.getvalue().splitlines() if line != MIC_CLOSED]
    return [line.removeprefix("Alexa: ") for line in spoken]


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
    # THEN four replies, and the console shows where the microphone closed: after the
    # starter (they talk to each other) and after goodbye
    assert [line for line in lines if not line.startswith("Alexa: ")] == [MIC_CLOSED] * 2
    assert lines.index(MIC_CLOSED) == 2 and lines[-1] == MIC_CLOSED
    spoken = [line for line in lines if line.startswith("Alexa: ")]
    assert len(spoken) == 4
    greeting, starter, helped, goodbye = (line.removeprefix("Alexa: ") for line in spoken)
    assert "starter" in greeting or "talk about" in greeting
    assert starter_of(starter)
    assert helped in lines_of("help_conversation")  # help about where they are
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
    # an unclear one-shot gets a question, never an apology
    assert "Sorry" not in unknown and starter_of(unknown) and unknown.endswith(starter_of(unknown))


def test_fifty_next_in_a_row_through_chat_are_all_different(sqlite_store, services):
    services.rng = random.Random(11)
    skill = build_skill(sqlite_store, services)
    lines = chat(
        skill, ["ask heart to heart for a question"] + ["ask heart to heart for the next one"] * 49
    )
    starters = [starter_of(line) for line in lines]
    assert len(starters) == 50 and len(set(starters)) == 50


def run_chat(tmp_path, *args: str, text: str, env: dict[str, str] | None = None):
    import os

    return subprocess.run(
        [sys.executable, "-m", "skill", "chat", "--user", "u1",
         "--store", f"sqlite:///{tmp_path / 'h.db'}", *args],
        input=text, capture_output=True, text=True, timeout=60,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_chat_sends_the_configured_skill_id(tmp_path):
    # GIVEN a self-hoster who set the skill id, as the README says to
    result = run_chat(
        tmp_path,
        text="open heart to heart\nstop\n",
        env={"HEART_TO_HEART_SKILL_ID": "amzn1.ask.skill.my-own-skill"},
    )
    # THEN the console's requests carry that id and the skill answers them
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.startswith("Alexa: ")


def test_an_unsupported_locale_gets_one_clear_line_and_exit_2(tmp_path):
    result = run_chat(tmp_path, "--locale", "fr-FR", text="open heart to heart\n")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "fr-FR" in result.stderr and "en-GB" in result.stderr
    assert "Traceback" not in result.stderr


def test_silence_gets_the_reprompt_then_ends_the_session(skill):
    # GIVEN an open microphone after the launch offer
    out = io.StringIO()
    session = ChatSession(skill, user_id="amzn1.ask.account.quiet")
    session.run(["open heart to heart", "", ""], out)
    lines = out.getvalue().splitlines()
    # THEN the first silence brings the reprompt, the second ends the session
    assert lines[0].startswith("Alexa: ")
    assert lines[1].startswith(f"{REPROMPTED} Alexa: ")
    assert lines[1].removeprefix(f"{REPROMPTED} Alexa: ") not in lines[0]
    assert lines[2] == NO_ANSWER
    assert session.session is None


@pytest.mark.parametrize("locale", ["en-GB", "en-IN"])
def test_chat_speaks_each_supported_locale(skill, locale):
    out = io.StringIO()
    ChatSession(skill, user_id="amzn1.ask.account.l", locale=locale).run(
        ["open heart to heart", "yes"], out
    )
    lines = out.getvalue().splitlines()
    assert lines[-1] == MIC_CLOSED and starter_of(lines[-2])
