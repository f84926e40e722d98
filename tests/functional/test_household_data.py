"""What a household saves is kept, never leaks into logs, and goes away when asked."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from skill.alexa import build_skill
from skill.service import SkillServices
from tests.conftest import Device, custom_slot, favourites_of, lines_of, plain_slot, speech

USER = "amzn1.ask.account.test-household"


def disabled(status: str | None) -> dict:
    request = {
        "type": "AlexaSkillEvent.SkillDisabled",
        "requestId": "r",
        "timestamp": "2026-11-25T23:00:00Z",
    }
    if status:
        request["body"] = {"userInformationPersistenceStatus": status}
    return request


@pytest.mark.parametrize(("status", "kept"), [("NOT_PERSISTED", False), ("PERSISTED", True)])
def test_skill_disabled_deletes_only_when_asked(device, sqlite_store, status, kept):
    device.intent("StarterIntent")
    device.intent("SaveFavoriteIntent", new_session_=True)
    assert sqlite_store.get(USER)
    out = device.event(disabled(status))
    assert "outputSpeech" not in out["response"]
    assert (sqlite_store.get(USER) is not None) is kept


def test_a_skill_disabled_event_without_a_status_keeps_the_data(device, sqlite_store):
    device.intent("StarterIntent")
    device.event(disabled(None))
    assert sqlite_store.get(USER) is not None


def test_can_fulfill_answers_without_touching_the_store(device, sqlite_store):
    def can_fulfill(name, slots=None):
        request = {
            "type": "CanFulfillIntentRequest",
            "requestId": "r",
            "timestamp": "2026-11-25T23:00:00Z",
            "locale": "en-US",
            "intent": {"name": name, "slots": slots or {}},
        }
        return device.send(request, new_session_=True)["response"]["canFulfillIntent"]

    yes = can_fulfill("StarterIntent", custom_slot("moment", "bedtime", "bedtime"))
    assert yes["canFulfill"] == "YES"
    assert yes["slots"]["moment"] == {"canUnderstand": "YES", "canFulfill": "YES"}
    unknown_value = {"moment": {"name": "moment", "value": "the opera"}}
    assert can_fulfill("StarterIntent", unknown_value)["canFulfill"] == "NO"
    assert can_fulfill("PlayMusicIntent")["canFulfill"] == "NO"
    assert can_fulfill("SetNamesIntent")["canFulfill"] == "NO"
    assert sqlite_store.get(USER) is None, "no state change"


def test_a_favourite_whose_save_failed_is_not_confirmed_but_is_written_later(
    sqlite_store, services
):
    class FlakyStore:
        """Reads work; one write fails, as in a brief outage."""

        def __init__(self) -> None:
            self.fail_next_write = False

        def read(self, key):
            return sqlite_store.read(key)

        def put(self, key, attributes):
            if self.fail_next_write:
                self.fail_next_write = False
                raise ConnectionError("throttled")
            return sqlite_store.put(key, attributes)

        def delete(self, key):
            sqlite_store.delete(key)

    flaky = FlakyStore()
    device = Device(build_skill(flaky, services))
    starter = device.intent("StarterIntent")["response"]["card"]["content"]
    flaky.fail_next_write = True
    saved = device.intent("SaveFavoriteIntent", new_session_=True)
    # THEN the skill says it could not save (nothing is stored), promising nothing
    assert speech(saved) in lines_of("not_saved")
    assert not favourites_of(sqlite_store.get(USER))
    # WHEN the household comes back with any request
    device.intent("AMAZON.HelpIntent", new_session_=True)
    device.intent("AMAZON.NextIntent", new_session_=True)
    # THEN the favourite is stored after all
    favourite = favourites_of(sqlite_store.get(USER))
    assert len(favourite) == 1
    played = device.intent("PlayFavoritesIntent", new_session_=True)
    assert played["response"]["card"]["content"] == starter


def test_logs_carry_no_user_id_and_no_names(device, caplog):
    caplog.set_level(logging.DEBUG)
    device.launch()
    device.intent(
        "SetNamesIntent",
        {**plain_slot("firstName", "Zebedee"), **plain_slot("secondName", "Quinn")},
    )
    device.intent("StarterIntent", new_session_=True)
    logged = caplog.text
    assert "IntentRequest:SetNamesIntent" in logged, "requests are logged"
    assert USER not in logged and "test-household" not in logged
    assert "Zebedee" not in logged and "Quinn" not in logged


def test_an_odd_intent_name_cannot_forge_or_break_a_log_line(device, caplog):
    # GIVEN a request whose intent name carries a line break and a lone surrogate
    caplog.set_level(logging.INFO)
    device.intent("Starter\nERROR forged line \ud963")
    # THEN the request is logged as one plain line that any log sink can encode
    lines = [record.getMessage() for record in caplog.records if record.name == "skill.requests"]
    assert lines and lines[0].startswith("IntentRequest:? user=")
    assert "forged" not in caplog.text
    caplog.text.encode("utf-8")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "skill", *args], capture_output=True, text=True, timeout=60
    )


def test_export_and_forget_for_an_operator(tmp_path):
    store_url = f"sqlite:///{tmp_path / 'households.db'}"
    from skill.core.household import merge
    from skill.storage import open_store

    skill = build_skill(open_store(store_url, merge=merge), SkillServices())
    device = Device(skill, user_id="amzn1.ask.account.export-me")
    device.intent(
        "SetNamesIntent", {**plain_slot("firstName", "Sam"), **plain_slot("secondName", "Alex")}
    )
    exported = run_cli("export", "--user", "amzn1.ask.account.export-me", "--store", store_url)
    assert exported.returncode == 0
    assert json.loads(exported.stdout)["names"] == ["Sam", "Alex"]
    forgotten = run_cli("forget", "--user", "amzn1.ask.account.export-me", "--store", store_url)
    assert forgotten.returncode == 0 and "forgotten" in forgotten.stdout
    again = run_cli("export", "--user", "amzn1.ask.account.export-me", "--store", store_url)
    assert again.returncode == 1 and "no household" in again.stderr
