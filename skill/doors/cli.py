"""The `heart-to-heart` command: serve, chat, starters, export, forget, models."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from skill.logs import configure_logging

if TYPE_CHECKING:
    from skill.storage import HouseholdStore

__all__ = ["main"]

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}

T = TypeVar("T")


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


def fail(message: str) -> SystemExit:
    """One line on stderr and exit status 2: how every command reports what stops it."""
    print(f"error: {message}", file=sys.stderr)
    return SystemExit(2)


def store_or_exit(url: str | None) -> HouseholdStore:
    """A store that works (created if missing, then read, written and deleted once), or a
    one-line error and exit status 2."""
    from skill.doors.wiring import ready_household_store
    from skill.storage import StoreUnavailable, describe_error

    try:
        store = ready_household_store(url)
    except ValueError as error:
        raise fail(str(error)) from None
    except Exception as error:
        raise fail(f"cannot open the store: {describe_error(error)}") from None
    try:
        store.check()
    except StoreUnavailable as error:
        raise fail(f"the store {store!r} cannot be used: {error}") from None
    return store


def existing_store_or_exit(url: str | None) -> HouseholdStore | None:
    """The store as it is, for commands that only look or delete: nothing is created (no
    file, no directory, no table). None when there is no store at all."""
    from skill.doors.wiring import open_household_store
    from skill.storage import SqliteStore

    try:
        store = open_household_store(url)
    except ValueError as error:
        raise fail(str(error)) from None
    if isinstance(store, SqliteStore) and not store.path.is_file():
        return None
    return store


def on_the_store(action: Callable[[], T], store: HouseholdStore) -> T:
    """Run an operator command against the store; a store error is one line, exit 2."""
    from skill.storage import describe_error

    try:
        return action()
    except Exception as error:
        raise fail(f"the store {store!r} failed: {describe_error(error)}") from None


def cmd_serve(args: argparse.Namespace) -> int:
    from skill.doors.server import serve

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
    from skill.doors.wiring import alexa_skill, record_schema
    from skill.language.models import LOCALES
    from skill.service import SkillServices
    from skill.tools.chat import ChatSession

    if args.locale not in LOCALES:
        print(
            f"error: no voice model for {args.locale!r}; the skill speaks {', '.join(LOCALES)}",
            file=sys.stderr,
        )
        return 2
    store = store_or_exit(args.store)
    services = SkillServices(time_zone_override=_time_zone(args), record_schema=record_schema())
    skill = alexa_skill(store, services)
    interactive = sys.stdin.isatty()
    if interactive:
        print('Type what you would say, e.g. "open heart to heart". "quit" leaves.')
    chat = ChatSession(skill, user_id=args.user, locale=args.locale)
    try:
        chat.run(_stdin_lines(interactive), sys.stdout)
    except KeyboardInterrupt:
        print()
    return 0


def cmd_wyoming(args: argparse.Namespace) -> int:
    """Home Assistant Assist: the Wyoming protocol, as a conversation handler."""
    import asyncio
    from urllib.parse import urlparse

    from skill.doors.wiring import assist_conversations
    from skill.doors.wyoming import serve

    uri = urlparse(args.uri)
    try:
        port = uri.port
    except ValueError:
        port = None
    if uri.scheme != "tcp" or not uri.hostname or port is None:
        raise fail(f"--uri must look like tcp://HOST:PORT, not {args.uri!r}")
    store = store_or_exit(args.store)
    conversations = assist_conversations(
        store, household=args.household, time_zone=_time_zone(args)
    )
    print(f"Heart to Heart for Home Assistant on {args.uri}  (store: {store!r})", flush=True)
    try:
        asyncio.run(serve(args.uri, conversations, _version()))
    except OSError as error:
        raise fail(f"cannot listen on {args.uri}: {error.strerror or error}") from None
    except KeyboardInterrupt:
        pass
    return 0


def cmd_mcp(args: argparse.Namespace) -> int:
    """Alexa+ and other MCP clients: the skill's tools over Streamable HTTP."""
    import uvicorn

    from skill.doors.mcp_auth import TokenFileError
    from skill.doors.wiring import mcp_door

    host = f"[{args.host}]" if ":" in args.host else args.host
    public_url = args.public_url or f"http://{host}:{args.port}"
    store = store_or_exit(args.store)
    try:
        app = mcp_door(
            store,
            tokens=args.tokens,
            public_url=public_url,
            host=args.host,
            time_zone=_time_zone(args),
        )
    except TokenFileError as error:
        raise fail(str(error)) from None
    print(f"Heart to Heart MCP on {public_url}/mcp  (store: {store!r})", flush=True)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    except OSError as error:
        raise fail(f"cannot listen on {args.host}:{args.port}: {error.strerror or error}") from None
    return 0


