"""The one way a handler turns sentences into an Alexa response."""

from __future__ import annotations

from collections.abc import Sequence

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.ui import SimpleCard

from skill.core.speech import speak

__all__ = ["reply"]


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
