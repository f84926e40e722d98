"""What the skill does with each request, for any door: one `Visit` in, one `Reply` out.

Each flow makes one core call (`skill.core.conversation`, `skill.core.dialogue`) and has
the words built by the core (`skill.core.replies`). Doors read their own requests into the
arguments here (an Alexa slot, a transcript matched by hassil, an MCP tool's parameters)
and turn the reply into their own answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from skill.core import conversation as talk
from skill.core.checkin import Step
from skill.core.conversation import FavouriteChange, FavouriteResult, StarterTurn
from skill.core.dialogue import Offer, Repair, hint_key, repair
from skill.core.household import MAX_NAMES
from skill.core.moments import Moment, moment_at, part_of_day
from skill.core.replies import compose_starter
from skill.core.starters import Starter
from skill.service.checkin_flows import (
    continue_checkin,
    live_checkin,
    resume_checkin,
    start_checkin,
)
from skill.service.visit import Reply, Visit

__all__ = [
    "SHIFTS",
    "THEN",
    "change_favourite",
    "done",
    "fallback",
    "favourite_list",
    "follow_up",
    "goodbye",
    "help_for",
    "launch",
    "new_starter",
    "next_one",
    "play_favourites",
    "repeat",
    "set_audience",
    "set_names",
    "set_phone_reminder",
    "speak_starter",
    "spoken_list",
    "start_over",
    "yes",
]

_NAME = re.compile(r"^[^\W\d_][^\W\d_' -]{0,23}$")
#: What a second request in one breath can ask for ("save that and give us another").
SHIFTS = {"starter": 0, "deeper": +1, "lighter": -1}
THEN = (*SHIFTS, "checkin")


def spoken_list(items: Sequence[str]) -> str:
    """ "Sam and Alex", "Tom, Aisha and Ben"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def starter_facts(starter: Starter) -> dict[str, Any]:
    return {
        "id": starter.id,
        "text": starter.text,
        "moment": starter.moment.value,
        "depth": starter.depth,
        "audience": starter.audience,
        "theme": starter.theme,
    }


def first_speaker(visit: Visit, turn: StarterTurn) -> str | None:
    names = visit.household.names
    return names[turn.speaker % len(names)] if len(names) >= 2 else None


# ----------------------------------------------------------------------------- starters


def speak_starter(visit: Visit, turn: StarterTurn, *, lead: Sequence[str] = ()) -> Reply:
    """Say a starter; the turn ends there, so the two of them talk, not the speaker.

    `lead` is what the turn answers first ("Saved.", "Welcome back."), said before it.
    """
    reply = _starter_reply(visit, turn, lead)
    visit.household.count_starter(visit.local_now().date().isoformat(), visit.device)
    visit.save()
    reply.facts["favourite"] = turn.favourite
    return reply


def _starter_reply(visit: Visit, turn: StarterTurn, lead: Sequence[str] = ()) -> Reply:
    composed = compose_starter(turn, visit.household, visit.phrases, visit.rng, lead=lead)
    return Reply(
        composed.sentences,
        card=(composed.card_title, composed.card_text),
        starter=turn.starter,
        facts={
            "starter": starter_facts(turn.starter),
            "first_speaker": first_speaker(visit, turn),
        },
    )


def new_starter(
    visit: Visit,
    *,
    moment: Moment | None = None,
    depth: int | None = None,
    shift: int = 0,
    lead: Sequence[str] = (),
) -> Reply:
    """The next starter: a named moment or depth wins over the clock and the conversation;
    `shift` goes one step deeper (+1) or lighter (-1), within 1 to 3."""
    turn = talk.next_starter(
        visit.household,
        visit.services.library,
        now=visit.now,
        local_moment=moment_at(visit.local_now()),
        rng=visit.rng,
        moment=moment,
        depth=depth,
        shift=shift,
    )
    return speak_starter(visit, turn, lead=lead)