def cmd_starters(args: argparse.Namespace) -> int:
    if args.action == "similar":
        from skill.core.starters import load_library
        from skill.tools.similarity import allowed_pairs, similar_pairs

        allowed = allowed_pairs()
        pairs = similar_pairs(list(load_library()), minimum=args.min)[: args.top]
        for pair in pairs:
            print(pair.describe() + ("\n      (allowed)" if pair.ids in allowed else ""))
        return 0
    if args.action == "check":
        return _check_candidates(args.file)
    if args.action == "sample":
        from skill.core.starters import load_library
        from skill.tools.stats import blind_sample, sample_line

        chosen = blind_sample(load_library(), args.seed, args.count)
        if args.key:
            keys = "".join(f"{number} {s.id}\n" for number, s in enumerate(chosen, 1))
            args.key.write_text(keys, encoding="utf-8")
        for number, starter in enumerate(chosen, 1):
            print(sample_line(number, starter))
        return 0
    from skill.tools.stats import coverage_table, theme_table

    print(coverage_table())
    print()
    print(theme_table())
    return 0


def _check_candidates(path: Path | None) -> int:
    """New writing against the library's rules and the starters it already has: what fails
    here is not worth a reader's time (docs/blind-review.md)."""
    from skill.core.starters import load_library
    from skill.tools.content_rules import CANDIDATE_ECHO, parse_candidate, problems, rationed
    from skill.tools.similarity import nearest

    if path is None:
        raise fail("starters check: name the file of new starters, one per line")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise fail(f"cannot read {path}: {error}") from None
    numbered = [(number, line) for number, line in enumerate(lines, 1) if line.strip()]
    parsed = [(number, parse_candidate(line)) for number, line in numbered]
    candidates = [(number, c) for number, c in parsed if not isinstance(c, str)]
    echoes = iter(nearest([c.text for _, c in candidates], list(load_library())))
    failing = 0
    for number, candidate in parsed:
        if isinstance(candidate, str):
            failing += 1
            print(f"line {number}: {candidate}")
            continue
        found = problems(candidate.text, candidate.moment, candidate.audience)
        found += [f"uses a rationed kind: {kind}" for kind in rationed(candidate.text)]
        starter, score = next(echoes)
        if score >= CANDIDATE_ECHO:
            found.append(f"echoes {starter.id} ({score:.2f}): {starter.text}")
        if found:
            failing += 1
            print(f"line {number}: {candidate.text}\n  - " + "\n  - ".join(found))
    print(f"{len(numbered) - failing} of {len(numbered)} lines keep every rule")
    return 1 if failing else 0


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


def cmd_content(args: argparse.Namespace) -> int:
    from skill.core import compiled

    if args.action == "check":
        problems = compiled.stale()
        for problem in problems:
            print(f"content/compiled/{problem}: run `make content`")
        return 1 if problems else 0

    def check(name: str, files: dict[str, Any]) -> None:
        from skill.core.speech import phrase_lines
        from skill.core.starters import parse_retired, parse_starters

        for file_name, data in files.items():
            if name == "phrases":
                phrase_lines(file_name, data)
            elif name == "retired":
                parse_retired(data, file_name)
            else:
                parse_starters(data, file_name)

    try:
        for path in compiled.build(check=check):
            print(f"wrote {path}")
    except ValueError as error:
        raise fail(f"the content has a problem: {error}") from None
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    import yaml

    from skill.language import coverage, models

    if args.action == "coverage":
        return coverage.run(args.locale or models.LOCALES, show_held_back=args.show_held_back)
    try:
        source = models.load_source()
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise fail(f"cannot read the model source: {error}") from None
    if args.action == "build":
        for path in models.build_all(args.out, source):
            print(f"wrote {path}")
        return 0
    if args.action == "samples":
        return models.print_samples(source, args.locale, args.intent)
    return models.report(source)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit status 2, as before)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {self.prog}: {message} (see `{self.prog} --help`)\n")


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and examples kept as written, and each option's default shown."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or action.default in (None, False, argparse.SUPPRESS):
            return text
        return f"{text} (default: %(default)s)"


