"""What every door shares between the core and the store: the household through one turn
(read once, saved honestly, held when the store fails) and the services a skill is built on."""

from skill.service.household_turn import HouseholdTurn
from skill.service.pending import PendingRecords
from skill.service.services import LOCALE_TIME_ZONES, SkillServices

__all__ = ["LOCALE_TIME_ZONES", "HouseholdTurn", "PendingRecords", "SkillServices"]