def start_over(visit: Visit) -> Reply:
    """A fresh conversation: light again, moment from the clock."""
    visit.household.conversation = None
    return new_starter(visit)


def repeat(visit: Visit) -> Reply:
    """The starter in progress again, word for word. Writes nothing."""
    turn = talk.repeat_starter(visit.household, visit.services.library, now=visit.now)
    if turn is None:
        visit.offer(Offer.STARTER)
        return Reply(
            [visit.line("nothing_to_repeat")],
            reprompt=visit.line("nothing_to_repeat_reprompt"),
            facts={"starter": None},
        )
    return _starter_reply(visit, turn)


def follow_up(visit: Visit, then: str, lead: Sequence[str]) -> Reply:
    """The second request in one breath ("save that and give us another", "we're done,
    something deeper"), after saying `lead` (what the first one did)."""
    if then == "checkin":
        return start_checkin(visit, lead=lead)
    return new_starter(visit, shift=SHIFTS[then], lead=lead)


# ----------------------------------------------------------------------------- favourites


def change_favourite(visit: Visit, change: FavouriteChange, *, then: str | None = None) -> Reply:
    """ "Save that one" and "remove that one": change the favourites, say what happened
    (the first save also says how to hear them again), then any second request.

    Said only once the store has it: "saved" must mean stored, and "already saved",
    "full" or "nothing to save" only about what the store holds.
    """
    household = visit.household
    result, starter = change(household, visit.services.library, now=visit.now)
    changed = result in (FavouriteResult.SAVED, FavouriteResult.REMOVED)
    key = f"favourite_{result}"
    if result is FavouriteResult.SAVED and not household.favourites_taught and not then:
        household.favourites_taught = True
        key = "favourite_saved_first"
    stored = visit.save()
    if not stored:
        key = "not_saved"
    elif then and changed:
        key = "after_save" if result is FavouriteResult.SAVED else "after_remove"
    facts = {
        "result": result.value,
        "saved": stored,
        "starter": starter_facts(starter) if starter else None,
        "favourites": len(household.favourites) if stored else None,
    }
    if then and changed:
        reply = follow_up(visit, then, [visit.line(key)])
        reply.facts = {**facts, "then": reply.facts}
        return reply
    return Reply([visit.line(key)], facts=facts)


def play_favourites(visit: Visit) -> Reply:
    """The first saved favourite, starting a run that "next" moves through. The run opens
    with how many there are: "how many favorites do we have" lands here too."""
    turn = talk.play_favourites(visit.household, visit.services.library, now=visit.now)
    if turn is None:
        visit.save()
        key = "no_favourites" if visit.remembered else "out_of_reach"
        return Reply([visit.line(key)], facts={"starter": None, "favourites": 0})
    count = len(favourite_list(visit))
    reply = speak_starter(visit, turn, lead=[favourites_count_line(visit, count)])
    reply.facts["favourites"] = count
    return reply


def favourites_count_line(visit: Visit, count: int) -> str:
    """ "You have three favorites saved." (count above zero)."""
    if count == 1:
        return visit.line("favourites_count_one")
    return visit.line("favourites_count_many", n=count)


def favourite_list(visit: Visit) -> list[Starter]:
    """The household's saved favourites, oldest first (retired ones too: their words stay)."""
    library = visit.services.library
    return [s for s in map(library.get, visit.household.favourites) if s is not None]


# ----------------------------------------------------------------------------- settings


def confirm_setting(
    visit: Visit, key: str, then: str | None, *, also: Sequence[str] = (), **values: str
) -> Reply:
    """Say `key` (and the keys in `also`) once the store has the change, else that it could
    not be saved; then the second request, or the offer of a starter."""
    saved = visit.save()
    said = (
        [visit.line(key, **values), *map(visit.line, also)] if saved else [visit.line("not_saved")]
    )
    if then:
        reply = follow_up(visit, then, said)
        reply.facts = {"saved": saved, "then": reply.facts}
        return reply
    visit.offer(Offer.STARTER)
    return Reply(
        [*said, visit.line("after_action")],
        reprompt=visit.line("after_action_reprompt"),
        facts={"saved": saved},
    )


