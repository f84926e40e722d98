"""The skill as a web service: flask-ask-sdk's SkillAdapter behind a strict front door.

Every refusal is a short JSON 4xx; nothing a caller sends can produce a 5xx or a trace.
"""

from __future__ import annotations

import json
import logging

from ask_sdk_core.skill import CustomSkill
from flask import Flask, Response, jsonify, request
from flask_ask_sdk.skill_adapter import (
    VERIFY_SIGNATURE_APP_CONFIG,
    VERIFY_TIMESTAMP_APP_CONFIG,
    SkillAdapter,
)
from werkzeug.exceptions import HTTPException, InternalServerError

from skill.envelopes import envelope_problem

__all__ = ["MAX_BODY_BYTES", "create_app"]

MAX_BODY_BYTES = 128 * 1024
log = logging.getLogger(__name__)


def problem(status: int, message: str) -> tuple[Response, int]:
    return jsonify({"error": message}), status


def create_app(skill: CustomSkill, *, verify: bool = True, skill_id: str | None = None) -> Flask:
    """The Flask app. `verify=False` (dev mode) skips signature and timestamp checks."""
    app = Flask("heart_to_heart")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    # flask-ask-sdk reads these when the adapter is built, so they are set first.
    app.config[VERIFY_SIGNATURE_APP_CONFIG] = verify
    app.config[VERIFY_TIMESTAMP_APP_CONFIG] = verify
    adapter = SkillAdapter(skill=skill, skill_id=skill_id or "heart-to-heart", app=app)

    @app.post("/")
    def invoke() -> Response | tuple[Response, int]:
        try:
            text = request.get_data(cache=True).decode("utf-8")
            body = json.loads(text)
        except (UnicodeDecodeError, ValueError):
            return problem(400, "the body must be UTF-8 JSON")
        reason = envelope_problem(body)
        if reason:
            return problem(400, f"not an Alexa request envelope: {reason}")
        if skill_id and body["context"]["System"]["application"]["applicationId"] != skill_id:
            return problem(400, "this endpoint serves another skill")
        try:
            return adapter.dispatch_request()
        except InternalServerError:
            # The SDK reports a body it cannot read as its own failure; it is the caller's.
            log.warning("request could not be dispatched", exc_info=True)
            return problem(400, "the request could not be processed")

    @app.get("/health")
    def health() -> Response:
        return jsonify({"status": "ok"})

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int]:
        return problem(error.code or 500, error.description or error.name)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[Response, int]:
        log.error("unexpected web error", exc_info=error)
        return problem(500, "internal error")

    return app
