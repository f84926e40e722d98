"""CanFulfillIntentRequest: may Alexa route a name-free request here? Answered from the
request alone, with no store access and no state change, as Amazon requires."""

from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Response
from ask_sdk_model.canfulfill import (
    CanFulfillIntent,
    CanFulfillIntentValues,
    CanFulfillSlot,
    CanFulfillSlotValues,
    CanUnderstandSlotValues,
)

__all__ = ["FULFILLABLE", "CanFulfillHandler"]

# Intents a stranger's request could sensibly be routed to. Setting intents (names,
# audience, reminders) and in-flow ones (rating, next) only make sense inside the skill.
FULFILLABLE = frozenset(
    {
        "StarterIntent",
        "DeeperIntent",
        "LighterIntent",
        "CheckInIntent",
        "PlayFavoritesIntent",
        "WeekSummaryIntent",
    }
)
CUSTOM_SLOT_TYPES = {"moment", "depth", "audience"}


def judge_slot(name: str, slot: object) -> tuple[CanUnderstandSlotValues, CanFulfillSlotValues]:
    value = getattr(slot, "value", None)
    if not value:
        return CanUnderstandSlotValues.NO, CanFulfillSlotValues.NO
    if name in CUSTOM_SLOT_TYPES:
        resolutions = getattr(getattr(slot, "resolutions", None), "resolutions_per_authority", None)
        matched = any(
            getattr(getattr(getattr(a, "status", None), "code", None), "value", "")
            == "ER_SUCCESS_MATCH"
            for a in resolutions or ()
        )
        if matched:
            return CanUnderstandSlotValues.YES, CanFulfillSlotValues.YES
        return CanUnderstandSlotValues.NO, CanFulfillSlotValues.NO
    return CanUnderstandSlotValues.MAYBE, CanFulfillSlotValues.YES


class CanFulfillHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("CanFulfillIntentRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        intent = getattr(handler_input.request_envelope.request, "intent", None)
        name = getattr(intent, "name", None)
        builder = handler_input.response_builder
        if name not in FULFILLABLE:
            builder.set_can_fulfill_intent(CanFulfillIntent(can_fulfill=CanFulfillIntentValues.NO))
            return builder.response
        slots = {}
        for slot_name, slot in (getattr(intent, "slots", None) or {}).items():
            if not getattr(slot, "value", None):
                continue
            understand, fulfill = judge_slot(slot_name, slot)
            slots[slot_name] = CanFulfillSlot(can_understand=understand, can_fulfill=fulfill)
        verdict = (
            CanFulfillIntentValues.NO
            if any(s.can_fulfill == CanFulfillSlotValues.NO for s in slots.values())
            else CanFulfillIntentValues.YES
        )
        builder.set_can_fulfill_intent(CanFulfillIntent(can_fulfill=verdict, slots=slots or None))
        return builder.response