def set_audience(visit: Visit, audience: str | None, *, then: str | None = None) -> Reply:
    """ "We're friends" or "we're a couple": which starters the household may get."""
    if audience not in ("partners", "friends"):
        return Reply(
            [visit.line("audience_unclear")],
            reprompt=visit.line("audience_reprompt"),
            facts={"saved": False},
        )
    visit.household.audience = audience
    return confirm_setting(visit, f"audience_{audience}", then)


def set_names(
    visit: Visit,
    heard: Sequence[str | None],
    *,
    then: str | None = None,
    audience: str | None = None,
) -> Reply:
    """ "We're Sam and Alex" (or three or four names): the skill says who goes first, by
    name, taking turns through everyone. One name heard is greeted, not dropped silently.
    Said with who they are ("it's Jess and Priya, we're mates"), that is kept too."""
    clean = list(dict.fromkeys(n.strip().title() for n in heard if n and _NAME.match(n.strip())))
    if len(clean) == 1:
        return Reply(
            [visit.line("names_one", first=clean[0])],
            reprompt=visit.line("names_reprompt"),
            facts={"saved": False, "names": clean},
        )
    if not clean:
        return Reply(
            [visit.line("names_unclear")],
            reprompt=visit.line("names_reprompt"),
            facts={"saved": False, "names": []},
        )
    household = visit.household
    household.names = clean[:MAX_NAMES]
    household.next_speaker = 0
    also = []
    if audience in ("partners", "friends"):
        household.audience = audience
        also.append(f"names_audience_{audience}")
    key = "names_saved" if len(clean) == 2 else "names_saved_group"
    reply = confirm_setting(visit, key, then, also=also, names=spoken_list(household.names))
    reply.facts["names"] = list(household.names)
    return reply


def set_phone_reminder(visit: Visit, on: bool, *, then: str | None = None) -> Reply:
    """Turn the phones-down invitation off or back on."""
    visit.household.phone_reminder = on
    return confirm_setting(visit, "phone_reminder_on" if on else "phone_reminder_off", then)


# ----------------------------------------------------------------------------- routing


def launch(visit: Visit) -> Reply:
    """ "Open Heart to Heart". Within a few hours of the last turn it goes on where they
    were (the next starter, or the check-in's next step) with one line of context, so no
    flow needs a one-shot; otherwise it greets by the time of day and offers a starter
    (and, in the evening, the check-in)."""
    if live_checkin(visit) is not None:
        return resume_checkin(visit)
    if talk.resumable(visit.household, visit.now):
        return new_starter(visit, lead=[visit.line("welcome_back_next")])
    local = visit.local_now()  # before the save: it may look up the device's time zone
    visit.save()
    visit.offer(Offer.STARTER)
    # The offer names the check-in in the evening; its daytime twin does not.
    return Reply(
        [visit.line(f"greeting_{part_of_day(local)}"), visit.line("launch_offer")],
        reprompt=visit.line("launch_reprompt"),
    )


def next_one(visit: Visit) -> Reply:
    """ "Next", "skip", "we're ready": the next check-in step while one is in progress, else
    the next starter of the conversation (or the next favourite)."""
    if live_checkin(visit) is not None:
        return continue_checkin(visit)
    return new_starter(visit)


def done(visit: Visit, *, then: str | None = None) -> Reply:
    """ "We're done": in a check-in, on to the next step (goodbye is only for "stop" or
    "goodnight"); after a starter, the second request if they made one, else the offer of
    another or a goodnight."""
    if live_checkin(visit) is not None:
        return continue_checkin(visit)
    if then:
        return follow_up(visit, then, [])
    visit.offer(Offer.ANOTHER)
    return Reply([visit.line("done_offer")], reprompt=visit.line("done_offer_reprompt"))


