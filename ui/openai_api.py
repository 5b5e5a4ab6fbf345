"""An OpenAI-compatible chat API under ``/v1``, so that any client that speaks to OpenAI
(chat apps, SDKs, agent frameworks) can use the knowledge base as a model.

- ``GET /v1/models``: one model per retrieval mode, ``scenario-hybrid``,
  ``scenario-dense``, ``scenario-lexical``.
- ``POST /v1/chat/completions``: the last user message is the question; the earlier
  user/assistant turns are the history that follow-up rewriting reads, as in the chat
  UI. ``stream: true`` sends ``chat.completion.chunk`` events and ``data: [DONE]``.
  ``temperature``, ``max_tokens``, ``top_p`` and the other sampling fields are accepted
  and ignored: answers are grounded in the documents, not sampled.

The answer text keeps its ``[n]`` markers and ends with a reference list
(``参考资料：``). The citations also come as data in an extra field ``citations``
(``[{n, doc, title, page, section, quote}]``) on the completion object and on the last
stream chunk; clients that do not know it ignore it.

Authentication and document access are those of ``/api``: ``Authorization: Bearer
<token>`` (the API key of an OpenAI client), and the answer only draws on the documents
the token's user may read. Errors use OpenAI's body ``{"error": {"message", "type",
"code"}}``.
"""
from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from core.access import Reader
from core.errors import NotFoundError, ScenarioError
from assistant.excerpt import cited_sentences

from .api import bearer_token
from .state import ServerState

log = logging.getLogger("scenario.openai")

MODELS = {"scenario-hybrid": "hybrid", "scenario-dense": "dense", "scenario-lexical": "lexical"}
OWNER = "scenario-assistant"
REFERENCES = "参考资料："
_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
          404: "invalid_request_error", 409: "conflict_error", 422: "invalid_request_error", 500: "server_error"}
_CODES = {401: "invalid_api_key", 403: "permission_denied", 404: "not_found"}


def openai_error(status: int, message: str, code: str | None = None) -> dict:
    """OpenAI's error body for an HTTP status."""
    return {"error": {"message": message, "type": _TYPES.get(status, "invalid_request_error"),
                      "param": None, "code": _CODES.get(status, code)}}


class UnknownModelError(NotFoundError):
    """HTTP 404, code model_not_found."""


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # n, stop, user, … are accepted and ignored
    model: str = Field("scenario-hybrid", description="scenario-hybrid、scenario-dense 或 scenario-lexical")
    messages: list[Message] = Field(..., min_length=1)
    stream: bool = False
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None


def text_of(message: Message) -> str:
    """A message's text: a string, or the text parts of a list of content parts."""
    c = message.content
    if c is None:
        return ""
    if isinstance(c, str):
        return c
    return "".join(p.get("text", "") for p in c if isinstance(p, dict) and p.get("type", "text") == "text")


def strip_references(answer: str) -> str:
    """An earlier answer as the assistant sent it, without the reference list."""
    at = answer.rfind(REFERENCES)
    return answer[:at].rstrip() if at >= 0 else answer


