"""The knowledge base as an MCP server (the official ``mcp`` SDK, 2.x ``MCPServer``), for
desktop assistants and agent frameworks. Tools:

- ``ask``: a cited answer (``[n]`` markers and a reference list);
- ``search``: the passages retrieval finds, each with its source;
- ``find_cases``: comparable city cases for a need;
- ``draft_proposal``: a scenario proposal draft (Markdown, with references);
- ``list_documents``: the documents in the knowledge base.

``scenario mcp`` serves them over stdio for the person on this machine (like the other
CLI commands, it reads every document in the home). ``scenario serve`` also serves them
over streamable HTTP at ``/mcp`` (:func:`http_endpoint`; stateless, JSON responses),
where the same Bearer tokens as ``/api`` decide whose documents a call may read: without
a valid token a server with users answers 401, and a server without users (local mode)
answers only requests from this machine.
"""
from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from core.access import LOCAL, Reader
from core.errors import ScenarioError
from core.settings import MODES

from .openai_api import citations_of, reference_list

INSTRUCTIONS = ("场景智答：城市数字场景政策与案例知识库。用 ask 提问得到带 [n] 引用的回答，"
                "用 search 查原文片段，用 find_cases 找可对标的城市案例，用 draft_proposal 起草场景建设方案，"
                "用 list_documents 查看知识库中的文档。")


def build_mcp(view_for: Callable[[Mapping[str, str] | None], object]) -> MCPServer:
    """The MCP server; ``view_for(headers)`` gives the assistant a call acts for (the
    request's headers over HTTP, None over stdio)."""
    server = MCPServer("scenario-assistant", title="场景智答", instructions=INSTRUCTIONS, version="1")

    def view(ctx: Context | None):
        headers = None
        if ctx is not None:
            try:
                headers = ctx.headers
            except Exception:  # noqa: BLE001 - no request context (stdio): the local user
                headers = None
        return view_for(headers)

    @server.tool(description="就城市数字场景政策与案例提问，返回带 [n] 引用标记和参考资料列表的回答。"
                             "history 为之前的问题（从早到晚），用于理解追问，例如「那合肥呢？」")
    @_user_errors
    def ask(question: str, mode: str = "hybrid", history: list[str] | None = None, ctx: Context = None) -> str:
        _check_mode(mode)
        result = view(ctx).ask(question, mode=mode, history=[(q, "") for q in history or []])
        text = result.answer + reference_list(citations_of(result))
        if result.rewritten:
            text = f"（检索问题：{result.rewritten}）\n{text}"
        return text

    @server.tool(description="检索知识库，返回最相关的原文片段及其出处（文档、页码、章节）。")
    @_user_errors
    def search(query: str, k: int = 5, mode: str = "hybrid", ctx: Context = None) -> str:
        _check_mode(mode)
        if not (query or "").strip():
            raise ScenarioError("检索内容不能为空")
        _, chunks = view(ctx).search(query, k=max(1, min(int(k), 20)), mode=mode)
        if not chunks:
            return "未找到相关片段。"
        out = []
        for i, c in enumerate(chunks, start=1):
            where = "，".join(x for x in (f"第{c.page}页" if c.page else "", c.section) if x)
            out.append(f"[{i}] {c.doc}" + (f"（{c.title}）" if c.title and c.title not in c.doc else "")
                       + (f" {where}" if where else "") + f"\n{' '.join(c.text.split())}")
        return "\n\n".join(out)

    @server.tool(description="为一项建设需求查找可对标的其他城市案例。city 为本市（不出现在结果中）。")
    @_user_errors
    def find_cases(need: str, city: str | None = None, k: int = 5, ctx: Context = None) -> str:
        hits = view(ctx).find_cases(need, city=city, k=max(1, min(int(k), 20)))
        if not hits:
            return "未找到可对标的案例。"
        lines = []
        for i, h in enumerate(hits, start=1):
            d = h.to_dict()
            lines.append(f"{i}. {d['city']}：{d['title']}\n   {d['summary']}\n   对标理由：{d['why']}\n   出处：{d['source']}")
        return "\n\n".join(lines)

    @server.tool(description="根据场景设想起草场景建设方案（Markdown，带参考资料）。city 为本市名称。")
    @_user_errors
    def draft_proposal(idea: str, city: str | None = None, ctx: Context = None) -> str:
        return view(ctx).draft_proposal(idea, city=city).to_markdown()

    @server.tool(description="列出知识库中可以查阅的文档（文件名、标题、片段数、访问级别）。")
    @_user_errors
    def list_documents(ctx: Context = None) -> str:
        docs = view(ctx).documents()
        if not docs:
            return "知识库为空。"
        return "\n".join(f"{d['doc']}\t{d['title']}\t{d['chunks']} 个片段\t{d['access']}" for d in docs)

    return server