STORE_HELP = (
    "where households are kept: sqlite:///relative.db, sqlite:////absolute.db or "
    "dynamodb://TABLE?region=R&endpoint=URL (default: $HEART_TO_HEART_STORE, else "
    "households.db in the user's data directory)"
)


def _command(
    commands: argparse._SubParsersAction,
    name: str,
    summary: str,
    examples: str,
    run: Callable[[argparse.Namespace], int],
) -> argparse.ArgumentParser:
    command = commands.add_parser(
        name,
        help=summary,
        description=f"{summary[0].upper()}{summary[1:]}.",
        epilog=f"example:\n{examples}",
        formatter_class=_HelpFormatter,
    )
    command.set_defaults(run=run)
    return command


def _store_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--store", metavar="URL", help=STORE_HELP)


def _time_zone_option(command: argparse.ArgumentParser, whose: str) -> None:
    command.add_argument(
        "--time-zone", metavar="ZONE", help=f"IANA zone of {whose} (default: this machine's)"
    )


def _time_zone(args: argparse.Namespace) -> str | None:
    """The zone the command was given, else this machine's."""
    return args.time_zone or local_time_zone()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("heart-to-heart")
    except PackageNotFoundError:
        return "unknown (not installed)"


def parser() -> argparse.ArgumentParser:
    from skill.language.models import LOCALES, MODELS_DIR

    root = _Parser(
        prog="heart-to-heart",
        description="Conversation starters and an evening check-in for two, on Alexa.",
        epilog="Run `heart-to-heart COMMAND --help` for a command's options and an example.",
        formatter_class=_HelpFormatter,
    )
    root.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = _command(
        commands,
        "serve",
        "serve the skill to Alexa over HTTP (gunicorn, request signatures checked)",
        "  heart-to-heart serve --host 0.0.0.0 --port 8443 --store dynamodb://households\n"
        "  heart-to-heart serve --dev      # loopback only, no signature checks",
        cmd_serve,
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=5000, help="port to listen on")
    _store_option(serve)
    serve.add_argument(
        "--dev", action="store_true", help="turn request verification off; loopback only"
    )
    serve.add_argument(
        "--workers", type=int, default=None, help="server processes (default: one per core)"
    )

    chat = _command(
        commands,
        "chat",
        "talk to the skill by typing, through the same skill and store a device reaches",
        "  heart-to-heart chat\n"
        "  printf 'open heart to heart\\ngive us a question\\n' | heart-to-heart chat",
        cmd_chat,
    )
    _store_option(chat)
    chat.add_argument("--user", default="amzn1.ask.account.chat-user", help="the household's id")
    chat.add_argument("--locale", default="en-US", choices=LOCALES, help="the device's locale")
    _time_zone_option(chat, "the pretend device")

    wyoming = _command(
        commands,
        "wyoming",
        "serve Home Assistant Assist over the Wyoming protocol, as a conversation agent",
        "  heart-to-heart wyoming --uri tcp://0.0.0.0:10700\n"
        "  heart-to-heart wyoming --uri tcp://127.0.0.1:10700 --store sqlite:////srv/h2h.db",
        cmd_wyoming,
    )
    wyoming.add_argument(
        "--uri", default="tcp://127.0.0.1:10700", help="where to listen: tcp://HOST:PORT"
    )
    _store_option(wyoming)
    wyoming.add_argument(
        "--household",
        default="home",
        help="the name the home's household is kept under (every satellite shares it)",
    )
    _time_zone_option(wyoming, "the home")

    mcp = _command(
        commands,
        "mcp",
        "serve the skill's tools to Alexa+ and other MCP clients (Streamable HTTP, bearer tokens)",
        "  HEART_TO_HEART_MCP_TOKENS=/etc/heart-to-heart/tokens heart-to-heart mcp\n"
        "  heart-to-heart mcp --host 0.0.0.0 --port 8765 --tokens tokens.txt",
        cmd_mcp,
    )
    mcp.add_argument("--host", default="127.0.0.1", help="address to listen on")
    mcp.add_argument("--port", type=int, default=8765, help="port to listen on")
    _store_option(mcp)
    mcp.add_argument(
        "--tokens",
        metavar="FILE",
        help="`USER TOKEN` lines, one household per user (default: $HEART_TO_HEART_MCP_TOKENS)",
    )
    mcp.add_argument(
        "--public-url",
        metavar="URL",
        help="the URL clients reach this server by, behind a proxy (default: http://HOST:PORT)",
    )
    _time_zone_option(mcp, "the households")

    starters = _command(
        commands,
        "starters",
        "show the starter library: its coverage, its themes, and its most alike pairs",
        "  heart-to-heart starters stats\n  heart-to-heart starters similar --top 20\n"
        "  heart-to-heart starters sample --seed 611 --key key.txt > sample.txt\n"
        "  heart-to-heart starters check new.txt",
        cmd_starters,
    )
    starters.add_argument(
        "action",
        choices=["stats", "similar", "sample", "check"],
        help="stats: starters per moment, depth, audience and theme; "
        "similar: the nearest pairs (TF-IDF cosine), most alike first; "
        "sample: starters at random for a blind review (docs/blind-review.md); "
        "check: new starters in FILE against the rules and the library",
    )
    starters.add_argument(
        "file",
        nargs="?",
        type=Path,
        metavar="FILE",
        help="check: one starter a line, labelled as `sample` prints them: "
        "[bedtime, depth 2, for any] Which ...?",
    )
    starters.add_argument(
        "--top", type=int, default=30, metavar="N", help="similar: at most N pairs (default 30)"
    )
    starters.add_argument(
        "--min",
        type=float,
        default=0.4,
        metavar="SCORE",
        help="similar: only pairs scoring at least this (default 0.4; the lint fails at 0.6)",
    )
    starters.add_argument(
        "--seed", type=int, default=0, help="sample: the seed that draws it (print it with scores)"
    )
    starters.add_argument(
        "--count", type=int, default=40, metavar="N", help="sample: how many (default 40)"
    )
    starters.add_argument(
        "--key",
        type=Path,
        metavar="FILE",
        help="sample: write each number's starter id here, for after the scoring",
    )

    for name, run, summary in (
        ("export", cmd_export, "print everything stored about one household, as JSON"),
        ("forget", cmd_forget, "delete everything stored about one household"),
    ):
        command = _command(
            commands,
            name,
            summary,
            f"  heart-to-heart {name} --user amzn1.ask.account.EXAMPLE --store dynamodb://households",
            run,
        )
        command.add_argument("--user", required=True, help="the household's Alexa user id")
        _store_option(command)

    content = _command(
        commands,
        "content",
        "compile the starters and phrases (YAML) into the JSON the skill loads",
        "  heart-to-heart content build\n  heart-to-heart content check",
        cmd_content,
    )
    content.add_argument(
        "action", choices=["build", "check"], help="write the compiled files, or check them"
    )

    models = _command(
        commands,
        "models",
        "build, check or measure the voice models (interaction_models/)",
        "  heart-to-heart models build\n  heart-to-heart models coverage --locale en-GB",
        cmd_models,
    )
    actions = models.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = actions.add_parser(
        "build",
        help="write interaction_models/<locale>.json from the source",
        formatter_class=_HelpFormatter,
    )
    build.add_argument("--out", type=Path, default=MODELS_DIR, help="output directory")
    actions.add_parser("check", help="report model problems and stale committed files")
    samples = actions.add_parser(
        "samples", help="print every expansion of the templates", formatter_class=_HelpFormatter
    )
    samples.add_argument("intent", nargs="?", help="only this intent (default: all)")
    samples.add_argument("--locale", default=LOCALES[0], choices=LOCALES, help="which model")
    coverage = actions.add_parser(
        "coverage",
        help="how much of the natural-speech corpus each locale understands",
        formatter_class=_HelpFormatter,
    )
    coverage.add_argument(
        "--locale", choices=LOCALES, action="append", help="only this locale (repeatable)"
    )
    coverage.add_argument(
        "--show-held-back",
        action="store_true",
        help="also list the held-back lines' misses (spoils them for tuning)",
    )
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    configure_logging("WARNING")
    try:
        return int(args.run(args))
    except BrokenPipeError:
        # Piped into `head`, which stopped reading: not an error. Point stdout at /dev/null
        # so the interpreter's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
