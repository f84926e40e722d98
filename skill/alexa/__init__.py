"""The Alexa adapter: thin ASK SDK handlers over the core, and the skill builder."""

from skill.alexa.builder import build_skill

__all__ = ["build_skill"]
