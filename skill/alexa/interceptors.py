"""Logging around every request: what was asked and how long it took. Never who, never words."""

from __future__ import annotations

import logging
import re
import time

from ask_sdk_core.dispatch_components import (
    AbstractExceptionHandler,
    AbstractRequestInterceptor,
    AbstractResponseInterceptor,
)
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.response_helper import ResponseFactory
from ask_sdk_model import IntentRequest, Response

from skill.alexa.context import (
    AWAITING_RATING,
    OFFERED,
    hashed_user,
    locale_of,
    session_attributes,
)
from skill.alexa.reply import reply
from skill.service import SkillServices
from skill.service.visit import begin_turn

__all__ = ["ApologyExceptionHandler", "RequestLogger", "ResponseLogger", "TurnState"]

log = logging.getLogger("skill.requests")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,80}")
_STARTED = "started_at"


def describe(handler_input: HandlerInput) -> str:
    """The request's type and intent for a log line. Both come from the caller, so anything
    but a plain name (a line break that could forge a log line, a lone surrogate that no
    log sink can encode, a kilobyte of junk) is logged as "?"."""
    request = handler_input.request_envelope.request
    if isinstance(request, IntentRequest) and request.intent is not None:
        return f"IntentRequest:{_loggable(request.intent.name)}"
    return _loggable(getattr(request, "object_type", None) or type(request).__name__)


def _loggable(name: object) -> str:
    return name if isinstance(name, str) and _PLAIN_NAME.fullmatch(name) else "?"


class RequestLogger(AbstractRequestInterceptor):
    def process(self, handler_input: HandlerInput) -> None:
        handler_input.attributes_manager.request_attributes[_STARTED] = time.perf_counter()


class TurnState(AbstractRequestInterceptor):
    """What lives one turn: the previous reply's offer moves from the session to this
    request (a reply that offers again puts one back), and so does the wait for a rating. A
    line the model understood ends a run of misses."""

    def process(self, handler_input: HandlerInput) -> None:
        if handler_input.request_envelope.session is None:
            return  # a skill event: no session, nothing offered
        request = handler_input.request_envelope.request
        intent = getattr(request, "intent", None) if isinstance(request, IntentRequest) else None
        understood = intent is not None and intent.name != "AMAZON.FallbackIntent"
        offered, awaiting = begin_turn(session_attributes(handler_input), understood=understood)
        requested = handler_input.attributes_manager.request_attributes
        requested[OFFERED] = offered
        requested[AWAITING_RATING] = awaiting


class ResponseLogger(AbstractResponseInterceptor):
    def process(self, handler_input: HandlerInput, response: Response | None) -> None:
        started = handler_input.attributes_manager.request_attributes.get(_STARTED)
        elapsed = (time.perf_counter() - started) * 1000 if isinstance(started, float) else 0.0
        if log.isEnabledFor(logging.INFO):
            log.info(
                "%s user=%s locale=%s %.1fms",
                describe(handler_input),
                hashed_user(handler_input),
                locale_of(handler_input),
                elapsed,
            )


class ApologyExceptionHandler(AbstractExceptionHandler):
    """Whatever broke, the person hears an apology and a way on, never an error answer.

    Its own reply comes from data, with a fixed English line if even that fails.
    """

    def __init__(self, services: SkillServices) -> None:
        self.services = services

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        log.error("handler failed for %s", describe(handler_input), exc_info=exception)
        try:
            phrases = self.services.phrases_for(locale_of(handler_input))
            sorry = phrases.line("error", self.services.rng)
            again = phrases.line("error_reprompt", self.services.rng)
        except Exception:
            sorry = "Sorry, something went wrong on my side. Please ask again in a moment."
            again = "You can ask for a question, or say stop."
        # A fresh response: the failed handler may have added a screen or a card already.
        handler_input.response_builder = ResponseFactory()
        return reply(handler_input, [sorry], reprompt=again)