def _user_errors(fn):
    """A ScenarioError reaches the client as the tool's error, with its Chinese message
    (anything else stays a generic error, its details in the server's log)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ScenarioError as e:
            raise ToolError(e.message) from None

    return wrapper


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ScenarioError(f"检索方式无效：{mode}，应为 {'、'.join(MODES)}")


def local_server(settings) -> MCPServer:
    """For ``scenario mcp``: one assistant for the local user; the built-in corpus is added
    on the first call (not before the handshake, which a desktop client times)."""
    from assistant.service import Assistant

    assistant = Assistant(settings)
    ready = threading.Lock()
    state = {"checked": False}

    def view_for(headers):
        with ready:
            if not state["checked"]:
                assistant.ensure_builtin(progress=False)
                state["checked"] = True
        return assistant.scoped(LOCAL)

    return build_mcp(view_for)


def reader_from_headers(state, headers: Mapping[str, str] | None) -> Reader:
    """Over HTTP: the reader of the request's Bearer token, as for ``/api``."""
    header = (headers or {}).get("authorization", "")
    token = header[7:].strip() or None if header.lower().startswith("bearer ") else None
    return state.reader_for_token(token)


def http_endpoint(state) -> tuple[object, Callable[[], AbstractAsyncContextManager]]:
    """For ``scenario serve``: the tools over streamable HTTP, as an ASGI app for the route
    ``/mcp``, and the context manager that must run for the server's lifetime (the SDK's
    session manager; the caller enters it in the FastAPI app's lifespan, which a mounted
    sub-app's own lifespan would not be).

    Stateless with JSON responses: every POST is answered on its own, so nothing is kept
    between requests, a restart or a second worker loses no session, and each tool call
    acts for the token of the request that carries it (:func:`reader_from_headers`)."""
    from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
    from mcp.server.transport_security import TransportSecuritySettings

    server = build_mcp(lambda headers: state.for_reader(reader_from_headers(state, headers)))
    # the SDK's Host/Origin check would only admit 127.0.0.1 and refuse every client of a
    # server with users on another address; in local mode, where no token is needed,
    # ui.local_gate checks Host and Origin for the whole app (DNS rebinding), and tokens
    # guard the rest
    server.streamable_http_app(streamable_http_path="/mcp", stateless_http=True, json_response=True,
                               transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))
    manager = server.session_manager
    return McpGate(state, StreamableHTTPASGIApp(manager)), manager.run


class McpGate:
    """In front of the MCP endpoint: POST only; the request needs a valid Bearer token when the server
    has users (HTTP 401 with a JSON error and ``WWW-Authenticate: Bearer`` otherwise); in
    local mode none is needed (the app's LocalOnlyGate has let only this machine through)."""

    def __init__(self, state, app):
        self.state = state
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        from starlette.concurrency import run_in_threadpool
        from starlette.datastructures import Headers
        from starlette.responses import JSONResponse

        from assistant.users import AuthError

        from .api import error_body

        if scope["method"] != "POST":
            # stateless: no session to DELETE, nothing to push on a GET stream; the spec's
            # answer is 405, which clients take as "no such stream"
            response = JSONResponse(error_body("MCP 端点只接受 POST 请求", "HTTP405"), status_code=405,
                                    headers={"Allow": "POST"})
            return await response(scope, receive, send)
        headers = Headers(scope=scope)
        try:
            if not self.state.open_mode:  # local mode: ui.local_gate admits only this machine
                await run_in_threadpool(reader_from_headers, self.state, headers)
        except AuthError as e:
            response = JSONResponse(error_body(e.message, type(e).__name__), status_code=e.http_status,
                                    headers={"WWW-Authenticate": "Bearer"})
            return await response(scope, receive, send)
        except ScenarioError as e:
            return await JSONResponse(error_body(e.message, type(e).__name__), status_code=403)(scope, receive, send)
        return await self.app(scope, receive, send)


