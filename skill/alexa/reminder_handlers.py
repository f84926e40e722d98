"""The nightly reminder through the Alexa Reminders API, asking permission by voice first.

Every failure (no permission, a refusal, a server error, a timeout) gets a clear spoken
answer and leaves the household's record as it was.
"""

from __future__ import annotations

import logging
from datetime import time

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Response
from ask_sdk_model.services import ServiceException
from ask_sdk_model.services.reminder_management import (
    AlertInfo,
    PushNotification,
    PushNotificationStatus,
    Recurrence,
    ReminderRequest,
    ReminderResponse,
    SpokenInfo,
    SpokenText,
    Trigger,
    TriggerType,
)

from skill.alexa.common import SkillHandler
from skill.alexa.context import HouseholdSession, slot_value
from skill.alexa.reply import reply
from skill.core.reminders import (
    DEFAULT_TIME,
    first_occurrence,
    nightly_time,
    recurrence_rule,
    spoken_time,
)
from skill.core.speech import speak

__all__ = [
    "CancelReminderHandler",
    "PermissionResponseHandler",
    "SetReminderHandler",
    "request_nightly",
]

log = logging.getLogger(__name__)
REMINDERS_SCOPE = "alexa::alerts:reminders:skill:readwrite"


class PermissionNeeded(Exception):
    pass


def has_consent(handler_input: HandlerInput) -> bool:
    system = getattr(handler_input.request_envelope.context, "system", None)
    permissions = getattr(getattr(system, "user", None), "permissions", None)
    return bool(getattr(permissions, "consent_token", None))


def ask_permission(session: HouseholdSession) -> Response:
    """Ask for the reminders permission by voice; Alexa takes over the conversation."""
    # Imported here, like the APL directive: only this rare turn needs the Connections package.
    from ask_sdk_model.interfaces.connections import SendRequestDirective

    builder = session.handler_input.response_builder
    builder.speak(speak(session.line("reminder_permission")))
    builder.add_directive(
        SendRequestDirective(
            name="AskFor",
            payload={
                "@type": "AskForPermissionsConsentRequest",
                "@version": "2",
                "permissionScopes": [
                    {"permissionScope": REMINDERS_SCOPE, "consentLevel": "ACCOUNT"}
                ],
            },
            token="nightly-reminder",
        )
    )
    return builder.response


def create_reminder(session: HouseholdSession, at: time) -> str:
    """Create the daily reminder; returns its alert token."""
    factory = session.handler_input.service_client_factory
    if factory is None:
        raise PermissionNeeded
    zone = session.zone()
    local_now = session.local_now()
    start = first_occurrence(local_now, at)
    text = session.phrases.fixed("reminder_text")
    request = ReminderRequest(
        request_time=local_now.replace(tzinfo=None, microsecond=0),
        trigger=Trigger(
            object_type=TriggerType.SCHEDULED_ABSOLUTE,
            scheduled_time=start,
            time_zone_id=zone.key,
            recurrence=Recurrence(start_date_time=start, recurrence_rules=[recurrence_rule(at)]),
        ),
        alert_info=AlertInfo(
            spoken_info=SpokenInfo(content=[SpokenText(locale=session.locale, text=text)])
        ),
        push_notification=PushNotification(status=PushNotificationStatus.ENABLED),
    )
    try:
        response = factory.get_reminder_management_service().create_reminder(request)
    except ServiceException as error:
        if error.status_code in (401, 403):
            raise PermissionNeeded from error
        raise
    # The SDK's types allow any answer, and a token-less one: neither is a reminder we keep
    # (a household's reminder is its token, and can be deleted only by it).
    if not isinstance(response, ReminderResponse) or response.alert_token is None:
        raise TypeError(f"no alert token in the answer: {type(response).__name__}")
    return response.alert_token


def request_nightly(session: HouseholdSession, at: time) -> Response:
    """Set the nightly reminder, asking for the permission first when it is missing (the
    time waits in the record for Alexa's answer)."""
    if not has_consent(session.handler_input):
        session.household.pending_reminder = at.strftime("%H:%M")
        session.save()
        return ask_permission(session)
    return set_nightly(session, at)


def set_nightly(session: HouseholdSession, at: time) -> Response:
    household = session.household
    try:
        token = create_reminder(session, at)
    except PermissionNeeded:
        household.pending_reminder = at.strftime("%H:%M")
        session.save()
        return ask_permission(session)
    except Exception as error:
        log.warning("reminder create failed: %s", type(error).__name__)
        return reply(session.handler_input, [session.line("reminder_failed")])
    previous = household.reminder
    household.reminder = {"token": token, "time": at.strftime("%H:%M")}
    household.pending_reminder = None
    session.save()
    if previous and previous.get("token") != token:
        _delete_quietly(session, previous["token"])
    return reply(session.handler_input, [session.line("reminder_set", time=spoken_time(at))])


def _delete_quietly(session: HouseholdSession, token: str) -> None:
    """Replace, not stack: the old nightly reminder goes when a new one is set."""
    try:
        delete_reminder(session, token)
    except Exception as error:
        log.info("old reminder not deleted: %s", type(error).__name__)


def delete_reminder(session: HouseholdSession, token: str) -> None:
    factory = session.handler_input.service_client_factory
    if factory is None:
        raise PermissionNeeded
    try:
        factory.get_reminder_management_service().delete_reminder(token)
    except ServiceException as error:
        if error.status_code == 404:
            return  # already gone, which is what was asked
        if error.status_code in (401, 403):
            raise PermissionNeeded from error
        raise


class SetReminderHandler(SkillHandler):
    """ "Remind us every night at nine": a daily reminder that invites the check-in."""

    intents = ("SetReminderIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        spoken = slot_value(handler_input, "time")
        at = nightly_time(spoken) if spoken else DEFAULT_TIME
        if at is None:
            return reply(handler_input, [session.line("reminder_time_unclear")])
        return request_nightly(session, at)


class CancelReminderHandler(SkillHandler):
    """ "Stop reminding us": delete the nightly reminder."""

    intents = ("CancelReminderIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        household = session.household
        if not household.reminder:
            return reply(handler_input, [session.line("reminder_none")])
        try:
            delete_reminder(session, household.reminder["token"])
        except PermissionNeeded:
            # Without the permission Alexa has already removed the skill's reminders.
            pass
        except Exception as error:
            log.warning("reminder delete failed: %s", type(error).__name__)
            return reply(handler_input, [session.line("reminder_delete_failed")])
        household.reminder = None
        session.save()
        return reply(handler_input, [session.line("reminder_deleted")])


class PermissionResponseHandler(SkillHandler):
    """Alexa's answer to our permission request: set the reminder that was waiting."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        return is_request_type("Connections.Response")(handler_input) and (
            getattr(request, "name", None) == "AskFor"
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        payload = getattr(handler_input.request_envelope.request, "payload", None) or {}
        pending = nightly_time(session.household.pending_reminder)
        if payload.get("status") == "ACCEPTED" and pending is not None:
            return set_nightly(session, pending)
        session.household.pending_reminder = None
        session.save()
        return reply(handler_input, [session.line("reminder_permission_declined")])
