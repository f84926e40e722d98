"""The front door with verification on: only signed, fresh Alexa requests reach the skill,
and every refusal is a short JSON 4xx with nothing of the server's insides in it."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta

import pytest

from skill.doors.verify import AlexaRequestVerifier
from skill.doors.web import MAX_BODY_BYTES, create_app
from tests.conftest import speech
from tests.pki import ECHO_URL, ChainServer, LocalAlexaPki, event_body

ALEXA_JSON = "application/json; charset=utf-8"
INTERNALS = re.compile(r"Traceback|File \"|\.py\b|site-packages|/work/|/usr/|/home/")


@pytest.fixture(scope="module")
def pki() -> LocalAlexaPki:
    return LocalAlexaPki()


@pytest.fixture(scope="module")
def stranger() -> LocalAlexaPki:
    return LocalAlexaPki(label="Stranger")


@pytest.fixture
def client(skill, pki):
    verifier = AlexaRequestVerifier(
        trust_roots=[pki.root], fetch=ChainServer({ECHO_URL: pki.chain})
    )
    return create_app(skill, verifier=verifier).test_client()


def now() -> datetime:
    return datetime.now(UTC)


def post(client, body: str, headers: dict[str, str], content_type: str = ALEXA_JSON):
    return client.post("/", data=body.encode("utf-8"), headers=headers, content_type=content_type)


def assert_refusal(response, status: int) -> None:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert set(response.json) == {"error"} and 0 < len(response.json["error"]) < 200
    assert not INTERNALS.search(response.get_data(as_text=True))


def test_a_signed_request_gets_speech(client, pki):
    # GIVEN a launch request signed under the trusted chain
    body = event_body("launch.json", now())
    # WHEN it is posted as Alexa posts it
    response = post(client, body, pki.headers(body.encode()))
    # THEN the skill answers
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert speech(response.json)


def test_a_signed_request_without_a_charset_is_accepted(client, pki):
    # GIVEN a signed request sent as plain application/json WHEN posted THEN it is served
    body = event_body("help_intent.json", now())
    response = post(client, body, pki.headers(body.encode()), content_type="application/json")
    assert response.status_code == 200 and speech(response.json)


def _tamper(body: str) -> str:
    return body.replace("lambda-household", "another-household")


@pytest.mark.parametrize(
    "case",
    [
        "tampered body",
        "wrong host",
        "path escapes echo.api",
        "untrusted root",
        "stale timestamp",
        "future timestamp",
        "no signature",
        "no chain URL",
        "garbage signature",
    ],
)
def test_a_request_that_fails_verification_gets_a_400(client, pki, stranger, case):
    # GIVEN a request with one thing wrong
    stamp = now() + {"stale timestamp": -1, "future timestamp": 1}.get(case, 0) * timedelta(
        minutes=10
    )
    body = event_body("launch.json", stamp)
    headers = (stranger if case == "untrusted root" else pki).headers(body.encode())
    if case == "tampered body":
        body = _tamper(body)
    elif case == "wrong host":
        headers["SignatureCertChainUrl"] = "https://evil.example/echo.api/echo-api-cert-test.pem"
    elif case == "path escapes echo.api":
        headers["SignatureCertChainUrl"] = "https://s3.amazonaws.com/echo.api/../evil/cert.pem"
    elif case == "no signature":
        del headers["Signature-256"]
    elif case == "no chain URL":
        del headers["SignatureCertChainUrl"]
    elif case == "garbage signature":
        headers["Signature-256"] = "%%%not base64%%%"
    # WHEN it is posted
    response = post(client, body, headers)
    # THEN it is refused as a bad request, without reaching the skill
    assert_refusal(response, 400)


def test_a_signed_request_for_another_skill_gets_a_400(skill, pki):
    # GIVEN an app serving only another skill ID
    verifier = AlexaRequestVerifier(
        trust_roots=[pki.root], fetch=ChainServer({ECHO_URL: pki.chain}), skill_id="amzn1.x"
    )
    client = create_app(skill, verifier=verifier).test_client()
    body = event_body("launch.json", now())
    # WHEN a correctly signed request for our fixture skill arrives THEN it is refused
    assert_refusal(post(client, body, pki.headers(body.encode())), 400)


def test_the_default_verifier_is_ours_and_refuses_a_private_ca(skill, pki):
    # GIVEN the production app (certifi's roots) WHEN a privately signed request arrives
    app = create_app(skill)
    adapter = app.extensions["ASK_SDK_SKILL_ADAPTER"]["heart-to-heart"]
    body = event_body("launch.json", now())
    response = post(app.test_client(), body, pki.headers(body.encode()))
    # THEN only our verifier ran (the SDK's own are off), and it refused
    assert [type(v) for v in adapter._webservice_handler._verifiers] == [AlexaRequestVerifier]
    assert_refusal(response, 400)


def test_an_oversized_body_gets_a_413(client, pki):
    # GIVEN a signed body one limit long WHEN posted THEN it is refused unread
    body = '{"pad": "' + "x" * MAX_BODY_BYTES + '"}'
    assert_refusal(post(client, body, pki.headers(body.encode())), 413)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_post_reaches_the_skill(client, method):
    # GIVEN any other method on / WHEN sent THEN a 405 that says POST is allowed
    response = client.open("/", method=method)
    assert_refusal(response, 405)
    assert response.headers["Allow"] == "POST"


def test_head_is_refused_and_health_answers(client):
    # GIVEN the hardened app THEN / takes no HEAD, /health answers GET only, the rest is 404
    assert client.head("/").status_code == 405
    assert client.get("/health").json == {"status": "ok"}
    assert_refusal(client.post("/health"), 405)
    assert_refusal(client.get("/nowhere"), 404)


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin-1",
        "application/jsonp",
        "",
    ],
)
def test_a_body_that_is_not_json_gets_a_415(client, pki, content_type):
    # GIVEN a signed envelope sent under another content type WHEN posted THEN a 415
    body = event_body("launch.json", now())
    assert_refusal(post(client, body, pki.headers(body.encode()), content_type), 415)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{not json",
        b"\xff\xfe\x00garbage",
        b"[" * 50_000 + b"]" * 50_000,
        b'{"a": ' * 5_000 + b"1" + b"}" * 5_000,
        b'{"version": NaN}',
        b"null",
        b'"just a string"',
        b'{"version": ' + b"9" * 5_000 + b"}",
        json.dumps({"version": "1.0", "request": {"type": "LaunchRequest"}}).encode(),
    ],
)
def test_malformed_bodies_get_a_400(client, pki, body):
    # GIVEN a signed body that is not an envelope (or not JSON) WHEN posted THEN a 400
    response = client.post("/", data=body, headers=pki.headers(body), content_type=ALEXA_JSON)
    assert_refusal(response, 400)


def _with_deep_attributes(depth: int) -> str:
    data = json.loads(event_body("launch.json", now()))
    deep: object = 1
    for _ in range(depth):
        deep = {"a": deep}
    data["session"]["attributes"] = {"deep": deep}
    return json.dumps(data)


def test_deeply_nested_session_attributes_get_a_400_not_a_crash(client, pki):
    # GIVEN a signed envelope whose session attributes nest 600 levels deep
    body = _with_deep_attributes(600)
    # WHEN posted THEN it is refused before the SDK's recursive copy can overflow
    assert_refusal(post(client, body, pki.headers(body.encode())), 400)


def test_ordinary_nesting_is_accepted(client, pki):
    # GIVEN attributes 40 levels deep: more than any real envelope, within the limit
    body = _with_deep_attributes(40)
    # WHEN posted THEN the skill answers
    assert post(client, body, pki.headers(body.encode())).status_code == 200


def test_refusals_log_one_line_and_no_user_id(client, pki, caplog):
    # GIVEN a tampered request and a good one
    caplog.set_level(logging.DEBUG)
    body = event_body("launch.json", now())
    headers = pki.headers(body.encode())
    post(client, _tamper(body), headers)
    post(client, body, headers)
    # THEN the logs carry the reason, no traceback and never the raw user id
    assert "signature does not match the body" in caplog.text
    assert "Traceback" not in caplog.text
    assert not any(record.exc_info for record in caplog.records)
    assert "lambda-household" not in caplog.text


def test_a_flood_of_refusals_logs_a_line_every_ten_seconds_with_a_count(client, pki, caplog):
    # GIVEN sixty tampered requests in a row (a flood of junk, seconds apart at most)
    caplog.set_level(logging.WARNING)
    body = event_body("launch.json", now())
    headers = pki.headers(body.encode())
    for _ in range(60):
        assert_refusal(post(client, _tamper(body), headers), 400)
    # THEN the log has one line for them, not sixty
    lines = [r for r in caplog.records if "signature does not match" in r.getMessage()]
    assert len(lines) == 1, len(lines)
