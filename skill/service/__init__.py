"""What every door shares between the core and the store: the household through one turn
(read once, saved honestly, held when the store fails), the services a skill is built on,
and the flows that answer each request (`Visit` in, `Reply` out)."""

from skill.service import checkin_flows, flows
from skill.service.household_turn import HouseholdTurn
from skill.service.pending import PendingRecords
from skill.service.services import LOCALE_TIME_ZONES, SkillServices
from skill.service.visit import ALEXA, ASSIST, MCP, Door, Reply, Visit

__all__ = [
    "ALEXA",
    "ASSIST",
    "LOCALE_TIME_ZONES",
    "MCP",
    "Door",
    "HouseholdTurn",
    "PendingRecords",
    "Reply",
    "SkillServices",
    "Visit",
    "checkin_flows",
    "flows",
]
