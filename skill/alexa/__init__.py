"""ASK SDK adapters: thin handlers over the core, and the skill builder."""

from skill.alexa.builder import build_skill
from skill.alexa.services import SkillServices

__all__ = ["SkillServices", "build_skill"]
