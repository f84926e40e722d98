"""The skill as a web service: flask-ask-sdk's SkillAdapter behind a strict front door.

Only `POST /` with a JSON body reaches the skill, and (unless in dev mode) only once
`skill.doors.verify.AlexaRequestVerifier` has checked its signature, certificate chain, timestamp
and skill ID. Every refusal is a short JSON 4xx; nothing a caller sends can produce a 5xx,
a stack trace or a file path in the answer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from ask_sdk_core.skill import CustomSkill
from ask_sdk_webservice_support.verifier import AbstractVerifier
from flask import Flask, Request, Response, jsonify, request
from flask_ask_sdk.skill_adapter import (
    VERIFY_SIGNATURE_APP_CONFIG,
    VERIFY_TIMESTAMP_APP_CONFIG,
    SkillAdapter,
)
from werkzeug.exceptions import HTTPException, InternalServerError

from skill.alexa.envelope import envelope_problem
from skill.alexa.serializer import already_parsed
from skill.doors.verify import AlexaRequestVerifier
from skill.logs import Throttle

__all__ = ["MAX_BODY_BYTES", "create_app"]

MAX_BODY_BYTES = 128 * 1024
# Real envelopes nest a dozen levels or so. The SDK deep-copies and (de)serialises them
# recursively, and a few hundred levels of session attributes overflow Python's stack.
MAX_JSON_DEPTH = 64
ALEXA_CONTENT_TYPES = frozenset({"application/json; charset=utf-8", "application/json"})
log = logging.getLogger(__name__)


def problem(status: int, message: str) -> tuple[Response, int]:
    return jsonify({"error": message}), status


def is_json(incoming: Request) -> bool:
    """Alexa sends `application/json; charset=utf-8`; the charset may also be left out."""
    if incoming.content_type in ALEXA_CONTENT_TYPES:  # the usual case, without parsing
        return True
    charset = incoming.mimetype_params.get("charset", "utf-8").lower()
    return incoming.mimetype == "application/json" and charset in ("utf-8", "utf8")


def nests_deeper_than(data: Any, limit: int) -> bool:
    """Whether JSON data nests deeper than `limit`: level by level, without recursing."""
    level = [data] if isinstance(data, dict | list) else []
    for _ in range(limit):
        level = [
            child
            for node in level
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True


class _OneLineSdkErrors(logging.Filter):
    """flask-ask-sdk logs every refused request at ERROR with a traceback. A bad request is
    the caller's doing, not ours: keep one WARNING line with the reason (capped and
    quoted, since it may echo part of the body), at most one per kind of refusal every ten
    seconds with a count of those left out, so junk traffic cannot flood the logs (a flood
    of unsigned requests once wrote 550 lines).
    """

    def __init__(self) -> None:
        super().__init__()
        self._throttle = Throttle()

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and record.module == "skill_adapter":
            reason = str(error)[:200]
            left_out = self._throttle.allow(f"{type(error).__name__}: {reason[:80]}")
            if left_out is None:
                return False
            record.msg = f"{record.getMessage()}: {type(error).__name__}: {reason!r}" + (
                f" ({left_out} more since the last such line)" if left_out else ""
            )
            record.args = None
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def create_app(
    skill: CustomSkill,
    *,
    verify: bool = True,
    skill_id: str | None = None,
    verifier: AbstractVerifier | None = None,
    health: Callable[[], str | None] | None = None,
) -> Flask:
    """The Flask app.

    `health()` says why the skill cannot serve people well (the household store's
    `health`), or None while it can; `/health` answers 503 with that reason.

    `verify=False` (dev mode) skips request verification altogether. Otherwise `verifier`
    (default: an `AlexaRequestVerifier` with certifi's roots) checks every request; tests
    and the load harness pass one that trusts a private certificate authority.
    `skill_id`, when given, refuses requests for any other skill, in dev mode too.
    """
    app = Flask("heart_to_heart")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    # The SDK's own verifiers (certvalidator, no fetch timeout, unbounded cache) stay off;
    # ours checks signature and timestamp. The adapter reads these when built: set first.
    app.config[VERIFY_SIGNATURE_APP_CONFIG] = False
    app.config[VERIFY_TIMESTAMP_APP_CONFIG] = False
    verifiers = [verifier or AlexaRequestVerifier(skill_id=skill_id)] if verify else []
    adapter = SkillAdapter(
        skill=skill, skill_id=skill_id or "heart-to-heart", verifiers=verifiers, app=app
    )
    # Flask's logger is one per app name, shared by every app built in the process: one filter.
    for old in [f for f in app.logger.filters if isinstance(f, _OneLineSdkErrors)]:
        app.logger.removeFilter(old)
    app.logger.addFilter(_OneLineSdkErrors())

    def invoke() -> Response | tuple[Response, int]:
        if not is_json(request):
            return problem(415, "the body must be application/json")
        raw = request.get_data(cache=True)
        try:
            text = raw.decode("utf-8")
            body = json.loads(text)
        except (UnicodeDecodeError, ValueError, RecursionError):
            return problem(400, "the body must be UTF-8 JSON")
        # Nesting needs an opening bracket per level: few brackets, no need to walk it.
        brackets = raw.count(b"{") + raw.count(b"[")
        if brackets > MAX_JSON_DEPTH and nests_deeper_than(body, MAX_JSON_DEPTH):
            return problem(400, f"the body nests deeper than {MAX_JSON_DEPTH} levels")
        reason = envelope_problem(body)
        if reason:
            return problem(400, f"not an Alexa request envelope: {reason}")
        if skill_id and body["context"]["System"]["application"]["applicationId"] != skill_id:
            return problem(400, "this endpoint serves another skill")
        try:
            with already_parsed(text, body):
                return adapter.dispatch_request()
        except InternalServerError:
            # The SDK reports a body it cannot read as its own failure; it is the caller's.
            return problem(400, "the request could not be processed")

    # POST only: no automatic OPTIONS either, so anything else on `/` is a 405.
    app.add_url_rule("/", "invoke", invoke, methods=["POST"], provide_automatic_options=False)

    @app.get("/health")
    def report_health() -> Response | tuple[Response, int]:
        """200 while the household store reads; 503 with the reason while it does not, so
        a load balancer stops sending people to a server that cannot remember them."""
        reason = health() if health is not None else None
        if reason:
            return jsonify({"status": "unavailable", "reason": f"household store: {reason}"}), 503
        return jsonify({"status": "ok"})

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int]:
        response, status = problem(error.code or 500, error.description or error.name)
        for name, value in error.get_headers():
            if name.lower() != "content-type":  # keeps e.g. the Allow header of a 405
                response.headers[name] = value
        return response, status

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[Response, int]:
        log.error("unexpected web error", exc_info=error)
        return problem(500, "internal error")

    return app
