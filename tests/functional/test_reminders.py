"""The nightly reminder against a stand-in Alexa API on loopback, checking what we send."""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from skill.alexa import build_skill
from skill.service import SkillServices
from tests.conftest import NEW_YORK, Clock, Device, plain_slot, speech
from tests.fake_alexa_api import FakeAlexaApi, Route


@pytest.fixture
def api():
    fake = FakeAlexaApi(zone="America/New_York")
    yield fake
    fake.close()


@pytest.fixture
def device(sqlite_store):
    clock = Clock(datetime(2026, 11, 25, 18, 30, tzinfo=NEW_YORK))
    services = SkillServices(clock=clock, rng=random.Random(4), settings_timeout=1.0)
    return Device(build_skill(sqlite_store, services))


def say(device, api, intent, slots=None, consent=True):
    return device.intent(
        intent,
        slots,
        new_session_=True,
        api_endpoint=api.endpoint,
        api_access_token="tok",
        consent_token="consent" if consent else None,
    )


def permission_answer(status: str, scope: str | None = None) -> dict:
    """Alexa's Connections.Response to the skill's AskFor permission request."""
    payload = {"status": status} | ({"permissionScope": scope} if scope else {})
    return {
        "type": "Connections.Response",
        "requestId": "r",
        "timestamp": "2026-11-25T23:31:00Z",
        "locale": "en-US",
        "name": "AskFor",
        "status": {"code": "200", "message": "OK"},
        "payload": payload,
        "token": "nightly-reminder",
    }


def reminder_calls(api, method):
    return [c for c in api.calls if c.method == method and "reminders" in c.path]


def test_a_nightly_reminder_is_created_with_a_daily_rule(device, api):
    out = say(device, api, "SetReminderIntent", plain_slot("time", "09:00"))
    assert "Every night at 9 PM" in speech(out)
    (call,) = reminder_calls(api, "POST")
    assert call.path == "/v1/alerts/reminders" and call.authorization == "Bearer tok"
    trigger = call.body["trigger"]
    assert trigger["type"] == "SCHEDULED_ABSOLUTE"
    assert trigger["timeZoneId"] == "America/New_York"
    assert trigger["scheduledTime"].startswith("2026-11-25T21:00")
    assert trigger["recurrence"]["recurrenceRules"] == [
        "FREQ=DAILY;BYHOUR=21;BYMINUTE=0;BYSECOND=0;INTERVAL=1"
    ]
    spoken = call.body["alertInfo"]["spokenInfo"]["content"][0]
    assert spoken["locale"] == "en-US" and "check in" in spoken["text"]
    assert call.body["pushNotification"]["status"] == "ENABLED"


def test_without_permission_the_skill_asks_for_it_by_voice(device, api):
    out = say(device, api, "SetReminderIntent", plain_slot("time", "21:30"), consent=False)
    directive = out["response"]["directives"][0]
    assert directive["type"] == "Connections.SendRequest" and directive["name"] == "AskFor"
    scope = directive["payload"]["permissionScopes"][0]["permissionScope"]
    assert scope == "alexa::alerts:reminders:skill:readwrite"
    assert not reminder_calls(api, "POST")
    # WHEN the person agrees, the reminder that was waiting is set
    accepted = device.send(
        permission_answer("ACCEPTED", scope),
        new_session_=True,
        api_endpoint=api.endpoint,
        api_access_token="tok",
        consent_token="consent",
    )
    assert "9:30 PM" in speech(accepted)
    assert len(reminder_calls(api, "POST")) == 1


def test_a_declined_permission_gets_a_clear_answer(device, api):
    say(device, api, "SetReminderIntent", plain_slot("time", "21:00"), consent=False)
    declined = device.send(permission_answer("DENIED"), new_session_=True)
    assert "Alexa app" in speech(declined)


@pytest.mark.parametrize("status", [400, 500, 503])
def test_an_api_error_is_explained_and_nothing_is_kept(device, api, status):
    api.routes["POST reminders"] = Route(status, {"code": "ERROR", "message": "nope"})
    out = say(device, api, "SetReminderIntent", plain_slot("time", "21:00"))
    assert "couldn't reach the reminder service" in speech(out)
    assert "don't have a nightly reminder" in speech(say(device, api, "CancelReminderIntent"))


def test_a_refused_token_means_asking_for_permission(device, api):
    api.routes["POST reminders"] = Route(401, {"code": "UNAUTHORIZED", "message": "no"})
    out = say(device, api, "SetReminderIntent", plain_slot("time", "21:00"))
    assert out["response"]["directives"][0]["name"] == "AskFor"


def test_a_slow_api_times_out_with_a_clear_answer(device, api):
    api.routes["POST reminders"] = Route(201, {"alertToken": "late"}, delay=2.0)
    out = say(device, api, "SetReminderIntent", plain_slot("time", "21:00"))
    assert "couldn't reach" in speech(out)


def test_stop_reminding_us_deletes_the_reminder(device, api):
    say(device, api, "SetReminderIntent", plain_slot("time", "21:00"))
    out = say(device, api, "CancelReminderIntent")
    assert "no more nightly reminders" in speech(out)
    (call,) = reminder_calls(api, "DELETE")
    assert call.path == "/v1/alerts/reminders/alert-1"
    assert "don't have" in speech(say(device, api, "CancelReminderIntent"))


def test_a_failed_delete_keeps_the_reminder_on_record(device, api):
    say(device, api, "SetReminderIntent", plain_slot("time", "21:00"))
    api.routes["DELETE reminders"] = Route(500, {"code": "ERROR", "message": "down"})
    out = say(device, api, "CancelReminderIntent")
    assert "still on" in speech(out)
    api.routes["DELETE reminders"] = Route(200, None)
    assert "no more" in speech(say(device, api, "CancelReminderIntent"))


def test_a_new_time_replaces_the_old_reminder(device, api):
    say(device, api, "SetReminderIntent", plain_slot("time", "21:00"))
    api.routes["POST reminders"] = Route(201, {"alertToken": "alert-2"})
    say(device, api, "SetReminderIntent", plain_slot("time", "22:00"))
    (deleted,) = reminder_calls(api, "DELETE")
    assert deleted.path.endswith("/alert-1")
