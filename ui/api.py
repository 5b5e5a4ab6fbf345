"""The REST API under ``/api/``: the same tasks as the UI, for programs. Bearer tokens
(``POST /api/token``), JSON errors ``{"error": {"message", "code"}}`` and never a stack
trace; ``POST /api/ask`` streams server-sent events when asked to."""
from __future__ import annotations

import json
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Depends, FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.access import Reader
from core.errors import NotFoundError, ScenarioError
from assistant.retrieve import Filters
from assistant.users import SESSION_HOURS

from .state import ServerState

log = logging.getLogger("scenario.api")


def error_body(message: str, code: str) -> dict:
    return {"error": {"message": message, "code": code}}


# --- request bodies ----------------------------------------------------------------------

class TokenRequest(BaseModel):
    username: str
    password: str


class Turn(BaseModel):
    question: str
    answer: str = ""


class AskRequest(BaseModel):
    question: str = Field(..., description="问题")
    history: list[Turn] = Field(default_factory=list, description="之前的问答，用于改写追问")
    mode: Literal["hybrid", "dense", "lexical"] | None = None
    k: int | None = Field(None, ge=1, le=20)
    cities: list[str] = Field(default_factory=list)
    docs: list[str] = Field(default_factory=list)
    years: list[int] = Field(default_factory=list)
    generator: Literal["extractive", "llm"] | None = None
    stream: bool = Field(False, description="为 true 时以 text/event-stream 逐段返回")


class CasesRequest(BaseModel):
    need: str
    city: str | None = None
    exclude_cities: list[str] = Field(default_factory=list)
    k: int = Field(5, ge=1, le=20)
    per_city: int = Field(1, ge=1, le=20)


DOWNLOAD_HELP = ("为 true 且 format 为 markdown 或 docx 时，不直接返回文件，而是保存为只有本人能下载的文件，"
                 "返回 {id, name, url, media_type, size, expires_in_hours}；用同一令牌 GET url 下载")


class ProposalRequest(BaseModel):
    idea: str = Field(..., description="场景设想")
    city: str | None = None
    format: Literal["json", "markdown", "docx"] = "json"
    download: bool = Field(False, description=DOWNLOAD_HELP)


class ResponseRequest(BaseModel):
    need: str = Field(..., description="需求清单条目")
    capability: str = Field(..., description="企业能力")
    city: str | None = None
    format: Literal["json", "markdown", "docx"] = "json"
    download: bool = Field(False, description=DOWNLOAD_HELP)


class EvalRequest(BaseModel):
    dataset: str
    modes: list[Literal["hybrid", "dense", "lexical"]] = Field(default_factory=lambda: ["hybrid"])


class UserRequest(BaseModel):
    name: str
    password: str
    role: Literal["viewer", "editor", "admin"] = "viewer"
    groups: list[str] = Field(default_factory=list)


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    header = request.headers.get("authorization", "")
    return header[7:].strip() or None if header.lower().startswith("bearer ") else None


def _account_routes(router: APIRouter, state: ServerState, reader) -> None:
    """Sign-in, the current user and user management (admins)."""

    @router.post("/token", tags=["账户"], summary="用户名和密码换取令牌")
    def token(body: TokenRequest):
        user = state.users.authenticate(body.username, body.password)
        tok = state.users.issue_token(user.name, label="login", hours=SESSION_HOURS)
        return {"token": tok, "token_type": "bearer", "expires_in_hours": SESSION_HOURS, "user": user.public()}

    @router.get("/me", tags=["账户"], summary="当前用户")
    def me(r: Reader = Depends(reader)):
        return {"name": r.name, "role": r.role, "groups": list(r.groups), "open_mode": state.open_mode}

    @router.get("/users", tags=["账户"], summary="列出用户（管理员）")
    def users_list(r: Reader = Depends(reader)):
        state.require(r, "admin")
        return {"users": [u.public() for u in state.users.list()]}

    @router.post("/users", tags=["账户"], summary="新增或修改用户（管理员）", status_code=201)
    def users_add(body: UserRequest, r: Reader = Depends(reader)):
        state.require(r, "admin")
        user = state.users.add(body.name, body.password, body.role, body.groups, replace=True)
        return user.public()

    @router.delete("/users/{name}", tags=["账户"], summary="删除用户（管理员）")
    def users_remove(name: str, r: Reader = Depends(reader)):
        state.require(r, "admin")
        state.users.remove(name)
        return {"removed": name}