#: The depth of the question the check-in's close offers, by what it offered.
_OFFERED_DEPTH: dict[str | None, int] = {Offer.DEEP: 2, Offer.LIGHT: 1}


def _offered_starter(visit: Visit, offer: str | None, *, lead: Sequence[str] = ()) -> Reply:
    """The starter that taking up `offer` gets: after a check-in's close, the deeper or
    easier question it offered (for bedtime in the evening, for the clock's moment in the
    daytime); after any other offer, the next one."""
    depth = _OFFERED_DEPTH.get(offer)
    if depth is None:
        return new_starter(visit, lead=lead)
    moment = None if visit.daytime else Moment.BEDTIME
    return new_starter(visit, moment=moment, depth=depth, lead=lead)


def yes(visit: Visit) -> Reply:
    """Yes to whatever the skill just offered; with no offer, "go on": the check-in's next
    step while one is in progress ("ok" to "say next when you're both done"), else a
    starter. (A door that offers the nightly reminder answers that yes itself.)"""
    offer = visit.offered
    if offer == Offer.CHECKIN:
        return start_checkin(visit)
    if offer is None:
        return next_one(visit)
    return _offered_starter(visit, offer)


def help_for(visit: Visit) -> Reply:
    """Help about the step they are on, in one breath, ending on something to do."""
    checkin = live_checkin(visit)
    if checkin is not None:
        if checkin.step in (Step.RATE_FIRST, Step.RATE_SECOND):
            visit.listen_for_rating()
            return Reply(
                [visit.line("help_checkin_rating")],
                reprompt=visit.line("checkin_rate_first_reprompt"),
            )
        visit.offer(Offer.CHECKIN)
        return Reply(
            [visit.line("help_checkin_step")], reprompt=visit.line("help_checkin_reprompt")
        )
    visit.offer(Offer.STARTER)
    in_conversation = visit.household.live_conversation(visit.now) is not None
    key = "help_conversation" if in_conversation else "help_start"
    return Reply([visit.line(key)], reprompt=visit.line("help_reprompt"))


def goodbye(visit: Visit, *, goodnight: bool = False, no: bool = False) -> Reply:
    """Stop, cancel, no, "goodnight": one warm line and the conversation ends. Goodnight
    in a check-in finishes it; no to the reminder declines it."""
    if goodnight and live_checkin(visit):
        visit.household.finish_checkin()
        visit.save()
        return Reply([visit.line("checkin_done_goodnight")])
    if no and visit.offered == Offer.REMINDER:
        visit.household.pending_reminder = None
        visit.save()
        return Reply([visit.line("reminder_declined")])
    return Reply([visit.line("goodbye")])


def fallback(visit: Visit) -> Reply:
    """A line the grammar could not place (or an intent this version does not know): help,
    not an apology. What to do is decided in `skill.core.dialogue.repair`."""
    offer = visit.offered
    misses = visit.misses
    checkin_live = live_checkin(visit) is not None
    action = repair(
        offer=offer, misses=misses, new_session=visit.new_session, checkin_live=checkin_live
    )
    if action is Repair.STARTER:
        visit.misses = 0
        talking = visit.household.live_conversation(visit.now)
        lead = "repair_starter_more" if talking and talking.count else "repair_starter"
        return _offered_starter(visit, offer, lead=[visit.line(lead)])
    if action is Repair.CHECKIN:
        visit.misses = 0
        return start_checkin(visit)
    if action is Repair.CLOSE:
        return Reply([visit.line("fallback_close")])
    visit.misses = misses + 1
    if offer is not None:
        visit.offer(offer)  # a hint keeps the offer open
    key = hint_key(offer=offer, misses=misses, checkin_live=checkin_live)
    reprompt = (
        "checkin_offer_reprompt"
        if offer == Offer.REMINDER
        else "help_checkin_reprompt"
        if checkin_live
        else "fallback_reprompt"
    )
    return Reply([visit.line(key)], reprompt=visit.line(reprompt))
