"""The MCP door: the skill as tools for Alexa+ and other MCP clients, over Streamable HTTP.

An MCP client (Alexa+ through its MCP toolkit, a desktop assistant) understands the people
itself and calls a tool; each tool runs the same flow the Alexa skill runs
(`skill.service.flows`) on the same store and content, and answers with the words to say
(`say`, also the result's text) and the facts behind them (the starter, who goes first,
whether it was saved, the check-in's step), so the client can word it its own way.

Every call needs a bearer token (`skill.doors.mcp_auth`); the household is the token's
user. "Saved" is only ever said, and `saved` only true, when the store has it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated, Any, Literal

import anyio.to_thread
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse

from skill.core import conversation as talk
from skill.core.moments import Moment
from skill.service import MCP, HouseholdTurn, Reply, SkillServices, Visit, checkin_flows, flows

__all__ = ["HouseholdTools", "build_server", "mcp_app"]

MAX_REMEMBERED_USERS = 10_000

MomentName = Literal["bedtime", "brunch", "dinner", "morning", "anytime"]
Depth = Annotated[int, Field(ge=1, le=3, description="1 light, 2 deeper, 3 vulnerable")]
Audience = Literal["partners", "friends"]
Rating = Annotated[
    int,
    Field(ge=0, le=10, description="how much closeness tonight, 1 (some space) to 5 (a lot)"),
]
Names = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=24)]],
    Field(min_length=1, max_length=4, description="first names, as said: ['Sam', 'Alex']"),
]


class NotSignedIn(Exception):
    pass


class HouseholdTools:
    """The flows behind the tools, for one authenticated user at a time.

    Each user keeps a little memory between calls (the wording said last, so lines vary;
    what was just offered); their calls are taken in turn.
    """

    def __init__(self, services: SkillServices) -> None:
        self.services = services
        self._memory: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def _held(self, user: str) -> tuple[dict[str, Any], threading.Lock]:
        with self._lock:
            memory = self._memory.pop(user, None) or {}
            self._memory[user] = memory
            while len(self._memory) > MAX_REMEMBERED_USERS:
                gone, _ = self._memory.popitem(last=False)
                self._locks.pop(gone, None)
            return memory, self._locks.setdefault(user, threading.Lock())

    def run(self, user: str, flow: Callable[[Visit], Reply]) -> Reply:
        memory, lock = self._held(user)
        with lock:
            offered = memory.pop("offer", None)
            memory.pop("awaiting", None)
            visit = Visit(
                HouseholdTurn(f"mcp:{user}", self.services, self.services.clock()),
                door=MCP,
                memory=memory,
                offered=offered if isinstance(offered, str) else None,
                new_session=False,
                device="mcp",
            )
            return flow(visit)


def _result(reply: Reply) -> CallToolResult:
    text = reply.text
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content={"say": text, "waiting_for_answer": reply.listening, **reply.facts},
    )


def _list_favourites(visit: Visit) -> Reply:
    starters = flows.favourite_list(visit)
    if not starters:
        key = "no_favourites" if visit.remembered else "out_of_reach"
        return Reply([visit.line(key)], facts={"favourites": []})
    line = flows.favourites_count_line(visit, len(starters))
    return Reply([line], facts={"favourites": [flows.starter_facts(s) for s in starters]})


def _next_step(visit: Visit) -> Reply:
    if checkin_flows.live_checkin(visit) is None:
        return Reply([visit.line("checkin_none")], facts={"checkin": None})
    return checkin_flows.continue_checkin(visit)


def _starter(
    moment: MomentName | None, depth: int | None, audience: str | None
) -> Callable[[Visit], Reply]:
    def flow(visit: Visit) -> Reply:
        if audience is not None:
            visit.household.audience = audience
        return flows.new_starter(visit, moment=Moment(moment) if moment else None, depth=depth)

    return flow


def build_server(
    tools: HouseholdTools, *, token_verifier: TokenVerifier, auth: AuthSettings
) -> MCPServer:
    """The MCP server with every tool; each call is answered for the token's user."""
    server = MCPServer(
        name="heart-to-heart",
        title="Heart to Heart",
        instructions=(
            "Conversation starters and an evening check-in for two people who want to feel "
            "closer. Say the `say` text of each result as it is: the starter itself is never "
            "paraphrased, and whoever is named goes first. After a starter, let them talk."
        ),
        token_verifier=token_verifier,
        auth=auth,
    )

    async def call(flow: Callable[[Visit], Reply]) -> CallToolResult:
        token = get_access_token()
        user = token.subject or token.client_id if token is not None else None
        if not user:
            raise NotSignedIn("this tool needs a signed-in household")
        reply = await anyio.to_thread.run_sync(tools.run, user, flow)
        return _result(reply)

    def tool(name: str, description: str, *, read_only: bool = False) -> Callable[[Any], Any]:
        annotations = ToolAnnotations(read_only_hint=read_only, open_world_hint=False)
        return server.tool(name=name, description=description, annotations=annotations)

    @tool(
        "get_starter",
        "Use when they ask for a conversation starter (a question to talk about), for a "
        "moment (bedtime, brunch, dinner, morning) or a depth (1 light, 2 deeper, 3 "
        "vulnerable), or say whether they are partners or friends. Gives a new starter they "
        "have not heard, and who answers first.",
    )
    async def get_starter(
        moment: MomentName | None = None,
        depth: Depth | None = None,
        audience: Audience | None = None,
    ) -> CallToolResult:
        return await call(_starter(moment, depth, audience))

    @tool(
        "next_starter",
        "Use when they want another one: 'next', 'another one'. Continues the conversation "
        "at the same moment and depth (or the next favourite while playing favourites).",
    )
    async def next_starter() -> CallToolResult:
        return await call(flows.new_starter)

    @tool("go_deeper", "Use when they want the next starter to go deeper (one step, up to 3).")
    async def go_deeper() -> CallToolResult:
        return await call(lambda visit: flows.new_starter(visit, shift=+1))

    @tool("go_lighter", "Use when they want something lighter (one step down, to 1).")
    async def go_lighter() -> CallToolResult:
        return await call(lambda visit: flows.new_starter(visit, shift=-1))

    @tool(
        "save_favourite",
        "Use when they like the starter they just heard: 'save that one'. `saved` is true "
        "only when it is stored.",
    )
    async def save_favourite() -> CallToolResult:
        return await call(lambda visit: flows.change_favourite(visit, talk.save_favourite))

    @tool(
        "list_favourites",
        "Use when they ask what they have saved. Lists the saved starters with their ids.",
        read_only=True,
    )
    async def list_favourites() -> CallToolResult:
        return await call(_list_favourites)

    @tool(
        "remove_favourite",
        "Use when they want a saved starter gone: without `starter_id`, the one they just "
        "heard; with it, that one (ids come from list_favourites).",
    )
    async def remove_favourite(
        starter_id: Annotated[str, Field(max_length=40)] | None = None,
    ) -> CallToolResult:
        def change(household: Any, library: Any, *, now: float) -> Any:
            return talk.remove_favourite(household, library, now=now, starter_id=starter_id)

        return await call(lambda visit: flows.change_favourite(visit, change))

    @tool(
        "start_checkin",
        "Use when they want their evening check-in. It asks each of them, in turn, how "
        "much closeness they want tonight (1 to 5); then call give_rating with each answer.",
    )
    async def start_checkin() -> CallToolResult:
        return await call(checkin_flows.start_checkin)

    @tool(
        "give_rating",
        "Use during a check-in when one of them answers the 1-to-5 question; call once per "
        "person. Numbers above 5 count as 5, 0 as 1.",
    )
    async def give_rating(rating: Rating) -> CallToolResult:
        return await call(lambda visit: checkin_flows.rate(visit, str(rating)))

    @tool(
        "checkin_next_step",
        "Use during a check-in when they have both talked and are ready to go on ('next', "
        "'we're done'). The last step closes the check-in.",
    )
    async def checkin_next_step() -> CallToolResult:
        return await call(_next_step)

    @tool(
        "weekly_summary",
        "Use when they ask how their week went: check-ins and starters this week, said as "
        "acknowledgement, never a score.",
        read_only=True,
    )
    async def weekly_summary() -> CallToolResult:
        return await call(checkin_flows.summarise_week)

    @tool(
        "set_names",
        "Use when they tell you their first names ('we're Sam and Alex'), two to four: "
        "starters then say who goes first by name. `saved` is true only when stored.",
    )
    async def set_names(names: Names) -> CallToolResult:
        return await call(lambda visit: flows.set_names(visit, names))

    @server.custom_route("/health", methods=["GET"])
    async def health(request: Request) -> JSONResponse:
        store = tools.services.store
        problem = await anyio.to_thread.run_sync(store.health) if store else "no store"
        if problem:
            return JSONResponse({"status": "unavailable", "reason": problem}, status_code=503)
        return JSONResponse({"status": "ok"})

    return server


def mcp_app(
    services: SkillServices,
    *,
    token_verifier: TokenVerifier,
    auth: AuthSettings,
    host: str = "127.0.0.1",
) -> Starlette:
    """The ASGI app: Streamable HTTP on /mcp (bearer token required), /health open."""
    server = build_server(HouseholdTools(services), token_verifier=token_verifier, auth=auth)
    return server.streamable_http_app(host=host)
