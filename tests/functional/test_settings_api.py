"""The device's time zone through the Alexa Settings API, against a local stand-in server
over real HTTP on loopback: success, caching for a week, failure and timeout."""

from __future__ import annotations

import random
import time
from datetime import datetime

import pytest

from skill.alexa import build_skill
from skill.core.starters import load_library
from skill.service import SkillServices
from tests.conftest import NEW_YORK, Clock, Device, speech
from tests.fake_alexa_api import FakeAlexaApi

LIBRARY = load_library()


@pytest.fixture
def api():
    fake = FakeAlexaApi()
    yield fake
    fake.close()


@pytest.fixture
def clock() -> Clock:
    # Wednesday 16:30 in New York is 21:30 in London: bedtime there, not dinner.
    return Clock(datetime(2026, 11, 25, 16, 30, tzinfo=NEW_YORK))


@pytest.fixture
def device(sqlite_store, clock):
    services = SkillServices(clock=clock, rng=random.Random(1), settings_timeout=1.0)
    return Device(build_skill(sqlite_store, services))


def ask(device: Device, api: FakeAlexaApi):
    return device.intent(
        "StarterIntent", new_session_=True, api_endpoint=api.endpoint, api_access_token="tok-123"
    )


def moment_of(response) -> str:
    text = response["response"]["card"]["content"]
    return next(s.moment.value for s in LIBRARY if s.text == text)


def test_the_device_time_zone_chooses_the_moment(device, api):
    out = ask(device, api)
    assert moment_of(out) == "bedtime"
    path, auth = api.calls[0].path, api.calls[0].authorization
    assert path == "/v2/devices/amzn1.ask.device.local-device/settings/System.timeZone"
    assert auth == "Bearer tok-123"


def test_the_time_zone_is_asked_at_most_once_a_week(device, api, clock):
    for _ in range(5):
        clock.advance(3600)
        ask(device, api)
    assert len(api.calls) == 1
    clock.advance(7 * 24 * 3600)
    ask(device, api)
    assert len(api.calls) == 2


@pytest.mark.parametrize("status", [403, 500])
def test_an_api_failure_falls_back_quietly_to_the_locale_zone(device, api, status):
    api.routes["GET timezone"].status = status
    out = ask(device, api)
    assert moment_of(out) == "anytime"  # 16:30 on a Wednesday in New York
    assert "sorry" not in speech(out).lower()


def test_a_slow_api_is_abandoned_after_a_second(device, api):
    api.routes["GET timezone"].delay = 2.5
    started = time.monotonic()
    out = ask(device, api)
    elapsed = time.monotonic() - started
    assert moment_of(out) == "anytime"
    assert elapsed < 2.0, f"waited {elapsed:.2f}s for the Settings API"
