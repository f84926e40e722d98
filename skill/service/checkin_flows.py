"""The evening check-in and the weekly summary, for any door: one `Visit` in, one `Reply`
out. The words come from `skill.core.checkin_replies`; the steps from `skill.core.checkin`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from skill.core import checkin as flow
from skill.core.checkin import StepPrompt
from skill.core.checkin_replies import compose_step
from skill.core.dialogue import Offer
from skill.core.reminders import around, spoken_time
from skill.core.rhythm import week_summary
from skill.service.visit import Reply, Visit

__all__ = [
    "continue_checkin",
    "live_checkin",
    "rate",
    "resume_checkin",
    "speak_step",
    "start_checkin",
    "summarise_week",
]


def live_checkin(visit: Visit) -> flow.CheckIn | None:
    return flow.live_checkin(visit.household.checkin, visit.now)


def checkin_facts(prompt: StepPrompt) -> dict[str, Any]:
    return {
        "checkin": {
            "step": prompt.step.value,
            "plan": prompt.plan.value,
            "ratings": list(prompt.ratings),
            "waiting_for": "rating" if prompt.listen else None,
            "finished": prompt.done,
        }
    }


def speak_step(
    visit: Visit,
    prompt: StepPrompt,
    *,
    opening: bool = False,
    lead: Sequence[str] = (),
) -> Reply:
    """Say a step. The conversation stays open only for a rating or the closing yes/no
    offer.

    At the close of a check-in, on a door that can set reminders, the nightly reminder is
    offered, at most twice, two weeks apart, and never to a household that has one; its
    time is the time of day now.
    """
    household = visit.household
    reminder_at = None
    if prompt.done and visit.door.reminders and household.reminder_offer_due(visit.now):
        at = around(visit.local_now())
        household.pending_reminder = at.strftime("%H:%M")
        household.reminder_offers.append(visit.now)
        reminder_at = spoken_time(at)
    composed = compose_step(
        prompt,
        household,
        visit.phrases,
        visit.rng,
        opening=opening,
        lead=lead,
        reminder_at=reminder_at,
    )
    if prompt.done:
        household.finish_checkin()
    if composed.offer:
        visit.offer(composed.offer)
    if prompt.listen:
        visit.listen_for_rating()
    saved = visit.save()
    facts = checkin_facts(prompt)
    facts["saved"] = saved
    return Reply(composed.sentences, reprompt=composed.reprompt, facts=facts)


def start_checkin(visit: Visit, *, lead: Sequence[str] = ()) -> Reply:
    """A new check-in, or the one in progress picked up again."""
    live = live_checkin(visit)
    if live is not None:
        return speak_step(visit, flow.current(live), lead=[*lead, visit.line("checkin_resume")])
    return speak_step(visit, visit.household.begin_checkin(visit.now), opening=True, lead=lead)


def resume_checkin(visit: Visit) -> Reply:
    """They came back mid check-in: a rating is asked again; after a talking step they
    have talked, so it goes on to the next step."""
    checkin = live_checkin(visit)
    assert checkin is not None
    lead = [visit.line("welcome_back_checkin")]
    if checkin.step in (flow.Step.RATE_FIRST, flow.Step.RATE_SECOND):
        return speak_step(visit, flow.current(checkin), lead=lead)
    return speak_step(visit, flow.advance(checkin, visit.now), lead=lead)


def continue_checkin(visit: Visit) -> Reply:
    """ "Next", "skip" or "we're done" inside a check-in: on to the following step."""
    checkin = live_checkin(visit)
    assert checkin is not None
    return speak_step(visit, flow.advance(checkin, visit.now))


def rate(visit: Visit, spoken: str | None, other: str | None = None) -> Reply:
    """A rating from one to five (digits, as Alexa fills the slot), heard only while the
    check-in asks for one; hedged and odd numbers are read kindly
    (`skill.core.checkin.read_rating`)."""
    checkin = live_checkin(visit)
    if checkin is None or checkin.step not in (flow.Step.RATE_FIRST, flow.Step.RATE_SECOND):
        return Reply(
            [visit.line("checkin_not_now")],
            reprompt=visit.line("help_reprompt"),
            facts={"checkin": None},
        )
    prompt = flow.rate(checkin, flow.read_rating(spoken, other), visit.now)
    return speak_step(visit, prompt)


def summarise_week(visit: Visit, *, then_checkin: bool = False) -> Reply:
    """ "How are we doing this week?": acknowledgement, never a score or a streak."""
    phrases, rng = visit.phrases, visit.rng
    summary = week_summary(visit.household, visit.local_now())
    visit.save()
    if not visit.remembered:
        # A summary of what could not be read would be made up.
        return Reply([visit.line("out_of_reach")], facts={"week": None})
    facts: dict[str, Any] = {
        "week": {
            "checkins": summary.checkins,
            "starters": summary.starters,
            "in_step": summary.in_step,
        }
    }
    if summary.empty:
        sentences = [visit.line("week_empty")]
    else:

        def count(kind: str, n: int) -> str:
            size = "zero" if n == 0 else "one" if n == 1 else "many"
            return phrases.line(f"count_{kind}_{size}", rng, n=n)

        sentences = [
            visit.line(
                "week_summary",
                checkins=count("checkins", summary.checkins),
                starters=count("starters", summary.starters),
            )
        ]
        if summary.in_step is True:
            sentences.append(visit.line("week_in_step"))
        elif summary.in_step is False:
            sentences.append(visit.line("week_met_differences"))
    if then_checkin:
        # "How was our week, then let's check in": offer it, and wait for the answer.
        visit.offer(Offer.CHECKIN)
        sentences.append(visit.line("checkin_offer_now"))
        return Reply(sentences, reprompt=visit.line("yes_no_reprompt"), facts=facts)
    return Reply(sentences, facts=facts)
