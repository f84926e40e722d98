"""A line already understood (an intent of the skill's grammar and its slots) to the flow
that answers it: for doors that read spoken or typed text themselves (Home Assistant's
Wyoming door matches the transcript with hassil and the skill's own grammar).

The Alexa door routes with its own ASK handler classes to the same flows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from skill.core import conversation as talk
from skill.core.moments import Moment
from skill.service import checkin_flows, flows
from skill.service.visit import Reply, Visit

__all__ = ["LAUNCH", "Heard", "answer"]

LAUNCH = "LaunchRequest"
_NAME_SLOTS = ("firstName", "secondName", "thirdName", "fourthName")
_GOODBYES = (
    "AMAZON.StopIntent",
    "AMAZON.CancelIntent",
    "AMAZON.NoIntent",
    "AMAZON.NavigateHomeIntent",
    "GoodnightIntent",
)


@dataclass(frozen=True)
class Heard:
    """What a line was understood as: the intent, each filled slot's words as said
    (`values`), and the canonical id of each slot whose value the grammar knows (`ids`)."""

    intent: str
    values: Mapping[str, str] = field(default_factory=dict)
    ids: Mapping[str, str] = field(default_factory=dict)

    @property
    def then(self) -> str | None:
        then = self.ids.get("then")
        return then if then in flows.THEN else None

    @property
    def moment(self) -> Moment | None:
        name = self.ids.get("moment")
        return Moment(name) if name is not None and name in Moment._value2member_map_ else None

    @property
    def depth(self) -> int | None:
        depth = self.ids.get("depth")
        return int(depth) if depth in ("1", "2", "3") else None


def _not_here(visit: Visit, heard: Heard) -> Reply:
    """What this door cannot do (the nightly reminder needs Alexa's Reminders API)."""
    return Reply([visit.line("reminder_not_here")])


_FLOWS: dict[str, Callable[[Visit, Heard], Reply]] = {
    LAUNCH: lambda visit, heard: flows.launch(visit),
    "StarterIntent": lambda visit, heard: flows.new_starter(
        visit, moment=heard.moment, depth=heard.depth
    ),
    "AMAZON.StartOverIntent": lambda visit, heard: flows.start_over(visit),
    "AMAZON.NextIntent": lambda visit, heard: flows.next_one(visit),
    "DoneIntent": lambda visit, heard: flows.done(visit, then=heard.then),
    "DeeperIntent": lambda visit, heard: flows.new_starter(visit, moment=heard.moment, shift=+1),
    "LighterIntent": lambda visit, heard: flows.new_starter(visit, moment=heard.moment, shift=-1),
    "AMAZON.YesIntent": lambda visit, heard: flows.yes(visit),
    "AMAZON.RepeatIntent": lambda visit, heard: flows.repeat(visit),
    "SaveFavoriteIntent": lambda visit, heard: flows.change_favourite(
        visit, talk.save_favourite, then=heard.then
    ),
    "RemoveFavoriteIntent": lambda visit, heard: flows.change_favourite(
        visit, talk.remove_favourite, then=heard.then
    ),
    "PlayFavoritesIntent": lambda visit, heard: flows.play_favourites(visit),
    "SetAudienceIntent": lambda visit, heard: flows.set_audience(
        visit, heard.ids.get("audience"), then=heard.then
    ),
    "SetNamesIntent": lambda visit, heard: flows.set_names(
        visit,
        [heard.values.get(slot) for slot in _NAME_SLOTS],
        then=heard.then,
        audience=heard.ids.get("audience"),
    ),
    "PhoneReminderOffIntent": lambda visit, heard: flows.set_phone_reminder(
        visit, False, then=heard.then
    ),
    "PhoneReminderOnIntent": lambda visit, heard: flows.set_phone_reminder(
        visit, True, then=heard.then
    ),
    "CheckInIntent": lambda visit, heard: checkin_flows.start_checkin(visit),
    "RatingIntent": lambda visit, heard: checkin_flows.rate(
        visit, heard.values.get("rating"), heard.values.get("otherRating")
    ),
    "WeekSummaryIntent": lambda visit, heard: checkin_flows.summarise_week(
        visit, then_checkin=heard.ids.get("then") == "checkin"
    ),
    "SetReminderIntent": _not_here,
    "CancelReminderIntent": _not_here,
    "AMAZON.HelpIntent": lambda visit, heard: flows.help_for(visit),
    **{
        name: lambda visit, heard: flows.goodbye(
            visit,
            goodnight=heard.intent == "GoodnightIntent",
            no=heard.intent == "AMAZON.NoIntent",
        )
        for name in _GOODBYES
    },
}


def answer(visit: Visit, heard: Heard) -> Reply:
    """The reply to one understood line. While the check-in waits for a rating, a line
    the grammar could not place counts as an unclear rating (one guided retry, then a
    neutral three); anything else unknown gets the fallback's help."""
    flow = _FLOWS.get(heard.intent)
    if flow is not None:
        return flow(visit, heard)
    if visit.awaiting_rating:
        return checkin_flows.rate(visit, None)
    return flows.fallback(visit)
