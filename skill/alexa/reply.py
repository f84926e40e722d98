"""The one way a handler turns sentences, or a flow's `Reply`, into an Alexa response."""

from __future__ import annotations

from collections.abc import Sequence

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.ui import SimpleCard

from skill.alexa.visuals import add_starter_visual
from skill.core.speech import speak
from skill.service.visit import Reply

__all__ = ["reply", "respond"]


def reply(
    handler_input: HandlerInput,
    sentences: Sequence[str],
    *,
    reprompt: str | None = None,
    card: tuple[str, str] | None = None,
) -> Response:
    """Speak the sentences; keep the mic open only with a reprompt, else end the session.

    An open session must prompt and a reply that does not prompt must close, so the two
    go together here and no handler can get it wrong.
    """
    builder = handler_input.response_builder
    builder.speak(speak(*sentences))
    if reprompt:
        builder.ask(speak(reprompt))
    else:
        builder.set_should_end_session(True)
    if card:
        builder.set_card(SimpleCard(title=card[0], content=card[1]))
    return builder.response


def respond(handler_input: HandlerInput, answer: Reply) -> Response:
    """A flow's reply as Alexa says it: the speech, the mic open only with a reprompt, the
    card, and the starter in large type on a device with a screen."""
    if answer.starter is not None and answer.card is not None:
        add_starter_visual(handler_input, answer.starter.text, answer.card[0])
    return reply(handler_input, answer.sentences, reprompt=answer.reprompt, card=answer.card)