def _task_routes(router: APIRouter, state: ServerState, reader) -> None:
    """Asking, comparable cases, drafts and the files made for a user."""

    @router.post("/ask", tags=["问答"], summary="提问（可流式）")
    def ask(body: AskRequest, r: Reader = Depends(reader)):
        view = state.for_reader(r)
        filters = Filters(docs=tuple(body.docs), cities=tuple(body.cities), years=tuple(body.years))
        kwargs = dict(mode=body.mode, k=body.k, filters=filters if filters else None,
                      generator=body.generator, history=[(t.question, t.answer) for t in body.history])
        if not body.stream:
            return view.ask(body.question, **kwargs).to_dict()
        events = view.ask_stream(body.question, **kwargs)
        first = next(events)  # errors before the first event become a JSON error, not a broken stream

        def sse():
            for event in _chain(first, events):
                if event["type"] == "result":
                    yield _sse("result", event["result"].to_dict())
                else:
                    yield _sse("delta", {"text": event["text"]})

        return StreamingResponse(_guarded(sse()), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @router.post("/cases", tags=["案例对标"], summary="可对标的城市案例")
    def cases(body: CasesRequest, r: Reader = Depends(reader)):
        hits = state.for_reader(r).find_cases(body.need, city=body.city, exclude_cities=tuple(body.exclude_cities),
                                              k=body.k, per_city=body.per_city)
        return {"need": body.need, "cases": [h.to_dict() for h in hits]}

    def _draft_reply(draft, fmt: str, r: Reader, download: bool = False):
        stem = draft.title[:40] or "方案"
        if download and fmt == "markdown":
            return state.downloads.write(r, f"{stem}.md", draft.to_markdown()).to_dict()
        if download and fmt == "docx":
            from assistant.export import draft_to_docx

            return state.downloads.add(r, draft_to_docx(draft, state.downloads.new_path(r, f"{stem}.docx"))).to_dict()
        if fmt == "markdown":
            return Response(draft.to_markdown(), media_type="text/markdown; charset=utf-8")
        if fmt == "docx":
            from assistant.export import draft_to_docx

            folder = Path(tempfile.mkdtemp(prefix="scenario-draft-"))
            out = draft_to_docx(draft, folder / f"{stem}.docx")
            return FileResponse(out, filename=out.name, background=BackgroundTask(shutil.rmtree, folder, True),
                                media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        return draft.to_dict()

    @router.post("/draft/proposal", tags=["方案起草"], summary="起草场景建设方案")
    def draft_proposal(body: ProposalRequest, r: Reader = Depends(reader)):
        return _draft_reply(state.for_reader(r).draft_proposal(body.idea, city=body.city), body.format, r,
                            body.download)

    @router.post("/draft/response", tags=["方案起草"], summary="起草揭榜响应方案")
    def draft_response(body: ResponseRequest, r: Reader = Depends(reader)):
        return _draft_reply(state.for_reader(r).draft_response(body.need, body.capability, city=body.city),
                            body.format, r, body.download)

    @router.get("/files/{file_id}", tags=["方案起草"], summary="下载本人生成的文件（草稿等）")
    def download(file_id: str, r: Reader = Depends(reader)):
        f = state.downloads.get(r, file_id)
        return FileResponse(f.path, filename=f.name, media_type=f.media_type,
                            headers={"Cache-Control": "private, no-store"})


def _document_routes(router: APIRouter, state: ServerState, reader) -> None:
    """The knowledge base: list, upload, delete and re-ingest documents."""

    @router.get("/documents", tags=["知识库"], summary="文档列表")
    def documents(r: Reader = Depends(reader)):
        return {"documents": state.for_reader(r).documents()}

    @router.post("/documents", tags=["知识库"], summary="上传并导入文档（编辑者）")
    async def upload(files: list[UploadFile | str] = File(..., description="一个或多个文件"),
                     access: str = Form("公开", description="公开、内部或组名"),
                     ocr: str = Form("auto", description="OCR：auto（无文字层的页面）、off、force（每一页）"),
                     r: Reader = Depends(reader)):
        state.require(r, "write")
        limit = state.settings.max_file_mb * 1024 * 1024
        payload = []
        for f in files:
            if isinstance(f, str):  # a part without a file name arrives as a plain field
                payload.append(("", b""))
                continue
            data = await f.read(limit + 1)
            if len(data) > limit:
                payload.append((f.filename or "", None))
            else:
                payload.append((f.filename or "", data))
        too_big = [n for n, d in payload if d is None]
        from starlette.concurrency import run_in_threadpool

        result = await run_in_threadpool(state.upload, r, [(n, d) for n, d in payload if d is not None], access,
                                          None, ocr)
        for n in too_big:
            result["files"].insert(0, {"path": n, "source": n, "status": "failed", "chunks": 0,
                                       "reason": f"文件过大，上限为 {state.settings.max_file_mb} MB（未保存）"})
            result["failed"] += 1
        return result

    @router.delete("/documents/{name}", tags=["知识库"], summary="删除文档（编辑者）")
    def delete(name: str, r: Reader = Depends(reader)):
        return {"removed": name, "chunks": state.delete(r, name)}

    @router.post("/documents/{name}/reingest", tags=["知识库"], summary="重新导入文档，可改访问级别（编辑者）")
    def reingest(name: str, access: str | None = None, r: Reader = Depends(reader)):
        return state.reingest(r, name, access)


def _eval_routes(router: APIRouter, state: ServerState, reader) -> None:
    """Evaluation runs: datasets, start, list, compare, status, report."""

    @router.get("/evals/datasets", tags=["评测"], summary="可用的评测集")
    def eval_datasets(r: Reader = Depends(reader)):
        return {"datasets": sorted(state.datasets())}

    @router.post("/evals", tags=["评测"], summary="开始一次评测（管理员）", status_code=202)
    def eval_start(body: EvalRequest, r: Reader = Depends(reader)):
        return state.start_eval(r, body.dataset, list(body.modes)).to_dict()

    @router.get("/evals", tags=["评测"], summary="评测列表")
    def eval_list(r: Reader = Depends(reader)):
        return {"runs": state.runs()}

    @router.get("/evals/compare", tags=["评测"], summary="比较两次评测")
    def eval_compare(a: str, b: str, r: Reader = Depends(reader)):
        return state.compare(a, b, r)

    @router.get("/evals/{run_id}", tags=["评测"], summary="评测状态与指标")
    def eval_get(run_id: str, r: Reader = Depends(reader)):
        return state.job(run_id)

    @router.get("/evals/{run_id}/report", tags=["评测"], summary="评测报告（HTML，管理员）", response_class=HTMLResponse)
    def eval_report(run_id: str, r: Reader = Depends(reader)):
        return HTMLResponse(state.report(r, run_id).read_text(encoding="utf-8"))


def build_api(state: ServerState) -> APIRouter:
    router = APIRouter(prefix="/api")

    def reader(request: Request) -> Reader:
        return state.reader_for_token(bearer_token(request))

    for routes in (_account_routes, _task_routes, _document_routes, _eval_routes):
        routes(router, state, reader)

    @router.get("/health", tags=["服务"], summary="健康检查")
    def health():
        return {"status": "ok", "chunks": state.assistant.index.store.count(), "open_mode": state.open_mode}

    @router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    def unknown(rest: str):
        raise NotFoundError(f"没有这个接口：/api/{rest}")

    return router


def _chain(first, rest):
    yield first
    yield from rest


def _sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _guarded(gen):
    """An error in the middle of a stream becomes an ``error`` event, not a cut connection."""
    try:
        yield from gen
    except ScenarioError as e:
        yield _sse("error", error_body(e.message, type(e).__name__))
    except Exception:  # noqa: BLE001
        log.exception("stream failed")
        yield _sse("error", error_body("服务器内部错误，请稍后重试", "InternalError"))


def install_error_handlers(app: FastAPI, formats: list[tuple[str, object]] | None = None) -> None:
    """JSON errors for the whole app. ``formats`` gives other error bodies to paths under
    a prefix (the OpenAI-compatible ``/v1``, Dify's retrieval): ``(prefix, fn(status,
    message, code) -> dict)``, the first prefix that matches wins."""
    formats = list(formats or [])

    def reply(request: Request, status: int, message: str, code: str, headers=None) -> JSONResponse:
        path = request.url.path
        fn = next((f for prefix, f in formats if path == prefix or path.startswith(prefix.rstrip("/") + "/")), None)
        body = fn(status, message, code) if fn else error_body(message, code)
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(ScenarioError)
    async def scenario_error(request: Request, exc: ScenarioError):
        status = exc.http_status  # each error class says its own (core.errors)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        code = str(getattr(exc, "error_code", None) or type(exc).__name__)
        return reply(request, status, exc.message, code, headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        parts = []
        for err in exc.errors():
            where = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
            parts.append(f"{where}：{err.get('msg', '')}")
        return reply(request, 422, "请求格式有误：" + "；".join(parts), "ValidationError")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = {404: "没有这个接口", 405: "不支持这个请求方法"}.get(exc.status_code, str(exc.detail))
        return reply(request, exc.status_code, message, f"HTTP{exc.status_code}")

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception):
        log.exception("request failed: %s %s", request.method, request.url.path)
        return reply(request, 500, "服务器内部错误，请稍后重试", "InternalError")
