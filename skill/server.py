"""The production WSGI server (gunicorn) for `heart-to-heart serve`.

Each worker process builds its own skill and store connection after the fork, so no
SQLite handle or HTTP pool is shared between processes.
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn.app.base import BaseApplication

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
) -> None:
    """Serve until interrupted. `verify=False` is dev mode: no signature checks."""
    from skill.alexa import build_skill
    from skill.cli import open_household_store
    from skill.web import create_app

    def factory() -> Any:
        return create_app(build_skill(open_household_store(store_url)), verify=verify)

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
