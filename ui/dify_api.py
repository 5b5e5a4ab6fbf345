"""Dify's External Knowledge API: ``POST /api/dify/retrieval``, so that a Dify app can
use this knowledge base for its retrieval (in Dify, register the API endpoint
``http://<host>:7860/api/dify``; Dify appends ``/retrieval``).

Request ``{knowledge_id, query, retrieval_setting: {top_k, score_threshold},
metadata_condition?}``; response ``{"records": [{content, score, title, metadata}]}``.

``knowledge_id`` (Dify's "External Knowledge ID"):

- ``all``: every document the token's user may read;
- an access label the user may read, ``公开``, ``内部`` or a group name such as
  ``规划局``: only the documents with that label (``public`` and ``internal`` are
  accepted for the first two).

Any other id, or a label the user may not read, is "knowledge does not exist".

``score`` is the probability (0..1) that the passage answers the query, from the same
evidence model that reranks passages for answers: comparable across queries, so
``score_threshold`` means the same thing for every question. Records come best first.

``metadata`` of a record: ``doc``, ``title``, ``section``, ``page``, ``access``,
``cities``, ``years``, ``chunk_id`` (absent values are left out). ``metadata_condition``
filters on these with Dify's operators.

Errors, as Dify's spec defines: ``{"error_code": 1001, "error_msg": …}`` (HTTP 403)
for a missing or malformed ``Authorization: Bearer`` header, ``1002`` (HTTP 403) for a
token that is not valid, ``2001`` (HTTP 404) for a knowledge id that does not exist. A
malformed request body is HTTP 422 with ``error_code`` 422.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from core.access import INTERNAL, PUBLIC, Reader, check_label
from core.errors import ScenarioError
from assistant.retrieve import Filters
from assistant.users import AuthError

from .state import ServerState

ALL = "all"
DEPTH = 3  # retrieve this many times top_k, so that a metadata filter still leaves top_k


class DifyError(ScenarioError):
    """An error with a Dify error code and HTTP status."""

    def __init__(self, code: int, status: int, message: str):
        super().__init__(message)
        self.error_code, self.http_status = code, status


class RetrievalSetting(BaseModel):
    top_k: int = Field(5, ge=1, le=50)
    score_threshold: float = Field(0.0, ge=0.0, le=1.0)


class Condition(BaseModel):
    name: str | list[str]
    comparison_operator: str
    value: Any = None


class MetadataCondition(BaseModel):
    logical_operator: Literal["and", "or"] = "and"
    conditions: list[Condition] = Field(default_factory=list)


class RetrievalRequest(BaseModel):
    knowledge_id: str
    query: str
    retrieval_setting: RetrievalSetting = Field(default_factory=RetrievalSetting)
    metadata_condition: MetadataCondition | None = None


def dify_reader(state: ServerState, request: Request) -> Reader:
    header = request.headers.get("authorization", "")
    parts = header.split(None, 1)
    if len(parts) != 2 or parts[0].lower() != "bearer" or not parts[1].strip():
        raise DifyError(1001, 403, "Authorization 请求头格式无效，应为 Authorization: Bearer <api-key>")
    try:
        return state.reader_for_token(parts[1].strip())
    except AuthError:
        raise DifyError(1002, 403, "授权失败：API Key 无效或已过期") from None


def knowledge_ids(reader: Reader, labels_present: set[str]) -> list[str]:
    """The knowledge ids this reader may query: ``all`` and each label they may read
    (public and internal always; groups as the reader's groups, or every group found
    in the index for a reader who sees everything)."""
    allowed = reader.labels()
    groups = sorted(labels_present - {PUBLIC, INTERNAL, ""}) if allowed is None else list(reader.groups)
    return [ALL, PUBLIC, INTERNAL, *groups]


def label_filter(reader: Reader, knowledge_id: str) -> Filters | None:
    kid = (knowledge_id or "").strip()
    if kid.lower() == ALL:
        return None
    try:
        label = check_label(kid)
    except ScenarioError:
        label = None
    if label is None or not reader.may_read(label):
        raise DifyError(2001, 404, f"知识库不存在：{knowledge_id}（可用：all、公开、内部或你所在的组名）")
    return Filters(access=(label,))


def build_dify_api(state: ServerState) -> APIRouter:
    router = APIRouter(prefix="/api/dify", tags=["Dify 外部知识库"])

    @router.post("/retrieval", summary="Dify 外部知识库检索")
    def retrieval(body: RetrievalRequest, request: Request):
        reader = dify_reader(state, request)
        filters = label_filter(reader, body.knowledge_id)
        query = body.query.strip()
        if not query:
            return {"records": []}
        setting = body.retrieval_setting
        view = state.for_reader(reader)
        depth = setting.top_k * (DEPTH if body.metadata_condition else 1)
        _, chunks, evidence = view.evidence_for(query, k=depth, filters=filters)
        if not chunks:
            return {"records": []}
        scores = view.answer_probability(evidence)
        records = []
        for chunk, score in sorted(zip(chunks, scores), key=lambda cs: -cs[1]):
            meta = _metadata(chunk)
            if score < setting.score_threshold or not matches(body.metadata_condition, meta):
                continue
            records.append({"content": chunk.text, "score": round(score, 4),
                            "title": chunk.title or chunk.doc, "metadata": meta})
            if len(records) == setting.top_k:
                break
        return {"records": records}

    @router.get("/knowledge", summary="可用的知识库 ID（本服务的扩展，非 Dify 规范）")
    def knowledge(request: Request):
        reader = dify_reader(state, request)
        present = {a for st in state.assistant.index.store.doc_states().values() for a in st.access}
        return {"knowledge_ids": knowledge_ids(reader, present)}

    return router


def _metadata(chunk) -> dict:
    m = chunk.meta
    out = {"doc": chunk.doc, "title": chunk.title, "section": chunk.section, "page": chunk.page,
           "access": m.get("access") or PUBLIC, "cities": list(m.get("cities") or []),
           "years": list(m.get("years") or []), "chunk_id": chunk.id}
    return {k: v for k, v in out.items() if v not in (None, "")}


def matches(cond: MetadataCondition | None, meta: dict) -> bool:
    if cond is None or not cond.conditions:
        return True
    results = [_one(c, meta) for c in cond.conditions]
    return all(results) if cond.logical_operator == "and" else any(results)


def _one(c: Condition, meta: dict) -> bool:
    names = [c.name] if isinstance(c.name, str) else list(c.name)
    return any(_compare(c.comparison_operator.strip(), meta.get(n), c.value) for n in names)


_NUM = re.compile(r"^-?\d+(\.\d+)?$")


def _compare(op: str, have, want) -> bool:
    items = [str(x) for x in have] if isinstance(have, list) else ([] if have is None else [str(have)])
    text = " ".join(items)
    wants = [str(x) for x in want] if isinstance(want, list) else [str(want)] if want is not None else []
    w = wants[0] if wants else ""
    if op == "empty":
        return not items
    if op == "not empty":
        return bool(items)
    if op == "contains":
        return w in text
    if op == "not contains":
        return w not in text
    if op == "start with":
        return any(i.startswith(w) for i in items)
    if op == "end with":
        return any(i.endswith(w) for i in items)
    if op == "is":
        return w in items
    if op == "is not":
        return w not in items
    if op == "in":
        return bool(set(items) & set(wants))
    if op == "not in":
        return not set(items) & set(wants)
    if op in ("=", "≠", ">", "<", "≥", "≤", ">=", "<=", "!="):
        nums = [float(i) for i in items if _NUM.match(i)]
        if not nums or not _NUM.match(w):
            return op in ("≠", "!=")
        x = float(w)
        test = {"=": lambda a: a == x, "≠": lambda a: a != x, "!=": lambda a: a != x, ">": lambda a: a > x,
                "<": lambda a: a < x, "≥": lambda a: a >= x, ">=": lambda a: a >= x, "≤": lambda a: a <= x,
                "<=": lambda a: a <= x}[op]
        return any(test(a) for a in nums)
    if op in ("before", "after"):
        try:
            limit = date.fromisoformat(w[:10])
        except ValueError:
            return False
        for i in items:
            try:
                d = date.fromisoformat(i[:10]) if not i.isdigit() else date(int(i), 1, 1)
            except ValueError:
                continue
            if (d < limit) if op == "before" else (d > limit):
                return True
        return False
    raise ScenarioError(f"不支持的比较运算符：{op}")


def error_format(status: int, message: str, code: str) -> dict:
    """The Dify error body for :func:`ui.api.install_error_handlers`."""
    return {"error_code": int(code) if code.isdigit() else status, "error_msg": message}
