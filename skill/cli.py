"""The `heart-to-heart` command: serve, chat, starters, export, forget, models."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from collections.abc import Callable, Iterator, Sequence

from skill.logs import configure_logging

__all__ = ["main"]

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def local_time_zone() -> str | None:
    """This machine's IANA zone name, for the chat console (a typed session has no device)."""
    name = os.environ.get("TZ", "").lstrip(":")
    if name and "/" in name:
        return name
    try:
        target = os.path.realpath("/etc/localtime")
    except OSError:
        return None
    marker = "zoneinfo/"
    return target.split(marker, 1)[1] if marker in target else None


def open_household_store(url: str | None):
    from skill.core.household import merge
    from skill.storage import open_store

    store = open_store(url, merge=merge)
    ensure = getattr(store, "ensure_table", None)
    if ensure is not None:
        ensure()
    return store


def fail(message: str) -> SystemExit:
    """One line on stderr and exit status 2: how every command reports what stops it."""
    print(f"error: {message}", file=sys.stderr)
    return SystemExit(2)


def store_or_exit(url: str | None):
    """A store that works (created if missing, then read, written and deleted once), or a
    one-line error and exit status 2."""
    from skill.storage import StoreUnavailable, describe_error

    try:
        store = open_household_store(url)
    except ValueError as error:
        raise fail(str(error)) from None
    except Exception as error:
        raise fail(f"cannot open the store: {describe_error(error)}") from None
    try:
        store.check()
    except StoreUnavailable as error:
        raise fail(f"the store {store!r} cannot be used: {error}") from None
    return store


def existing_store_or_exit(url: str | None):
    """The store as it is, for commands that only look or delete: nothing is created (no
    file, no directory, no table). None when there is no store at all."""
    from skill.core.household import merge
    from skill.storage import SqliteStore, open_store

    try:
        store = open_store(url, merge=merge)
    except ValueError as error:
        raise fail(str(error)) from None
    if isinstance(store, SqliteStore) and not store.path.is_file():
        return None
    return store


def on_the_store(action: Callable[[], int], store: object) -> int:
    """Run an operator command against the store; a store error is one line, exit 2."""
    from skill.storage import describe_error

    try:
        return action()
    except Exception as error:
        raise fail(f"the store {store!r} failed: {describe_error(error)}") from None


def cmd_serve(args: argparse.Namespace) -> int:
    from skill.server import serve

    if args.dev and not is_loopback(args.host):
        print(
            f"error: --dev turns request verification off, so it only serves loopback; "
            f"refusing host {args.host!r}",
            file=sys.stderr,
        )
        return 2
    # Opened here only to fail fast on a bad URL and create the table or file; each server
    # worker opens its own after the fork, so no database handle crosses processes.
    store = store_or_exit(args.store)
    description = repr(store)
    close = getattr(store, "close", None)
    if close is not None:
        close()
    if args.dev:
        banner = "!" * 72
        print(
            f"{banner}\n  DEV MODE: Alexa request signature and timestamp verification are OFF.\n"
            f"  Serving only on {args.host}:{args.port}. Never expose this to a network.\n"
            f"{banner}",
            file=sys.stderr,
            flush=True,
        )
    print(f"Heart to Heart on http://{args.host}:{args.port}/  (store: {description})", flush=True)
    serve(args.store, host=args.host, port=args.port, verify=not args.dev, workers=args.workers)
    return 0


def _stdin_lines(interactive: bool) -> Iterator[str]:
    if not interactive:
        yield from sys.stdin
        return
    while True:
        try:
            yield input("You: ")
        except EOFError:
            return


def cmd_chat(args: argparse.Namespace) -> int:
    from skill.alexa import SkillServices, build_skill
    from skill.chat import ChatSession
    from skill.models import LOCALES

    if args.locale not in LOCALES:
        print(
            f"error: no voice model for {args.locale!r}; the skill speaks {', '.join(LOCALES)}",
            file=sys.stderr,
        )
        return 2
    store = store_or_exit(args.store)
    services = SkillServices(time_zone_override=args.time_zone or local_time_zone())
    skill = build_skill(store, services)
    interactive = sys.stdin.isatty()
    if interactive:
        print('Type what you would say, e.g. "open heart to heart". "quit" leaves.')
    chat = ChatSession(skill, user_id=args.user, locale=args.locale)
    try:
        chat.run(_stdin_lines(interactive), sys.stdout)
    except KeyboardInterrupt:
        print()
    return 0


def cmd_starters(args: argparse.Namespace) -> int:
    from skill.core.stats import coverage_table

    print(coverage_table())
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """The household's record as JSON on stdout: everything the skill keeps about it."""
    import json

    store = existing_store_or_exit(args.store)
    record = on_the_store(lambda: store.get(args.user), store) if store else None
    if record is None:
        print("no household is stored under that user id", file=sys.stderr)
        return 1
    record.pop("_version", None)
    print(json.dumps(record, indent=2, sort_keys=True))
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    """Delete the household's record: what an operator runs when someone asks to be forgotten."""
    store = existing_store_or_exit(args.store)
    if store is None:
        print("nothing was stored under that user id")
        return 0

    def forget() -> int:
        existed = store.get(args.user) is not None
        store.delete(args.user)  # even when nothing is stored: a held turn must not come back
        print("forgotten" if existed else "nothing was stored under that user id")
        return 0

    return on_the_store(forget, store)


def cmd_models(args: argparse.Namespace) -> int:
    from skill import models

    return models.main(args.models_args)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="heart-to-heart",
        description="Conversation starters and an evening check-in for two, on Alexa.",
    )
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the skill as a web service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--store", help="store URL (default: HEART_TO_HEART_STORE or a local file)")
    serve.add_argument("--dev", action="store_true", help="no request verification; loopback only")
    serve.add_argument(
        "--workers", type=int, default=None, help="server processes (default: cores)"
    )
    serve.set_defaults(run=cmd_serve)

    chat = commands.add_parser("chat", help="talk to the skill by typing")
    chat.add_argument("--store", help="store URL (default: HEART_TO_HEART_STORE or a local file)")
    chat.add_argument("--user", default="amzn1.ask.account.chat-user", help="the household's id")
    chat.add_argument("--locale", default="en-US")
    chat.add_argument("--time-zone", help="IANA zone of the pretend device (default: this machine)")
    chat.set_defaults(run=cmd_chat)

    starters = commands.add_parser("starters", help="the starter library")
    starters.add_argument("action", choices=["stats"])
    starters.set_defaults(run=cmd_starters)

    for name, run, text in (
        ("export", cmd_export, "print a household's stored record as JSON"),
        ("forget", cmd_forget, "delete a household's stored record"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--user", required=True, help="the household's Alexa user id")
        command.add_argument(
            "--store", help="store URL (default: HEART_TO_HEART_STORE or a local file)"
        )
        command.set_defaults(run=run)

    models = commands.add_parser("models", help="build or check the voice models")
    models.add_argument("models_args", nargs=argparse.REMAINDER)
    models.set_defaults(run=cmd_models)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    configure_logging("WARNING")
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
