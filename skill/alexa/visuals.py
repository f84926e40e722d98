"""The starter in large type on devices with a screen (APL), and only on those."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from ask_sdk_core.handler_input import HandlerInput

__all__ = ["add_starter_visual", "supports_apl"]

APL_DIR = Path(__file__).resolve().parent.parent / "content" / "apl"
TOKEN = "heartToHeartStarter"


@cache
def starter_document() -> dict[str, Any]:
    return json.loads((APL_DIR / "starter.json").read_text(encoding="utf-8"))


def supports_apl(handler_input: HandlerInput) -> bool:
    system = getattr(handler_input.request_envelope.context, "system", None)
    interfaces = getattr(getattr(system, "device", None), "supported_interfaces", None)
    return getattr(interfaces, "alexa_presentation_apl", None) is not None


def add_starter_visual(handler_input: HandlerInput, text: str, title: str) -> None:
    if not supports_apl(handler_input):
        return
    # Imported here: the APL package is some 300 modules (about 25 ms of a cold start). A
    # request from a screen device has already loaded it, to read its APL interface.
    from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective

    handler_input.response_builder.add_directive(
        RenderDocumentDirective(
            token=TOKEN,
            document=starter_document(),
            datasources={"starter": {"title": title, "text": text}},
        )
    )
