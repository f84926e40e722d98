"""The production WSGI server (gunicorn) for `heart-to-heart serve`.

Each worker process builds its own skill and store connection after the fork, so no
SQLite handle or HTTP pool is shared between processes.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from gunicorn.app.base import BaseApplication

if TYPE_CHECKING:
    from ask_sdk_webservice_support.verifier import AbstractVerifier

__all__ = ["serve"]


class _Server(BaseApplication):
    def __init__(self, factory: Any, options: dict[str, Any]) -> None:
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.factory()


def serve(
    store_url: str | None,
    *,
    host: str,
    port: int,
    verify: bool,
    workers: int | None = None,
    threads: int = 4,
    verifier: AbstractVerifier | None = None,
) -> None:
    """Serve until interrupted. `verify=False` is dev mode: no signature checks.

    `verifier` replaces the default `AlexaRequestVerifier` (the load harness passes one
    that trusts its private certificate authority). `HEART_TO_HEART_SKILL_ID`, when set,
    is checked by the verifier as well as by the skill.
    """
    from skill.alexa import build_skill
    from skill.alexa.builder import SKILL_ID_ENV
    from skill.cli import open_household_store
    from skill.web import create_app

    skill_id = os.environ.get(SKILL_ID_ENV) or None

    def factory() -> Any:
        skill = build_skill(open_household_store(store_url), skill_id=skill_id)
        return create_app(skill, verify=verify, skill_id=skill_id, verifier=verifier)

    _Server(
        factory,
        {
            "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "workers": workers or (os.cpu_count() or 1),
            "threads": threads,
            "worker_class": "gthread",
            "timeout": 30,
            "graceful_timeout": 5,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
        },
    ).run()
