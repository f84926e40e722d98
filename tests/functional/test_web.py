"""The Flask app through its test client: the skill on POST /, and polite refusals."""

from __future__ import annotations

import json

import pytest

from skill.doors.web import MAX_BODY_BYTES, create_app
from tests.conftest import load_event, speech


@pytest.fixture
def dev_client(skill):
    return create_app(skill, verify=False).test_client()


@pytest.fixture
def verified_client(skill):
    return create_app(skill, verify=True).test_client()


def test_health_answers_when_ready(dev_client):
    response = dev_client.get("/health")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_a_launch_request_gets_speech(dev_client):
    response = dev_client.post("/", json=load_event("launch.json"))
    assert response.status_code == 200
    assert speech(response.json)


def test_data_survives_between_requests(dev_client):
    first = dev_client.post("/", json=load_event("starter_intent.json")).json
    again = dev_client.post("/", json=load_event("repeat_intent.json")).json
    assert first["response"]["card"]["content"] in speech(again)


@pytest.mark.parametrize("charset", ["; charset=utf-8", "", ";charset=UTF-8"])
def test_a_household_that_disables_the_skill_is_forgotten_over_the_web(
    dev_client, sqlite_store, charset
):
    # GIVEN a household with something stored
    dev_client.post("/", json=load_event("starter_intent.json"))
    user = load_event("skill_disabled.json")["context"]["System"]["user"]["userId"]
    assert sqlite_store.get(user)
    # WHEN Alexa says they disabled the skill and asked not to be remembered
    body = json.dumps(load_event("skill_disabled.json")).encode()
    response = dev_client.post("/", data=body, content_type=f"application/json{charset}")
    # THEN the record is gone
    assert response.status_code == 200
    assert sqlite_store.get(user) is None


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b'{"version": "1.0"}', "application/json"),
        (b'{"version": "1.0", "request": {"type": "LaunchRequest"}}', "application/json"),
        (json.dumps({**load_event("launch.json"), "session": "nope"}).encode(), "application/json"),
        (
            json.dumps(
                {**load_event("starter_intent.json"), "request": {"type": "IntentRequest"}}
            ).encode(),
            "application/json",
        ),
        (
            json.dumps(
                {**load_event("launch.json"), "request": {"type": "LaunchRequest", "timestamp": 5}}
            ).encode(),
            "application/json",
        ),
    ],
)
def test_bodies_that_are_not_envelopes_get_a_400(dev_client, body, content_type):
    response = dev_client.post("/", data=body, content_type=content_type)
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)
    assert response.json["error"]


def test_an_oversized_body_gets_a_413(dev_client):
    response = dev_client.post(
        "/", data=b"{" + b" " * (MAX_BODY_BYTES + 1) + b"}", content_type="application/json"
    )
    assert response.status_code == 413


def test_only_post_on_the_skill_route(dev_client):
    assert dev_client.get("/").status_code == 405
    assert dev_client.get("/nowhere").status_code == 404


def test_without_signature_headers_verification_refuses(verified_client):
    response = verified_client.post("/", json=load_event("launch.json"))
    assert response.status_code == 400
    assert "speech" not in response.get_data(as_text=True)


def test_a_request_for_another_skill_is_refused(skill):
    client = create_app(skill, verify=False, skill_id="amzn1.ask.skill.ours").test_client()
    assert client.post("/", json=load_event("launch.json")).status_code == 400