def question_and_history(messages: list[Message]) -> tuple[str, list[tuple[str, str]]]:
    """The last user message, and the earlier (question, answer) turns. System and tool
    messages are not questions and are left out."""
    turns = [(m.role, text_of(m)) for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user":
        raise ScenarioError("messages 的最后一条必须是用户（user）的问题")
    history: list[tuple[str, str]] = []
    for role, text in turns[:-1]:
        if role == "user":
            history.append((text, ""))
        elif history and not history[-1][1]:
            history[-1] = (history[-1][0], strip_references(text))
    return turns[-1][1], history


def citations_of(result) -> list[dict]:
    """The citations as the extra ``citations`` field: where each comes from, and the
    sentence(s) of the passage the answer cites (the passage's start when none matches)."""
    by_n = cited_sentences(result.answer)
    out = []
    for c in result.citations:
        ch = c.chunk
        quote = "；".join(s for s in by_n.get(c.n, []) if s and s in ch.text) or _lead(ch.text)
        out.append({"n": c.n, "doc": ch.doc, "title": ch.title, "page": ch.page, "section": ch.section,
                    "quote": quote})
    return out


def _lead(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def reference_list(citations: list[dict]) -> str:
    """``\\n\\n参考资料：\\n[1] 文档名 第n页 · 章节`` for the answer's citations ('' for none)."""
    if not citations:
        return ""
    lines = []
    for c in citations:
        name = c["doc"] + (f"（{c['title']}）" if c["title"] and c["title"] not in c["doc"] else "")
        where = " ".join(x for x in (f"第{c['page']}页" if c["page"] else "", f"· {c['section']}" if c["section"] else "") if x)
        lines.append(f"[{c['n']}] {name}" + (f" {where}" if where else ""))
    return f"\n\n{REFERENCES}\n" + "\n".join(lines)


def build_openai_api(state: ServerState) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["OpenAI 兼容接口"])
    created = int(time.time())

    def reader(request: Request) -> Reader:
        return state.reader_for_token(bearer_token(request))

    @router.get("/models", summary="可用模型（每种检索方式一个）")
    def models(r: Reader = Depends(reader)):
        return {"object": "list", "data": [{"id": m, "object": "model", "created": created, "owned_by": OWNER}
                                           for m in MODELS]}

    @router.get("/models/{model}", summary="模型信息")
    def model_info(model: str, r: Reader = Depends(reader)):
        _mode(model)
        return {"id": model, "object": "model", "created": created, "owned_by": OWNER}

    @router.post("/chat/completions", summary="对话补全（带引用，可流式）")
    def chat(body: ChatRequest, r: Reader = Depends(reader)):
        mode = _mode(body.model)
        question, history = question_and_history(body.messages)
        view = state.for_reader(r)
        cid = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        now = int(time.time())
        if not body.stream:
            result = view.ask(question, mode=mode, history=history)
            cites = citations_of(result)
            text = result.answer + reference_list(cites)
            return {"id": cid, "object": "chat.completion", "created": now, "model": body.model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                 "finish_reason": "stop", "logprobs": None}],
                    "usage": _usage(question, text), "citations": cites,
                    "rewritten_question": result.rewritten, "refused": result.refused}

        events = view.ask_stream(question, mode=mode, history=history)
        first = next(events)  # an error before the first event is a JSON error, not a broken stream

        def chunk(delta: dict, finish: str | None = None, **extra) -> str:
            obj = {"id": cid, "object": "chat.completion.chunk", "created": now, "model": body.model,
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **extra}
            return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n"

        def sse():
            yield chunk({"role": "assistant", "content": ""})
            try:
                for event in _chain(first, events):
                    if event["type"] == "delta":
                        yield chunk({"content": event["text"]})
                        continue
                    result = event["result"]
                    cites = citations_of(result)
                    refs = reference_list(cites)
                    if refs:
                        yield chunk({"content": refs})
                    yield chunk({}, "stop", citations=cites, rewritten_question=result.rewritten,
                                refused=result.refused)
            except ScenarioError as e:
                yield f"data: {json.dumps(openai_error(e.http_status, e.message, type(e).__name__), ensure_ascii=False)}\n\n"
            except Exception:  # noqa: BLE001
                log.exception("chat stream failed")
                yield f"data: {json.dumps(openai_error(500, '服务器内部错误，请稍后重试'), ensure_ascii=False)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(sse(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    def unknown(rest: str):
        raise NotFoundError(f"没有这个接口：/v1/{rest}")

    return router


def _mode(model: str) -> str:
    mode = MODELS.get(model)
    if mode is None:
        raise UnknownModelError(f"没有这个模型：{model}。可用模型：{'、'.join(MODELS)}")
    return mode


def error_format(status: int, message: str, code: str) -> dict:
    """The ``/v1`` error body, for :func:`ui.api.install_error_handlers`."""
    body = openai_error(status, message, code)
    if code == "UnknownModelError":
        body["error"]["code"] = "model_not_found"
    return body


_CJK_OR_WORD = re.compile(r"[\u4e00-\u9fff]|[A-Za-z0-9]+|[^\s]")


def _usage(prompt: str, completion: str) -> dict:
    """Token counts for clients that show them: characters of Chinese, words otherwise
    (an estimate; no model tokenizer is involved)."""
    p, c = len(_CJK_OR_WORD.findall(prompt)), len(_CJK_OR_WORD.findall(completion))
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def _chain(first, rest):
    yield first
    yield from rest
