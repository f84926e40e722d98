"""Logging for every entry point: the level from LOG_LEVEL, and the libraries that would
log request and response bodies (user ids, names, what people said) held at WARNING even
when LOG_LEVEL=DEBUG, so no level of our logs carries them."""

from __future__ import annotations

import logging
import os

__all__ = ["LOG_LEVEL_ENV", "QUIET_LIBRARIES", "configure_logging"]

LOG_LEVEL_ENV = "LOG_LEVEL"
#: Their DEBUG lines carry whole requests and responses (botocore logs DynamoDB items, the
#: ASK SDK and Werkzeug log envelopes and bodies).
QUIET_LIBRARIES = (
    "botocore",
    "boto3",
    "urllib3",
    "s3transfer",
    "ask_sdk_core",
    "ask_sdk_runtime",
    "ask_sdk_model",
    "flask_ask_sdk",
    "werkzeug",
    "hassil",
)


def configure_logging(default: str = "WARNING", *, handler: bool = True) -> None:
    """Set the root level from LOG_LEVEL (an unknown name falls back to `default`, with a
    warning) and cap the chatty libraries. `handler=False` where the platform already
    installed one (Lambda)."""
    wanted = os.environ.get(LOG_LEVEL_ENV, default).strip().upper()
    level = logging.getLevelName(wanted)
    unknown = not isinstance(level, int)
    if unknown:
        level = logging.getLevelName(default)
    if handler:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    if unknown:
        logging.getLogger(__name__).warning(
            "%s=%r is not a log level; using %s", LOG_LEVEL_ENV, wanted, default
        )
